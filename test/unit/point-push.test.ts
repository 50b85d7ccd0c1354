// PointPush-v0 (sims/point/point-push-v0.ts): the push dynamics against hand
// computations, reward and success, options, seeds, the random policy's share
// of episodes that move the block, and the scripted demonstrator.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Code, SimbridgeError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { StepStatus, type Options, type Task } from "../../src/env/task.js";
import { CONTACT_DISTANCE, pointPushMove, pointPushV0 } from "../../sims/point/point-push-v0.js";
import { pointPushScripted } from "../../sims/point/scripted.js";

const make = (options: Options = {}): Promise<Task> => pointPushV0.create(options);

function invalid(field: string, pattern?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof SimbridgeError, String(e));
    assert.equal(e.code, Code.INVALID_ARGUMENT);
    assert.equal(e.field, `options.${field}`);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

/** One step of the dynamics from [point x, y, block x, y] with action (ax, ay): [px, py, bx, by, vx, vy]. */
function move(px: number, py: number, bx: number, by: number, ax: number, ay: number): number[] {
  const s = new Float64Array([px, py, bx, by, 0, 0]);
  pointPushMove(s, ax, ay);
  return [...s];
}

function assertClose(got: readonly number[], want: readonly number[], what: string): void {
  assert.equal(got.length, want.length, what);
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) < 1e-12, `${what}[${i}]: ${g}, expected ${want[i]} (got ${got.join(", ")})`));
}

test("PointPush-v0 spec: observation 8 (point x, y first), goals 2, action [−1, 1]², 50 steps, white box", () => {
  const spec = pointPushV0.spec({});
  assert.equal(spec.name, "PointPush-v0");
  assert.deepEqual(spec.observations.map((o) => [o.name, o.shape]), [["observation", [8]], ["achieved_goal", [2]], ["desired_goal", [2]]]);
  const f = Math.fround;
  const v = f(0.1 * (1 + Math.SQRT2));
  assert.deepEqual([...spec.observations[0]!.maximum!], [f(0.95), f(0.95), v, v, f(0.9), f(0.9), f(1.85), f(1.85)]);
  assert.deepEqual([...spec.observations[1]!.minimum!], [-f(0.9), -f(0.9)]);
  assert.deepEqual([...spec.action.minimum!, ...spec.action.maximum!], [-1, -1, 1, 1]);
  assert.deepEqual([spec.goalConditioned, spec.hasReward, spec.blackBox, spec.hasRewardFunction], [true, true, false, true]);
  assert.equal(spec.maxEpisodeSteps, 50);
  assert.deepEqual(spec.infoKeys, ["distance"]);
  assert.deepEqual(spec.makeOptions.map((o) => [o.name, o.default]), [["max_episode_steps", 50], ["reward_type", "sparse"], ["distance_threshold", 0.1]]);
  assert.equal(pointPushV0.spec({ max_episode_steps: 100 }).maxEpisodeSteps, 100);
});

test("PointPush-v0 dynamics, by hand: a free move, a head-on push, an oblique push, the arena's edge", () => {
  // Free: the point moves by action·0.1, the block stays.
  assertClose(move(0, 0, 0.5, 0.5, 1, -0.5), [0.1, -0.05, 0.5, 0.5, 0.1, -0.05], "free move");
  // Head-on: the point ends 0.1 from the block's centre (overlap 0.05); the block is pushed 0.05 along +x to touch.
  assertClose(move(0, 0, 0.2, 0, 1, 0), [0.1, 0, 0.25, 0, 0.1, 0], "head-on push");
  // Oblique: the point ends at (0.1, 0), block − point = (0.06, 0.05), distance √0.0061;
  // the block goes to point + 0.15·(0.06, 0.05)/√0.0061.
  const d = Math.sqrt(0.0061);
  assertClose(move(0, 0, 0.16, 0.05, 1, 0), [0.1, 0, 0.1 + (0.15 * 0.06) / d, (0.15 * 0.05) / d, 0.1, 0], "oblique push");
  // The point stays in [−0.95, 0.95]²: from (0.9, −0.9) it moves only 0.05 on each axis.
  assertClose(move(0.9, -0.9, 0, 0, 1, -1), [0.95, -0.95, 0, 0, 0.05, -0.05], "arena edge");
  // Landing exactly on the block's centre: the push goes along the point's move.
  assertClose(move(0, 0, 0.1, 0, 1, 0), [0.1, 0, 0.25, 0, 0.1, 0], "on the centre");
});

