// GAHIL over gRPC: a black-box agent learns from a reward learned online, and
// the guarantee that no environment reward ever reaches the learner.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinRegistry } from "../../sims/catalog.js";
import { pointReachV0 } from "../../sims/point/point-reach-v0.js";
import { TaskRegistry } from "../../src/env/task-registry.js";
import type { TaskFactory } from "../../src/env/task.js";
import { Rng } from "../../src/core/rng.js";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { trainRun, type TrainArgs } from "../../src/train/train-run.js";
import { readMetrics } from "../../src/train/metrics-log.js";
import { gahilRunArgs, quiet, SMOKE_BUDGET } from "../helpers/training-runs.js";

/** PointReach whose reported rewards are garbage: huge, random, sometimes NaN. */
const poisoned: TaskFactory = {
  name: pointReachV0.name,
  spec: (o) => pointReachV0.spec(o),
  async create(o) {
    const task = await pointReachV0.create(o);
    const rng = new Rng(666);
    const step = task.step.bind(task);
    task.step = (a) => {
      step(a);
      task.out.reward = rng.uniform() < 0.1 ? Number.NaN : 1e9 * (rng.uniform() - 0.5);
    };
    return task;
  },
};

function gahilArgs(server: string, overrides: Partial<TrainArgs> = {}): TrainArgs {
  return gahilRunArgs("PointReach-v0", server, {
    ...SMOKE_BUDGET,
    evalEvery: 1000,
    evalEpisodes: 10,
    probeEpisodes: 8,
    logEvery: 250,
    rewardArgs: { hidden: [64, 64], minPositives: 512, trainEvery: 250, batchSize: 512 },
    ...overrides,
  });
}

