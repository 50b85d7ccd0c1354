import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { StepStatus } from "../../src/env/task.js";
import type { Options } from "../../src/env/task.js";
import { Code, SimbridgeError } from "../../src/core/errors.js";
import { antV5Factory } from "../../sims/mujoco/ant-v5.js";
import type { AntV5 } from "../../sims/mujoco/ant-v5.js";

async function make(options: Options = {}): Promise<AntV5> {
  return (await antV5Factory.create(options)) as AntV5;
}

const INFO = ["reward_forward", "reward_ctrl", "reward_contact", "reward_survive", "x_position", "y_position", "distance_from_origin", "x_velocity", "y_velocity"];

test("Ant-v5 spec: observation 27 (105 with contact forces, +2 with positions), action 8 in [-1, 1]", () => {
  const size = (o: Options) => antV5Factory.spec(o).observations[0]!.shape[0];
  assert.equal(size({}), 27);
  assert.equal(size({ use_contact_forces: true }), 105);
  assert.equal(size({ exclude_current_positions_from_observation: false }), 29);
  assert.equal(size({ use_contact_forces: true, exclude_current_positions_from_observation: false }), 107);
  const spec = antV5Factory.spec({});
  assert.equal(spec.name, "Ant-v5");
  assert.equal(spec.observations[0]!.dtype, "float32");
  assert.deepEqual(spec.action.shape, [8]);
  assert.equal(spec.action.dtype, "float32");
  assert.deepEqual([...spec.action.minimum!], new Array(8).fill(-1));
  assert.deepEqual([...spec.action.maximum!], new Array(8).fill(1));
  assert.equal(spec.maxEpisodeSteps, 1000);
  assert.ok(Math.abs(spec.controlDt - 0.05) < 1e-12);
  assert.equal(spec.hasReward, true);
  assert.equal(spec.blackBox, false);
  assert.deepEqual([...spec.infoKeys], INFO);
});

test("Ant-v5 observation is qpos[2:] + qvel (+ clipped cfrc_ext[1:]) of the simulation", async () => {
  const task = await make({ use_contact_forces: true });
  try {
    task.reset(0, {});
    const a = new Float32Array(8).fill(0.3);
    for (let i = 0; i < 30; i++) task.step(a); // long enough for the feet to touch the floor
    const o = task.out.observations[0]!;
    assert.equal(o.length, 105);
    const { qpos, qvel, cfrcExt } = task.sim;
    for (let i = 0; i < 13; i++) assert.equal(o[i], Math.fround(qpos[i + 2]!));
    for (let i = 0; i < 14; i++) assert.equal(o[13 + i], Math.fround(qvel[i]!));
    let nonzero = 0;
    for (let i = 0; i < 78; i++) {
      const f = Math.min(Math.max(cfrcExt[6 + i]!, -1), 1);
      assert.equal(o[27 + i], Math.fround(f));
      if (f !== 0) nonzero++;
    }
    assert.ok(nonzero > 0, "some contact force is observed");
  } finally {
    task.close();
  }
});

