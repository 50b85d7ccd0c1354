// RemoteReward: a server's reward function (compute_reward) as a synchronous
// RewardModel. Against `simbridge serve` in a child process (a RemoteReward
// blocks its thread while it waits, so the server must be elsewhere): the
// rewards equal the task's own computeReward in-process, one request per
// call; bad batches are refused before sending; a restarted server is
// reconnected; a black box and a server in the calling thread are refused at
// connect with a message saying why.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { builtinRegistry } from "../../sims/catalog.js";
import { Code } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { startServer } from "../../src/server/server.js";
import { KnownReward } from "../../src/reward/known-reward.js";
import { RemoteReward } from "../../src/reward/remote-reward.js";
import { rejectsWith } from "../helpers/rejects-with.js";
import { startServeProcess } from "../../src/bench/child-process.js";


function serve(port: number, ...args: string[]): Promise<{ child: ChildProcess; address: string }> {
  return startServeProcess(["--task", "PointReach-v0", "--port", String(port), ...args]);
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
}

/** A HER-shaped batch of n transitions with 2-d goals: the reward judges nextAchievedGoal. */
function batch(n: number, seed: number) {
  const rng = new Rng(seed);
  const goals = () => Float32Array.from({ length: 2 * n }, () => rng.uniformRange(-1, 1));
  return { achievedGoal: goals(), nextAchievedGoal: goals(), desiredGoal: goals() };
}

describe("RemoteReward against a server in another process", () => {
  let server: { child: ChildProcess; address: string };
  before(async () => {
    server = await serve(0);
  });
  after(async () => {
    await kill(server.child);
  });

  it("scores a batch like the task's computeReward in-process, with one compute_reward request per call", async () => {
    const remote = await RemoteReward.connect(server.address, "PointReach-v0", { options: { reward_type: "dense" } });
    const local = await builtinRegistry().get("PointReach-v0").create({ reward_type: "dense" });
    try {
      assert.equal(remote.isLearned, false);
      assert.deepEqual(remote.goalShape, [2]);
      assert.equal(remote.requests, 1, "connect's empty probe");
      const known = KnownReward.fromTask(local);
      for (const n of [1, 7, 256]) {
        const b = batch(n, n);
        const got = new Float32Array(n);
        const want = new Float32Array(n);
        const sentBefore: number = remote.requests;
        remote.rewards(b, got);
        known.rewards(b, want);
        assert.equal(remote.requests, sentBefore + 1, `one request for ${n} transitions`);
        assert.deepEqual(got, want, `n = ${n}`);
      }
      // Without nextAchievedGoal the achieved goal is judged; an empty batch sends nothing.
      const { achievedGoal, desiredGoal } = batch(5, 9);
      const got = new Float32Array(5);
      const want = new Float32Array(5);
      remote.rewards({ achievedGoal, desiredGoal }, got);
      known.rewards({ achievedGoal, desiredGoal }, want);
      assert.deepEqual(got, want);
      const sent: number = remote.requests;
      remote.rewards(batch(0, 1), new Float32Array(0));
      assert.equal(remote.requests, sent);
      assert.equal(remote.pairs, 1 + 7 + 256 + 5);
    } finally {
      local.close();
      await remote.close();
    }
  });

  it("refuses a batch whose goals do not fit the goal shape before sending it; bad options at connect", async () => {
    const remote = await RemoteReward.connect(server.address, "PointReach-v0");
    try {
      const sent: number = remote.requests;
      assert.throws(
        () => remote.rewards({ achievedGoal: new Float32Array(6), desiredGoal: new Float32Array(6) }, new Float32Array(2)),
        (e: unknown) => e instanceof Error && /expected achieved and desired goals of 2 rows × 2 .*but got 6 and 6 elements/.test(e.message),
      );
      assert.equal(remote.requests, sent);
    } finally {
      await remote.close();
    }
    await rejectsWith(RemoteReward.connect(server.address, "PointReach-v0", { options: { no_such_option: 1 } }), Code.INVALID_ARGUMENT, /unknown PointReach-v0 make option 'no_such_option'/);
    await rejectsWith(RemoteReward.connect(server.address, "Nope-v0"), Code.NOT_FOUND, /no task Nope-v0/);
  });

  it("reconnects when the server was restarted, and the call goes on", async () => {
    const port = Number(server.address.split(":").pop());
    const remote = await RemoteReward.connect(server.address, "PointReach-v0", { reconnect: { initialDelayMs: 50 } });
    try {
      const out = new Float32Array(3);
      remote.rewards(batch(3, 1), out);
      await kill(server.child);
      server = await serve(port);
      remote.rewards(batch(3, 2), out);
      assert.equal(remote.reconnects, 1);
      assert.ok(out.every((r) => r === 0 || r === -1));
    } finally {
      await remote.close();
    }
  });
});

describe("RemoteReward refuses at connect", () => {
  it("a black box: UNIMPLEMENTED, naming the missing capability", async () => {
    const server = await startServer({ registry: builtinRegistry().only(["PointReach-v0"]).asBlackBox(), port: 0 });
    try {
      await rejectsWith(RemoteReward.connect(server.address, "PointReach-v0"), Code.UNIMPLEMENTED, /does not offer its reward function \(no "compute_reward" capability/);
    } finally {
      await server.close();
    }
  });

  it("a server running in the calling thread (it could not answer while the thread waits): DEADLINE_EXCEEDED, saying so", async () => {
    const server = await startServer({ registry: builtinRegistry().only(["PointReach-v0"]), port: 0 });
    try {
      await rejectsWith(RemoteReward.connect(server.address, "PointReach-v0", { probeTimeoutMs: 500 }), Code.DEADLINE_EXCEEDED, /is the server running in this thread\?/);
    } finally {
      await server.close();
    }
  });
});
