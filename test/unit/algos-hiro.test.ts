// HIRO (src/algos/hiro.ts) against hand computations: the goal transition,
// the intrinsic reward, the correction's candidates and choice (the best
// candidate is picked on a constructed case), the agent's subgoal bookkeeping
// and its learner's split of collected steps into the two levels.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/nn/backend.js";
import { Rng } from "../../src/core/rng.js";
import { StepStatus } from "../../src/env/task.js";
import { pointReachV0 } from "../../sims/point/point-reach-v0.js";
import { InputEncoder } from "../../src/train/input-encoder.js";
import { TRAIN_DEFAULTS } from "../../src/train/train-run.js";
import type { CollectedStep } from "../../src/train/collector.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/nn/save-load.js";
import { bestCandidates, goalTransition, Hiro, HIRO_ARGS, HiroLearner, intrinsicReward, subgoalCandidates, type HiroArgs } from "../../src/algos/hiro.js";

await selectBackend("wasm");

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

test("goal transition: g' = s + g − s' on the subgoal's dims", () => {
  // s = (1, 2), g = (3, −1): the target is (4, 1); from s' = (2, 0) it is (2, 1) away.
  close(goalTransition([1, 2, 9], [3, -1], [2, 0, 7]), [2, 1]);
});

test("intrinsic reward: −‖s + g − s'‖, 0 (up to ε) when the subgoal is met", () => {
  assert.ok(Math.abs(intrinsicReward([0, 0], [3, 4], [0, 0]) + 5) < 1e-9);
  assert.ok(Math.abs(intrinsicReward([1, 1], [3, 4], [4, 5])) < 1e-4);
  assert.ok(Math.abs(intrinsicReward([1, 1], [3, 4], [4, 1]) + 4) < 1e-9);
});

test("correction candidates: the original, the achieved change, then Gaussian draws around it, all clipped to ±range", () => {
  const rng = new Rng(3);
  const c = subgoalCandidates([12, -3], [2, -11], [10, 10], 10, rng);
  assert.equal(c.length, 20);
  close(c.subarray(0, 2), [10, -3]);
  close(c.subarray(2, 4), [2, -10]);
  for (let i = 4; i < 20; i++) assert.ok(Math.abs(c[i]!) <= 10);
  // The draws spread with std ½·range around the change (clipping aside): not all equal to it.
  const xs = Array.from({ length: 8 }, (_, j) => c[4 + 2 * j]!);
  assert.ok(new Set(xs).size === 8);
});

test("bestCandidates picks the candidate whose predicted actions match the stored ones, ignoring steps past the length", () => {
  // 2 rows, 3 candidates, period 2, actDim 1. Row 0 (length 2): actions (0.5, −0.5).
  //   candidate 0 predicts (0, 0): −(0.25 + 0.25) = −0.5; 1 predicts (0.5, −0.4): −0.01; 2 predicts (0.5, 0.5): −1.
  // Row 1 (length 1): action 0.2; step 2 (beyond the length) would favour candidate 0.
  //   candidate 0 predicts (0.9, 0.7): −0.49; 1 predicts (0.1, −1): −0.01; 2 predicts (0.25, −1): −0.0025 → 2.
  const predicted = Float32Array.from([0, 0, 0.5, -0.4, 0.5, 0.5, 0.9, 0.7, 0.1, -1, 0.25, -1]);
  const actions = Float32Array.from([0.5, -0.5, 0.2, 0.7]);
  assert.deepEqual([...bestCandidates(predicted, actions, [2, 1], 3, 2, 1)], [1, 2]);
  // Ties keep the earlier candidate: the original subgoal wins when nothing is better.
  assert.deepEqual([...bestCandidates(new Float32Array(6), new Float32Array(2), [2], 3, 2, 1)], [0]);
});

