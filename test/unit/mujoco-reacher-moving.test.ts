import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { StepStatus } from "../../src/env/task.js";
import type { Options } from "../../src/env/task.js";
import { Code, SimbridgeError } from "../../src/core/errors.js";
import { reacherMovingV0Factory } from "../../sims/mujoco/reacher-moving-v0.js";
import type { ReacherMovingV0 } from "../../sims/mujoco/reacher-moving-v0.js";

const DT = 0.02; // control step (s)

async function make(options: Options = {}): Promise<ReacherMovingV0> {
  return (await reacherMovingV0Factory.create(options)) as ReacherMovingV0;
}

async function withTask(options: Options, body: (task: ReacherMovingV0) => void | Promise<void>): Promise<void> {
  const task = await make(options);
  try {
    await body(task);
  } finally {
    task.close();
  }
}

/** Holds the arm still at joint angles (q0, q1): zero velocity, and zero torque keeps it there (no gravity about z). */
function holdArm(task: ReacherMovingV0, q0: number, q1: number): void {
  const { qpos, qvel } = task.sim;
  qpos[0] = q0;
  qpos[1] = q1;
  qvel[0] = 0;
  qvel[1] = 0;
  task.sim.forward();
}

const ZERO = new Float32Array([0, 0]);

test("ReacherMoving-v0 spec: observation 6, achieved_goal 2, desired_goal 2, white box, 1000 steps", () => {
  const spec = reacherMovingV0Factory.spec({});
  assert.equal(spec.name, "ReacherMoving-v0");
  assert.deepEqual(spec.observations.map((o) => [o.name, o.shape, o.dtype]), [
    ["observation", [6], "float32"],
    ["achieved_goal", [2], "float32"],
    ["desired_goal", [2], "float32"],
  ]);
  assert.deepEqual(spec.action.shape, [2]);
  assert.deepEqual([...spec.action.minimum!], [-1, -1]);
  assert.deepEqual([...spec.action.maximum!], [1, 1]);
  assert.deepEqual([spec.goalConditioned, spec.hasReward, spec.blackBox, spec.hasRewardFunction], [true, true, false, true]);
  assert.equal(spec.maxEpisodeSteps, 1000);
  assert.equal(spec.controlDt, DT);
  assert.deepEqual([...spec.infoKeys], ["distance", "is_success"]);
  assert.deepEqual(spec.makeOptions.map((o) => [o.name, o.default]), [
    ["max_episode_steps", 1000],
    ["distance_threshold", 0.05],
    ["target_speed_min", 0.2],
    ["target_speed_max", 1],
    ["target_orbit_min", 0.05],
    ["target_orbit_max", 0.19],
  ]);
  assert.deepEqual(spec.resetOptions.map((o) => o.name), ["target_orbit", "target_angle", "target_angular_velocity"]);
  assert.equal(reacherMovingV0Factory.spec({ max_episode_steps: 60 }).maxEpisodeSteps, 60);
});

test("ReacherMoving-v0 computeReward: 0.1 within the target radius 0.05, 0 outside", async () => {
  await withTask({}, (task) => {
    assert.equal(task.computeReward([0, 0], [0.049, 0]), 0.1);
    assert.equal(task.computeReward([0.1, 0.1], [0.1, 0.1]), 0.1);
    assert.equal(task.computeReward([0, 0], [0.05, 0]), 0); // on the edge: outside
    assert.equal(task.computeReward([0.03, 0.04], [0, 0.0001]), 0.1); // 3-4-5: distance 0.0499
    assert.equal(task.computeReward(new Float32Array([0.2, 0]), new Float64Array([0, 0.2])), 0);
  });
  await withTask({ distance_threshold: 0.2 }, (task) => {
    assert.equal(task.computeReward([0, 0], [0.15, 0]), 0.1);
    assert.equal(task.computeReward([0, 0], [0.25, 0]), 0);
  });
});

