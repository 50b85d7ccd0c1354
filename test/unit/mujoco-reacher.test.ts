import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { StepStatus } from "../../src/env/task.js";
import type { Task } from "../../src/env/task.js";
import { Code, SimbridgeError } from "../../src/core/errors.js";
import { ReacherV5, reacherV5Factory } from "../../sims/mujoco/reacher-v5.js";

/** Fingertip (x, y) of the arm at joint angles q0, q1 (links 0.1 and 0.11 from the shoulder at the origin). */
function fingertip(q0: number, q1: number): [number, number] {
  return [0.1 * Math.cos(q0) + 0.11 * Math.cos(q0 + q1), 0.1 * Math.sin(q0) + 0.11 * Math.sin(q0 + q1)];
}

/** Runs `episodes` episodes with random actions; returns every observation and reward in order. */
function rollout(task: Task, seed: number, episodes: number, actionSeed: number): number[] {
  const rng = new Rng(actionSeed);
  const trace: number[] = [];
  const action = new Float32Array(task.spec.action.shape[0]!);
  for (let ep = 0; ep < episodes; ep++) {
    task.reset(ep === 0 ? seed : undefined, {});
    trace.push(...task.out.observations.flatMap((o) => [...o]));
    while (task.out.status === StepStatus.RUNNING) {
      for (let i = 0; i < action.length; i++) action[i] = rng.uniformRange(-1.2, 1.2);
      task.step(action);
      trace.push(...task.out.observations.flatMap((o) => [...o]), task.out.reward, ...task.out.info);
    }
  }
  return trace;
}

function assertInvalid(fn: () => unknown, name: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SimbridgeError, `expected SimbridgeError, got ${String(e)}`);
    assert.equal(e.code, Code.INVALID_ARGUMENT);
    assert.match(e.message, new RegExp(name));
    return true;
  });
}

test("Reacher-v5 spec: observation [10] float32, action [2] in [-1, 1], white box with reward", async () => {
  const spec = reacherV5Factory.spec({});
  assert.equal(spec.name, "Reacher-v5");
  assert.equal(spec.observations.length, 1);
  assert.deepEqual(spec.observations[0]!.shape, [10]);
  assert.equal(spec.observations[0]!.dtype, "float32");
  assert.deepEqual(spec.action.shape, [2]);
  assert.equal(spec.action.dtype, "float32");
  assert.deepEqual([...spec.action.minimum!], [-1, -1]);
  assert.deepEqual([...spec.action.maximum!], [1, 1]);
  assert.equal(spec.hasReward, true);
  assert.equal(spec.blackBox, false);
  assert.equal(spec.goalConditioned, false);
  assert.equal(spec.maxEpisodeSteps, 50);
  assert.ok(Math.abs(spec.controlDt - 0.02) < 1e-12);
  assert.deepEqual([...spec.infoKeys], ["reward_dist", "reward_ctrl"]);
  assert.deepEqual(spec.makeOptions.map((o) => o.name), ["reward_dist_weight", "reward_control_weight"]);

  const task = await reacherV5Factory.create({});
  try {
    assert.equal(task.out.observations[0]!.length, 10);
    assert.equal(task.out.info.length, 2);
    task.reset(0, {});
    task.step(new Float32Array([0.1, -0.2]));
    assert.ok(task.out.observations[0]!.every(Number.isFinite));
  } finally {
    task.close();
  }
});

test("Reacher-v5 reward = −‖fingertip − target‖ − ‖a‖², by hand from the kinematics", async () => {
  const task = await reacherV5Factory.create({});
  try {
    for (const seed of [0, 1, 2, 3]) {
      task.reset(seed, {});
      const o = task.out.observations[0]!;
      const q0 = Math.atan2(o[2]!, o[0]!);
      const q1 = Math.atan2(o[3]!, o[1]!);
      const [fx, fy] = fingertip(q0, q1);
      const [tx, ty] = [o[4]!, o[5]!];
      // The observation's fingertip − target agrees with the hand-computed kinematics.
      assert.ok(Math.abs(o[8]! - (fx - tx)) < 1e-6, `obs[8] ${o[8]} vs ${fx - tx}`);
      assert.ok(Math.abs(o[9]! - (fy - ty)) < 1e-6, `obs[9] ${o[9]} vs ${fy - ty}`);
      const a = new Float32Array([0.3, -0.7]);
      task.step(a);
      // As Gymnasium, the distance term is measured on the state the action is taken in.
      const dist = Math.hypot(fx - tx, fy - ty);
      const ctrl = a[0]! * a[0]! + a[1]! * a[1]!;
      assert.ok(Math.abs(task.out.reward - (-dist - ctrl)) < 1e-6, `reward ${task.out.reward} vs ${-dist - ctrl}`);
      assert.ok(Math.abs(task.out.info[0]! + dist) < 1e-6);
      assert.equal(task.out.info[1], -ctrl);
      assert.equal(task.out.reward, task.out.info[0]! + task.out.info[1]!);
      // Later steps: the distance term is −‖obs[8:10]‖ of the previous observation.
      for (let i = 0; i < 10; i++) {
        const prev = Math.hypot(o[8]!, o[9]!);
        task.step(a);
        assert.ok(Math.abs(task.out.info[0]! + prev) < 1e-6);
      }
    }
  } finally {
    task.close();
  }
});

