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
import { trainRun, type RunHandle, type TrainArgs } from "../../src/train/train-run.js";
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

/**
 * Trains the same budget on the black-box server and on the poisoned one and
 * returns both runs' `keys` from every train record (step first): a learner
 * that never reads env rewards logs the same numbers on both.
 */
async function cleanAndPoisoned(clean: string, poisoned: string, budget: Partial<TrainArgs>, keys: readonly string[]) {
  const runs = [];
  for (const [name, server] of [["clean", clean], ["dirty", poisoned]] as const) {
    runs.push(await trainRun(gahilArgs(server, budget), mkdtempSync(join(tmpdir(), `simbridge-${budget.algo ?? "td3"}-${name}-`)), { resume: false, ...quiet }));
  }
  const [c, d] = runs as [RunHandle, RunHandle];
  const rows = (run: RunHandle) =>
    readMetrics(join(run.folder.dir, "metrics.jsonl"))
      .filter((m) => m["kind"] === "train")
      .map((m) => [m["step"], ...keys.map((k) => m[k])]);
  return { clean: c, dirty: d, cleanRows: rows(c), dirtyRows: rows(d) };
}

/** Column `key` of `rows` made by cleanAndPoisoned with `keys`. */
const column = (rows: unknown[][], keys: readonly string[], key: string) => rows.map((r) => r[1 + keys.indexOf(key)]);

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
    const keys = ["critic_loss", "actor_loss", "reward_model_loss"];
    const { clean, dirty, cleanRows, dirtyRows } = await cleanAndPoisoned(blackBox.address, poisonedServer.address, { steps: 1500, evalEvery: 0, probeEpisodes: 0, finalEvalEpisodes: 10 }, keys);
    assert.ok(column(cleanRows, keys, "critic_loss").some((c) => typeof c === "number"), "no critic updates happened");
    assert.deepEqual(dirtyRows, cleanRows);
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
      const keys = ["policy_loss", "value_loss", "reward_model_rounds", "reward_model_loss"];
      const { clean, dirty, cleanRows, dirtyRows } = await cleanAndPoisoned(blackBox.address, poisonedServer.address, budget, keys);
      assert.equal(column(cleanRows, keys, "policy_loss").filter((p) => typeof p === "number").length, 3, "three learning phases");
      assert.ok(column(cleanRows, keys, "reward_model_rounds").some((r) => typeof r === "number" && r > 0), "GAHIL never trained");
      assert.deepEqual(dirtyRows, cleanRows);
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
    const keys = ["low_critic_loss", "high_critic_loss", "high_actor_loss", "reward_model_rounds", "reward_model_loss"];
    const { clean, dirty, cleanRows, dirtyRows } = await cleanAndPoisoned(blackBox.address, poisonedServer.address, budget, keys);
    assert.ok(column(cleanRows, keys, "high_critic_loss").some((c) => typeof c === "number"), "no high-level updates happened");
    assert.ok(column(cleanRows, keys, "reward_model_rounds").some((r) => typeof r === "number" && r > 0), "GAHIL never trained");
    assert.deepEqual(dirtyRows, cleanRows);
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
    const keys = ["level0_critic_loss", "level1_critic_loss", "level1_actor_loss", "reward_model_rounds", "reward_model_loss"];
    const { clean, dirty, cleanRows, dirtyRows } = await cleanAndPoisoned(blackBox.address, poisonedServer.address, budget, keys);
    assert.ok(column(cleanRows, keys, "level1_critic_loss").some((c) => typeof c === "number"), "no top-level updates happened");
    assert.ok(column(cleanRows, keys, "reward_model_rounds").some((r) => typeof r === "number" && r > 0), "GAHIL never trained");
    assert.deepEqual(dirtyRows, cleanRows);
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
      const keys = ["critic_loss", "actor_loss", "reward_model_loss", "reward_staleness"];
      const { clean, dirty, cleanRows, dirtyRows } = await cleanAndPoisoned(blackBox.address, poisonedServer.address, budget, keys);
      assert.ok(column(cleanRows, keys, "critic_loss").some((c) => typeof c === "number"), "no critic updates happened");
      assert.ok(column(cleanRows, keys, "reward_model_loss").some((r) => typeof r === "number"), "GAHIL never trained");
      assert.deepEqual(dirtyRows, cleanRows);
      assert.equal(dirty.eval.success_rate, clean.eval.success_rate);
    });
  }
});