test("ReacherMoving-v0 reward is 0.1 exactly while the fingertip is within 0.05 of the moving target (arm held at a known pose)", async () => {
  await withTask({}, (task) => {
    // Elbow at a right angle: fingertip (0.1, 0.11), at ρ = √0.0221 ≈ 0.14866 m from the shoulder.
    const rho = Math.sqrt(0.1 * 0.1 + 0.11 * 0.11);
    const phi = Math.atan2(0.11, 0.1);
    const w = 1; // rad/s: 0.02 rad per step
    task.reset(3, { target_orbit: rho, target_angle: phi, target_angular_velocity: w });
    holdArm(task, 0, Math.PI / 2);
    const rewards: number[] = [];
    for (let k = 1; k <= 400; k++) {
      task.step(ZERO);
      const [, achieved] = task.out.observations;
      // The arm does not move: the fingertip stays at (0.1, 0.11).
      assert.ok(Math.abs(achieved![0]! - 0.1) < 1e-6 && Math.abs(achieved![1]! - 0.11) < 1e-6, `step ${k}: fingertip moved to ${[...achieved!]}`);
      // The target has swept an angle w·k·dt along the circle: the chord to the fingertip is 2ρ·sin(w·k·dt/2).
      const chord = 2 * rho * Math.abs(Math.sin((w * k * DT) / 2));
      assert.ok(Math.abs(task.out.info[0]! - chord) < 1e-6, `step ${k}: distance ${task.out.info[0]} vs chord ${chord}`);
      if (Math.abs(chord - 0.05) > 1e-5) {
        assert.equal(task.out.reward, chord < 0.05 ? 0.1 : 0, `step ${k}: chord ${chord}`);
        assert.equal(task.out.isSuccess, chord < 0.05);
        assert.equal(task.out.info[1], chord < 0.05 ? 1 : 0);
      }
      rewards.push(task.out.reward);
    }
    // By hand: 2ρ·sin(0.16) = 0.0474 < 0.05 < 2ρ·sin(0.17) = 0.0503, so steps 1–16 score and 17 does not;
    // the target comes round again after 2π/0.02 ≈ 314 steps (inside from step 298 to 331).
    assert.deepEqual(rewards.slice(0, 17), [...new Array(16).fill(0.1), 0]);
    assert.equal(rewards.slice(17, 297).every((r) => r === 0), true);
    assert.deepEqual([rewards[297], rewards[298]], [0.1, 0.1]); // steps 298, 299
    assert.deepEqual([rewards[330], rewards[331]], [0.1, 0]); // steps 331, 332
    assert.equal(rewards.filter((r) => r === 0.1).length, 16 + 34);
    // A still target on the fingertip scores every step.
    task.reset(3, { target_orbit: rho, target_angle: phi, target_angular_velocity: 0 });
    holdArm(task, 0, Math.PI / 2);
    for (let k = 1; k <= 20; k++) {
      task.step(ZERO);
      assert.equal(task.out.reward, 0.1);
    }
  });
});

test("ReacherMoving-v0 target moves along its circle by the arc the angular velocity gives", async () => {
  await withTask({}, (task) => {
    // A chosen circle: ρ = 0.1, starting at angle 0, 0.5 rad/s counter-clockwise.
    task.reset(1, { target_orbit: 0.1, target_angle: 0, target_angular_velocity: 0.5 });
    assert.deepEqual([...task.out.observations[2]!], [Math.fround(0.1), 0]);
    for (let k = 1; k <= 50; k++) task.step(ZERO);
    // After 50 steps (1 s): θ = 0.5 rad → (0.1·cos 0.5, 0.1·sin 0.5) = (0.087758, 0.047943).
    assert.deepEqual([...task.out.observations[2]!], [Math.fround(0.1 * Math.cos(0.5)), Math.fround(0.1 * Math.sin(0.5))]);
    task.reset(1, { target_orbit: 0.1, target_angle: 0, target_angular_velocity: -0.5 });
    for (let k = 1; k <= 50; k++) task.step(ZERO);
    assert.deepEqual([...task.out.observations[2]!], [Math.fround(0.1 * Math.cos(0.5)), Math.fround(-0.1 * Math.sin(0.5))], "negative = clockwise");

    // Drawn circles: every episode's target moves, on its circle, by |ω|·k·dt of angle between t and t + k.
    const rng = new Rng(5);
    let clockwise = 0;
    for (let ep = 0; ep < 40; ep++) {
      task.reset(100 + ep, {});
      const { orbit, angle, angularVelocity } = task.targetMotion();
      assert.ok(orbit >= 0.05 && orbit <= 0.19, `orbit ${orbit}`);
      assert.ok(Math.abs(angularVelocity) >= 0.2 && Math.abs(angularVelocity) <= 1, `ω ${angularVelocity}`);
      if (angularVelocity < 0) clockwise++;
      const g0 = [...task.out.observations[2]!];
      assert.ok(Math.abs(g0[0]! - orbit * Math.cos(angle)) < 1e-7 && Math.abs(g0[1]! - orbit * Math.sin(angle)) < 1e-7);
      const t = 10 + (ep % 7);
      const k = 25;
      let gt: number[] = [];
      for (let s = 1; s <= t + k; s++) {
        task.step(new Float32Array([rng.uniformRange(-1, 1), rng.uniformRange(-1, 1)]));
        const g = [...task.out.observations[2]!];
        assert.ok(Math.abs(Math.hypot(g[0]!, g[1]!) - orbit) < 1e-6, "on its circle");
        if (s === t) gt = g;
      }
      const gk = [...task.out.observations[2]!];
      const chord = Math.hypot(gk[0]! - gt[0]!, gk[1]! - gt[1]!);
      const expected = 2 * orbit * Math.sin((Math.abs(angularVelocity) * k * DT) / 2);
      assert.ok(Math.abs(chord - expected) < 1e-6, `chord ${chord} vs ${expected}`);
      assert.ok(chord > 0.004, "the target moved");
      // Direction: the cross product of the two positions has the sign of ω.
      assert.equal(Math.sign(gt[0]! * gk[1]! - gt[1]! * gk[0]!), Math.sign(angularVelocity));
    }
    assert.ok(clockwise > 5 && clockwise < 35, `some clockwise, some counter-clockwise (${clockwise} of 40 clockwise)`);
  });
});