/** A small HIRO on PointReach-v0's shapes: observation 4 (x, y, vx, vy), goal 2, action 2. */
function smallHiro(overrides: Partial<HiroArgs> = {}): Hiro {
  return new Hiro({ inputDim: 6, actDim: 2, goalDim: 2, seed: 1 }, { ...HIRO_ARGS, hidden: [16, 16], subgoalRange: [0.5, 0.5], period: 3, ...overrides });
}

test("correction on a constructed case: actions lived under subgoal g* are attributed to g*, not to the stored subgoal", () => {
  const hiro = smallHiro();
  try {
    const c = 3;
    const states = Float32Array.from([0.1, 0.2, 0, 0, 0.15, 0.1, 0.05, -0.1, 0.3, 0.0, 0.15, -0.1]);
    const end = Float32Array.from([0.4, -0.05, 0.1, -0.05]);
    // g* is the achieved change s_{t+c} − s_t; the low actor's own deterministic actions under it are stored.
    const gStar = [end[0]! - states[0]!, end[1]! - states[1]!];
    const lowIn = new Float32Array(c * hiro.lowInputDim);
    for (let i = 0; i < c; i++) {
      const si = states.subarray(i * 4, i * 4 + 4);
      hiro.lowInput(si, goalTransition(states, gStar, si), lowIn, i * hiro.lowInputDim);
    }
    const actions = tf.tidy(() => hiro.low.actor.apply(tf.tensor2d(lowIn, [c, hiro.lowInputDim])).dataSync() as Float32Array);
    const stored = Float32Array.from([-0.45, 0.4]);
    const chosen = hiro.correctSubgoals({ rows: 1, subgoal: stored, states, actions, length: Float32Array.of(c), endState: end }, new Rng(5));
    close(chosen, gStar);
    // When the stored subgoal is the one lived, it is kept.
    const kept = hiro.correctSubgoals({ rows: 1, subgoal: Float32Array.from(gStar), states, actions, length: Float32Array.of(c), endState: Float32Array.from([0.9, 0.9, 0, 0]) }, new Rng(5));
    close(kept, gStar);
  } finally {
    hiro.dispose();
  }
});

test("act: a new subgoal every `period` steps, carried by the goal transition in between, returned as extras.subgoal", () => {
  const hiro = smallHiro();
  try {
    const state = hiro.initialState();
    const input = (x: number, y: number) => Float32Array.from([x, y, 0, 0, 0.5, 0.5]);
    const first = hiro.act(input(0, 0), 1, "deterministic", [state]).extras!["subgoal"]!.slice();
    assert.equal(state.stepsLeft, 2);
    for (const v of first) assert.ok(Math.abs(v) <= 0.5);
    const second = hiro.act(input(0.1, -0.2), 1, "deterministic", [state]).extras!["subgoal"]!;
    close(second, [first[0]! - 0.1, first[1]! + 0.2]);
    hiro.act(input(0.1, -0.2), 1, "deterministic", [state]);
    assert.equal(state.stepsLeft, 0);
    // The next call decides again: the same input gives the high level's deterministic subgoal anew.
    close(hiro.act(input(0, 0), 1, "deterministic", [state]).extras!["subgoal"]!, first);
  } finally {
    hiro.dispose();
  }
});

/** An Rng whose draws are all 0: sampling it returns the oldest stored row. */
const firstRow = { uniform: () => 0 } as unknown as Rng;

/** A HIRO learner on PointReach-v0's spec with raw inputs, period 3, learning from step 0 on batches of 4. */
async function learnerOnPointReach(args: Partial<HiroArgs> = {}) {
  const task = await pointReachV0.create({ reward_type: "dense" });
  const encoder = new InputEncoder(task.spec, false);
  task.close();
  const hiro = smallHiro(args);
  const schedule = { ...TRAIN_DEFAULTS, batchSize: 4, learningStarts: 0, updatesPerStep: 1 };
  const learner = new HiroLearner(hiro, { spec: encoder.spec, encoder, schedule, rng: new Rng(9), envs: 1, rewardModel: undefined, onlineReward: undefined });
  return { hiro, learner, encoder };
}

