// 64 concurrent sessions on one real server process: every step is answered
// and the server's memory stays flat across rounds.
import { it } from "node:test";
import assert from "node:assert/strict";
import { benchLoad } from "../../src/bench/load.js";

it("64 concurrent sessions: every step answered, server memory flat", async () => {
  const r = await benchLoad({ task: "PointReach-v0", sessions: 64, envsPerSession: 2, steps: 60, rounds: 4 });
  assert.equal(r.sent, 64 * 60 * 4);
  assert.equal(r.answered, r.sent, "some steps were not answered");
  const [first, , , last] = r.server_rss_mib;
  // Round 1 warms up (JIT, buffers); later rounds must not keep growing.
  assert.ok(last! - first! < 25, `server RSS grew from ${first} MiB to ${last} MiB over 3 more rounds of 64 sessions`);
});
