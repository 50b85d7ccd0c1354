// HAC (src/algos/hac.ts) against hand computations: the goal tests, which
// levels return after a step, hindsight goal indices and transitions, the
// clipped target, the per-env stack over a scripted sequence of states, and
// the learner's hindsight action, subgoal penalty and hindsight goal
// transitions on constructed steps; checkpoints and tensor leaks.
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
import type { OnlineRewardModel } from "../../src/reward/online-reward.js";
import { judgedGoal, type RewardBatch } from "../../src/reward/reward-model.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/nn/save-load.js";
import { td3Target } from "../../src/algos/td3.js";
import {
  goalReached,
  Hac,
  HAC_ARGS,
  HacLearner,
  hacTarget,
  hindsightGoalIndices,
  hindsightGoalTransitions,
  levelsReturning,
  subgoalReached,
  type HacArgs,
  type HacState,
} from "../../src/algos/hac.js";

await selectBackend("wasm");

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  assert.equal(a.length, b.length, `lengths ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

test("goal tests: subgoals per dim within the threshold (edges included), the top level's goals by distance", () => {
  assert.equal(subgoalReached([1, 1], [1.5, 0.5, 99], [0.5, 0.5]), true);
  assert.equal(subgoalReached([1, 1], [1.51, 1, 99], [0.5, 0.5]), false);
  assert.equal(subgoalReached([1, 1], [1, 1.2], [0.5, 0.1]), false);
  // The goal at an offset: level 1's goal in a stack of two.
  assert.equal(subgoalReached([9, 9, 3, 4], [3.05, 4], [0.1, 0.1], 2), true);
  assert.equal(goalReached([0, 0], [0.3, 0.4], 0.5), false); // distance 0.5 is not < 0.5
  assert.equal(goalReached([0, 0], [0.3, 0.39], 0.5), true);
});

test("levelsReturning: level 0 returns on its goal or its H attempts; a reached goal returns every level below it; exhaustion cascades upwards", () => {
  const thr = [0.5, 0.5];
  // Two levels, H = 3, level 0's goal (1, 1).
  assert.equal(levelsReturning([1, 1], [1, 1], [3, 3], thr, 3), 0);
  assert.equal(levelsReturning([1, 1], [1, 1], [1.2, 0.8], thr, 3), 1);
  assert.equal(levelsReturning([1, 1], [3, 1], [3, 3], thr, 3), 1);
  assert.equal(levelsReturning([1, 1], [3, 3], [3, 3], thr, 3), 2);
  assert.equal(levelsReturning([1, 1], [1, 3], [3, 3], thr, 3), 0, "the top level's attempts count only once level 0 returned");
  // Three levels: goals (1, 1) for level 0 and (5, 5) for level 1.
  const goals = [1, 1, 5, 5];
  assert.equal(levelsReturning(goals, [1, 1, 1], [5, 5], thr, 3), 2, "level 1's goal reached: levels 0 and 1 return");
  assert.equal(levelsReturning(goals, [1, 3, 1], [1, 1], thr, 3), 2, "level 0 reached its goal, level 1 then used its attempts");
  assert.equal(levelsReturning(goals, [1, 3, 3], [1, 1], thr, 3), 3);
  assert.equal(levelsReturning(goals, [2, 3, 3], [0, 9], thr, 3), 0);
});

test("hindsight goal indices: the last transition always, count − 1 uniform ones, sorted; fewer for short sequences", () => {
  const rng = new Rng(1);
  for (let i = 0; i < 50; i++) {
    const ix = hindsightGoalIndices(7, 3, rng);
    assert.equal(ix.length, 3);
    assert.equal(ix[2], 6);
    assert.ok(ix[0]! <= ix[1]! && ix[1]! <= ix[2]! && ix[0]! >= 0);
  }
  assert.deepEqual(hindsightGoalIndices(2, 3, rng).length, 2);
  assert.deepEqual(hindsightGoalIndices(1, 3, rng), [0]);
  assert.deepEqual(hindsightGoalIndices(0, 3, rng), []);
  assert.deepEqual(hindsightGoalIndices(5, 1, rng), [4]);
});

test("hindsight goal transitions: each chosen goal relabels the transitions up to it, 0 where reached, −1 elsewhere", () => {
  // Achieved after each of 4 transitions; goals chosen: transitions 1 and 3.
  const achieved = [
    [0, 0],
    [1, 0],
    [1.05, 0.1],
    [2, 0],
  ];
  const reached = (g: ArrayLike<number>, x: ArrayLike<number>) => subgoalReached(g, x, [0.2, 0.2]);
  const out = hindsightGoalTransitions(achieved, [1, 3], reached);
  assert.deepEqual(
    out.map((t) => [t.goal, t.step, t.reward]),
    [
      // Goal (1, 0): transition 0 ended at (0, 0) → −1; transition 1 achieved it → 0.
      [1, 0, -1],
      [1, 1, 0],
      // Goal (2, 0): only transition 3 reaches it.
      [3, 0, -1],
      [3, 1, -1],
      [3, 2, -1],
      [3, 3, 0],
    ],
  );
  assert.deepEqual(
    out.map((t) => t.reached),
    out.map((t) => t.reward === 0),
  );
});

/** A small HAC on PointReach-v0's shapes (observation 4: x, y, vx, vy; goal 2; action 2), subgoals in [−1, 1]². */
function smallHac(overrides: Partial<HacArgs> = {}): Hac {
  return new Hac(
    { inputDim: 6, actDim: 2, goalDim: 2, seed: 1 },
    { ...HAC_ARGS, hidden: [16, 16], subgoalLow: [-1, -1], subgoalHigh: [1, 1], subgoalThreshold: [0.1, 0.1], goalThreshold: 0.05, horizon: 2, ...overrides },
  );
}

test("hacTarget: TD3's target clipped to [−H, 0]", () => {
  const hac = smallHac({ horizon: 3 });
  try {
    const model = hac.models[0]!;
    const rows = 4;
    const batch = {
      obs: tf.tensor2d(new Float32Array(rows * 6).map((_, i) => i * 0.1), [rows, 6]),
      action: tf.zeros([rows, 2]) as tf.Tensor2D,
      // Rows 0–2 do not bootstrap: their targets are their rewards, clipped. Row 3 bootstraps.
      reward: tf.tensor1d([5, -100, -0.5, -1]),
      nextObs: tf.tensor2d(new Float32Array(rows * 6).map((_, i) => 1 - i * 0.1), [rows, 6]),
      discount: tf.tensor1d([0, 0, 0, 0.98]),
    };
    const noise = tf.zeros([rows, 2]) as tf.Tensor2D;
    const y = hacTarget(model, batch, hac.config, 3, noise);
    const raw = td3Target(model, batch, hac.config, noise);
    const yv = y.dataSync();
    const rv = raw.dataSync();
    close(yv.subarray(0, 3), [0, -3, -0.5]);
    close([yv[3]!], [Math.max(-3, Math.min(0, rv[3]!))]);
    tf.dispose([y, raw, noise, ...Object.values(batch)]);
  } finally {
    hac.dispose();
  }
});

/** PointReach-v0's input for position (x, y) and goal (gx, gy): [x, y, 0, 0, gx, gy]. */
const input = (x: number, y: number, gx = 0.9, gy = 0.9) => Float32Array.from([x, y, 0, 0, gx, gy]);

test("act: the per-env stack over a scripted sequence — attempts counted, levels popped on reaching a goal and on using their H attempts", () => {
  const hac = smallHac({ levels: 3, horizon: 2 });
  try {
    const state = hac.initialState();
    const far = input(5, 5);
    const act = (inp: Float32Array) => {
      const e = hac.act(inp, 1, "deterministic", [state]).extras!;
      return { proposed: [...e["proposed"]!], attempts: [...e["attempts"]!], goals: [...e["subgoal"]!] };
    };
    // The episode's first action: every level chooses.
    let r = act(far);
    assert.deepEqual(r.proposed, [1, 1, 1]);
    assert.deepEqual(r.attempts, [1, 1, 1]);
    for (const g of r.goals) assert.ok(g >= -1 && g <= 1, "subgoals within their bounds");
    // Goal missed, attempts left: level 0 acts again towards the same subgoal.
    const g0 = r.goals.slice(0, 2);
    r = act(far);
    assert.deepEqual(r.proposed, [1, 0, 0]);
    assert.deepEqual(r.attempts, [2, 1, 1]);
    close(r.goals.slice(0, 2), g0);
    // Level 0 used its H = 2 attempts: it returns, level 1 proposes its second subgoal.
    r = act(far);
    assert.deepEqual(r.proposed, [1, 1, 0]);
    assert.deepEqual(r.attempts, [1, 2, 1]);
    // Level 0 reaches its subgoal: it returns, level 1 (attempts used) returns too, the top level chooses again.
    r = act(input(r.goals[0]!, r.goals[1]!));
    assert.deepEqual(r.proposed, [1, 1, 1]);
    assert.deepEqual(r.attempts, [1, 1, 2]);
    // Level 1's goal reached (level 0's perhaps not): both return; the top level used its 2 attempts and starts a new sequence.
    r = act(input(r.goals[2]!, r.goals[3]!));
    assert.deepEqual(r.proposed, [1, 1, 1]);
    assert.deepEqual(r.attempts, [1, 1, 1]);
    // Deterministic mode never tests subgoals.
    assert.deepEqual([...state.testing], [0, 0, 0]);
  } finally {
    hac.dispose();
  }
});

test("act (explore): a tested subgoal passes the test down, and the levels below it act greedily", () => {
  const tested = smallHac({ levels: 3, subgoalTestProb: 1 });
  const untested = smallHac({ levels: 3, subgoalTestProb: 0 });
  try {
    const s: HacState = tested.initialState();
    const a = tested.act(input(0.2, 0.1), 1, "explore", [s]);
    assert.deepEqual([...a.extras!["testing"]!], [1, 1, 0]);
    // Under test, level 0 acts greedily: exactly its actor's action for [s, g₀].
    const lowIn = new Float32Array(6);
    tested.levelInput([0.2, 0.1, 0, 0], s.goals.subarray(0, 2), lowIn);
    const greedy = tf.tidy(() => tested.models[0]!.actor.apply(tf.tensor2d(lowIn, [1, 6])).dataSync());
    close(a.actions, greedy, 1e-6);
    const u: HacState = untested.initialState();
    assert.deepEqual([...untested.act(input(0.2, 0.1), 1, "explore", [u]).extras!["testing"]!], [0, 0, 0]);
  } finally {
    tested.dispose();
    untested.dispose();
  }
});

/** A HAC learner on PointReach-v0's spec with raw inputs, learning from step 0 on batches of 4. */
async function learnerOnPointReach(args: Partial<HacArgs> = {}, envs = 1, onlineReward?: OnlineRewardModel) {
  const task = await pointReachV0.create({});
  const encoder = new InputEncoder(task.spec, false);
  task.close();
  const hac = smallHac(args);
  const schedule = { ...TRAIN_DEFAULTS, batchSize: 4, learningStarts: 0 };
  const learner = new HacLearner(hac, { spec: encoder.spec, encoder, schedule, rng: new Rng(9), envs, rewardModel: onlineReward, onlineReward });
  return { hac, learner };
}

/** A hand-made collected step of one env of a two-level HAC: positions, the desired goal, the action and the stack's extras. */
function handStep(o: {
  from: [number, number];
  to: [number, number];
  goal?: [number, number];
  action: [number, number];
  subgoal: [number, number];
  attempts: [number, number];
  testing: [number, number];
  proposed: [number, number];
  success?: boolean;
  status?: StepStatus;
}): CollectedStep {
  const goal = o.goal ?? [0.9, 0.9];
  return {
    kind: "step",
    envs: 1,
    obs: [Float32Array.from([...o.from, 0, 0]), Float32Array.from(o.from), Float32Array.from(goal)],
    input: Float32Array.from([...o.from, 0, 0, ...goal]),
    actions: Float32Array.from(o.action),
    extras: {
      subgoal: Float32Array.from(o.subgoal),
      subgoal_target: Float32Array.from(o.subgoal),
      attempts: Float32Array.from(o.attempts),
      testing: Float32Array.from(o.testing),
      proposed: Float32Array.from(o.proposed),
    },
    randomActions: false,
    nextObs: [Float32Array.from([...o.to, 0, 0]), Float32Array.from(o.to), Float32Array.from(goal)],
    reward: undefined,
    status: Uint8Array.of(o.status ?? StepStatus.RUNNING),
    isSuccess: Uint8Array.of(o.success ? 1 : 0),
  };
}

/** Every stored row of a replay, oldest first, as [obs, action, reward, nextObs, discount]. */
function rowsOf(learner: HacLearner, level: number): Array<{ obs: number[]; action: number[]; reward: number; nextObs: number[]; discount: number }> {
  const replay = learner.replays[level]!;
  const b = replay.gather(Array.from({ length: replay.size }, (_, i) => i));
  const inDim = replay.fields.obs;
  const actDim = replay.fields.action;
  return Array.from({ length: replay.size }, (_, i) => ({
    obs: [...b.obs.subarray(i * inDim, (i + 1) * inDim)],
    action: [...b.action.subarray(i * actDim, (i + 1) * actDim)],
    reward: b.reward[i]!,
    nextObs: [...b.nextObs.subarray(i * inDim, (i + 1) * inDim)],
    discount: b.discount[i]!,
  }));
}

const assertRow = (row: ReturnType<typeof rowsOf>[number], want: { obs: number[]; action: number[]; reward: number; nextObs: number[]; discount: number }, what: string) => {
  close(row.obs, want.obs);
  close(row.action, want.action);
  close(row.nextObs, want.nextObs);
  assert.ok(Math.abs(row.reward - want.reward) < 1e-6, `${what}: reward ${row.reward} vs ${want.reward}`);
  assert.ok(Math.abs(row.discount - want.discount) < 1e-6, `${what}: discount ${row.discount} vs ${want.discount}`);
};

test("learner on constructed steps: hindsight action (missed → achieved state, reached → proposed), the tested-subgoal penalty, hindsight goals", async () => {
  // Two levels, H = 2, thresholds 0.1 per dim, subgoals in [−1, 1]² (an action is its subgoal), one hindsight goal per sequence (the last).
  const { hac, learner } = await learnerOnPointReach({ hindsightGoals: 1, updatesPerEpisode: 5 });
  const γ = HAC_ARGS.gamma;
  const dg = [0.6, 0.2];
  try {
    // A: every level chooses; the tested subgoal (0.5, 0.5); the point moves (0, 0) → (0.2, 0).
    learner.observe(handStep({ from: [0, 0], to: [0.2, 0], goal: [0.6, 0.2], action: [0.3, -0.2], subgoal: [0.5, 0.5], attempts: [1, 1], testing: [1, 0], proposed: [1, 1] }));
    assert.equal(learner.replays[0]!.size, 1);
    assert.equal(learner.replays[1]!.size, 0);
    // B: level 0's second (last) attempt ends at (0.4, 0), the subgoal missed: level 0 returns, level 1's action ends.
    learner.observe(handStep({ from: [0.2, 0], to: [0.4, 0], goal: [0.6, 0.2], action: [0.5, 0.1], subgoal: [0.5, 0.5], attempts: [2, 1], testing: [1, 0], proposed: [1, 0] }));
    // C: level 1's second subgoal (0.6, 0.2), tested, reached at once; the task reports success; level 1 used its 2 attempts.
    learner.observe(handStep({ from: [0.4, 0], to: [0.6, 0.2], goal: [0.6, 0.2], action: [0.9, 0.9], subgoal: [0.6, 0.2], attempts: [1, 2], testing: [1, 0], proposed: [1, 1], success: true }));

    const low = rowsOf(learner, 0);
    const g1 = [0.5, 0.5];
    const g2 = [0.6, 0.2];
    assert.equal(low.length, 6);
    assertRow(low[0]!, { obs: [0, 0, 0, 0, ...g1], action: [0.3, -0.2], reward: -1, nextObs: [0.2, 0, 0, 0, ...g1], discount: γ }, "A: level 0's action");
    assertRow(low[1]!, { obs: [0.2, 0, 0, 0, ...g1], action: [0.5, 0.1], reward: -1, nextObs: [0.4, 0, 0, 0, ...g1], discount: γ }, "B: level 0's action");
    // Level 0's first sequence ends: its last achieved state (0.4, 0) as the goal of both transitions.
    assertRow(low[2]!, { obs: [0, 0, 0, 0, 0.4, 0], action: [0.3, -0.2], reward: -1, nextObs: [0.2, 0, 0, 0, 0.4, 0], discount: γ }, "B: hindsight goal, step 0");
    assertRow(low[3]!, { obs: [0.2, 0, 0, 0, 0.4, 0], action: [0.5, 0.1], reward: 0, nextObs: [0.4, 0, 0, 0, 0.4, 0], discount: 0 }, "B: hindsight goal, step 1");
    assertRow(low[4]!, { obs: [0.4, 0, 0, 0, ...g2], action: [0.9, 0.9], reward: 0, nextObs: [0.6, 0.2, 0, 0, ...g2], discount: 0 }, "C: level 0 reaches its subgoal");
    assertRow(low[5]!, { obs: [0.4, 0, 0, 0, ...g2], action: [0.9, 0.9], reward: 0, nextObs: [0.6, 0.2, 0, 0, ...g2], discount: 0 }, "C: hindsight goal");

    const high = rowsOf(learner, 1);
    assert.equal(high.length, 5);
    // The tested subgoal (0.5, 0.5) was missed after H attempts: penalty −H, no bootstrap, the proposed subgoal kept.
    assertRow(high[0]!, { obs: [0, 0, 0, 0, ...dg], action: g1, reward: -2, nextObs: [0.4, 0, 0, 0, ...dg], discount: 0 }, "B: subgoal penalty");
    // Hindsight action: the achieved (0.4, 0) replaces the missed subgoal; the task's goal not reached.
    assertRow(high[1]!, { obs: [0, 0, 0, 0, ...dg], action: [0.4, 0], reward: -1, nextObs: [0.4, 0, 0, 0, ...dg], discount: γ }, "B: hindsight action");
    // Reached subgoal: the proposed one kept, no penalty although tested; success ends the bootstrap.
    assertRow(high[2]!, { obs: [0.4, 0, 0, 0, ...dg], action: g2, reward: 0, nextObs: [0.6, 0.2, 0, 0, ...dg], discount: 0 }, "C: proposed subgoal kept");
    // Level 1's sequence ends (H attempts): the last achieved goal (0.6, 0.2) relabels both: ‖(0.4, 0) − (0.6, 0.2)‖ ≈ 0.28 ≥ 0.05.
    assertRow(high[3]!, { obs: [0, 0, 0, 0, 0.6, 0.2], action: [0.4, 0], reward: -1, nextObs: [0.4, 0, 0, 0, 0.6, 0.2], discount: γ }, "C: hindsight goal, step 0");
    assertRow(high[4]!, { obs: [0.4, 0, 0, 0, 0.6, 0.2], action: g2, reward: 0, nextObs: [0.6, 0.2, 0, 0, 0.6, 0.2], discount: 0 }, "C: hindsight goal, step 1");

    const stats = learner.stats();
    assert.equal(stats["subgoal_penalties"], 1);
    assert.equal(stats["top_sequences"], 1);
    assert.equal(stats["subgoal_hit_rate"], 0.5);
    // The finished top-level sequence made 5 updates of each level due.
    let updates = 0;
    const before = hac.models.map((m) => m.updates);
    learner.train(1);
    updates = hac.models[0]!.updates - before[0]!;
    assert.equal(updates, 5);
    assert.equal(hac.models[1]!.updates - before[1]!, 5);
    assert.equal(learner.train(2), undefined, "nothing due until the next sequence ends");
  } finally {
    hac.dispose();
  }
});

/**
 * A learned reward whose score is a known function of what it is shown (the
 * last step's observation and action, the next observation, the judged and
 * desired goals), counting its training calls.
 */
class ScoringModel implements OnlineRewardModel {
  readonly name = "scoring";
  readonly isLearned = true;
  readonly ready = true;
  readonly rounds = 0;
  readonly lastRoundLoss = Number.NaN;
  trainCalls = 0;
  static score(obs: ArrayLike<number>, action: ArrayLike<number>, next: ArrayLike<number>, judged: ArrayLike<number>, desired: ArrayLike<number>): number {
    return -(0.1 * obs[0]! + 0.01 * action[0]! + 0.2 * next[1]! + 0.3 * judged[0]! + 0.4 * desired[1]!);
  }
  rewards(b: RewardBatch, out: Float32Array): void {
    const o = b.obs!.length / out.length;
    const a = b.action!.length / out.length;
    const g = b.desiredGoal.length / out.length;
    const judged = judgedGoal(b);
    for (let r = 0; r < out.length; r++) {
      out[r] = ScoringModel.score(b.obs!.subarray(r * o), b.action!.subarray(r * a), b.nextObs!.subarray(r * o), judged.subarray(r * g), b.desiredGoal.subarray(r * g));
    }
  }
  addReal(): void {}
  addAchievedPositives(): void {}
  addRelabelledNegatives(): void {}
  maybeTrain() {
    this.trainCalls++;
    return { trained: false, loss: Number.NaN };
  }
  checkpointContents() {
    return { networks: {} };
  }
  restoreMeta(): void {}
  serializeStorage(): Uint8Array {
    return new Uint8Array(0);
  }
  restoreStorage(): void {}
}

test("learned reward (--reward gahil): the top level's rows are scored on the step that ended them, penalties keep −H, level 0 keeps its own", async () => {
  const model = new ScoringModel();
  const { hac, learner } = await learnerOnPointReach({ hindsightGoals: 1, updatesPerEpisode: 3 }, 1, model);
  const dg = [0.8, 0.7];
  const seen: Array<{ level: number; obs: number[]; action: number[]; reward: number }> = [];
  const update = hac.updateLevel.bind(hac);
  hac.updateLevel = (level, batch, rows) => {
    const inDim = hac.levelInputDim(level);
    const out = hac.levelOutputDim(level);
    for (let r = 0; r < rows; r++) {
      seen.push({ level, obs: [...batch.obs.subarray(r * inDim, (r + 1) * inDim)], action: [...batch.action.subarray(r * out, (r + 1) * out)], reward: batch.reward[r]! });
    }
    return update(level, batch, rows);
  };
  try {
    // The constructed episode of the first learner test, towards (0.8, 0.7), never reached.
    const goal = dg as [number, number];
    learner.observe(handStep({ from: [0, 0], to: [0.2, 0], goal, action: [0.3, -0.2], subgoal: [0.5, 0.5], attempts: [1, 1], testing: [1, 0], proposed: [1, 1] }));
    learner.observe(handStep({ from: [0.2, 0], to: [0.4, 0], goal, action: [0.5, 0.1], subgoal: [0.5, 0.5], attempts: [2, 1], testing: [1, 0], proposed: [1, 0] }));
    learner.observe(handStep({ from: [0.4, 0], to: [0.6, 0.2], goal, action: [0.9, 0.9], subgoal: [0.6, 0.2], attempts: [1, 2], testing: [1, 0], proposed: [1, 1] }));
    // Step B ended the first top-level action, step C the second.
    const stepB = ScoringModel.score([0.2, 0, 0, 0], [0.5, 0.1], [0.4, 0, 0, 0], [0.4, 0], dg);
    const stepC = (desired: number[]) => ScoringModel.score([0.4, 0, 0, 0], [0.9, 0.9], [0.6, 0.2, 0, 0], [0.6, 0.2], desired);
    const key = (obs: number[], action: number[]) => [...obs, ...action].map((v) => v.toFixed(4)).join(",");
    const want = new Map<string, number>([
      [key([0, 0, 0, 0, ...dg], [0.5, 0.5]), -2], // B: the tested subgoal's penalty, kept
      [key([0, 0, 0, 0, ...dg], [0.4, 0]), stepB], // B: hindsight action
      [key([0.4, 0, 0, 0, ...dg], [0.6, 0.2]), stepC(dg)], // C: proposed subgoal kept
      [key([0, 0, 0, 0, 0.6, 0.2], [0.4, 0]), ScoringModel.score([0.2, 0, 0, 0], [0.5, 0.1], [0.4, 0, 0, 0], [0.4, 0], [0.6, 0.2])], // hindsight goal, step 0
      [key([0.4, 0, 0, 0, 0.6, 0.2], [0.6, 0.2]), stepC([0.6, 0.2])], // hindsight goal, step 1
    ]);
    assert.equal(learner.replays[1]!.size, 5);
    const storedLow = rowsOf(learner, 0).map((r) => r.reward);
    learner.train(1);
    assert.equal(model.trainCalls, 1, "one chance for the model to train per round of updates");
    const top = seen.filter((s) => s.level === 1);
    assert.equal(top.length, 3 * 4, "3 updates of 4 rows");
    for (const row of top) {
      const expected = want.get(key(row.obs, row.action));
      assert.ok(expected !== undefined, `unexpected top-level row ${key(row.obs, row.action)}`);
      assert.ok(Math.abs(row.reward - expected) < 1e-5, `row ${key(row.obs, row.action)}: reward ${row.reward} vs ${expected}`);
    }
    // Level 0 trains on the rewards it stored (0/−1 from states), whatever the model says.
    for (const row of seen.filter((s) => s.level === 0)) assert.ok(storedLow.some((r) => Math.abs(r - row.reward) < 1e-6) && (row.reward === 0 || row.reward === -1));
  } finally {
    hac.dispose();
  }
});

test("learner: no penalty for an untested missed subgoal, nor for a tested one cut short by the episode's end; the episode's end closes every level", async () => {
  const { hac, learner } = await learnerOnPointReach({ hindsightGoals: 0, horizon: 3 });
  try {
    // Untested subgoal missed after H = 3 attempts.
    const base = { goal: [0.6, 0.2] as [number, number], action: [0, 0] as [number, number], subgoal: [0.5, 0.5] as [number, number] };
    learner.observe(handStep({ ...base, from: [0, 0], to: [0, 0], attempts: [1, 1], testing: [0, 0], proposed: [1, 1] }));
    learner.observe(handStep({ ...base, from: [0, 0], to: [0, 0], attempts: [2, 1], testing: [0, 0], proposed: [1, 0] }));
    learner.observe(handStep({ ...base, from: [0, 0], to: [0, 0], attempts: [3, 1], testing: [0, 0], proposed: [1, 0] }));
    assert.equal(learner.stats()["subgoal_penalties"], 0);
    assert.equal(learner.replays[1]!.size, 1);
    // A tested subgoal, the episode truncated after 1 attempt: level 0 did not use its attempts, so no penalty; both levels close.
    learner.observe(handStep({ ...base, from: [0, 0], to: [0, 0], attempts: [1, 2], testing: [1, 0], proposed: [1, 1], status: StepStatus.TRUNCATED }));
    assert.equal(learner.stats()["subgoal_penalties"], 0);
    assert.equal(learner.replays[1]!.size, 2);
    assert.equal(learner.stats()["top_sequences"], 1);
    // Truncation still bootstraps (the next state is not terminal).
    const last = rowsOf(learner, 1)[1]!;
    assert.ok(Math.abs(last.discount - HAC_ARGS.gamma) < 1e-6);
  } finally {
    hac.dispose();
  }
});

/** A crude point env for the learner loop: the position moves by 0.1 × action, episodes of `length` steps. */
function runEpisodes(hac: Hac, learner: HacLearner, steps: number, rng: Rng, length = 8) {
  let state = hac.initialState();
  let pos: [number, number] = [0, 0];
  let t = 0;
  let losses: Record<string, number> | undefined;
  for (let i = 0; i < steps; i++) {
    const inp = input(pos[0], pos[1], 0.5, 0.5);
    const acted = hac.act(inp, 1, "explore", [state]);
    const to: [number, number] = [pos[0] + 0.1 * acted.actions[0]!, pos[1] + 0.1 * acted.actions[1]! + 0.01 * rng.normal()];
    t++;
    const status = t === length ? StepStatus.TRUNCATED : StepStatus.RUNNING;
    const success = Math.hypot(to[0] - 0.5, to[1] - 0.5) < 0.05;
    learner.observe({
      kind: "step",
      envs: 1,
      obs: [Float32Array.from([...pos, 0, 0]), Float32Array.from(pos), Float32Array.from([0.5, 0.5])],
      input: inp,
      actions: acted.actions,
      extras: acted.extras!,
      randomActions: false,
      nextObs: [Float32Array.from([...to, 0, 0]), Float32Array.from(to), Float32Array.from([0.5, 0.5])],
      reward: undefined,
      status: Uint8Array.of(status),
      isSuccess: Uint8Array.of(success ? 1 : 0),
    });
    losses = learner.train(i + 1) ?? losses;
    pos = to;
    if (status !== StepStatus.RUNNING) {
      state = hac.initialState();
      pos = [0, 0];
      t = 0;
    }
  }
  return losses;
}

test("learner with act in the loop: every level learns, losses finite, no tensor leaks", async () => {
  const { hac, learner } = await learnerOnPointReach({ levels: 3, horizon: 2, updatesPerEpisode: 3 });
  try {
    const rng = new Rng(4);
    runEpisodes(hac, learner, 40, rng);
    const before = tf.memory().numTensors;
    const losses = runEpisodes(hac, learner, 80, rng)!;
    assert.equal(tf.memory().numTensors, before);
    for (const j of [0, 1, 2]) {
      assert.ok(`level${j}_critic_loss` in losses, `level ${j} updated`);
      assert.ok(learner.replays[j]!.size > 0);
    }
    for (const v of Object.values(losses)) assert.ok(Number.isFinite(v));
  } finally {
    hac.dispose();
  }
});

test("checkpoint round trip: every level's networks and counters restore exactly; storage round trip", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "hac-"));
  const { hac, learner } = await learnerOnPointReach({ levels: 3, horizon: 2, updatesPerEpisode: 2 });
  const copy = smallHac({ levels: 3, horizon: 2 });
  const other = await learnerOnPointReach({ levels: 3, horizon: 2 });
  try {
    runEpisodes(hac, learner, 40, new Rng(2));
    await saveCheckpoint(dir, hac.checkpointContents());
    const manifest = await loadCheckpoint(dir, copy.checkpointContents());
    copy.restoreMeta(manifest.meta);
    assert.ok(Object.keys(hac.checkpointContents().networks).includes("level2_critic1Target"));
    const inp = input(0.2, -0.1);
    const a = hac.act(inp, 1, "deterministic", [hac.initialState()]);
    const b = copy.act(inp, 1, "deterministic", [copy.initialState()]);
    close(a.actions, b.actions, 0);
    close(a.extras!["subgoal"]!, b.extras!["subgoal"]!, 0);
    hac.models.forEach((m, i) => assert.equal(copy.models[i]!.updates, m.updates));
    // The replays and counters move to another learner.
    other.learner.restore(learner.state(), learner.serializeStorage(true));
    assert.deepEqual(other.learner.stats(), learner.stats());
    assert.equal(learner.serializeStorage(false), undefined);
  } finally {
    hac.dispose();
    copy.dispose();
    other.hac.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});

test("refusals: --her, normalised inputs, bad arguments", async () => {
  const task = await pointReachV0.create({});
  const raw = new InputEncoder(task.spec, false);
  task.close();
  const hac = smallHac();
  try {
    const context = { spec: raw.spec, encoder: raw, schedule: TRAIN_DEFAULTS, rng: new Rng(1), envs: 1, rewardModel: undefined, onlineReward: undefined };
    assert.throws(() => new HacLearner(hac, { ...context, schedule: { ...TRAIN_DEFAULTS, her: true } }), /--her does not apply/);
    assert.throws(() => new HacLearner(hac, { ...context, encoder: new InputEncoder(raw.spec, true) }), /raw network inputs/);
    assert.equal(new HacLearner(hac, context).randomActions(), false);
    assert.throws(() => smallHac({ levels: 1 }), /levels/);
    assert.throws(() => smallHac({ subgoalHigh: [1, 1, 1] }), /one value per subgoal dim/);
    assert.throws(() => smallHac({ subgoalLow: [1, -1] }), /below subgoalHigh/);
    assert.throws(() => new Hac({ inputDim: 4, actDim: 2, seed: 0 }, HAC_ARGS), /goal-conditioned/);
    // One threshold for every dim (what --set subgoalThreshold=0.1 gives).
    const one = smallHac({ subgoalThreshold: 0.2 });
    close(one.threshold, [0.2, 0.2]);
    one.dispose();
  } finally {
    hac.dispose();
  }
});