/** One collected step of one env, positions (x, y) → (x', y'), goal (0.5, 0.5), reward r. */
function step(hiro: Hiro, state: ReturnType<Hiro["initialState"]>, from: [number, number], to: [number, number], r: number, status: StepStatus = StepStatus.RUNNING): CollectedStep {
  const obs = [Float32Array.from([from[0], from[1], 0, 0]), Float32Array.from(from), Float32Array.from([0.5, 0.5])];
  const nextObs = [Float32Array.from([to[0], to[1], 0, 0]), Float32Array.from(to), Float32Array.from([0.5, 0.5])];
  const input = Float32Array.from([from[0], from[1], 0, 0, 0.5, 0.5]);
  const acted = hiro.act(input, 1, "explore", [state]);
  return { kind: "step", envs: 1, obs, input, actions: acted.actions, extras: acted.extras!, randomActions: false, nextObs, reward: Float64Array.of(r), status: Uint8Array.of(status), isSuccess: Uint8Array.of(0) };
}

test("learner: every step is a low-level transition, every period (or episode end) one high-level transition with 0.1 × Σ reward", async () => {
  const { hiro, learner } = await learnerOnPointReach();
  try {
    const state = hiro.initialState();
    const s1 = step(hiro, state, [0, 0], [0.1, 0], -1);
    learner.observe(s1);
    learner.observe(step(hiro, state, [0.1, 0], [0.2, 0], -2));
    assert.deepEqual(learner.stats(), { low_replay_size: 2, high_replay_size: 0 });
    learner.observe(step(hiro, state, [0.2, 0], [0.3, 0.1], -3));
    assert.deepEqual(learner.stats(), { low_replay_size: 3, high_replay_size: 1 });
    // An episode that ends after one step closes its partial segment.
    learner.observe(step(hiro, state, [0.3, 0.1], [0.3, 0.2], -4, StepStatus.TRUNCATED));
    assert.deepEqual(learner.stats(), { low_replay_size: 4, high_replay_size: 2 });

    const low = learner.lowReplay.sample(1, firstRow);
    // The first low transition: s = (0, 0), g = the first subgoal, s' = (0.1, 0).
    const g = s1.extras["subgoal"]!;
    close(low.obs, [0, 0, 0, 0, g[0]!, g[1]!]); // x, y zeroed for the low level
    close(low.nextObs, [0, 0, 0, 0, g[0]! - 0.1, g[1]!]);
    close(low.reward, [intrinsicReward([0, 0], g, [0.1, 0])]);
    const high = learner.highReplay.sample(1, firstRow);
    close(high.reward, [0.1 * (-1 - 2 - 3)]);
    close(high.action, [g[0]! / 0.5, g[1]! / 0.5]);
    close(high.obs, [0, 0, 0, 0, 0.5, 0.5]);
    close(high.nextObs, [0.3, 0.1, 0, 0, 0.5, 0.5]);
    close(high.length, [3]);
    close(high.states.subarray(0, 8), [0, 0, 0, 0, 0.1, 0, 0, 0]);
  } finally {
    hiro.dispose();
  }
});