test("PointPush-v0 dynamics, by hand: a block against the wall stops the point; pushed along the wall it slides", () => {
  // Block at the wall (x = 0.9), point behind it pushing +x: the block would go to 0.95, the wall
  // takes 0.05 off it, and off the point too: the point stops at 0.75, touching (0.15 from the block).
  assertClose(move(0.7, 0, 0.9, 0, 1, 0), [0.75, 0, 0.9, 0, 0.05, 0], "against the wall");
  // Point below-left of a block at the wall, moving +y by 0.1 to (0.8, −0.02): block − point = (0.1, 0.02),
  // distance √0.0104, n = (0.1, 0.02)/√0.0104; unclipped block = point + 0.15·n; x is clipped to 0.9 and the
  // same amount comes off the point's x; the block slides up by 0.15·0.02/√0.0104 − 0.02.
  const d = Math.sqrt(0.0104);
  const ux = 0.8 + (0.15 * 0.1) / d;
  const uy = -0.02 + (0.15 * 0.02) / d;
  const got = move(0.8, -0.12, 0.9, 0, 0, 1);
  assertClose(got, [0.8 - (ux - 0.9), -0.02, 0.9, uy, -(ux - 0.9), 0.1], "along the wall");
  assert.ok(uy > 0.009, "the block slid along the wall");
  assert.ok(Math.abs(Math.hypot(got[2]! - got[0]!, got[3]! - got[1]!) - CONTACT_DISTANCE) < 1e-12, "point and block just touch");
});

test("PointPush-v0 never lets point and block overlap, keeps both in the arena, and |v| ≤ 0.1·(1 + √2) (random pushes into walls and corners)", async () => {
  const rng = new Rng(11);
  const s = new Float64Array(6);
  const vMax = 0.1 * (1 + Math.SQRT2);
  for (let k = 0; k < 20000; k++) {
    // Block anywhere in its range (walls and corners often), point just outside contact.
    s[2] = Math.max(-0.9, Math.min(0.9, rng.uniformRange(-1.1, 1.1)));
    s[3] = Math.max(-0.9, Math.min(0.9, rng.uniformRange(-1.1, 1.1)));
    do {
      const a = rng.uniformRange(-Math.PI, Math.PI);
      const r = rng.uniformRange(CONTACT_DISTANCE, 0.3);
      s[0] = s[2]! + r * Math.cos(a);
      s[1] = s[3]! + r * Math.sin(a);
    } while (Math.abs(s[0]!) > 0.95 || Math.abs(s[1]!) > 0.95);
    pointPushMove(s, rng.uniformRange(-1, 1), rng.uniformRange(-1, 1));
    assert.ok(Math.hypot(s[2]! - s[0]!, s[3]! - s[1]!) >= CONTACT_DISTANCE - 1e-12, `overlap at ${[...s]}`);
    assert.ok(Math.abs(s[0]!) <= 0.95 && Math.abs(s[1]!) <= 0.95, `point outside at ${[...s]}`);
    assert.ok(Math.abs(s[2]!) <= 0.9 && Math.abs(s[3]!) <= 0.9, `block outside at ${[...s]}`);
    assert.ok(Math.abs(s[4]!) <= vMax && Math.abs(s[5]!) <= vMax, `v beyond its bound at ${[...s]}`);
  }
});

test("PointPush-v0 reward and success: sparse −1/0 at distance_threshold, dense −distance; step rewards equal computeReward", async () => {
  const sparse = await make();
  const dense = await make({ reward_type: "dense" });
  const loose = await make({ distance_threshold: 0.3 });
  try {
    assert.equal(sparse.computeReward!([0, 0], [0.099, 0]), 0);
    assert.equal(sparse.computeReward!([0, 0], [0.06, 0.08]), -1); // exactly 0.1: not within
    assert.equal(sparse.computeReward!([0.5, 0.5], [0.5, 0.5]), 0);
    assert.equal(loose.computeReward!([0, 0], [0.18, 0.24]), -1); // exactly 0.3
    assert.equal(loose.computeReward!([0, 0], [0.2, 0.2]), 0);
    assert.ok(Math.abs(dense.computeReward!([0, 0], [0.3, 0.4]) + 0.5) < 1e-15);
    for (const task of [sparse, dense, loose]) {
      const rng = new Rng(5);
      for (let ep = 0; ep < 30; ep++) {
        task.reset(ep, {});
        assert.equal(task.out.isSuccess, false, "the block never starts on the target");
        while (task.out.status === StepStatus.RUNNING) {
          // Scripted half of the time, so that successes happen.
          const a = ep % 2 ? pointPushScripted(task.out.observations[0]!, task.out.observations[2]!) : Float32Array.of(rng.uniformRange(-1, 1), rng.uniformRange(-1, 1));
          task.step(a);
          const [obs, achieved, desired] = task.out.observations as [Float32Array, Float32Array, Float32Array];
          assert.deepEqual([...achieved], [obs[4], obs[5]], "achieved goal = block");
          assert.equal(task.out.reward, task.computeReward!(achieved, desired));
          assert.equal(task.out.info[0], Math.hypot(achieved[0]! - desired[0]!, achieved[1]! - desired[1]!));
          assert.equal(task.out.isSuccess, task.out.info[0]! < (task === loose ? 0.3 : 0.1));
          assert.ok(Math.abs(obs[6]! - Math.fround(obs[4]! - obs[0]!)) < 1e-6 && Math.abs(obs[7]! - Math.fround(obs[5]! - obs[1]!)) < 1e-6, "block − point");
        }
      }
    }
  } finally {
    sparse.close();
    dense.close();
    loose.close();
  }
});

