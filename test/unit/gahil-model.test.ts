import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../src/core/rng.js";
import { selectBackend } from "../../src/nn/backend.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/nn/save-load.js";
import { HerReplayBuffer } from "../../src/replay/her-buffer.js";
import { Gahil } from "../../src/reward/gahil.js";
import type { GahilOptions } from "../../src/reward/gahil.js";
import type { RewardBatch } from "../../src/reward/reward-model.js";
import { auroc } from "../../src/reward/reward-quality.js";

await selectBackend("wasm");

const SIZES = { goalSize: 2, obsSize: 3, actionSize: 2 } as const;

/** n random transitions (goal 2, obs 3, action 2). */
function batch(n: number, rng: Rng): Required<RewardBatch> {
  const f = (size: number) => Float32Array.from({ length: n * size }, () => rng.uniformRange(-1, 1));
  return { achievedGoal: f(2), desiredGoal: f(2), nextAchievedGoal: f(2), obs: f(3), nextObs: f(3), action: f(2) };
}

function small(options: Partial<GahilOptions> = {}): Gahil {
  return new Gahil({ ...SIZES, hidden: [16, 8], batchSize: 32, stepsPerRound: 2, trainEvery: 10, minPositives: 5, ...options });
}

test("defaults: the author's schedule, 400-300 net, pools of 40k and 100k, mismatched-goal negatives", () => {
  const g = new Gahil(SIZES);
  const o = g.options;
  assert.deepEqual([o.hidden, o.learningRate, o.positiveCapacity, o.negativeCapacity, o.trainEvery, o.stepsPerRound, o.batchSize, o.minPositives, o.negatives],
    [[400, 300], 3e-3, 40_000, 100_000, 33_333, 6, 4096, 4096, "mismatched"]);
  const failuresOnly = new Gahil({ ...SIZES, negatives: "none" });
  assert.equal(failuresOnly.options.trainEvery, 1000);
  failuresOnly.dispose();
  assert.deepEqual(g.net.sizes, [2 + 2 + 3 + 3 + 2, 400, 300, 1]);
  assert.equal(g.name, "gahil");
  assert.equal(g.isLearned, true);
  assert.equal(g.ready, false);
  g.dispose();
  assert.throws(() => new Gahil({ ...SIZES, loss: "gan" as "label" }), /loss: expected/);
  assert.throws(() => new Gahil({ ...SIZES, trainEvery: 0 }), /trainEvery/);
});

test("schedule: a round every `trainEvery` negatives, never before `minPositives`", () => {
  const rng = new Rng(1);
  const g = small();
  const out = new Float32Array(4);
  g.addPositives(batch(4, rng));
  g.addNegatives(batch(25, rng));
  assert.equal(g.pendingNegatives, 25);
  assert.deepEqual(g.maybeTrain(), { trained: false, loss: NaN }, "4 < minPositives 5");
  g.rewards(batch(4, rng), out);
  assert.deepEqual(Array.from(out), [-1, -1, -1, -1], "not ready: the unready reward");
  g.addAchievedPositives(batch(1, rng));
  const first = g.maybeTrain();
  assert.equal(first.trained, true, "5 positives: the overdue round runs");
  assert.equal(g.lastRoundLoss, first.loss);
  assert.ok(Number.isFinite(first.loss));
  assert.equal(g.ready, true);
  assert.equal(g.optimizer.step, 2, "stepsPerRound Adam steps");
  assert.equal(g.pendingNegatives, 0);
  assert.equal(g.maybeTrain().trained, false, "nothing new");
  g.addNegatives(batch(9, rng));
  assert.equal(g.maybeTrain().trained, false, "9 < trainEvery 10");
  g.addNegatives(batch(1, rng));
  assert.equal(g.maybeTrain().trained, true, "10 = trainEvery");
  assert.equal(g.optimizer.step, 4);
  // addReal routes successes to the targets and failures to the others (and counts them).
  const [pos, neg] = g.addReal(batch(6, rng), [1, 0, true, false, 0, 0]);
  assert.deepEqual([pos, neg, g.targets.size, g.others.size, g.pendingNegatives], [2, 4, 7, 39, 4]);
  for (let k = 0; k < 6; k++) g.addNegatives(batch(1, rng));
  assert.equal(g.maybeTrain().trained, true);
  assert.equal(g.rounds, 3);
  // Ready: the rewards are D's outputs through rewardScale, rewardOffset and the clip, no longer the unready constant.
  const probe = batch(4, rng);
  g.rewards(probe, out);
  const raw = new Float32Array(4);
  g.discriminate(probe, raw);
  const { rewardScale, rewardOffset, rewardClip, unreadyReward } = g.options;
  const want = Float32Array.from(raw, (d) => Math.min(rewardClip![1], Math.max(rewardClip![0], rewardScale * d + rewardOffset)));
  assert.deepEqual(out, want);
  assert.ok(out.some((r) => r !== unreadyReward), `D's rewards ${Array.from(out).join(", ")} are not all the unready ${unreadyReward}`);
  g.dispose();
});