test("ReacherMoving-v0 step reward, success and info agree with computeReward on the step's observation", async () => {
  await withTask({}, (task) => {
    const rng = new Rng(3);
    const a = new Float32Array(2);
    let inside = 0;
    let steps = 0;
    for (let ep = 0; ep < 3; ep++) {
      task.reset(ep, {});
      assert.equal(task.out.reward, 0, "a reset reports reward 0");
      while (task.out.status === StepStatus.RUNNING) {
        for (let i = 0; i < 2; i++) a[i] = rng.uniformRange(-1, 1);
        task.step(a);
        steps++;
        const [, achieved, desired] = task.out.observations;
        const r = task.computeReward(achieved!, desired!);
        assert.equal(task.out.reward, r);
        assert.equal(task.out.isSuccess, r === 0.1);
        assert.equal(task.out.info[1], r === 0.1 ? 1 : 0);
        const d = Math.hypot(achieved![0]! - desired![0]!, achieved![1]! - desired![1]!);
        assert.ok(Math.abs(task.out.info[0]! - d) < 1e-12);
        if (r === 0.1) inside++;
      }
      assert.equal(task.out.status, StepStatus.TRUNCATED);
    }
    assert.equal(steps, 3 * 1000);
    assert.ok(inside > 0 && inside < steps, `some but not all steps score (${inside})`);
  });
});

test("ReacherMoving-v0 truncates at max_episode_steps (1000 by default) and never terminates", async () => {
  await withTask({}, (task) => {
    task.reset(8, {});
    // Success does not end it either: the target stays on the fingertip of a held arm.
    const tip = [...task.out.observations[1]!];
    task.reset(8, { target_orbit: Math.hypot(tip[0]!, tip[1]!), target_angle: Math.atan2(tip[1]!, tip[0]!), target_angular_velocity: 0 });
    holdArm(task, task.sim.qpos[0]!, task.sim.qpos[1]!);
    let score = 0;
    for (let k = 1; k <= 1000; k++) {
      task.step(ZERO);
      score += task.out.reward;
      assert.equal(task.out.status, k < 1000 ? StepStatus.RUNNING : StepStatus.TRUNCATED, `step ${k}`);
    }
    assert.ok(Math.abs(score - 100) < 1e-9, `the best score of an episode is 1000 × 0.1 = 100, got ${score}`);
  });
  await withTask({ max_episode_steps: 7 }, (task) => {
    task.reset(1, {});
    for (let k = 1; k <= 7; k++) {
      task.step(new Float32Array([1, -1]));
      assert.equal(task.out.status, k < 7 ? StepStatus.RUNNING : StepStatus.TRUNCATED);
    }
  });
});

