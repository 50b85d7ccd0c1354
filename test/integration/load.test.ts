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

it("bench bridge runs against a real server process and a bare grpc-js echo baseline", async () => {
  const { benchBridge } = await import("../../src/bench/bridge.js");
  const r = await benchBridge({ task: "PointReach-v0", envs: 2, seconds: 0.3, pings: 50 });
  for (const k of ["in_process_steps_per_s", "grpc_steps_per_s", "ratio", "rtt_us_p50", "rtt_us_p99", "baseline_pingpong_us_p50"] as const) {
    assert.ok(Number.isFinite(r[k]) && r[k] > 0, `${k} = ${r[k]}`);
  }
  assert.ok(r.rtt_us_p99 >= r.rtt_us_p50);
});