/** Mean of element 0 of the goals (2 per row) in both arrays. */
function meanOf(...goals: Float32Array[]): number {
  let sum = 0;
  let n = 0;
  for (const g of goals) for (let i = 0; i < g.length; i += 2, n++) sum += g[i]!;
  return sum / n;
}

test("the normalisers learn from what GAHIL is fed, not from what it scores", () => {
  const g = small();
  const b = batch(50, new Rng(2));
  g.addPositives(b);
  g.addNegatives(b);
  assert.equal(g.goalNorm.count, 200, "desired and judged goals of every row fed");
  assert.equal(g.obsNorm!.count, 200, "obs and next obs");
  assert.ok(Math.abs(g.goalNorm.mean[0]! - meanOf(b.desiredGoal, b.nextAchievedGoal)) < 1e-6);
  g.trainRound();
  g.rewards(batch(10, new Rng(3)), new Float32Array(10));
  assert.equal(g.goalNorm.count, 200);
  g.dispose();
});

test("no tensor leaks over many rounds and reward calls", () => {
  const rng = new Rng(4);
  const g = small({ batchSize: 64 });
  g.addPositives(batch(20, rng));
  const out = new Float32Array(100);
  const before = tf.memory().numTensors;
  for (let k = 0; k < 30; k++) {
    g.addNegatives(batch(10, rng));
    g.maybeTrain();
    g.rewards(batch(100, rng), out);
  }
  assert.equal(g.rounds, 30);
  assert.equal(tf.memory().numTensors, before);
  g.dispose();
});

