import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { StepStatus } from "../../src/env/task.js";
import { Code, SimbridgeError } from "../../src/core/errors.js";
import { reacherGoalV0Factory } from "../../sims/mujoco/reacher-goal-v0.js";
import type { ReacherGoalV0 } from "../../sims/mujoco/reacher-goal-v0.js";

async function make(options = {}): Promise<ReacherGoalV0> {
  return (await reacherGoalV0Factory.create(options)) as ReacherGoalV0;
}

test("ReacherGoal-v0 spec: observation 6, achieved_goal 2, desired_goal 2, goal-conditioned white box", () => {
  const spec = reacherGoalV0Factory.spec({});
  assert.equal(spec.name, "ReacherGoal-v0");
  assert.deepEqual(spec.observations.map((o) => [o.name, o.shape, o.dtype]), [
    ["observation", [6], "float32"],
    ["achieved_goal", [2], "float32"],
    ["desired_goal", [2], "float32"],
  ]);
  assert.deepEqual(spec.action.shape, [2]);
  assert.deepEqual([...spec.action.minimum!], [-1, -1]);
  assert.deepEqual([...spec.action.maximum!], [1, 1]);
  assert.equal(spec.goalConditioned, true);
  assert.equal(spec.hasReward, true);
  assert.equal(spec.blackBox, false);
  assert.equal(spec.maxEpisodeSteps, 50);
  assert.deepEqual([...spec.infoKeys], ["distance", "is_success"]);
  assert.deepEqual(spec.resetOptions.map((o) => [o.name, o.type]), [["goal", "tensor"]]);
});

test("ReacherGoal-v0 computeReward: 0 within 0.05, −1 outside", async () => {
  const task = await make();
  try {
    assert.equal(task.computeReward([0, 0], [0.049, 0]), 0);
    assert.equal(task.computeReward([0.1, 0.1], [0.1, 0.1]), 0);
    assert.equal(task.computeReward([0, 0], [0.05, 0]), -1);
    assert.equal(task.computeReward([0.03, 0.04], [0, 0.0001]), 0);
    assert.equal(task.computeReward(new Float32Array([0.2, 0]), new Float64Array([0, 0.2])), -1);
  } finally {
    task.close();
  }
  const loose = await make({ distance_threshold: 0.2 });
  try {
    assert.equal(loose.computeReward([0, 0], [0.15, 0]), 0);
  } finally {
    loose.close();
  }
});

test("ReacherGoal-v0 step reward, success and info agree with computeReward on the observation", async () => {
  const task = await make();
  const rng = new Rng(3);
  const a = new Float32Array(2);
  let successes = 0;
  let steps = 0;
  try {
    for (let ep = 0; ep < 20; ep++) {
      task.reset(ep, {});
      while (task.out.status === StepStatus.RUNNING) {
        // A crude controller toward the goal mixed with noise, so that successes happen.
        for (let i = 0; i < 2; i++) a[i] = rng.uniformRange(-1, 1);
        task.step(a);
        steps++;
        const [, achieved, desired] = task.out.observations;
        const r = task.computeReward(achieved!, desired!);
        assert.equal(task.out.reward, r);
        assert.equal(task.out.isSuccess, r === 0);
        assert.equal(task.out.info[1], r === 0 ? 1 : 0);
        const dx = achieved![0]! - desired![0]!;
        const dy = achieved![1]! - desired![1]!;
        const d = Math.sqrt(dx * dx + dy * dy);
        assert.equal(task.out.info[0], d);
        assert.equal(task.out.isSuccess, d < 0.05);
        if (task.out.isSuccess) successes++;
      }
      assert.equal(task.out.status, StepStatus.TRUNCATED);
    }
  } finally {
    task.close();
  }
  assert.equal(steps, 20 * 50);
  assert.ok(successes > 0 && successes < steps, `some but not all steps succeed (${successes})`);
});

test("ReacherGoal-v0 achieved_goal is the fingertip of the current joint angles, desired_goal the target", async () => {
  const task = await make();
  try {
    task.reset(4, {});
    for (let i = 0; i < 7; i++) task.step(new Float32Array([0.8, -0.4]));
    const { qpos } = task.sim;
    const [q0, q1] = [qpos[0]!, qpos[1]!];
    const [, achieved, desired] = task.out.observations;
    const fx = 0.1 * Math.cos(q0) + 0.11 * Math.cos(q0 + q1);
    const fy = 0.1 * Math.sin(q0) + 0.11 * Math.sin(q0 + q1);
    assert.ok(Math.abs(achieved![0]! - fx) < 1e-6 && Math.abs(achieved![1]! - fy) < 1e-6);
    assert.equal(desired![0], Math.fround(qpos[2]!));
    assert.equal(desired![1], Math.fround(qpos[3]!));
    const obs = task.out.observations[0]!;
    assert.ok(Math.abs(obs[0]! - Math.cos(q0)) < 1e-6 && Math.abs(obs[3]! - Math.sin(q1)) < 1e-6);
  } finally {
    task.close();
  }
});