test("Reacher-v5 reward weights are make options", async () => {
  const plain = await reacherV5Factory.create({});
  const weighted = await reacherV5Factory.create({ reward_dist_weight: 2, reward_control_weight: 0.5 });
  try {
    plain.reset(5, {});
    weighted.reset(5, {});
    const a = new Float32Array([0.5, 0.5]);
    plain.step(a);
    weighted.step(a);
    assert.equal(weighted.out.info[0], 2 * plain.out.info[0]!);
    assert.equal(weighted.out.info[1], 0.5 * plain.out.info[1]!);
    assert.deepEqual(weighted.out.observations[0], plain.out.observations[0]);
  } finally {
    plain.close();
    weighted.close();
  }
});

test("Reacher-v5 truncates at 50 steps and never terminates", async () => {
  const task = await reacherV5Factory.create({});
  try {
    for (const seed of [0, 1]) {
      task.reset(seed, {});
      assert.equal(task.out.status, StepStatus.RUNNING);
      const a = new Float32Array([1, 1]);
      for (let i = 1; i <= 50; i++) {
        task.step(a);
        assert.equal(task.out.status, i < 50 ? StepStatus.RUNNING : StepStatus.TRUNCATED, `step ${i}`);
      }
    }
  } finally {
    task.close();
  }
});

test("Reacher-v5 clips out-of-range actions (motors and control cost)", async () => {
  const a = await reacherV5Factory.create({});
  const b = await reacherV5Factory.create({});
  try {
    a.reset(9, {});
    b.reset(9, {});
    for (let i = 0; i < 5; i++) {
      a.step(new Float32Array([5, -7]));
      b.step(new Float32Array([1, -1]));
      assert.deepEqual(a.out.observations[0], b.out.observations[0]);
      assert.equal(a.out.reward, b.out.reward);
      assert.equal(a.out.info[1], -2);
    }
  } finally {
    a.close();
    b.close();
  }
});

test("Reacher-v5 starting state: arm within ±0.1, target inside the disc of radius 0.2, target at rest", async () => {
  const task = (await reacherV5Factory.create({})) as ReacherV5;
  try {
    let sumX = 0;
    for (let i = 0; i < 300; i++) {
      task.reset(i === 0 ? 123 : undefined, {});
      const { qpos, qvel } = task.sim;
      assert.ok(Math.abs(qpos[0]!) <= 0.1 && Math.abs(qpos[1]!) <= 0.1);
      assert.ok(Math.hypot(qpos[2]!, qpos[3]!) < 0.2);
      assert.ok(Math.abs(qvel[0]!) <= 0.005 && Math.abs(qvel[1]!) <= 0.005);
      assert.equal(qvel[2], 0);
      assert.equal(qvel[3], 0);
      // The target's qpos is its world position (the observation reads it twice).
      const o = task.out.observations[0]!;
      assert.equal(o[4], Math.fround(qpos[2]!));
      sumX += qpos[2]!;
    }
    assert.ok(Math.abs(sumX / 300) < 0.03, "targets are centred");
  } finally {
    task.close();
  }
});

test("Reacher-v5 is deterministic: same seed, same actions → bit-identical across instances; reset without seed continues the stream", async () => {
  const a = await reacherV5Factory.create({});
  const b = await reacherV5Factory.create({});
  const c = await reacherV5Factory.create({});
  try {
    const ta = rollout(a, 77, 3, 1);
    const tb = rollout(b, 77, 3, 1);
    assert.deepEqual(ta, tb);
    const tc = rollout(c, 78, 3, 1);
    assert.notDeepEqual(ta, tc);
    // reset(undefined) draws a new starting state from the task's stream.
    a.reset(5, {});
    const first = [...a.out.observations[0]!];
    a.reset(undefined, {});
    assert.notDeepEqual([...a.out.observations[0]!], first);
    a.reset(5, {});
    assert.deepEqual([...a.out.observations[0]!], first);
  } finally {
    a.close();
    b.close();
    c.close();
  }
});

test("Reacher-v5 rejects unknown and mistyped options, naming them", async () => {
  assertInvalid(() => reacherV5Factory.spec({ reward_weight: 1 }), "reward_weight");
  await assert.rejects(reacherV5Factory.create({ reward_dist_weight: "1" }), (e: unknown) => e instanceof SimbridgeError && e.code === Code.INVALID_ARGUMENT && /reward_dist_weight/.test(e.message) && e.field === "options.reward_dist_weight");
  await assert.rejects(reacherV5Factory.create({ reward_control_weight: Number.NaN }), /reward_control_weight/);
  await assert.rejects(reacherV5Factory.create({ reward_control_weight: true }), /reward_control_weight/);
  const task = await reacherV5Factory.create({});
  try {
    assertInvalid(() => task.reset(0, { goal: new Float64Array(2) }), "goal");
    assertInvalid(() => task.reset(-1, {}), "seed");
    assertInvalid(() => task.reset(1.5, {}), "seed");
  } finally {
    task.close();
  }
  assert.throws(() => task.step(new Float32Array(2)), (e: unknown) => e instanceof SimbridgeError && e.code === Code.FAILED_PRECONDITION);
});