describe("GAHIL (black box, over gRPC)", () => {
  let blackBox: RunningServer;
  let poisonedServer: RunningServer;
  before(async () => {
    blackBox = await startServer({ registry: builtinRegistry().asBlackBox(), port: 0 });
    poisonedServer = await startServer({ registry: new TaskRegistry([poisoned]), port: 0 });
  });
  after(async () => {
    await blackBox.close();
    await poisonedServer.close();
  });

  it("learns a reward whose AUROC rises above chance and reaches goals", async () => {
    const dir = mkdtempSync(join(tmpdir(), "simbridge-gahil-"));
    const run = await trainRun(gahilArgs(blackBox.address), dir, { resume: false, ...quiet });
    assert.ok(run.rewardQuality, "no reward-quality probe");
    assert.ok(run.rewardQuality.auroc > 0.75, `AUROC ${run.rewardQuality.auroc}`);
    assert.ok(run.rewardQuality.spearman > 0.2, `Spearman ${run.rewardQuality.spearman}`);
    assert.ok(run.eval.success_rate >= 0.3, `success ${run.eval.success_rate}`);
    assert.ok(Number.isNaN(run.eval.return_mean), "a black box has no return to report");
    const quality = readMetrics(join(dir, "metrics.jsonl")).filter((m) => m["kind"] === "reward_quality");
    assert.ok(quality.length >= 2, "reward quality is logged over training");
  });

  it("never lets an environment reward reach the learner: poisoned rewards train bit-identically", async () => {
    const budget = { steps: 1500, evalEvery: 0, probeEpisodes: 0, finalEvalEpisodes: 10 };
    const clean = await trainRun(gahilArgs(blackBox.address, budget), mkdtempSync(join(tmpdir(), "simbridge-clean-")), { resume: false, ...quiet });
    const dirty = await trainRun(gahilArgs(poisonedServer.address, budget), mkdtempSync(join(tmpdir(), "simbridge-dirty-")), { resume: false, ...quiet });
    const losses = (run: typeof clean) =>
      readMetrics(join(run.folder.dir, "metrics.jsonl"))
        .filter((m) => m["kind"] === "train")
        .map((m) => [m["step"], m["critic_loss"], m["actor_loss"], m["reward_model_loss"]]);
    assert.ok(losses(clean).some(([, c]) => typeof c === "number"), "no critic updates happened");
    assert.deepEqual(losses(dirty), losses(clean));
    assert.equal(dirty.eval.success_rate, clean.eval.success_rate);
    const episodes = readMetrics(join(dirty.folder.dir, "metrics.jsonl")).filter((m) => m["kind"] === "episode");
    assert.ok(episodes.every((m) => m["return"] === null), "the learner read the env's reward for its logs");
  });

  for (const her of [false, true]) {
    it(`PPO${her ? " with sampled-goal relabelling" : ""}: poisoned rewards train bit-identically too`, async () => {
      // 2 envs × 250 steps: three learning phases in 1500 steps, each scoring its rollout with GAHIL.
      const budget = {
        algo: "ppo",
        her,
        herGoals: "sampled",
        herK: 1,
        steps: 1500,
        logEvery: 500,
        algoArgs: { rolloutSteps: 250 },
        evalEvery: 0,
        probeEpisodes: 0,
        finalEvalEpisodes: 10,
        rewardArgs: { hidden: [64, 64], minPositives: 64, trainEvery: 250, batchSize: 256 },
      } satisfies Partial<TrainArgs>;
      const clean = await trainRun(gahilArgs(blackBox.address, budget), mkdtempSync(join(tmpdir(), "simbridge-ppo-clean-")), { resume: false, ...quiet });
      const dirty = await trainRun(gahilArgs(poisonedServer.address, budget), mkdtempSync(join(tmpdir(), "simbridge-ppo-dirty-")), { resume: false, ...quiet });
      const losses = (run: typeof clean) =>
        readMetrics(join(run.folder.dir, "metrics.jsonl"))
          .filter((m) => m["kind"] === "train")
          .map((m) => [m["step"], m["policy_loss"], m["value_loss"], m["reward_model_rounds"], m["reward_model_loss"]]);
      assert.equal(losses(clean).filter(([, p]) => typeof p === "number").length, 3, "three learning phases");
      assert.ok(losses(clean).some(([, , , rounds]) => typeof rounds === "number" && rounds > 0), "GAHIL never trained");
      assert.deepEqual(losses(dirty), losses(clean));
      assert.equal(dirty.eval.success_rate, clean.eval.success_rate);
    });
  }

  it("HIRO: the high level's reward is learned (the low level's is intrinsic); poisoned rewards train bit-identically", async () => {
    const budget = {
      algo: "hiro",
      her: false,
      steps: 1000,
      evalEvery: 0,
      probeEpisodes: 0,
      finalEvalEpisodes: 10,
      logEvery: 250,
      batchSize: 64,
      algoArgs: { hidden: [64, 64], period: 5, subgoalRange: [0.5, 0.5] },
    } satisfies Partial<TrainArgs>;
    const clean = await trainRun(gahilArgs(blackBox.address, budget), mkdtempSync(join(tmpdir(), "simbridge-hiro-clean-")), { resume: false, ...quiet });
    const dirty = await trainRun(gahilArgs(poisonedServer.address, budget), mkdtempSync(join(tmpdir(), "simbridge-hiro-dirty-")), { resume: false, ...quiet });
    const losses = (run: typeof clean) =>
      readMetrics(join(run.folder.dir, "metrics.jsonl"))
        .filter((m) => m["kind"] === "train")
        .map((m) => [m["step"], m["low_critic_loss"], m["high_critic_loss"], m["high_actor_loss"], m["reward_model_rounds"], m["reward_model_loss"]]);
    assert.ok(losses(clean).some(([, , high]) => typeof high === "number"), "no high-level updates happened");
    assert.ok(losses(clean).some(([, , , , rounds]) => typeof rounds === "number" && rounds > 0), "GAHIL never trained");
    assert.deepEqual(losses(dirty), losses(clean));
    assert.equal(dirty.eval.success_rate, clean.eval.success_rate);
  });

  it("HAC: the top level's reward is learned (level 0's comes from states); poisoned rewards train bit-identically", async () => {
    const budget = {
      algo: "hac",
      her: false,
      steps: 1000,
      evalEvery: 0,
      probeEpisodes: 0,
      finalEvalEpisodes: 10,
      logEvery: 250,
      batchSize: 64,
      algoArgs: { hidden: [64, 64], levels: 2, horizon: 5, updatesPerEpisode: 10, subgoalLow: [-1, -1], subgoalHigh: [1, 1], subgoalThreshold: 0.1, goalThreshold: 0.05 },
    } satisfies Partial<TrainArgs>;
    const clean = await trainRun(gahilArgs(blackBox.address, budget), mkdtempSync(join(tmpdir(), "simbridge-hac-clean-")), { resume: false, ...quiet });
    const dirty = await trainRun(gahilArgs(poisonedServer.address, budget), mkdtempSync(join(tmpdir(), "simbridge-hac-dirty-")), { resume: false, ...quiet });
    const losses = (run: typeof clean) =>
      readMetrics(join(run.folder.dir, "metrics.jsonl"))
        .filter((m) => m["kind"] === "train")
        .map((m) => [m["step"], m["level0_critic_loss"], m["level1_critic_loss"], m["level1_actor_loss"], m["reward_model_rounds"], m["reward_model_loss"]]);
    assert.ok(losses(clean).some(([, , top]) => typeof top === "number"), "no top-level updates happened");
    assert.ok(losses(clean).some(([, , , , rounds]) => typeof rounds === "number" && rounds > 0), "GAHIL never trained");
    assert.deepEqual(losses(dirty), losses(clean));
    assert.equal(dirty.eval.success_rate, clean.eval.success_rate);
  });

  // Every credit mode scores its windows with GAHIL; the two-layer replay rescores whole episodes.
  const creditModes: Array<Partial<TrainArgs>> = [
    { credit: "nstep", creditN: 3 },
    { credit: "floating", creditN: 10, replay: "two-layer", recalcDelay: 1 },
    { credit: "gae", creditN: 5, replay: "two-layer", recalcDelay: 1 },
  ];
  for (const credit of creditModes) {
    it(`--credit ${credit.credit}${credit.replay ? ` --replay ${credit.replay}` : ""}: poisoned rewards train bit-identically too`, async () => {
      const budget = { ...credit, steps: 1000, evalEvery: 0, probeEpisodes: 0, finalEvalEpisodes: 10 } satisfies Partial<TrainArgs>;
      const clean = await trainRun(gahilArgs(blackBox.address, budget), mkdtempSync(join(tmpdir(), "simbridge-credit-clean-")), { resume: false, ...quiet });
      const dirty = await trainRun(gahilArgs(poisonedServer.address, budget), mkdtempSync(join(tmpdir(), "simbridge-credit-dirty-")), { resume: false, ...quiet });
      const losses = (run: typeof clean) =>
        readMetrics(join(run.folder.dir, "metrics.jsonl"))
          .filter((m) => m["kind"] === "train")
          .map((m) => [m["step"], m["critic_loss"], m["actor_loss"], m["reward_model_loss"], m["reward_staleness"]]);
      assert.ok(losses(clean).some(([, c]) => typeof c === "number"), "no critic updates happened");
      assert.ok(losses(clean).some(([, , , r]) => typeof r === "number"), "GAHIL never trained");
      assert.deepEqual(losses(dirty), losses(clean));
      assert.equal(dirty.eval.success_rate, clean.eval.success_rate);
    });
  }
});
