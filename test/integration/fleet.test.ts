// A fleet of env servers as one VectorEnv: four `simbridge serve` processes on
// 127.0.0.2–127.0.0.5, 32 envs spread over them; the same trajectories as one
// server; a backend killed (or drained) mid-run has its envs re-created on the
// others, comes back and takes envs again at episode ends; a training run
// goes on through the loss.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServeProcess } from "../../src/bench/child-process.js";
import { FleetVectorEnv, type FleetEvent } from "../../src/client/fleet-vector-env.js";
import { RemoteVectorEnv } from "../../src/client/remote-vector-env.js";
import { Code, SimbridgeError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { StepStatus } from "../../src/env/task.js";
import type { BatchStep } from "../../src/env/vector-env.js";
import { trainArgs, trainRun } from "../../src/train/train-run.js";
import { readMetrics } from "../../src/train/metrics-log.js";

const HOSTS = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];
const TASKS = ["--task", "Ant-v5", "--task", "PointReach-v0"];

interface Backend {
  child: ChildProcess;
  address: string;
}

const serve = (host: string, port = 0): Promise<Backend> => startServeProcess([...TASKS, "--host", host, "--port", String(port)]);
const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", (code) => resolve(code))));
const target = (backends: readonly Backend[]) => `ipv4:${backends.map((b) => b.address).join(",")}`;
const isAborted = (e: unknown) => e instanceof SimbridgeError && e.code === Code.ABORTED;

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Random actions in [−1, 1] for `rows` envs of an action size `size`. */
const actionsFor = (rng: Rng, rows: number, size: number) => Float32Array.from({ length: rows * size }, () => 2 * rng.uniform() - 1);