test("PointPush-v0 episodes: TRUNCATED after max_episode_steps, never TERMINATED; the starting state as documented", async () => {
  const task = await make({ max_episode_steps: 7 });
  try {
    for (let ep = 0; ep < 200; ep++) {
      task.reset(ep, {});
      const [obs, , desired] = task.out.observations as [Float32Array, Float32Array, Float32Array];
      assert.ok(Math.abs(obs[0]!) <= 0.3 && Math.abs(obs[1]!) <= 0.3 && Math.abs(obs[4]!) <= 0.3 && Math.abs(obs[5]!) <= 0.3, "point and block start in [−0.3, 0.3]²");
      assert.ok(Math.abs(desired[0]!) <= 0.7 && Math.abs(desired[1]!) <= 0.7, "target in [−0.7, 0.7]²");
      assert.ok(Math.hypot(obs[6]!, obs[7]!) >= CONTACT_DISTANCE - 1e-6, "the block does not overlap the point");
      assert.ok(task.out.info[0]! >= 0.1, "the target is not already reached");
      assert.deepEqual([obs[2], obs[3]], [0, 0]);
      for (let t = 1; t <= 7; t++) {
        task.step(Float32Array.of(3, -3)); // clipped to (1, −1)
        assert.equal(task.out.status, t < 7 ? StepStatus.RUNNING : StepStatus.TRUNCATED);
      }
    }
  } finally {
    task.close();
  }
});

test("PointPush-v0: the same seed and actions give a bit-identical trajectory; reset without a seed goes on", async () => {
  const a = await make();
  const b = await make();
  const run = (task: Task, seed: number | undefined): number[] => {
    const rng = new Rng(99);
    task.reset(seed, {});
    const out: number[] = [];
    while (task.out.status === StepStatus.RUNNING) {
      task.step(Float32Array.of(rng.uniformRange(-1.5, 1.5), rng.uniformRange(-1.5, 1.5)));
      for (const o of task.out.observations) out.push(...o);
      out.push(task.out.reward);
    }
    return out;
  };
  try {
    assert.deepEqual(run(a, 3), run(b, 3));
    assert.notDeepEqual(run(a, 3), run(b, 4));
    assert.notDeepEqual(run(a, undefined), run(b, 3), "an unseeded reset continues the stream");
  } finally {
    a.close();
    b.close();
  }
});

