// HIRO's ant tasks (AntMaze-v0, AntPush-v0, AntFall-v0): specs, starting
// state, walls and blocks in the physics, goals and their options, reward and
// success by hand, determinism.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Code, SimbridgeError } from "../../src/core/errors.js";
import { StepStatus, type Options, type TaskFactory } from "../../src/env/task.js";
import { antFallV0Factory } from "../../sims/mujoco/ant-fall-v0.js";
import { antMazeV0Factory } from "../../sims/mujoco/ant-maze-v0.js";
import { antPushV0Factory } from "../../sims/mujoco/ant-push-v0.js";
import type { HiroAntTask } from "../../sims/mujoco/hiro-ant-task.js";

const ZERO = new Float32Array(8);

async function make(factory: TaskFactory, options: Options = {}): Promise<HiroAntTask> {
  return (await factory.create(options)) as HiroAntTask;
}

async function withTask<T>(factory: TaskFactory, options: Options, body: (t: HiroAntTask) => T | Promise<T>): Promise<T> {
  const task = await make(factory, options);
  try {
    return await body(task);
  } finally {
    task.close();
  }
}

function invalid(pattern: RegExp, field: string) {
  return (e: unknown) => e instanceof SimbridgeError && e.code === Code.INVALID_ARGUMENT && pattern.test(e.message) && e.field === field;
}