test("save → restore gives identical rewards, and with the pools an identical next round", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "gahil-"));
  try {
    const rng = new Rng(5);
    const a = small({ seed: 1 });
    a.addPositives(batch(40, rng));
    for (let k = 0; k < 5; k++) {
      a.addNegatives(batch(10, rng));
      a.maybeTrain();
    }
    a.addNegatives(batch(3, rng)); // a pending count to carry over
    await saveCheckpoint(dir, a.checkpointContents());
    const pools = a.serializePools();

    const b = small({ seed: 2 });
    const manifest = await loadCheckpoint(dir, b.checkpointContents());
    b.restoreMeta(manifest.meta);
    b.restorePools(pools);
    assert.deepEqual([b.ready, b.rounds, b.pendingNegatives, b.optimizer.step], [a.ready, a.rounds, a.pendingNegatives, a.optimizer.step]);

    const probe = batch(64, new Rng(6));
    const ra = new Float32Array(64);
    const rb = new Float32Array(64);
    a.rewards(probe, ra);
    b.rewards(probe, rb);
    assert.deepEqual(rb, ra);
    a.discriminate(probe, ra);
    b.discriminate(probe, rb);
    assert.deepEqual(rb, ra);

    assert.equal(b.trainRound(), a.trainRound(), "same batches (rng restored), same Adam state");
    a.discriminate(probe, ra);
    b.discriminate(probe, rb);
    assert.deepEqual(rb, ra);

    const other = new Gahil({ ...SIZES, obsSize: 4, hidden: [16, 8] });
    assert.throws(() => other.restoreMeta(manifest.meta), /input size 14 and loss relativistic but got 12/);
    assert.throws(() => other.restoreMeta({}), /simbridge.gahil/);
    other.dispose();
    a.dispose();
    b.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("rewards validate the batch: missing context for D is an error", () => {
  const g = small();
  const b = batch(3, new Rng(7));
  assert.throws(() => g.rewards({ achievedGoal: b.achievedGoal, desiredGoal: b.desiredGoal }, new Float32Array(3)), /obs: GAHIL's discriminator reads it/);
  assert.throws(() => g.rewards(b, new Float32Array(4)), /expected 4 rows/);
  g.rewards(b, new Float32Array(0));
  g.dispose();
});

test("mismatched negatives: every row of a sample, each with another row's desired goal", () => {
  const g = small({ hidden: [4] });
  const b = batch(4, new Rng(8));
  const sample = { ...b, reward: new Float32Array(4), terminated: new Float32Array(4), relabelled: new Float32Array([0, 0, 1, 1]) };
  assert.equal(g.addRelabelledNegatives(sample), 4);
  const goals = (i: number) => Array.from(b.desiredGoal.subarray(2 * i, 2 * i + 2));
  const stored = [0, 1, 2, 3].map((i) => Array.from(g.others.row(i).subarray(0, 2)));
  const shift = [1, 2, 3].find((k) => stored.every((row, i) => JSON.stringify(row) === JSON.stringify(goals((i + k) % 4))));
  assert.ok(shift !== undefined, "the goals are the sample's, rotated by 1..n−1 rows");
  // The rest of each row is the transition itself (next achieved goal at columns 2..3).
  stored.forEach((_, i) => assert.deepEqual(Array.from(g.others.row(i).subarray(2, 4)), Array.from(b.nextAchievedGoal.subarray(2 * i, 2 * i + 2))));
  const none = small({ hidden: [4], negatives: "none" });
  assert.equal(none.addRelabelledNegatives(sample), 0);
  g.dispose();
  none.dispose();
});

test("addRelabelledNegatives takes the relabelled tail of a HER sample", () => {
  const g = small({ hidden: [4], negatives: "relabelled" });
  const b = batch(4, new Rng(8));
  const sample = { ...b, reward: new Float32Array(4), terminated: new Float32Array(4), relabelled: new Float32Array([0, 0, 1, 1]) };
  assert.equal(g.addRelabelledNegatives(sample), 2);
  assert.equal(g.others.size, 2);
  assert.equal(g.pendingNegatives, 2);
  // Row 2 of the sample, raw: desired goal, next achieved goal, obs, next obs, action.
  const want = [b.desiredGoal.subarray(4, 6), b.nextAchievedGoal.subarray(4, 6), b.obs.subarray(6, 9), b.nextObs.subarray(6, 9), b.action.subarray(4, 6)].flatMap((a) => Array.from(a));
  assert.deepEqual(Array.from(g.others.row(0)), want);
  assert.equal(g.addRelabelledNegatives({ ...sample, relabelled: new Float32Array(4) }), 0);
  assert.throws(() => g.addRelabelledNegatives({ ...sample, relabelled: new Float32Array([1, 0, 1, 1]) }), /expected relabelled rows last/);
  g.dispose();
});

test("as the HER buffer's reward model: scores every sample, learns from what the loop feeds it to rank held-out successes above failures", () => {
  // Random transitions; the loop's rhythm: each real step is a failure under its own goal
  // (a negative) and, with the goal it reached, a positive; HER's relabelled rows are negatives.
  const g = small({ hidden: [32, 32], batchSize: 64, stepsPerRound: 10, trainEvery: 50, minPositives: 20, negatives: "relabelled" });
  const her = new HerReplayBuffer({ sizes: { obs: 3, goal: 2, action: 2 }, capacity: 1000, rewardModel: g });
  const rng = new Rng(9);
  const v = (n: number) => Array.from({ length: n }, () => rng.uniformRange(-1, 1));
  let rounds = 0;
  for (let t = 0; t < 200; t++) {
    const step = { obs: v(3), achievedGoal: v(2), desiredGoal: v(2), action: v(2), nextObs: v(3), nextAchievedGoal: v(2), reward: NaN, isSuccess: false, terminated: false };
    her.add(step);
    const one = (a: number[]) => Float32Array.from(a);
    const real = { obs: one(step.obs), achievedGoal: one(step.achievedGoal), desiredGoal: one(step.desiredGoal), action: one(step.action), nextObs: one(step.nextObs), nextAchievedGoal: one(step.nextAchievedGoal) };
    g.addReal(real, [step.isSuccess]);
    g.addAchievedPositives(real);
    const sample = her.sample(16, rng);
    if (!g.ready) assert.ok(sample.reward.every((r) => r === -1), "the unready reward for every row");
    else {
      // Every row of the sample, real or relabelled, carries D's reward for it.
      const own = new Float32Array(16);
      g.rewards(sample, own);
      assert.deepEqual(sample.reward, own);
    }
    g.addRelabelledNegatives(sample);
    if (g.maybeTrain().trained) rounds++;
  }
  assert.ok(rounds >= 20, `${rounds} rounds`);
  // Held out: transitions whose desired goal is the goal they reached (successes, as the
  // positives), and transitions with an unrelated desired goal (failures, as the negatives).
  const heldOut = new Rng(100);
  const n = 200;
  const successes = batch(n, heldOut);
  successes.desiredGoal.set(successes.nextAchievedGoal);
  const failures = batch(n, heldOut);
  const rewards = new Float32Array(2 * n);
  g.rewards(successes, rewards.subarray(0, n));
  g.rewards(failures, rewards.subarray(n));
  const a = auroc(rewards, Array.from({ length: 2 * n }, (_, i) => (i < n ? 1 : 0) as 0 | 1));
  const mean = (xs: Float32Array) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const margin = mean(rewards.subarray(0, n)) - mean(rewards.subarray(n));
  assert.ok(a > 0.8, `AUROC of D's rewards, held-out successes vs failures: ${a}`);
  assert.ok(margin > 0.25, `mean reward of successes − failures: ${margin}`);
  g.dispose();
});
