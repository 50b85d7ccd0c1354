import { mock, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { benchPhysics, type PhysicsBenchResult } from "../../src/bench/physics.js";
import { Code, SimbridgeError } from "../../src/core/errors.js";
import type { Task, TaskFactory } from "../../src/env/task.js";
import { loadMujoco, mujocoTaskFactories, mujocoVersion, MujocoTask } from "../../sims/mujoco/index.js";

const TASKS = ["Reacher-v5", "Ant-v5", "AntMaze-v0"] as const;

function factoryOf(name: string): TaskFactory {
  const f = mujocoTaskFactories.find((x) => x.name === name);
  assert.ok(f, `no factory for ${name}`);
  return f;
}

/** The task's own frame skip, from a task made by its factory. */
async function frameSkipOf(name: string): Promise<number> {
  const t = await factoryOf(name).create({});
  try {
    assert.ok(t instanceof MujocoTask);
    return t.frameSkip;
  } finally {
    t.close();
  }
}

test("benchPhysics on the real clock: the report's fields, the task's frame skip and MuJoCo version, consistent derived rates, a native baseline or the reason why not", async () => {
  const version = await mujocoVersion();
  for (const task of TASKS) {
    const r = await benchPhysics({ task, seconds: 0.3, seed: 1 });
    const frameSkip = await frameSkipOf(task);
    const native = r.native_mj_steps_per_s !== undefined;
    const keys = ["task", "frame_skip", "seconds", "seed", "rounds", "mujoco_version", "mj_steps_per_s", "env_steps_per_s", "env_mj_steps_per_s", "env_over_raw_overhead", "native_note"];
    if (native) keys.push("native_mj_steps_per_s", "native_mujoco_version", "wasm_over_native");
    assert.deepEqual(Object.keys(r).sort(), keys.sort(), "the fields of the JSON report, nothing undefined");
    assert.deepEqual(JSON.parse(JSON.stringify(r)), r, "the JSON is the result (no NaN or Infinity turned into null)");
    assert.deepEqual([r.task, r.frame_skip, r.seconds, r.seed, r.rounds, r.mujoco_version], [task, frameSkip, 0.3, 1, 5, version]);
    for (const k of ["mj_steps_per_s", "env_steps_per_s", "env_mj_steps_per_s"] as const) assert.ok(Number.isInteger(r[k]) && r[k] > 0, `${k} ${r[k]}`);
    // env_mj_steps_per_s is the env rate × frame skip, both rounded to integers.
    assert.ok(Math.abs(r.env_mj_steps_per_s - r.env_steps_per_s * frameSkip) <= frameSkip / 2 + 0.5, `${r.env_mj_steps_per_s} vs ${r.env_steps_per_s} × ${frameSkip}`);
    // The overhead is raw control rate / env rate − 1, from the same (unrounded) medians: agrees with the rounded ones to their precision.
    const fromRounded = r.mj_steps_per_s / frameSkip / r.env_steps_per_s - 1;
    const slack = (1 + fromRounded) * (0.5 / r.mj_steps_per_s + 0.5 / r.env_steps_per_s) * 1.01 + 5e-5;
    assert.ok(Math.abs(r.env_over_raw_overhead - fromRounded) <= slack, `overhead ${r.env_over_raw_overhead} vs ${fromRounded} from the rates`);
    // The native baseline is there exactly when its prerequisites are, else a note names the missing one.
    if (!existsSync("/usr/include/mujoco/mujoco.h")) {
      assert.equal(native, false);
      assert.match(r.native_note!, /libmujoco-dev/);
    }
    if (native) {
      assert.ok(r.native_mj_steps_per_s! > 0);
      assert.match(r.native_mujoco_version!, /^\d+\.\d+\.\d+$/);
      assert.ok(Math.abs(r.wasm_over_native! - r.mj_steps_per_s / r.native_mj_steps_per_s!) <= 1e-4 + r.wasm_over_native! * 1e-3, "wasm_over_native is the ratio of the two rates");
    }
  }
});

// On a fake clock that advances only when the physics steps, the rates the benchmark
// reports are exact functions of how many mj_step and Task.step calls each of its two
// loops made: this checks what the numbers mean, with no timing in the test.
test("benchPhysics on a fake clock: raw and env loops step one model, frame_skip mj_steps per control step, and the reported rates are their step counts over their time", async () => {
  const mj = await loadMujoco();
  const realStep = mj.mj_step;
  /** Fake milliseconds per mj_step, and the extra a Task.step costs on top of its mj_steps (binary fractions: exact sums). */
  const MJ_STEP_MS = 1 / 64;
  const TASK_EXTRA_MS = 1 / 64;
  const SECONDS = 0.1;
  for (const name of TASKS) {
    let clock = 1000;
    let task: MujocoTask | undefined;
    let inTaskStep = false;
    const counts = { rawMjSteps: 0, envMjSteps: 0, taskSteps: 0 };
    const models = new Set<unknown>();
    const datas = new Set<unknown>();
    const factory = factoryOf(name);
    const create = factory.create.bind(factory);
    mock.method(performance, "now", () => clock);
    mock.method(mj, "mj_step", (m: Parameters<typeof realStep>[0], d: Parameters<typeof realStep>[1]) => {
      if (task !== undefined) {
        clock += MJ_STEP_MS;
        models.add(m);
        datas.add(d);
        if (inTaskStep) counts.envMjSteps++;
        else counts.rawMjSteps++;
      }
      realStep(m, d);
    });
    mock.method(factory, "create", async (options: Parameters<TaskFactory["create"]>[0]): Promise<Task> => {
      const t = await create(options);
      assert.ok(t instanceof MujocoTask);
      task = t;
      const step = t.step.bind(t);
      t.step = (action: Float32Array) => {
        inTaskStep = true;
        clock += TASK_EXTRA_MS;
        try {
          step(action);
        } finally {
          inTaskStep = false;
        }
        counts.taskSteps++;
      };
      return t;
    });
    let r: PhysicsBenchResult;
    try {
      r = await benchPhysics({ task: name, seconds: SECONDS, seed: 3 });
    } finally {
      mock.restoreAll();
    }
    assert.ok(task, "the bench made its task through the factory");
    const fs = task.frameSkip;
    assert.equal(r.frame_skip, fs);
    // One model, one data: the raw loop and Task.step drive the same simulation.
    assert.deepEqual([models.size, datas.size], [1, 1]);
    assert.ok(models.has(task.sim.model) && datas.has(task.sim.data), "the task's own model and data");
    // Each timed loop runs whole chunks of 32 control steps until its share of the time
    // (SECONDS / (2 × 5 rounds)) is used; the warm-up is one more such loop of each kind.
    const perLoopMs = (SECONDS * 1000) / 10;
    const chunks = (msPerControlStep: number) => Math.ceil(perLoopMs / (32 * msPerControlStep));
    const rawControlSteps = 6 * 32 * chunks(fs * MJ_STEP_MS);
    const taskSteps = 6 * 32 * chunks(fs * MJ_STEP_MS + TASK_EXTRA_MS);
    assert.equal(counts.rawMjSteps, fs * rawControlSteps, "the raw loop: frame_skip mj_steps per control step");
    assert.equal(counts.taskSteps, taskSteps, "the env loop: Task.step calls");
    assert.equal(counts.envMjSteps, fs * taskSteps, "Task.step: frame_skip mj_steps each");
    // The rates are those counts over that time.
    const rawControlRate = 1000 / (fs * MJ_STEP_MS);
    const envRate = 1000 / (fs * MJ_STEP_MS + TASK_EXTRA_MS);
    assert.equal(r.mj_steps_per_s, Math.round(rawControlRate * fs));
    assert.equal(r.mj_steps_per_s, 64_000);
    assert.equal(r.env_steps_per_s, Math.round(envRate));
    assert.equal(r.env_mj_steps_per_s, Math.round(envRate * fs));
    assert.equal(r.env_over_raw_overhead, Math.round((TASK_EXTRA_MS / (fs * MJ_STEP_MS)) * 1e4) / 1e4, "Task.step's extra time over the raw control step");
    assert.equal(r.env_over_raw_overhead, 1 / fs);
  }
});

test("benchPhysics rejects an unknown task and bad durations", async () => {
  await assert.rejects(benchPhysics({ task: "Nope-v0", seconds: 0.1 }), (e: unknown) => e instanceof SimbridgeError && e.code === Code.NOT_FOUND && /Nope-v0/.test(e.message));
  await assert.rejects(benchPhysics({ task: "Ant-v5", seconds: 0 }), (e: unknown) => e instanceof SimbridgeError && e.code === Code.INVALID_ARGUMENT);
});