/** Puts the torso at (x, y, z), upright, legs straight, with linear velocity (vx, vy); forward(). */
function place(task: HiroAntTask, x: number, y: number, z: number, vx = 0, vy = 0): void {
  const { qpos, qvel } = task.sim;
  qpos.set([x, y, z, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  qvel.fill(0, 0, 14);
  qvel[0] = vx;
  qvel[1] = vy;
  task.sim.forward();
}

test("specs: observation 30, achieved/desired goal 2 (AntFall 3), action 8 in ±30, 500 steps, white-box goal tasks", () => {
  for (const [factory, g] of [
    [antMazeV0Factory, 2],
    [antPushV0Factory, 2],
    [antFallV0Factory, 3],
  ] as const) {
    const spec = factory.spec({});
    assert.deepEqual(
      spec.observations.map((o) => [o.name, o.shape]),
      [
        ["observation", [30]],
        ["achieved_goal", [g]],
        ["desired_goal", [g]],
      ],
      spec.name,
    );
    assert.deepEqual(spec.action.shape, [8]);
    assert.deepEqual([...spec.action.minimum!], new Array(8).fill(-30));
    assert.deepEqual([...spec.action.maximum!], new Array(8).fill(30));
    assert.equal(spec.maxEpisodeSteps, 500);
    assert.ok(Math.abs(spec.controlDt - 0.1) < 1e-12);
    assert.deepEqual([spec.goalConditioned, spec.hasReward, spec.blackBox, spec.hasRewardFunction], [true, true, false, true]);
    assert.deepEqual([...spec.infoKeys], ["distance"]);
    assert.deepEqual(spec.makeOptions.map((o) => [o.name, o.type, o.default]), [
      ["max_episode_steps", "number", 500],
      ["reward_type", "string", "dense"],
      ["distance_threshold", "number", 5],
      ["goal", "string", "random"],
    ]);
    assert.deepEqual(spec.resetOptions.map((o) => [o.name, o.type]), [["goal", "tensor"]]);
    assert.equal(factory.spec({ max_episode_steps: 20 }).maxEpisodeSteps, 20);
  }
  assert.deepEqual(
    [antMazeV0Factory, antPushV0Factory, antFallV0Factory].map((f) => f.name),
    ["AntMaze-v0", "AntPush-v0", "AntFall-v0"],
  );
});

test("models: the ant's 15/14 dofs first, then the blocks' slide joints; Fall's torso starts at 4.75", async () => {
  const sizes: number[][] = [];
  for (const f of [antMazeV0Factory, antPushV0Factory, antFallV0Factory]) {
    await withTask(f, {}, (t) => {
      sizes.push([t.sim.nq, t.sim.nv, t.sim.nu]);
      assert.equal(t.sim.id("body", "torso"), 1);
      assert.equal(t.sim.timestep, 0.02);
      assert.deepEqual([...t.sim.qpos0.subarray(0, 3)], [0, 0, f === antFallV0Factory ? 4.75 : 0.75]);
    });
  }
  assert.deepEqual(sizes, [
    [15, 14, 8],
    [17, 16, 8],
    [17, 16, 8],
  ]);
});

test("reset: the ant near the origin (noise ≤ 0.1), the observation is qpos[:15] + qvel[:14] + t·0.001, achieved = torso x, y", async () => {
  await withTask(antMazeV0Factory, {}, (t) => {
    for (let seed = 0; seed < 5; seed++) {
      t.reset(seed, {});
      const { qpos, qvel } = t.sim;
      const [obs, achieved] = t.out.observations;
      assert.ok(Math.abs(qpos[0]!) <= 0.1 && Math.abs(qpos[1]!) <= 0.1 && Math.abs(qpos[2]! - 0.75) <= 0.1);
      for (let i = 0; i < 15; i++) assert.equal(obs![i], Math.fround(qpos[i]!));
      for (let i = 0; i < 14; i++) assert.equal(obs![15 + i], Math.fround(qvel[i]!));
      assert.equal(obs![29], 0);
      assert.deepEqual([...achieved!], [Math.fround(qpos[0]!), Math.fround(qpos[1]!)]);
      assert.equal(t.out.reward, 0, "no step was taken");
    }
    for (let k = 1; k <= 3; k++) {
      t.step(ZERO);
      assert.equal(t.out.observations[0]![29], Math.fround(k * 0.001));
    }
  });
});

test("AntFall: the ant starts on the platform at z ≈ 4.75 and settles on it; achieved_goal is (x, y, z)", async () => {
  await withTask(antFallV0Factory, {}, (t) => {
    t.reset(3, {});
    assert.ok(Math.abs(t.sim.qpos[2]! - 4.75) <= 0.1);
    for (let i = 0; i < 30; i++) t.step(ZERO);
    const z = t.sim.qpos[2]!;
    assert.ok(z > 4.2 && z < 4.8, `torso z ${z} after settling (the platform's top is at 4)`);
    const achieved = t.out.observations[1]!;
    assert.deepEqual([...achieved], [...t.sim.qpos.subarray(0, 3)].map(Math.fround));
  });
});

test("walls block the ant: thrown at a wall it stops at the face; thrown along the corridor it goes on", async () => {
  await withTask(antMazeV0Factory, {}, (t) => {
    t.reset(0, {});
    // The wall cell (2, 1) fills x ∈ [−4, 4], y ∈ [4, 12]; the torso flies at it at 8 m/s.
    place(t, 0, 2.5, 0.75, 0, 8);
    let maxY = -Infinity;
    for (let i = 0; i < 15; i++) {
      t.step(ZERO);
      maxY = Math.max(maxY, t.sim.qpos[1]!);
    }
    assert.ok(maxY < 4 - 0.2, `the torso (r 0.25) reached y ${maxY}, the wall's face is at 4`);
    // The same throw along +x (free cells at x = 8, 16) carries it past x = 4.
    place(t, 0, 0, 0.75, 8, 0);
    for (let i = 0; i < 15; i++) t.step(ZERO);
    assert.ok(t.sim.qpos[0]! > 4, `x ${t.sim.qpos[0]} along the corridor`);
  });
});

test("AntPush: the block stays put alone and moves when the ant runs into it", async () => {
  await withTask(antPushV0Factory, {}, (t) => {
    t.reset(0, {});
    for (let i = 0; i < 20; i++) t.step(ZERO);
    assert.ok(Math.hypot(t.sim.qpos[15]!, t.sim.qpos[16]!) < 0.05, `the block drifted to ${t.sim.qpos[15]}, ${t.sim.qpos[16]}`);
    // The block fills x ∈ [−4, 4], y ∈ [4, 12]; the ant comes from the left (cell (2, 1)) at 6 m/s.
    place(t, -5.2, 8, 0.75, 6, 0);
    for (let i = 0; i < 10; i++) t.step(ZERO);
    assert.ok(t.sim.qpos[15]! > 0.2, `block x slide ${t.sim.qpos[15]}`);
    // A new episode puts it back exactly.
    t.reset(1, {});
    assert.deepEqual([t.sim.qpos[15], t.sim.qpos[16], t.sim.qvel[14], t.sim.qvel[15]], [0, 0, 0, 0]);
  });
});

test("AntFall: the block slides when pushed, and over the chasm it drops to the floor, level with the platform", async () => {
  await withTask(antFallV0Factory, {}, (t) => {
    t.reset(0, {});
    // The block (y slide qpos[15], z slide qpos[16]) fills y ∈ [4.04, 11.96] at x ∈ [4, 12].
    place(t, 8, 2.5, 4.75, 0, 6);
    for (let i = 0; i < 10; i++) t.step(ZERO);
    assert.ok(t.sim.qpos[15]! > 0.2, `block y slide ${t.sim.qpos[15]}`);
    assert.ok(Math.abs(t.sim.qpos[16]!) < 0.05, "still on the platform");
    // Moved by a whole cell it is over the chasm and falls 4 m onto the floor.
    const { qpos, qvel } = t.sim;
    place(t, 0, 0, 4.75);
    qpos[15] = 8;
    qvel[14] = 0;
    qvel[15] = 0;
    t.sim.forward();
    for (let i = 0; i < 20; i++) t.step(ZERO);
    assert.ok(Math.abs(t.sim.qpos[16]! + 4) < 0.05, `block z slide ${t.sim.qpos[16]}`);
  });
});

test("computeReward by hand: dense −distance, sparse −1 / 0 within the threshold; 3-D for AntFall", async () => {
  await withTask(antMazeV0Factory, {}, (t) => {
    assert.equal(t.computeReward([0, 0], [3, 4]), -5);
    assert.equal(t.computeReward([1, 16], [1, 16]), -0);
    assert.equal(t.computeReward(new Float32Array([0, 16]), new Float64Array([0, 19])), -3);
  });
  await withTask(antMazeV0Factory, { reward_type: "sparse" }, (t) => {
    assert.equal(t.computeReward([0, 0], [3, 4]), -1, "5 is not below 5");
    assert.equal(t.computeReward([0, 0], [3, 3.99]), 0);
  });
  await withTask(antMazeV0Factory, { reward_type: "sparse", distance_threshold: 1 }, (t) => {
    assert.equal(t.computeReward([0, 0], [0.6, 0.7]), 0);
    assert.equal(t.computeReward([0, 0], [0.6, 0.8]), -1);
  });
  await withTask(antFallV0Factory, {}, (t) => {
    assert.equal(t.computeReward([0, 0, 0], [1, 2, 2]), -3);
    assert.equal(t.computeReward([0, 27, 0.5], [0, 27, 4.5]), -4);
  });
});

test("step reward, success and distance follow the goals of the observation; success within 5 of the goal", async () => {
  await withTask(antMazeV0Factory, { goal: "3,4" }, (t) => {
    t.reset(0, {});
    const check = () => {
      const [, achieved, desired] = t.out.observations;
      const dx = achieved![0]! - desired![0]!;
      const dy = achieved![1]! - desired![1]!;
      const d = Math.sqrt(dx * dx + dy * dy);
      assert.equal(t.out.info[0], d);
      assert.equal(t.out.isSuccess, d < 5);
      return d;
    };
    // From (0, 1) the goal (3, 4) is 4.24 away.
    place(t, 0, 1, 0.75);
    t.step(ZERO);
    const d = check();
    assert.equal(t.out.reward, t.computeReward(t.out.observations[1]!, t.out.observations[2]!));
    assert.equal(t.out.reward, -d);
    assert.ok(t.out.isSuccess, "within 5 of (3, 4)");
    place(t, -2, -1, 0.75);
    t.step(ZERO);
    check();
    assert.equal(t.out.isSuccess, false);
    assert.equal(t.out.status, StepStatus.RUNNING, "never terminates");
  });
  await withTask(antFallV0Factory, { goal: "0,0,4.5", reward_type: "sparse" }, (t) => {
    t.reset(0, {});
    t.step(ZERO);
    assert.deepEqual([t.out.reward, t.out.isSuccess], [0, true]);
    // 6 m away on the platform: not within 5.
    place(t, 6, 0, 4.75);
    t.step(ZERO);
    assert.deepEqual([t.out.reward, t.out.isSuccess], [-1, false]);
  });
});

test("goals: random in the training box per seed, the make option fixes it, the reset option overrides both", async () => {
  await withTask(antMazeV0Factory, {}, (t) => {
    const goals = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      t.reset(seed, {});
      const g = t.out.observations[2]!;
      assert.ok(g[0]! >= -4 && g[0]! <= 20 && g[1]! >= -4 && g[1]! <= 20, `goal ${g}`);
      goals.add(`${g[0]},${g[1]}`);
    }
    assert.equal(goals.size, 20);
    t.reset(3, { goal: new Float64Array([16, 8]) });
    assert.deepEqual([...t.out.observations[2]!], [16, 8]);
    assert.deepEqual([...t.currentGoal()], [16, 8]);
  });
  await withTask(antPushV0Factory, {}, (t) => {
    for (let seed = 0; seed < 10; seed++) {
      t.reset(seed, {});
      const g = t.out.observations[2]!;
      assert.ok(g[0]! >= -16 && g[0]! <= 16 && g[1]! >= -4 && g[1]! <= 20, `goal ${g}`);
    }
  });
  await withTask(antFallV0Factory, { goal: " 0, 27 ,4.5 " }, (t) => {
    t.reset(1, {});
    assert.deepEqual([...t.out.observations[2]!], [0, 27, 4.5]);
    for (let i = 0; i < 5; i++) t.step(ZERO);
    assert.deepEqual([...t.out.observations[2]!], [0, 27, 4.5], "constant through the episode");
    t.reset(2, { goal: new Float64Array([1, 2, 3]) });
    assert.deepEqual([...t.out.observations[2]!], [1, 2, 3]);
    t.reset(2, {});
    assert.deepEqual([...t.out.observations[2]!], [0, 27, 4.5], "the reset option lasts one episode");
  });
  // A fixed goal leaves the seed's starting state as it was.
  const start = async (options: Options) => withTask(antMazeV0Factory, options, (t) => (t.reset(9, {}), [...t.out.observations[0]!]));
  assert.deepEqual(await start({ goal: "0,16" }), await start({}));
});

test("bad options are INVALID_ARGUMENT naming the option", async () => {
  const cases: Array<[TaskFactory, Options, RegExp, string]> = [
    [antMazeV0Factory, { goal: "abc" }, /option 'goal' must be "random" or 2 comma-separated finite numbers "X,Y" such as "0,16", got 'abc'/, "options.goal"],
    [antMazeV0Factory, { goal: "0,16,1" }, /'goal' must be "random" or 2 comma-separated/, "options.goal"],
    [antMazeV0Factory, { goal: "0,,16" }, /got '0,,16'/, "options.goal"],
    [antMazeV0Factory, { goal: "0,Infinity" }, /finite numbers/, "options.goal"],
    [antFallV0Factory, { goal: "0,27" }, /3 comma-separated finite numbers "X,Y,Z" such as "0,27,4.5"/, "options.goal"],
    [antMazeV0Factory, { goal: 16 }, /'goal' must be a string but got number 16/, "options.goal"],
    [antMazeV0Factory, { reward_type: "shaped" }, /'reward_type' must be "dense" or "sparse", got 'shaped'/, "options.reward_type"],
    [antPushV0Factory, { distance_threshold: 0 }, /'distance_threshold' must be positive/, "options.distance_threshold"],
    [antPushV0Factory, { max_episode_steps: 2.5 }, /'max_episode_steps' must be an integer ≥ 1, got 2.5/, "options.max_episode_steps"],
    [antPushV0Factory, { frame_skip: 2 }, /unknown make option 'frame_skip'/, "options.frame_skip"],
  ];
  for (const [factory, options, pattern, field] of cases) {
    assert.throws(() => factory.spec(options), invalid(pattern, field), JSON.stringify(options));
    await assert.rejects(factory.create(options), invalid(pattern, field));
  }
  await withTask(antMazeV0Factory, {}, (t) => {
    t.reset(0, {});
    const before = [...t.out.observations[0]!];
    const bad = { goal: new Float64Array([1, 2, 3]) };
    assert.throws(() => t.validateResetOptions(bad), invalid(/'goal' must have 2 values \(x, y\), got 3/, "options.goal"));
    assert.throws(() => t.reset(1, bad), invalid(/must have 2 values/, "options.goal"));
    assert.deepEqual([...t.out.observations[0]!], before, "a refused reset changes nothing");
  });
});

test("same seed and actions → the same trajectory; TRUNCATED at max_episode_steps", async () => {
  await withTask(antPushV0Factory, { max_episode_steps: 25 }, (t) => {
    const run = (seed: number) => {
      t.reset(seed, {});
      const trace: number[] = [...t.out.observations[0]!, ...t.out.observations[2]!];
      const a = new Float32Array(8);
      for (let k = 0; k < 25; k++) {
        for (let i = 0; i < 8; i++) a[i] = 30 * Math.sin(0.7 * k + i);
        t.step(a);
        trace.push(...t.out.observations[0]!, t.out.reward, t.out.status);
        if (k < 24) assert.equal(t.out.status, StepStatus.RUNNING);
      }
      assert.equal(t.out.status, StepStatus.TRUNCATED);
      return trace;
    };
    const a = run(5);
    assert.deepEqual(run(5), a);
    assert.notDeepEqual(run(6), a);
  });
});