test("Ant-v5 reward = forward + survive − 0.5‖a‖² − contact cost, each term checked by hand", async () => {
  for (const useContact of [false, true]) {
    const task = await make({ use_contact_forces: useContact });
    try {
      task.reset(3, {});
      const rng = new Rng(4);
      const a = new Float32Array(8);
      for (let i = 0; i < 40; i++) {
        const torsoX = task.sim.xpos[3]!;
        const torsoY = task.sim.xpos[4]!;
        for (let j = 0; j < 8; j++) a[j] = rng.uniformRange(-1.5, 1.5); // some out of range: clipped
        task.step(a);
        if (task.out.status !== StepStatus.RUNNING) break;
        const info = task.out.info;
        const vx = (task.sim.xpos[3]! - torsoX) / 0.05;
        const vy = (task.sim.xpos[4]! - torsoY) / 0.05;
        assert.ok(Math.abs(info[0]! - vx) < 1e-9, "reward_forward = x velocity of the torso");
        assert.ok(Math.abs(info[7]! - vx) < 1e-9 && Math.abs(info[8]! - vy) < 1e-9);
        let ctrl = 0;
        for (const v of a) ctrl += Math.min(Math.max(v, -1), 1) ** 2;
        assert.ok(Math.abs(info[1]! + 0.5 * ctrl) < 1e-12, "reward_ctrl = −0.5‖clip(a)‖²");
        let contact = 0;
        for (const f of task.sim.cfrcExt) contact += Math.min(Math.max(f, -1), 1) ** 2;
        if (useContact) assert.ok(Math.abs(info[2]! + 5e-4 * contact) < 1e-12, "reward_contact");
        else assert.equal(info[2], 0);
        assert.equal(info[3], 1, "healthy while running");
        assert.equal(info[4], task.sim.qpos[0]);
        assert.equal(info[5], task.sim.qpos[1]);
        assert.ok(Math.abs(task.out.reward - (info[0]! + info[1]! + info[2]! + info[3]!)) < 1e-12);
      }
    } finally {
      task.close();
    }
  }
});

test("Ant-v5 terminates when the torso leaves [0.2, 1.0] (set through the sim), with no survive reward", async () => {
  const task = await make();
  try {
    for (const z of [1.6, 0]) {
      task.reset(1, {});
      const { qpos, qvel } = task.sim;
      // Lift the torso high above the floor, or flip it upside down and drive it into the floor.
      qpos[2] = z;
      if (z < 0.2) {
        qpos.set([0, 1, 0, 0], 3); // 180 degrees about x
        qvel[2] = -20;
      }
      task.sim.forward();
      task.step(new Float32Array(8));
      assert.equal(task.out.status, StepStatus.TERMINATED, `z = ${z}: torso at ${task.sim.qpos[2]}`);
      assert.equal(task.out.info[3], 0);
      assert.equal(task.needsReset(), true);
    }
  } finally {
    task.close();
  }
});

test("Ant-v5 terminates as the ant falls below healthy_z_min; not with terminate_when_unhealthy false", async () => {
  const strict = await make({ healthy_z_min: 0.5 });
  const lenient = await make({ healthy_z_min: 0.5, terminate_when_unhealthy: false });
  try {
    strict.reset(2, {});
    lenient.reset(2, {});
    const zero = new Float32Array(8);
    let steps = 0;
    while (strict.out.status === StepStatus.RUNNING && steps < 100) {
      strict.step(zero);
      lenient.step(zero);
      steps++;
    }
    // Standing still, the torso settles near 0.37, below 0.5.
    assert.equal(strict.out.status, StepStatus.TERMINATED);
    assert.ok(strict.sim.qpos[2]! < 0.5);
    assert.equal(lenient.out.status, StepStatus.RUNNING);
    assert.equal(lenient.out.info[3], 0, "no survive reward while unhealthy");
    assert.deepEqual(lenient.out.observations[0], strict.out.observations[0]);
  } finally {
    strict.close();
    lenient.close();
  }
});

test("Ant-v5 truncates at 1000 steps", async () => {
  const task = await make();
  try {
    task.reset(0, {});
    const zero = new Float32Array(8);
    for (let i = 1; i <= 1000; i++) {
      task.step(zero);
      assert.equal(task.out.status, i < 1000 ? StepStatus.RUNNING : StepStatus.TRUNCATED, `step ${i}`);
    }
  } finally {
    task.close();
  }
});

test("Ant-v5 clips out-of-range actions", async () => {
  const a = await make();
  const b = await make();
  try {
    a.reset(6, {});
    b.reset(6, {});
    const big = new Float32Array([3, -3, 2, -2, 10, -10, 1.5, -1.5]);
    const clipped = new Float32Array([1, -1, 1, -1, 1, -1, 1, -1]);
    for (let i = 0; i < 10; i++) {
      a.step(big);
      b.step(clipped);
      assert.deepEqual(a.out.observations[0], b.out.observations[0]);
      assert.equal(a.out.reward, b.out.reward);
    }
    assert.equal(a.out.info[1], -0.5 * 8);
  } finally {
    a.close();
    b.close();
  }
});