describe("a fleet of four servers (127.0.0.2–5)", () => {
  let backends: Backend[];
  let reference: Backend;
  before(async () => {
    [reference, ...backends] = await Promise.all([serve("127.0.0.1"), ...HOSTS.map((h) => serve(h))]);
  });
  after(() => {
    for (const b of [reference, ...backends]) b.child.kill("SIGKILL");
  });

  it("spreads 32 envs evenly and steps the same trajectories as 32 envs on one server", async () => {
    const fleet = await FleetVectorEnv.connect(target(backends), "Ant-v5", 32);
    const single = await RemoteVectorEnv.connect(reference.address, "Ant-v5", 32);
    try {
      assert.deepEqual(
        fleet.placement().map((p) => p.envs),
        [8, 8, 8, 8],
      );
      const seeds = Array.from({ length: 32 }, (_, index) => ({ index, seed: 1000 + index }));
      const same = (a: BatchStep, b: BatchStep, what: string) => {
        assert.deepEqual(a.indices, b.indices, what);
        a.observations.forEach((o, k) => assert.deepEqual(o, b.observations[k], `${what}: observation ${k}`));
        assert.deepEqual(a.reward, b.reward, `${what}: reward`);
        assert.deepEqual(a.status, b.status, `${what}: status`);
        assert.deepEqual(a.info, b.info, `${what}: info`);
      };
      same(await fleet.reset(seeds), await single.reset(seeds), "reset");
      const rng = new Rng(7);
      const size = fleet.spec.action.shape.reduce((a, b) => a * b, 1);
      for (let t = 0; t < 30; t++) {
        const actions = actionsFor(rng, 32, size);
        const stepped = await fleet.step(actions);
        same(stepped, await single.step(actions), `step ${t}`);
        // Ants that fell start again, with the same seeds on both sides.
        const ended = [...stepped.status].flatMap((status, index) => (status === StepStatus.RUNNING ? [] : [{ index, seed: 5000 + 100 * t + index }]));
        if (ended.length) same(await fleet.reset(ended), await single.reset(ended), `reset after step ${t}`);
      }
      // A subset, out of order, spanning backends: rows come back in the order asked for.
      const all = Array.from({ length: 32 }, (_, index) => ({ index, seed: 9000 + index }));
      same(await fleet.reset(all), await single.reset(all), "reset before the subset");
      const indices = [31, 0, 9, 17, 8];
      const actions = actionsFor(rng, indices.length, size);
      same(await fleet.step(actions, indices), await single.step(actions, indices), "a subset");
      await assert.rejects(fleet.step(actions, [0, 32]), (e: unknown) => e instanceof SimbridgeError && e.code === Code.NOT_FOUND && /out of range/.test(e.message));
      await assert.rejects(fleet.step(actions.subarray(1), indices), (e: unknown) => e instanceof SimbridgeError && e.code === Code.INVALID_ARGUMENT);
    } finally {
      await fleet.close();
      await single.close();
    }
  });

  it("a killed backend's envs are re-created on the others (ABORTED once); back on the same address, it takes envs again at episode ends", async () => {
    const events: FleetEvent[] = [];
    const fleet = await FleetVectorEnv.connect(target(backends), "Ant-v5", 32, {}, { onEvent: (e) => events.push(e), initialDelayMs: 50, maxDelayMs: 400 });
    try {
      const rng = new Rng(1);
      const size = fleet.spec.action.shape.reduce((a, b) => a * b, 1);
      await fleet.reset(Array.from({ length: 32 }, (_, index) => ({ index, seed: index })));
      await fleet.step(actionsFor(rng, 32, size));
      const victim = backends[1]!;
      victim.child.kill("SIGKILL");
      await exited(victim.child);
      await assert.rejects(fleet.step(actionsFor(rng, 32, size)), isAborted);
      const after = fleet.placement();
      assert.equal(after.find((p) => p.address === victim.address)!.up, false);
      assert.equal(after.find((p) => p.address === victim.address)!.envs, 0);
      assert.deepEqual(after.filter((p) => p.up).map((p) => p.envs).sort(), [10, 11, 11]);
      assert.ok(events.some((e) => e.kind === "lost" && e.address === victim.address && e.envs === 8));
      assert.ok(events.some((e) => e.kind === "moved" && e.from === victim.address && Object.values(e.to).reduce((a, b) => a + b, 0) === 8));
      assert.equal(fleet.failovers, 1);
      // The caller resets every env, as after any ABORTED, and goes on.
      await fleet.reset(Array.from({ length: 32 }, (_, index) => ({ index, seed: 100 + index })));
      for (let t = 0; t < 5; t++) await fleet.step(actionsFor(rng, 32, size));

      // The same address comes back: probed with backoff, it is up again with no envs yet.
      backends[1] = await serve(victim.address.split(":")[0]!, Number(victim.address.split(":")[1]));
      await until("the backend to be probed back", () => fleet.placement().find((p) => p.address === victim.address)!.up);
      assert.ok(events.some((e) => e.kind === "back" && e.address === victim.address));
      assert.equal(fleet.placement().find((p) => p.address === victim.address)!.envs, 0);
      // Episodes end for envs 0–15: the ones on backends above their share move to it.
      await fleet.reset(Array.from({ length: 16 }, (_, index) => ({ index, seed: 200 + index })));
      await fleet.reset(Array.from({ length: 16 }, (_, i) => ({ index: 16 + i, seed: 300 + i })));
      assert.deepEqual(
        fleet.placement().map((p) => p.envs),
        [8, 8, 8, 8],
      );
      assert.equal(fleet.migrations, 8);
      assert.ok(events.some((e) => e.kind === "rebalanced"));
      const stepped = await fleet.step(actionsFor(rng, 32, size));
      assert.equal(stepped.status.length, 32);
    } finally {
      await fleet.close();
    }
  });

  it("a drained backend (SIGTERM) exits cleanly and its envs move to the others", async () => {
    const fleet = await FleetVectorEnv.connect(target(backends), "Ant-v5", 32, {}, { initialDelayMs: 50 });
    try {
      const rng = new Rng(2);
      const size = fleet.spec.action.shape.reduce((a, b) => a * b, 1);
      await fleet.reset(Array.from({ length: 32 }, (_, index) => ({ index, seed: index })));
      const drained = backends[2]!;
      const inFlight = fleet.step(actionsFor(rng, 32, size));
      drained.child.kill("SIGTERM");
      // The step in flight is answered, or the fleet noticed the drain first: either way no other outcome.
      await inFlight.catch((e: unknown) => assert.ok(isAborted(e), String(e)));
      assert.equal(await exited(drained.child), 0, "the drained server exits with 0");
      // If the step was answered before the drain, the fleet notices at its next call: ABORTED, never anything else.
      if (fleet.placement().find((p) => p.address === drained.address)!.envs > 0) await assert.rejects(fleet.step(actionsFor(rng, 32, size)), isAborted);
      assert.equal(fleet.placement().find((p) => p.address === drained.address)!.envs, 0);
      await fleet.reset();
      assert.equal((await fleet.step(actionsFor(rng, 32, size))).status.length, 32);
      backends[2] = await serve(drained.address.split(":")[0]!, Number(drained.address.split(":")[1]));
    } finally {
      await fleet.close();
    }
  });

  it("training goes on when a backend is killed mid-run: the loss is logged, the replay keeps growing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "simbridge-fleet-"));
    const lines: string[] = [];
    const run = trainRun(
      trainArgs("PointReach-v0", {
        her: true, steps: 1200, envs: 8, server: target(backends), backend: "wasm", batchSize: 64, bufferSize: 20_000,
        learningStarts: 300, finalEvalEpisodes: 10, logEvery: 100, checkpointEvery: 0, algoArgs: { hidden: [32, 32] },
      }),
      dir,
      { resume: false, log: (l) => lines.push(l), progress: false },
    );
    const metricsPath = join(dir, "metrics.jsonl");
    await until("the run to be under way", () => existsSync(metricsPath) && readMetrics(metricsPath).some((m) => m["kind"] === "train" && (m["step"] as number) >= 400), 120_000);
    backends[3]!.child.kill("SIGKILL");
    const result = await run;
    assert.equal(result.eval.episodes, 10);
    const metrics = readMetrics(metricsPath);
    const cut = metrics.find((m) => m["kind"] === "reconnect");
    assert.ok(cut, "no record of the loss in metrics.jsonl");
    const later = metrics.filter((m) => m["kind"] === "train" && (m["step"] as number) > (cut["step"] as number));
    assert.ok(later.length > 0 && (later.at(-1)!["replay_size"] as number) > (cut["replay_size"] as number), "the replay was lost or stopped growing");
    assert.ok(lines.some((l) => l.startsWith(`fleet: lost ${backends[3]!.address}`)), lines.join("\n"));
    assert.ok(lines.some((l) => /^fleet: re-created the envs of .*: \d+ to /.test(l)), lines.join("\n"));
  });
});