test("ReacherGoal-v0 reset option goal sets the target; the observation does not depend on it", async () => {
  const task = await make();
  try {
    task.reset(11, { goal: new Float64Array([0.12, -0.05]) });
    const obsA = [...task.out.observations[0]!];
    assert.deepEqual([...task.out.observations[2]!], [Math.fround(0.12), Math.fround(-0.05)]);
    task.reset(11, { goal: new Float64Array([-0.1, 0.15]) });
    assert.deepEqual([...task.out.observations[0]!], obsA);
    assert.deepEqual([...task.out.observations[2]!], [Math.fround(-0.1), Math.fround(0.15)]);
    // The target stays put through the episode.
    for (let i = 0; i < 20; i++) task.step(new Float32Array([1, 1]));
    assert.deepEqual([...task.out.observations[2]!], [Math.fround(-0.1), Math.fround(0.15)]);
  } finally {
    task.close();
  }
});

test("ReacherGoal-v0 success does not end the episode: only truncation at 50", async () => {
  const task = await make();
  try {
    // Put the goal on the fingertip of the starting state: success from the start.
    task.reset(21, {});
    const tip = Float64Array.from(task.out.observations[1]!);
    task.reset(21, { goal: tip });
    assert.equal(task.out.isSuccess, true);
    assert.equal(task.out.reward, 0);
    for (let i = 1; i <= 50; i++) {
      task.step(new Float32Array([0, 0]));
      assert.equal(task.out.isSuccess, true, `step ${i} still at the goal`);
      assert.equal(task.out.status, i < 50 ? StepStatus.RUNNING : StepStatus.TRUNCATED);
    }
  } finally {
    task.close();
  }
});

test("ReacherGoal-v0 is deterministic across instances", async () => {
  const traces: number[][] = [];
  for (let k = 0; k < 2; k++) {
    const task = await make();
    const rng = new Rng(8);
    const trace: number[] = [];
    try {
      for (let ep = 0; ep < 3; ep++) {
        task.reset(ep === 0 ? 99 : undefined, {});
        while (task.out.status === StepStatus.RUNNING) {
          task.step(new Float32Array([rng.uniformRange(-1, 1), rng.uniformRange(-1, 1)]));
          for (const o of task.out.observations) trace.push(...o);
          trace.push(task.out.reward, ...task.out.info);
        }
      }
    } finally {
      task.close();
    }
    traces.push(trace);
  }
  assert.deepEqual(traces[0], traces[1]);
});

test("ReacherGoal-v0 rejects bad options, naming them", async () => {
  const invalid = (name: string) => (e: unknown) =>
    e instanceof SimbridgeError && e.code === Code.INVALID_ARGUMENT && e.message.includes(name) && e.field === `options.${name}`;
  assert.throws(() => reacherGoalV0Factory.spec({ threshold: 0.1 }), invalid("threshold"));
  await assert.rejects(reacherGoalV0Factory.create({ distance_threshold: -1 }), invalid("distance_threshold"));
  await assert.rejects(reacherGoalV0Factory.create({ distance_threshold: "0.05" }), invalid("distance_threshold"));
  const task = await make();
  try {
    task.reset(1, {});
    const before = [...task.out.observations[0]!];
    assert.throws(() => task.reset(2, { goal: new Float64Array([0.1]) }), invalid("goal"));
    assert.throws(() => task.reset(2, { goal: new Float64Array([0.5, 0]) }), invalid("goal"));
    assert.throws(() => task.reset(2, { goal: new Float64Array([Number.NaN, 0]) }), invalid("goal"));
    assert.throws(() => task.reset(2, { goal: 0.1 }), invalid("goal"));
    assert.throws(() => task.reset(2, { target: new Float64Array(2) }), invalid("target"));
    // A rejected reset changes nothing.
    assert.deepEqual([...task.out.observations[0]!], before);
    // validateResetOptions (what the env pool calls before a batched reset) agrees with reset.
    assert.throws(() => task.validateResetOptions({ goal: new Float64Array([0.5, 0]) }), invalid("goal"));
    assert.throws(() => task.validateResetOptions({ target: 1 }), invalid("target"));
    task.validateResetOptions({ goal: new Float64Array([0.1, 0.1]) });
    task.validateResetOptions({});
    assert.deepEqual([...task.out.observations[0]!], before);
  } finally {
    task.close();
  }
});
