import { test } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import type { Task, TaskFactory } from "../../src/env/task.js";
import { mujocoTaskFactories } from "../../sims/mujoco/index.js";
import { MjSim, loadMujoco, wasmHeapBytes } from "../../sims/mujoco/mujoco-runtime.js";
import type { MujocoTask } from "../../sims/mujoco/mujoco-task.js";

v8.setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function factory(name: string): TaskFactory {
  const f = mujocoTaskFactories.find((x) => x.name === name);
  assert.ok(f, name);
  return f;
}

test("the index lists the MuJoCo tasks", () => {
  assert.deepEqual(mujocoTaskFactories.map((f) => f.name), ["Reacher-v5", "ReacherGoal-v0", "Ant-v5", "ReacherMoving-v0", "AntMaze-v0", "AntPush-v0", "AntFall-v0"]);
  for (const f of mujocoTaskFactories) assert.equal(f.spec({}).name, f.name);
});

test("the WASM module is loaded once per process", async () => {
  const [a, b] = await Promise.all([loadMujoco(), loadMujoco()]);
  assert.equal(a, b);
  assert.equal(await loadMujoco(), a);
  assert.match(a.mj_versionString(), /^\d+\.\d+\.\d+/);
});

test("cached views survive WASM memory growth (refreshed, still write through)", async () => {
  const mj = await loadMujoco();
  const sim = new MjSim(mj, "views", `<mujoco><worldbody><body pos="0 0 1"><joint type="free"/><geom size="0.1"/></body></worldbody></mujoco>`);
  const heap0 = wasmHeapBytes(mj);
  // A model whose MjData wants a 64 MB arena forces the memory to grow.
  const big = new MjSim(mj, "big", `<mujoco><size memory="${Math.ceil(heap0 / 2 ** 20) + 32}M"/><worldbody><body><joint type="free"/><geom size="0.1"/></body></worldbody></mujoco>`);
  try {
    assert.ok(wasmHeapBytes(mj) > heap0, "memory grew");
    const stale = sim.qpos;
    assert.equal(stale.byteLength, 0, "old views are detached after growth");
    sim.refresh();
    assert.notEqual(sim.qpos, stale);
    assert.equal(sim.qpos.length, 7);
    sim.qpos[2] = 3;
    sim.forward();
    assert.equal((sim.data.qpos as Float64Array)[2], 3, "writes reach the simulation");
    assert.equal(sim.xpos[5], 3);
    const qfrc = sim.view("qfrc_bias");
    assert.equal(sim.view("qfrc_bias"), qfrc, "extra views are cached");
    assert.equal(qfrc.length, 6);
    assert.ok(Math.abs(qfrc[2]! - 9.81 * (sim.model.body_mass as Float64Array)[1]!) < 1e-9, "gravity in the bias force");
    assert.throws(() => sim.view("no_such_field"), /no_such_field/);
  } finally {
    big.close();
    sim.close();
  }
});

test("a task keeps stepping identically when WASM memory grows mid-episode", async () => {
  const mj = await loadMujoco();
  const run = async (growAt: number) => {
    const task = (await factory("Reacher-v5").create({})) as MujocoTask;
    const trace: number[] = [];
    let big: MjSim | undefined;
    try {
      task.reset(31, {});
      for (let i = 0; i < 30; i++) {
        if (i === growAt) {
          const heap = wasmHeapBytes(mj);
          big = new MjSim(mj, "grow", `<mujoco><size memory="${Math.ceil(heap / 2 ** 20) + 16}M"/><worldbody><body><geom size="0.1"/></body></worldbody></mujoco>`);
        }
        task.step(new Float32Array([0.4, -0.9]));
        trace.push(...task.out.observations[0]!, task.out.reward);
      }
    } finally {
      big?.close();
      task.close();
    }
    return trace;
  };
  assert.deepEqual(await run(12), await run(-1));
});

