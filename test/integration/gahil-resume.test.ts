// A GAHIL run resumed from its checkpoint continues with the reward model the
// uninterrupted run had at that step: pools (rows, order, ring cursor),
// normalisers, D's weights, Adam's state, round and negative counters, the
// batch-draw Rng. Checked on the live model of a run against the model a
// fresh build loads from the run folder, and end to end through trainRun's
// --resume (the checkpoint a resumed run writes holds the same reward state).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinRegistry } from "../../sims/catalog.js";
import { Rng } from "../../src/core/rng.js";
import { LocalVectorEnv } from "../../src/env/local-vector-env.js";
import { sizeOf } from "../../src/env/spec.js";
import type { TaskSpec } from "../../src/env/task.js";
import { selectBackend } from "../../src/nn/backend.js";
import { makeAgent } from "../../src/algos/registry.js";
import type { OffPolicyAgent } from "../../src/algos/agent.js";
import { Gahil } from "../../src/reward/gahil.js";
import type { RewardBatch } from "../../src/reward/reward-model.js";
import { InputEncoder } from "../../src/train/input-encoder.js";
import { OffPolicyLearner, ONE_STEP_CREDIT } from "../../src/train/off-policy-learner.js";
import { RunFolder } from "../../src/train/run-folder.js";
import { Trainer } from "../../src/train/trainer.js";
import { trainRun } from "../../src/train/train-run.js";
import { quiet, testRunArgs } from "../helpers/training-runs.js";

await selectBackend("wasm");

/** Small pools, so that the negatives' ring wraps and its cursor matters. */
const REWARD_OPTIONS = { hidden: [16, 16], minPositives: 64, trainEvery: 100, batchSize: 64, positiveCapacity: 300, negativeCapacity: 500 };

const size = (spec: TaskSpec, name: string) => sizeOf(spec.observations.find((o) => o.name === name)!.shape);

/** Agent, GAHIL, learner and loop as trainRun builds them for TD3 + HER + GAHIL. */
function build(spec: TaskSpec, steps: number) {
  const encoder = new InputEncoder(spec, true);
  const actDim = sizeOf(spec.action.shape);
  const agent = makeAgent("td3", { inputDim: encoder.inputDim, actDim, seed: 0 }, { hidden: [16, 16] }, true) as OffPolicyAgent;
  const gahil = new Gahil({ ...REWARD_OPTIONS, goalSize: size(spec, "achieved_goal"), obsSize: size(spec, "observation"), actionSize: actDim, seed: 0 });
  const rng = new Rng(7);
  const schedule = { batchSize: 32, bufferSize: 5000, learningStarts: 100, updatesPerStep: 1, her: true, herK: 4, ...ONE_STEP_CREDIT };
  const learner = new OffPolicyLearner(spec, agent, encoder, schedule, rng, 2, gahil, gahil);
  const trainer = new Trainer(spec, agent, encoder, learner, { steps, envs: 2, evalEvery: 0, evalEpisodes: 1, logEvery: 1000 }, rng, gahil);
  return { agent, gahil, trainer, dispose: () => (agent.dispose(), gahil.dispose()) };
}

/** Everything a GAHIL model carries from one step to the next, as plain data. */
function rewardState(g: Gahil) {
  const pool = (p: Gahil["targets"]) => ({ size: p.size, added: p.added, rows: Array.from(p.rowsInOrder()) });
  return {
    meta: g.checkpointContents().meta,
    weights: g.net.trainableVariables.map((v) => Array.from(v.dataSync())),
    targets: pool(g.targets),
    others: pool(g.others),
  };
}

/** 16 fixed transitions of PointReach's sizes (goal 2, observation 4, action 2). */
function fixedBatch(): RewardBatch {
  const rng = new Rng(99);
  const fill = (n: number) => Float32Array.from({ length: n }, () => rng.uniformRange(-1, 1));
  return { achievedGoal: fill(32), desiredGoal: fill(32), obs: fill(64), action: fill(32), nextObs: fill(64), nextAchievedGoal: fill(32) };
}

test("a GAHIL run resumed from its checkpoint has the uninterrupted run's reward model at that step, and both go on identically", async () => {
  const registry = builtinRegistry().asBlackBox();
  const env = await LocalVectorEnv.make(registry, "PointReach-v0", 2);
  const folder = new RunFolder(mkdtempSync(join(tmpdir(), "simbridge-gahil-resume-")));
  const run = build(env.spec, 600);
  const resumed = build(env.spec, 600);
  try {
    await run.trainer.train(env, { metric: () => undefined, checkpoint: () => folder.saveCheckpoint(run.agent, run.trainer, false) });
    const live = run.gahil;
    assert.ok(live.ready && live.rounds >= 2, `rounds ${live.rounds}`);
    assert.ok(live.targets.size > 0 && live.others.added > live.others.capacity, "the negatives' ring has wrapped");
    assert.ok(live.pendingNegatives > 0, "negatives are pending for the next round");

    assert.equal(resumed.gahil.targets.size, 0);
    assert.equal(await folder.loadCheckpoint(resumed.agent, resumed.trainer), 600);
    assert.deepEqual(rewardState(resumed.gahil), rewardState(live));
    const batch = fixedBatch();
    const [a, b] = [new Float32Array(16), new Float32Array(16)];
    live.rewards(batch, a);
    resumed.gahil.rewards(batch, b);
    assert.deepEqual(b, a);
    assert.ok(new Set(a).size > 1, "the rewards come from D, not the unready constant");

    // Going on: the same new rows land in the same ring slots, and the next round draws the same batches with the same Adam state.
    live.addNegatives(batch);
    resumed.gahil.addNegatives(batch);
    assert.equal(resumed.gahil.trainRound(), live.trainRound());
    assert.deepEqual(rewardState(resumed.gahil), rewardState(live));
  } finally {
    run.dispose();
    resumed.dispose();
    await env.close();
  }
});

test("trainRun --resume restores the learned reward: the resumed run's checkpoint holds the same pools, weights and meta", async () => {
  const dir = mkdtempSync(join(tmpdir(), "simbridge-gahil-resume-run-"));
  const args = testRunArgs("PointReach-v0", {
    reward: "gahil",
    blackBox: true,
    steps: 400,
    batchSize: 32,
    bufferSize: 5000,
    learningStarts: 100,
    finalEvalEpisodes: 2,
    probeEpisodes: 0,
    algoArgs: { hidden: [16, 16] },
    rewardArgs: REWARD_OPTIONS,
  });
  const checkpoint = () => {
    const manifest = JSON.parse(readFileSync(join(dir, "checkpoint", "manifest.json"), "utf8")) as { meta: { reward: unknown }; tensors: Array<{ name: string }> };
    return { reward: manifest.meta.reward, tensors: manifest.tensors, pools: readFileSync(join(dir, "checkpoint", "reward.bin")), weights: readFileSync(join(dir, "checkpoint", "weights.bin")) };
  };
  await trainRun(args, dir, { resume: false, ...quiet });
  const saved = checkpoint();
  assert.ok(saved.tensors.some((t) => t.name.startsWith("networks/reward_gahil/")), "D is in the checkpoint");
  assert.ok((saved.reward as { rounds: number }).rounds >= 1);
  // Resumed at its last step: nothing is trained, and the checkpoint written at the end is the restored state.
  await trainRun(args, dir, { resume: true, ...quiet });
  const again = checkpoint();
  assert.deepEqual(again.reward, saved.reward);
  assert.ok(again.pools.equals(saved.pools), "the pools came back");
  assert.ok(again.weights.equals(saved.weights), "agent and D weights came back");
});