test("ReacherMoving-v0 is deterministic per seed; the arm's trajectory does not depend on the target", async () => {
  const run = async (seed: number, reset: Options = {}) => {
    const trace: number[][] = [[], [], []];
    await withTask({}, (task) => {
      const rng = new Rng(8);
      task.reset(seed, reset);
      for (const [i, o] of task.out.observations.entries()) trace[i]!.push(...o);
      for (let k = 0; k < 300; k++) {
        task.step(new Float32Array([rng.uniformRange(-1, 1), rng.uniformRange(-1, 1)]));
        for (const [i, o] of task.out.observations.entries()) trace[i]!.push(...o);
        trace[0]!.push(task.out.reward, ...task.out.info);
      }
    });
    return trace;
  };
  const [a, b, c] = [await run(99), await run(99), await run(100)];
  assert.deepEqual(a, b);
  assert.notDeepEqual(a[2], c[2], "another seed, another target");
  // Other targets, same seed: the arm (observation, achieved_goal) moves exactly the same — what makes hindsight goals valid.
  const other = await run(99, { target_orbit: 0.12, target_angle: 1, target_angular_velocity: -2 });
  assert.deepEqual(other[1], a[1]);
  assert.notDeepEqual(other[2], a[2]);
  // A reset option replaces one draw and leaves the others as the seed gave them.
  await withTask({}, (task) => {
    task.reset(42, {});
    const drawn = task.targetMotion();
    task.reset(42, { target_angular_velocity: 0.3 });
    assert.deepEqual(task.targetMotion(), { orbit: drawn.orbit, angle: drawn.angle, angularVelocity: 0.3 });
  });
});

test("ReacherMoving-v0 rejects bad options with a message naming the option and the problem", async () => {
  const invalid = (name: string, pattern: RegExp) => (e: unknown) =>
    e instanceof SimbridgeError && e.code === Code.INVALID_ARGUMENT && e.message.includes(name) && pattern.test(e.message) && e.field === `options.${name}`;
  const bad: Array<[Options, string, RegExp]> = [
    [{ max_episode_steps: 0 }, "max_episode_steps", /must be an integer ≥ 1, got 0/],
    [{ max_episode_steps: 2.5 }, "max_episode_steps", /must be an integer ≥ 1, got 2.5/],
    [{ max_episode_steps: "1000" }, "max_episode_steps", /must be a number but got string/],
    [{ distance_threshold: 0 }, "distance_threshold", /must be positive, got 0/],
    [{ target_speed_min: -1 }, "target_speed_min", /must lie in \[0, 10\] rad\/s, got -1/],
    [{ target_speed_max: 11 }, "target_speed_max", /must lie in \[target_speed_min = 0.2, 10\] rad\/s, got 11/],
    [{ target_speed_min: 0.8, target_speed_max: 0.5 }, "target_speed_max", /got 0.5/],
    [{ target_orbit_max: 0.3 }, "target_orbit_max", /must lie in \[target_orbit_min = 0.05, 0.21\] \(the arm's reach, m\), got 0.3/],
    [{ target_orbit_min: 0.15, target_orbit_max: 0.1 }, "target_orbit_max", /got 0.1/],
    [{ target_speed: 1 }, "target_speed", /unknown make option 'target_speed' \(accepted: max_episode_steps, distance_threshold/],
  ];
  for (const [options, name, pattern] of bad) {
    assert.throws(() => reacherMovingV0Factory.spec(options), invalid(name, pattern), JSON.stringify(options));
    await assert.rejects(reacherMovingV0Factory.create(options), invalid(name, pattern), JSON.stringify(options));
  }
  await withTask({}, (task) => {
    task.reset(1, {});
    const before = task.out.observations.map((o) => [...o]);
    const badReset: Array<[Options, string, RegExp]> = [
      [{ target_orbit: 0.5 }, "target_orbit", /must lie in \[0, 0.21\] \(the arm's reach, m\), got 0.5/],
      [{ target_orbit: -0.1 }, "target_orbit", /got -0.1/],
      [{ target_angular_velocity: 11 }, "target_angular_velocity", /must lie in \[−10, 10\] rad\/s, got 11/],
      [{ target_angle: Number.NaN }, "target_angle", /must be a finite number/],
      [{ target_angle: new Float64Array([1]) }, "target_angle", /must be a number but got a tensor of 1/],
      [{ goal: new Float64Array(2) }, "goal", /unknown reset option 'goal'/],
    ];
    for (const [options, name, pattern] of badReset) {
      assert.throws(() => task.reset(2, options), invalid(name, pattern), name);
      // validateResetOptions (what the env pool calls before a batched reset) agrees with reset.
      assert.throws(() => task.validateResetOptions(options), invalid(name, pattern), name);
    }
    // A rejected reset changes nothing.
    assert.deepEqual(task.out.observations.map((o) => [...o]), before);
    task.validateResetOptions({ target_orbit: 0.21, target_angle: -7, target_angular_velocity: -10 });
  });
});