test("make/close is leak-free: WASM heap and RSS flat over 10k cycles", async () => {
  const mj = await loadMujoco();
  const action = new Float32Array(8).fill(0.2);
  const cycle = async (i: number) => {
    const f = mujocoTaskFactories[i % 3]!;
    const task = await f.create(i % 6 === 5 ? { use_contact_forces: true } : {});
    task.reset(i, {});
    task.step(action.subarray(0, task.spec.action.shape[0]));
    task.close();
  };
  for (let i = 0; i < 600; i++) await cycle(i); // warm up allocators and the JIT
  gc();
  const heap0 = wasmHeapBytes(mj);
  const rss0 = process.memoryUsage().rss;
  for (let i = 0; i < 10_000; i++) await cycle(i);
  gc();
  const heap1 = wasmHeapBytes(mj);
  const rss1 = process.memoryUsage().rss;
  // One leaked Ant (model copy + 2 MB arena) per cycle would be > 2 GB here;
  // a leaked JS handle per cycle would be megabytes of RSS.
  assert.equal(heap1, heap0, `WASM heap grew from ${heap0} to ${heap1} bytes`);
  assert.ok(rss1 - rss0 < 48 * 2 ** 20, `RSS grew by ${((rss1 - rss0) / 2 ** 20).toFixed(1)} MB`);
});

test("a task dropped without close() is freed when garbage-collected", async () => {
  const mj = await loadMujoco();
  const f = factory("Ant-v5");
  const churn = async () => {
    for (let i = 0; i < 50; i++) (await f.create({})).reset(i, {}); // never closed
  };
  await churn(); // may grow the heap once
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r)); // finalizers run between turns
  }
  const heap0 = wasmHeapBytes(mj);
  for (let round = 0; round < 10; round++) {
    await churn();
    gc();
    await new Promise((r) => setImmediate(r));
  }
  // 500 leaked Ants would need about 1.4 GB more WASM memory; freed ones at
  // most a batch or two (~2.7 MB each) until their finalizers run.
  assert.ok(wasmHeapBytes(mj) - heap0 < 512 * 2 ** 20, `heap grew by ${(wasmHeapBytes(mj) - heap0) / 2 ** 20} MB`);
});

/**
 * Bytes allocated on the JS heap per call of `fn` (new-space growth with no GC
 * in between). Retries when a GC intervenes or JIT work is still going on, and
 * stops at the first measurement below `enough`.
 */
function bytesPerCall(fn: () => void, calls: number, enough: number): number {
  const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space")!.space_used_size;
  let best = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 5; attempt++) {
    gc();
    const before = newSpace();
    for (let i = 0; i < calls; i++) fn();
    const after = newSpace();
    if (after >= before) best = Math.min(best, (after - before) / calls);
    if (best < enough) break;
  }
  return best;
}

test("step() does not allocate on the JS heap", async () => {
  const cases: [string, Record<string, boolean>, number][] = [
    ["Reacher-v5", {}, 10_000],
    ["ReacherGoal-v0", {}, 10_000],
    ["Ant-v5", { use_contact_forces: true }, 2_000],
    ["AntPush-v0", {}, 2_000],
  ];
  for (const [name, options, calls] of cases) {
    const task: Task = await factory(name).create(options);
    try {
      task.reset(0, {});
      const action = new Float32Array(task.spec.action.shape[0]!).fill(0.05);
      // Steps only: resets allocate a little (random draws return boxed numbers).
      // A task tolerates stepping past the end of an episode (the physics goes
      // on, the status stays TRUNCATED/TERMINATED); the env pool never does it.
      const step = () => task.step(action);
      for (let i = 0; i < calls; i++) step(); // let the JIT settle
      // One boxed number per step would be 12+ bytes per step.
      const perStep = bytesPerCall(step, calls, 2);
      assert.ok(perStep < 2, `${name}: ${perStep.toFixed(2)} bytes allocated per step`);
    } finally {
      task.close();
    }
  }
});