test("PointPush-v0 goal reset option: the target for one episode; the block never starts on it; bad goals and options are refused, naming them", async () => {
  const task = await make();
  try {
    for (let ep = 0; ep < 50; ep++) {
      task.reset(ep, { goal: new Float64Array([0.1, -0.2]) });
      assert.deepEqual([...task.out.observations[2]!], [Math.fround(0.1), Math.fround(-0.2)]);
      assert.ok(task.out.info[0]! >= 0.1);
    }
    task.reset(1, { goal: new Float64Array([-0.9, 0.9]) }); // the corners of the block's range are allowed
    task.reset(1, {});
    const before = [...task.out.observations[0]!];
    assert.throws(() => task.reset(2, { goal: new Float64Array([0.95, 0]) }), invalid("goal", /expected 2 values in \[−0\.9, 0\.9\].*\[0\.95, 0\]/));
    assert.throws(() => task.reset(2, { goal: new Float64Array([0.1]) }), invalid("goal", /2 values/));
    assert.throws(() => task.reset(2, { goal: new Float64Array([Number.NaN, 0]) }), invalid("goal"));
    assert.throws(() => task.reset(2, { goal: "0,0" }), invalid("goal", /tensor/));
    assert.throws(() => task.validateResetOptions!({ goal: new Float64Array([0, -1]) }), invalid("goal"));
    assert.deepEqual([...task.out.observations[0]!], before, "a refused reset changes nothing");
  } finally {
    task.close();
  }
  assert.throws(() => pointPushV0.spec({ max_episode_steps: 0 }), invalid("max_episode_steps", /positive integer, got 0/));
  assert.throws(() => pointPushV0.spec({ max_episode_steps: 2.5 }), invalid("max_episode_steps"));
  assert.throws(() => pointPushV0.spec({ reward_type: "shaped" }), invalid("reward_type", /expected sparse or dense, got 'shaped'/));
  assert.throws(() => pointPushV0.spec({ distance_threshold: 0 }), invalid("distance_threshold", /in \(0, 0\.5\], got 0/));
  assert.throws(() => pointPushV0.spec({ distance_threshold: 0.6 }), invalid("distance_threshold"));
  assert.throws(() => pointPushV0.spec({ distance_threshold: "0.1" }), invalid("distance_threshold", /got '0\.1'/));
  await assert.rejects(pointPushV0.create({ reward_type: 1 }), invalid("reward_type"));
});

test("PointPush-v0: a uniformly random policy moves the block in a fair share of 50-step episodes (HER needs it)", async (t) => {
  // The procedure quoted in the task's documentation: 2000 episodes, seeds 0–1999, actions from Rng(12345).
  const task = await make();
  const rng = new Rng(12345);
  const a = new Float32Array(2);
  const episodes = 2000;
  let moved = 0;
  let movedFar = 0;
  try {
    for (let ep = 0; ep < episodes; ep++) {
      task.reset(ep, {});
      const obs = task.out.observations[0]!;
      const bx0 = obs[4]!;
      const by0 = obs[5]!;
      let touched = false;
      while (task.out.status === StepStatus.RUNNING) {
        const bx = obs[4];
        const by = obs[5];
        a[0] = rng.uniformRange(-1, 1);
        a[1] = rng.uniformRange(-1, 1);
        task.step(a);
        if (obs[4] !== bx || obs[5] !== by) touched = true;
      }
      if (touched) moved++;
      if (Math.hypot(obs[4]! - bx0, obs[5]! - by0) >= 0.05) movedFar++;
    }
  } finally {
    task.close();
  }
  // Measured: moved 0.40 (799 of 2000), moved ≥ 0.05 by the end 0.29 (572 of 2000).
  t.diagnostic(`random policy: block moved in ${moved} of ${episodes} episodes, ≥ 0.05 from its start at the end in ${movedFar}`);
  assert.ok(moved / episodes >= 0.35, `moved in ${moved / episodes}`);
  assert.ok(movedFar / episodes >= 0.25, `moved far in ${movedFar / episodes}`);
});

test("pointPushScripted succeeds (final step) in ≥ 90 % of 50 seeded episodes, with actions inside the bounds", async (t) => {
  // Measured: 50 of 50, first success after at most 19 steps (2000 of 2000 over seeds 0–1999, at most 24).
  const task = await make();
  let successes = 0;
  let slowest = 0;
  try {
    for (let ep = 0; ep < 50; ep++) {
      task.reset(1000 + ep, {});
      let first = 0;
      for (let step = 1; task.out.status === StepStatus.RUNNING; step++) {
        const a = pointPushScripted(task.out.observations[0]!, task.out.observations[2]!);
        assert.ok(a.length === 2 && a.every((v) => v >= -1 && v <= 1), `action ${a}`);
        task.step(a);
        if (task.out.isSuccess && first === 0) first = step;
      }
      if (task.out.isSuccess) successes++;
      slowest = Math.max(slowest, first);
    }
  } finally {
    task.close();
  }
  t.diagnostic(`scripted: ${successes} of 50 episodes end on the target; first success after at most ${slowest} steps`);
  assert.ok(successes >= 45, `${successes} of 50`);
});

test("pointPushScripted writes into `out` and is deterministic", () => {
  const obs = Float32Array.of(0, 0, 0, 0, 0.17, 0, 0.17, 0);
  const goal = Float32Array.of(0.6, 0);
  const out = new Float32Array(2);
  assert.equal(pointPushScripted(obs, goal, out), out);
  // Lined up behind the block: pushes straight at the target at full speed.
  assert.deepEqual([...out], [1, 0]);
  assert.deepEqual([...pointPushScripted(obs, goal)], [...out]);
});