test("learner: low updates every step, high updates 1/period as often; the correction relabels sampled subgoals; no tensor leaks", async () => {
  const { hiro, learner } = await learnerOnPointReach();
  try {
    const state = hiro.initialState();
    const rng = new Rng(4);
    let x = 0;
    let y = 0;
    const run = (n: number) => {
      const highBefore = hiro.high.updates;
      const lowBefore = hiro.low.updates;
      for (let i = 0; i < n; i++) {
        const to: [number, number] = [x + rng.uniformRange(-0.1, 0.1), y + rng.uniformRange(-0.1, 0.1)];
        learner.observe(step(hiro, state, [x, y], to, -1));
        [x, y] = to;
        const losses = learner.train(i + 1) ?? {};
        assert.ok("low_critic_loss" in losses || i < 3);
        for (const v of Object.values(losses)) assert.ok(Number.isFinite(v));
      }
      return { low: hiro.low.updates - lowBefore, high: hiro.high.updates - highBefore };
    };
    // No update owed while a replay holds less than a batch (low: the first 3 steps; high: until 4 segments
    // are stored at step 12, then one every 3 steps: 12, 15, …, 30).
    assert.deepEqual(run(30), { low: 27, high: 7 });
    const before = tf.memory().numTensors;
    const updates = run(60);
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(updates, { low: 60, high: 20 });
    assert.ok(learner.stats()["corrected_share"]! > 0, "the correction replaced some sampled subgoals");
  } finally {
    hiro.dispose();
  }
});

test("learner refuses what HIRO cannot use: --her, normalised inputs, a step without env reward when no reward is learned", async () => {
  const task = await pointReachV0.create({});
  const raw = new InputEncoder(task.spec, false);
  task.close();
  const hiro = smallHiro();
  try {
    const context = { spec: raw.spec, encoder: raw, schedule: TRAIN_DEFAULTS, rng: new Rng(1), envs: 1, rewardModel: undefined, onlineReward: undefined };
    assert.throws(() => new HiroLearner(hiro, { ...context, schedule: { ...TRAIN_DEFAULTS, her: true } }), /--her does not apply/);
    assert.throws(() => new HiroLearner(hiro, { ...context, encoder: new InputEncoder(raw.spec, true) }), /raw network inputs/);
    const learner = new HiroLearner(hiro, context);
    const s = step(hiro, hiro.initialState(), [0, 0], [0.1, 0], -1);
    assert.throws(() => learner.observe({ ...s, reward: undefined }), /no env reward/);
    assert.throws(() => smallHiro({ subgoalRange: [1, 1, 1, 1, 1] }), /subgoalRange/);
    assert.throws(() => smallHiro({ correction: 2 }), /correction/);
  } finally {
    hiro.dispose();
  }
});

test("checkpoint round trip: both levels' networks and counters restore exactly", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "hiro-"));
  const { hiro, learner } = await learnerOnPointReach();
  const copy = smallHiro();
  try {
    const state = hiro.initialState();
    for (let i = 0; i < 12; i++) {
      learner.observe(step(hiro, state, [0, 0], [0.05 * i, 0], -1));
      learner.train(i + 1);
    }
    await saveCheckpoint(dir, hiro.checkpointContents());
    const manifest = await loadCheckpoint(dir, copy.checkpointContents());
    copy.restoreMeta(manifest.meta);
    const input = Float32Array.from([0.2, -0.1, 0, 0, 0.5, 0.5]);
    const a = hiro.act(input, 1, "deterministic", [hiro.initialState()]);
    const b = copy.act(input, 1, "deterministic", [copy.initialState()]);
    close(a.actions, b.actions, 0);
    close(a.extras!["subgoal"]!, b.extras!["subgoal"]!, 0);
    assert.equal(copy.low.updates, hiro.low.updates);
    assert.equal(copy.high.updates, hiro.high.updates);
  } finally {
    hiro.dispose();
    copy.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});

test("act returns the absolute subgoal target s + g, constant within a segment (what episode records log)", () => {
  const hiro = smallHiro();
  try {
    const state = hiro.initialState();
    const input = (x: number, y: number) => Float32Array.from([x, y, 0, 0, 0.5, 0.5]);
    const a = hiro.act(input(0.2, 0.1), 1, "explore", [state]).extras!;
    close(a["subgoal_target"]!, [0.2 + a["subgoal"]![0]!, 0.1 + a["subgoal"]![1]!]);
    const b = hiro.act(input(0.3, -0.4), 1, "explore", [state]).extras!;
    close(b["subgoal_target"]!, a["subgoal_target"]!);
  } finally {
    hiro.dispose();
  }
});