test("Ant-v5 starting state: qpos0 ± 0.1, qvel ~ N(0, 0.1)", async () => {
  const task = await make();
  try {
    let sum2 = 0;
    let n = 0;
    for (let i = 0; i < 50; i++) {
      task.reset(i === 0 ? 5 : undefined, {});
      const { qpos, qvel, qpos0 } = task.sim;
      assert.equal(qpos0[2], 0.75);
      for (let j = 0; j < 15; j++) assert.ok(Math.abs(qpos[j]! - qpos0[j]!) <= 0.1);
      for (let j = 0; j < 14; j++) {
        sum2 += qvel[j]! ** 2;
        n++;
      }
    }
    const std = Math.sqrt(sum2 / n);
    assert.ok(std > 0.08 && std < 0.12, `qvel std ${std}`);
  } finally {
    task.close();
  }
});

test("Ant-v5 is deterministic across instances (with contact forces), bit for bit", async () => {
  const traces: number[][] = [];
  for (let k = 0; k < 2; k++) {
    const task = await make({ use_contact_forces: true });
    const rng = new Rng(12);
    const a = new Float32Array(8);
    const trace: number[] = [];
    try {
      task.reset(2024, {});
      for (let i = 0; i < 300; i++) {
        for (let j = 0; j < 8; j++) a[j] = rng.uniformRange(-1, 1);
        task.step(a);
        trace.push(...task.out.observations[0]!, task.out.reward, ...task.out.info, task.out.status);
        if (task.out.status !== StepStatus.RUNNING) task.reset(undefined, {});
      }
    } finally {
      task.close();
    }
    traces.push(trace);
  }
  assert.deepEqual(traces[0], traces[1]);
});

test("Ant-v5 rejects bad options, naming them", async () => {
  const invalid = (name: string) => (e: unknown) =>
    e instanceof SimbridgeError && e.code === Code.INVALID_ARGUMENT && e.message.includes(name) && e.field === `options.${name}`;
  assert.throws(() => antV5Factory.spec({ use_contact_forces: "yes" }), invalid("use_contact_forces"));
  assert.throws(() => antV5Factory.spec({ use_contact_force: true }), invalid("use_contact_force"));
  assert.throws(() => antV5Factory.spec({ healthy_z_min: 1.2 }), invalid("healthy_z_min"));
  assert.throws(() => antV5Factory.spec({ ctrl_cost_weight: Number.POSITIVE_INFINITY }), invalid("ctrl_cost_weight"));
  await assert.rejects(antV5Factory.create({ reset_noise_scale: -0.1 }), invalid("reset_noise_scale"));
  assert.throws(() => antV5Factory.spec({ max_episode_steps: 2.5 }), invalid("max_episode_steps"));
  assert.throws(() => antV5Factory.spec({ max_episode_steps: 0 }), invalid("max_episode_steps"));
  const task = await make();
  try {
    assert.throws(() => task.reset(0, { noise: 0.1 }), invalid("noise"));
  } finally {
    task.close();
  }
});

test("Ant-v5 max_episode_steps: TRUNCATED after that many steps (unless it fell first)", async () => {
  assert.equal(antV5Factory.spec({ max_episode_steps: 200 }).maxEpisodeSteps, 200);
  const task = await make({ max_episode_steps: 3 });
  try {
    task.reset(0, {});
    const a = new Float32Array(8);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      task.step(a);
      statuses.push(task.out.status);
    }
    assert.deepEqual(statuses, [StepStatus.RUNNING, StepStatus.RUNNING, StepStatus.TRUNCATED]);
  } finally {
    task.close();
  }
});
