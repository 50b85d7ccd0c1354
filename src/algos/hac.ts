/**
 * HAC — Hierarchical Actor-Critic.
 * Levy, Konidaris, Platt & Saenko (2019), "Learning Multi-Level Hierarchies
 * with Hindsight", https://arxiv.org/abs/1712.00948; reference code
 * andrew-j-levy/Hierarchical-Actor-Critc-HAC- (`layer.py`, `agent.py`,
 * `critic.py`; facts: ../shared/reference).
 *
 * `levels` (L, 2 or 3) goal-conditioned levels. Level 0 reads [s, g₀] and
 * emits env actions; level i > 0 reads [s, gᵢ] and emits a subgoal for level
 * i − 1: an ABSOLUTE target for the first k observation entries (x, y: the
 * tasks put the position first), in [subgoalLow, subgoalHigh] per dim. The top
 * level's goal is the task's desired goal. Each level gets at most H
 * (`horizon`) attempts — actions — per goal it was given, then returns:
 *
 *   level i's goal gᵢ (i < top) is reached at s   ⇔  |s_d − gᵢ_d| ≤ subgoalThreshold_d for every d < k
 *   the top level's goal is reached                ⇔  the step's own success signal (`isSuccess`)
 *   level i returns after an action when its goal, or any higher level's, is reached, or its H attempts are used
 *
 * The collector drives one env step per `act`, so HAC's recursion lives in
 * per-env state (`HacState`): each level's goal, attempts made towards it and
 * whether it is under subgoal test. Each `act` first pops the levels that
 * returned after the previous step (`levelsReturning`), lets the lowest level
 * still in business choose its next action and every level below it start
 * afresh top-down, then level 0 acts. The top level never returns: when its H
 * attempts are used it starts a new attempt sequence towards the same desired
 * goal (the reference ends the episode there; our tasks' episodes run on).
 * Exploration (`layer.choose_action`): a uniform random action with
 * probability 0.2, else the policy plus N(0, (0.1 × half-range)²); a level
 * proposing a subgoal TESTS it with probability λ = 0.3, and while a subgoal
 * is tested every level below it acts greedily.
 *
 * Its learner turns every finished action of level i into transitions
 * (`layer.perform_action_replay`, `penalize_subgoal`, `finalize_goal_replay`):
 *
 *   hindsight action:  (s, gᵢ, ã, r, s', γ')  ã = the proposed subgoal if level i − 1 reached it, else the
 *                      first k entries of s' (the subgoal achieved); level 0: the env action.
 *                      r = 0 and γ' = 0 if gᵢ is reached at s', else r = −1, γ' = γ
 *   subgoal penalty:   (s, gᵢ, proposed subgoal, −H, s', 0) when the subgoal was tested and level i − 1 used its
 *                      H attempts without reaching it
 *   hindsight goals:   when level i's attempt sequence ends, `hindsightGoals` (3) of its achieved states (the last
 *                      one always) become goals for the sequence's transitions up to the one that achieved them,
 *                      rewards recomputed 0/−1 with the thresholds (the top level: ‖achieved − goal‖ < goalThreshold)
 *
 * Every level is a TD3 model (td3.ts's networks, targets and optimisers) whose
 * TD target is clipped to [−H, 0] (`hacTarget`): a level's value can neither
 * promise more than reaching its goal now (0) nor less than a tested subgoal's
 * penalty (−H). Schedule (the reference's `agent.py`): after every finished
 * attempt sequence of the top level — a HAC "episode", at most H^L env steps —
 * `updatesPerEpisode` (40) updates of every level on batches of --batch-size,
 * once --learning-starts env steps are done. HAC explores with its own
 * networks from the first step (`randomActions()` is false) and never reads
 * the env reward: its rewards come from states, goals and the success signal,
 * so it trains on black boxes as it is.
 *
 * With a learned reward (`--reward gahil`) the top level's rewards come from
 * the model instead: each of its hindsight action and hindsight goal rows is
 * scored, whenever it is sampled, by the model on the env step that ended the
 * action — (s, a, s', achieved goal after it) against the row's goal — so a
 * top-level row earns what GAHIL says its last step was worth, in the same
 * [−1, 0] range as HAC's own 0/−1. Subgoal penalties (−H) stay HAC's, the
 * lower levels' rewards stay computed from states, and where a row stops
 * bootstrapping is still decided as above.
 *
 * Where this departs from the reference, and why:
 * - The critic is not squashed (the reference: Q = −H·sigmoid(·), no target
 *   networks, DDPG's single critic); clipping the TD target keeps the
 *   regression targets in the same bounds without a custom output layer, and
 *   TD3's twin critics and slow targets (τ = 0.05, the reference's value)
 *   steady the bootstrap from relabelled data. The actor steps on every update
 *   (policyDelay 1, as the reference's DDPG): on PointMaze-v0 (the smoke test's
 *   setting cut to 3000 steps, in-process) it gave success 0, 1.0, 0.88 on
 *   seeds 0–2 against 0.24, 0, 0 with TD3's delay of 2.
 * - Reaching the top level's goal ends nothing: `act` sees [s, desired goal]
 *   but not the achieved goal, so it cannot test it (and the tasks' episodes
 *   run on). The top level's transitions still stop bootstrapping where the
 *   step reports success; when its H attempts are used it starts a new
 *   sequence (the reference ends the episode at either).
 * - Hindsight goals relabel the transitions up to the one that achieved them
 *   (HER's "future"); the reference's loop relabels the whole sequence.
 * - The top level's hindsight rewards use ‖achieved − goal‖ < goalThreshold
 *   (the point tasks' success test) where the lived goal uses `isSuccess`;
 *   set goalThreshold to the task's success distance so the two agree.
 * - Subgoals and achieved states outside [subgoalLow, subgoalHigh] are clipped
 *   into them when stored as actions (the actors end in tanh).
 *
 * The file reads top to bottom: the arguments, the levels' arithmetic (goal
 * tests, popping, hindsight goals, the clipped update — pure functions,
 * unit-tested by hand), the agent (per-env stack, acting), then its learner.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng, rngStateFromJson, rngStateToJson } from "../core/rng.js";
import { StepStatus } from "../env/task.js";
import type { CheckpointContents } from "../nn/save-load.js";
import type { OnlineRewardModel } from "../reward/online-reward.js";
import { packArrays, unpackArrays } from "../replay/bytes.js";
import { ReplayBuffer, type Batch } from "../replay/replay-buffer.js";
import type { CollectedStep } from "../train/collector.js";
import type { InputEncoder } from "../train/input-encoder.js";
import type { Learner } from "../train/learner.js";
import type { OffPolicySchedule } from "../train/off-policy-learner.js";
import { checkInput, checkOwnLearnerContext, type ActMode, type ActResult, type AgentShape, type OwnLearnerAgent, type LearnerContext } from "./agent.js";
import type { CriticBatch } from "./critic-batch.js";
import { checkRandomActionProb, explore } from "./exploration.js";
import { createTd3Model, disposeTd3Model, td3CheckpointContents, td3Target, type Td3Config, type Td3Model } from "./td3.js";

// ---------------------------------------------------------------- arguments

export interface HacArgs {
  /** L: levels of the hierarchy (2 or 3; level 0 acts in the env). */
  readonly levels: number;
  /** H: attempts (actions) a level may take per goal it was given. */
  readonly horizon: number;
  /** Hidden layer sizes of every level's actor and critics (the reference: 3 × 64). */
  readonly hidden: readonly number[];
  /** Adam learning rate of the actors. */
  readonly actorLr: number;
  /** Adam learning rate of the critics. */
  readonly criticLr: number;
  /** Discount γ of every level. */
  readonly gamma: number;
  /** Polyak rate τ of the target networks. */
  readonly tau: number;
  /** TD3's target policy smoothing noise and its clip. */
  readonly policyNoise: number;
  readonly noiseClip: number;
  /** Actor and targets update every policyDelay-th critic update. */
  readonly policyDelay: number;
  /** Lower bound of each subgoal dimension (its length is k: the subgoal is the first k observation entries; a number: k = 1). */
  readonly subgoalLow: number | readonly number[];
  /** Upper bound of each subgoal dimension. */
  readonly subgoalHigh: number | readonly number[];
  /** A subgoal is reached when every one of its k entries is within this of the state's (one value for every dim, or one per dim). */
  readonly subgoalThreshold: number | readonly number[];
  /** The top level's hindsight goals are reached when ‖achieved − goal‖ < this (set it to the task's success distance). */
  readonly goalThreshold: number;
  /** λ: probability that a proposed subgoal is tested (the levels below act greedily until it ends). */
  readonly subgoalTestProb: number;
  /** Probability of a uniform random action (every level) while exploring. */
  readonly randomActionProb: number;
  /** Std of level 0's Gaussian exploration, as a fraction of the action half-range. */
  readonly actionNoise: number;
  /** Std of the subgoal levels' Gaussian exploration, as a fraction of the subgoal half-range. */
  readonly subgoalNoise: number;
  /** Hindsight goals per attempt sequence (the sequence's last achieved state always one of them). */
  readonly hindsightGoals: number;
  /** Updates of every level after each of the top level's finished attempt sequences. */
  readonly updatesPerEpisode: number;
}

/**
 * The reference's settings (`design_agent_and_env.py`, `layer.py`,
 * `critic.py`: 3 × 64 networks, lr 1e-3, γ 0.98, τ 0.05, λ 0.3, 20 % random
 * actions, noise 0.1, 3 hindsight goals, 40 updates; H 20 for two levels),
 * with subgoal bounds and thresholds for PointMaze-v0: its free region is
 * [−2, 10]², a step moves at most 0.2 (0.8 is about 4 steps; with 0.4 the
 * smoke test's setting cut to 3000 steps reached success 0.18, 0.48, 0.10 on
 * seeds 0–2 against 0, 1.0, 0.88), success is within 2.5. For PointPush-v0 (the point in
 * [−0.95, 0.95]², 0.1 per step, success within 0.1): --levels 2 --horizon 5
 * --set subgoalLow=-0.95,-0.95 --set subgoalHigh=0.95,0.95
 * --set subgoalThreshold=0.1 --set goalThreshold=0.1.
 */
export const HAC_ARGS: HacArgs = Object.freeze({
  levels: 2,
  horizon: 20,
  hidden: [64, 64, 64],
  actorLr: 1e-3,
  criticLr: 1e-3,
  gamma: 0.98,
  tau: 0.05,
  policyNoise: 0.2,
  noiseClip: 0.5,
  policyDelay: 1,
  subgoalLow: [-2, -2],
  subgoalHigh: [10, 10],
  subgoalThreshold: [0.8, 0.8],
  goalThreshold: 2.5,
  subgoalTestProb: 0.3,
  randomActionProb: 0.2,
  actionNoise: 0.1,
  subgoalNoise: 0.1,
  hindsightGoals: 3,
  updatesPerEpisode: 40,
});

// ---------------------------------------------------------------- the levels' arithmetic

/**
 * Whether `state`'s first k entries are within `threshold` of the goal in
 * every dim (k = threshold.length; the goal is `goal[offset … offset + k]`).
 */
export function subgoalReached(goal: ArrayLike<number>, state: ArrayLike<number>, threshold: ArrayLike<number>, offset = 0): boolean {
  for (let d = 0; d < threshold.length; d++) if (Math.abs(state[d]! - goal[offset + d]!) > threshold[d]!) return false;
  return true;
}

/** Whether ‖achieved − goal‖ < threshold (the top level's hindsight goals, as the tasks define success). */
export function goalReached(goal: ArrayLike<number>, achieved: ArrayLike<number>, threshold: number): boolean {
  let sum = 0;
  for (let d = 0; d < goal.length; d++) sum += (achieved[d]! - goal[d]!) ** 2;
  return Math.sqrt(sum) < threshold;
}

/**
 * How many levels, from level 0 up, return after an action that led to
 * `state`: level 0's action always finished; level i returns when its goal or
 * a higher level's is reached (`goals`: levels 0 … L−2, k each; the top
 * level's is never tested here) or when its attempts reach `horizon`, and then
 * level i + 1's action has finished too. L (= attempts.length) means the top
 * level used its H attempts as well.
 */
export function levelsReturning(goals: ArrayLike<number>, attempts: ArrayLike<number>, state: ArrayLike<number>, threshold: ArrayLike<number>, horizon: number): number {
  const levels = attempts.length;
  let m = 0;
  for (let j = 0; j < levels - 1; j++) if (subgoalReached(goals, state, threshold, j * threshold.length)) m = j + 1;
  while (m < levels && attempts[m]! >= horizon) m++;
  return m;
}

/**
 * The transitions whose goals hindsight relabels at the end of an attempt
 * sequence of `length` transitions: `count` goal indices (fewer when the
 * sequence is shorter), count − 1 uniform with replacement and the last
 * transition always, sorted.
 */
export function hindsightGoalIndices(length: number, count: number, rng: Rng): number[] {
  const n = Math.min(count, length);
  if (n === 0) return [];
  const out = Array.from({ length: n - 1 }, () => Math.floor(rng.uniform() * length));
  out.push(length - 1);
  return out.sort((a, b) => a - b);
}

/** One relabelled transition: transition `step` of the sequence, trained for the goal achieved by transition `goal`. */
export interface RelabelledTransition {
  readonly step: number;
  readonly goal: number;
  /** 0 when the relabelled goal is reached after `step`, else −1. */
  readonly reward: number;
  /** Whether it is reached (the transition then does not bootstrap). */
  readonly reached: boolean;
}

/**
 * Hindsight goal transitions of a sequence whose transition t achieved
 * `achieved[t]`: for every goal index c, the transitions t ≤ c, rewarded by
 * `reached(achieved[c], achieved[t])`.
 */
export function hindsightGoalTransitions(achieved: readonly ArrayLike<number>[], goalIndices: readonly number[], reached: (goal: ArrayLike<number>, achieved: ArrayLike<number>) => boolean): RelabelledTransition[] {
  const out: RelabelledTransition[] = [];
  for (const c of goalIndices) {
    for (let t = 0; t <= c; t++) {
      const hit = reached(achieved[c]!, achieved[t]!);
      out.push({ step: t, goal: c, reward: hit ? 0 : -1, reached: hit });
    }
  }
  return out;
}

/** y = clip(TD3's target, −H, 0): a level's value lies in [−H, 0]. [B, 1], no gradients recorded. */
export function hacTarget(model: Td3Model, batch: CriticBatch, config: Td3Config, horizon: number, noise: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.clipByValue(td3Target(model, batch, config, noise), -horizon, 0));
}

/**
 * One update of a level: td3.ts's `td3Update` with the target clipped to
 * [−H, 0] (td3Update has no room for the clip). Critics every call; actor
 * (L_π = −mean Q1(s, π(s))) and the Polyak update of the targets every
 * policyDelay-th call. Leaves no tensors behind.
 */
export function hacUpdate(model: Td3Model, batch: CriticBatch, config: Td3Config, horizon: number): { criticLoss: number; actorLoss: number | undefined } {
  const rows = batch.obs.shape[0];
  const actDim = batch.action.shape[1];
  model.updates += 1;
  let criticLoss = NaN;
  let actorLoss: number | undefined;
  tf.tidy(() => {
    const y = hacTarget(model, batch, config, horizon, model.noise([rows, actDim]));
    const input = tf.concat([batch.obs, batch.action], 1);
    const loss = model.criticOptimizer.minimize(() => {
      const e1 = tf.sub(model.critic1.apply(input, { inputGrad: false }), y);
      const e2 = tf.sub(model.critic2.apply(input, { inputGrad: false }), y);
      return tf.add(tf.mean(tf.square(e1)), tf.mean(tf.square(e2))) as tf.Scalar;
    });
    criticLoss = loss.dataSync()[0]!;
  });
  if (model.updates % config.policyDelay === 0) {
    tf.tidy(() => {
      const loss = model.actorOptimizer.minimize(() => {
        const action = model.actor.apply(batch.obs, { inputGrad: false });
        return tf.neg(tf.mean(model.critic1.apply(tf.concat([batch.obs, action], 1), { frozen: true }))) as tf.Scalar;
      });
      actorLoss = loss.dataSync()[0]!;
    });
    model.actorTarget.polyakFrom(model.actor, config.tau);
    model.critic1Target.polyakFrom(model.critic1, config.tau);
    model.critic2Target.polyakFrom(model.critic2, config.tau);
  }
  return { criticLoss, actorLoss };
}

// ---------------------------------------------------------------- the agent

/** Per env: the stack of goals HAC's recursion is in (one entry per level). */
export interface HacState {
  /** Goals of levels 0 … L−2 (absolute targets of the first k observation entries), k each; the top level's is the desired goal. */
  readonly goals: Float32Array;
  /** Per level, the actions taken towards its current goal, the one in flight included. */
  readonly attempts: Int32Array;
  /** Per level, 1 while its goal is a subgoal under test (it and every level below act greedily). */
  readonly testing: Uint8Array;
  /** false until the episode's first action: then every level chooses. */
  started: boolean;
}

export class Hac implements OwnLearnerAgent<HacState> {
  readonly name = "hac";
  readonly kind = "hierarchical";
  readonly inputDim: number;
  readonly actDim: number;
  /** Observation entries of the input (the rest is the desired goal). */
  readonly obsDim: number;
  readonly goalDim: number;
  /** Subgoal size: the first k observation entries. */
  readonly k: number;
  readonly levels: number;
  readonly horizon: number;
  /** Per-dim subgoal thresholds (k). */
  readonly threshold: Float32Array;
  readonly low: Float32Array;
  readonly high: Float32Array;
  /** One TD3 model per level, level 0 first. */
  readonly models: readonly Td3Model[];
  readonly config: Td3Config;
  private readonly rng: Rng;

  constructor(shape: AgentShape, readonly args: HacArgs = HAC_ARGS) {
    this.inputDim = shape.inputDim;
    this.actDim = shape.actDim;
    this.goalDim = shape.goalDim ?? 0;
    this.obsDim = shape.inputDim - this.goalDim;
    if (this.goalDim === 0) throw new Error("hac needs a goal-conditioned task (observation, achieved_goal, desired_goal): its top level's goal is the desired goal");
    // --set gives one number where a list has one entry.
    const list = (v: number | readonly number[]) => (typeof v === "number" ? [v] : [...v]);
    const low = list(args.subgoalLow);
    const high = list(args.subgoalHigh);
    let threshold = list(args.subgoalThreshold);
    this.k = low.length;
    if (threshold.length === 1) threshold = Array.from({ length: this.k }, () => threshold[0]!);
    if (this.k < 1 || this.k > this.obsDim || high.length !== this.k || threshold.length !== this.k) {
      throw new RangeError(`hac: subgoalLow, subgoalHigh and subgoalThreshold need one value per subgoal dim (1 to ${this.obsDim}, the leading observation entries), got [${low.join(", ")}], [${high.join(", ")}], [${threshold.join(", ")}]`);
    }
    if (low.some((l, d) => !(l < high[d]!))) throw new RangeError(`hac: subgoalLow [${low.join(", ")}] must lie below subgoalHigh [${high.join(", ")}] in every dim`);
    if (threshold.some((t) => !(t > 0))) throw new RangeError(`hac: subgoalThreshold must be positive, got [${threshold.join(", ")}]`);
    if (!Number.isInteger(args.levels) || args.levels < 2) throw new RangeError(`hac: levels must be an integer ≥ 2 (2 or 3 as in the paper), got ${args.levels}`);
    if (!Number.isInteger(args.horizon) || args.horizon < 1) throw new RangeError(`hac: horizon must be a positive integer, got ${args.horizon}`);
    if (!Number.isInteger(args.hindsightGoals) || args.hindsightGoals < 0) throw new RangeError(`hac: hindsightGoals must be an integer ≥ 0, got ${args.hindsightGoals}`);
    if (!(args.updatesPerEpisode >= 0)) throw new RangeError(`hac: updatesPerEpisode must be ≥ 0, got ${args.updatesPerEpisode}`);
    if (!(args.goalThreshold > 0)) throw new RangeError(`hac: goalThreshold must be positive, got ${args.goalThreshold}`);
    if (!(args.subgoalTestProb >= 0 && args.subgoalTestProb <= 1)) throw new RangeError(`hac: subgoalTestProb must be in [0, 1], got ${args.subgoalTestProb}`);
    checkRandomActionProb(args.randomActionProb);
    this.levels = args.levels;
    this.horizon = args.horizon;
    this.low = Float32Array.from(low);
    this.high = Float32Array.from(high);
    this.threshold = Float32Array.from(threshold);
    const seeds = new Rng(shape.seed);
    this.models = Array.from({ length: this.levels }, (_, i) =>
      createTd3Model({ obsDim: this.levelInputDim(i), actDim: this.levelOutputDim(i), hidden: args.hidden, actorLr: args.actorLr, criticLr: args.criticLr, seed: seeds.nextSeed() }),
    );
    this.rng = new Rng(seeds.nextSeed());
    this.config = { gamma: args.gamma, tau: args.tau, policyNoise: args.policyNoise, noiseClip: args.noiseClip, policyDelay: args.policyDelay };
  }

  get top(): number {
    return this.levels - 1;
  }

  /** Level i's input: [s, its goal] (the top level's goal is the desired goal, the others' a subgoal). */
  levelInputDim(i: number): number {
    return this.obsDim + (i === this.levels - 1 ? this.goalDim : this.k);
  }

  /** Level i's action: env actions for level 0, a subgoal (k, in [−1, 1]) above. */
  levelOutputDim(i: number): number {
    return i === 0 ? this.actDim : this.k;
  }

  initialState(): HacState {
    return { goals: new Float32Array((this.levels - 1) * this.k), attempts: new Int32Array(this.levels), testing: new Uint8Array(this.levels), started: false };
  }

  /** The absolute subgoal of an action in [−1, 1]^k: low + (a + 1)/2 · (high − low). */
  toSubgoal(action: ArrayLike<number>, out: Float32Array = new Float32Array(this.k)): Float32Array {
    for (let d = 0; d < this.k; d++) out[d] = this.low[d]! + ((action[d]! + 1) / 2) * (this.high[d]! - this.low[d]!);
    return out;
  }

  /** The action in [−1, 1]^k naming subgoal `g` (clipped into the bounds: an achieved state may lie outside them). */
  toAction(g: ArrayLike<number>, out: Float32Array = new Float32Array(this.k)): Float32Array {
    for (let d = 0; d < this.k; d++) out[d] = Math.max(-1, Math.min(1, (2 * (g[d]! - this.low[d]!)) / (this.high[d]! - this.low[d]!) - 1));
    return out;
  }

  /** A level's input [s, g] for state `s` (obsDim entries) and its goal `g`, written at `out[offset…]`. */
  levelInput(s: ArrayLike<number>, g: ArrayLike<number>, out: Float32Array, offset = 0): void {
    for (let d = 0; d < this.obsDim; d++) out[offset + d] = s[d]!;
    for (let d = 0; d < g.length; d++) out[offset + this.obsDim + d] = g[d]!;
  }

  /**
   * Env actions for `rows` inputs. Per env: pop the levels that returned
   * after the last step, let the levels due choose top-down (subgoals, the
   * attempts they count, subgoal tests), then level 0 acts. Extras per row:
   * `subgoal` (the goals of levels 0 … L−2, k each), `subgoal_target` (level
   * 0's goal, for logs and watchers), `attempts` and `testing` (per level,
   * after this step's choices) and `proposed` (per level, 1 where it chose a
   * new action at this step) — what the learner splits the step with.
   */
  act(input: Float32Array, rows: number, mode: ActMode, states?: HacState[]): ActResult {
    checkInput(input, rows, this.inputDim);
    const st = states ?? Array.from({ length: rows }, () => this.initialState());
    const { levels, k, obsDim, goalDim } = this;
    const exploring = mode === "explore";
    const proposed = new Float32Array(rows * levels);
    const obsOf = (r: number) => input.subarray(r * this.inputDim, r * this.inputDim + obsDim);
    for (let r = 0; r < rows; r++) {
      const state = st[r]!;
      const m = state.started ? levelsReturning(state.goals, state.attempts, obsOf(r), this.threshold, this.horizon) : levels;
      state.started = true;
      // Levels below m ended their attempt sequences (the top, at m = L, begins a new one).
      for (let j = 0; j < m; j++) {
        state.attempts[j] = 0;
        state.testing[j] = 0;
      }
      for (let j = 0; j <= Math.min(m, this.top); j++) proposed[r * levels + j] = 1;
    }
    for (let j = this.top; j >= 1; j--) {
      const deciding: number[] = [];
      for (let r = 0; r < rows; r++) if (proposed[r * levels + j] === 1) deciding.push(r);
      if (deciding.length === 0) continue;
      const inDim = this.levelInputDim(j);
      const levelIn = new Float32Array(deciding.length * inDim);
      deciding.forEach((r, i) => {
        const goal = j === this.top ? input.subarray(r * this.inputDim + obsDim, r * this.inputDim + obsDim + goalDim) : st[r]!.goals.subarray(j * k, (j + 1) * k);
        this.levelInput(obsOf(r), goal, levelIn, i * inDim);
      });
      const raw = this.forward(j, levelIn, deciding.length);
      deciding.forEach((r, i) => {
        const state = st[r]!;
        const a = raw.subarray(i * k, (i + 1) * k);
        if (exploring && state.testing[j] === 0) explore(a, k, this.args.subgoalNoise, this.args.randomActionProb, this.rng);
        this.toSubgoal(a, state.goals.subarray((j - 1) * k, j * k));
        state.attempts[j]++;
        state.testing[j - 1] = exploring && (state.testing[j] === 1 || this.rng.uniform() < this.args.subgoalTestProb) ? 1 : 0;
      });
    }
    const lowIn = new Float32Array(rows * this.levelInputDim(0));
    for (let r = 0; r < rows; r++) this.levelInput(obsOf(r), st[r]!.goals.subarray(0, k), lowIn, r * this.levelInputDim(0));
    const actions = this.forward(0, lowIn, rows);
    const subgoals = new Float32Array(rows * (levels - 1) * k);
    const attempts = new Float32Array(rows * levels);
    const testing = new Float32Array(rows * levels);
    for (let r = 0; r < rows; r++) {
      const state = st[r]!;
      if (exploring && state.testing[0] === 0) explore(actions.subarray(r * this.actDim, (r + 1) * this.actDim), this.actDim, this.args.actionNoise, this.args.randomActionProb, this.rng);
      state.attempts[0]++;
      subgoals.set(state.goals, r * (levels - 1) * k);
      attempts.set(state.attempts, r * levels);
      testing.set(state.testing, r * levels);
    }
    const target = new Float32Array(rows * k);
    for (let r = 0; r < rows; r++) target.set(st[r]!.goals.subarray(0, k), r * k);
    return { actions, extras: { subgoal: subgoals, subgoal_target: target, attempts, testing, proposed } };
  }

  /** Level i's deterministic actions for `rows` inputs, [rows × output]. */
  private forward(i: number, levelIn: Float32Array, rows: number): Float32Array {
    return tf.tidy(() => this.models[i]!.actor.apply(tf.tensor2d(levelIn, [rows, this.levelInputDim(i)])).dataSync() as Float32Array);
  }

  /** One clipped TD3 update of level i on a batch of its transitions; the losses named by level. */
  updateLevel(i: number, batch: LevelBatch, rows: number): Record<string, number> {
    const inDim = this.levelInputDim(i);
    const t = {
      obs: tf.tensor2d(batch.obs, [rows, inDim]),
      action: tf.tensor2d(batch.action, [rows, this.levelOutputDim(i)]),
      reward: tf.tensor1d(batch.reward),
      nextObs: tf.tensor2d(batch.nextObs, [rows, inDim]),
      discount: tf.tensor1d(batch.discount),
    };
    try {
      const r = hacUpdate(this.models[i]!, t, this.config, this.horizon);
      return { [`level${i}_critic_loss`]: r.criticLoss, ...(r.actorLoss === undefined ? {} : { [`level${i}_actor_loss`]: r.actorLoss }) };
    } finally {
      tf.dispose(Object.values(t));
    }
  }

  makeLearner(context: LearnerContext): Learner {
    return new HacLearner(this, context);
  }

  checkpointContents(): CheckpointContents {
    const networks: CheckpointContents["networks"] = {};
    const optimizers: NonNullable<CheckpointContents["optimizers"]> = {};
    const meta: unknown[] = [];
    this.models.forEach((model, i) => {
      const c = td3CheckpointContents(model);
      for (const [name, net] of Object.entries(c.networks)) networks[`level${i}_${name}`] = net;
      for (const [name, opt] of Object.entries(c.optimizers ?? {})) optimizers[`level${i}_${name}`] = opt;
      meta.push(c.meta);
    });
    return { networks, optimizers, meta: { levels: meta, rng: rngStateToJson(this.rng.state()) } };
  }

  restoreMeta(meta: unknown): void {
    const m = meta as { levels: Array<{ updates: number; noiseRng: Array<number | null> }>; rng: Array<number | null> };
    if (m.levels.length !== this.levels) throw new Error(`hac: the checkpoint has ${m.levels.length} levels, this agent ${this.levels}`);
    this.models.forEach((model, i) => {
      model.updates = m.levels[i]!.updates;
      model.noiseRng.setState(rngStateFromJson(m.levels[i]!.noiseRng));
    });
    this.rng.setState(rngStateFromJson(m.rng));
  }

  dispose(): void {
    for (const model of this.models) disposeTd3Model(model);
  }
}

/** A level's transitions: inputs, actions in [−1, 1], rewards, next inputs, bootstrap multipliers (γ, or 0). */
export interface LevelBatch {
  readonly obs: Float32Array;
  readonly action: Float32Array;
  readonly reward: Float32Array;
  readonly nextObs: Float32Array;
  readonly discount: Float32Array;
}

// ---------------------------------------------------------------- the learner

type LevelFields = { obs: number; action: number; reward: number; nextObs: number; discount: number };
/**
 * The top level's rows with a learned reward: the env step that ended the
 * action (its observation, env action, and the achieved goal after it; its
 * next observation leads `nextObs`) and whether the model scores the row (1)
 * or it keeps its stored reward (0: a subgoal penalty).
 */
type ScoredFields = LevelFields & { lastObs: number; lastAction: number; achieved: number; scored: number };

/** The env step that ended a top-level action: what a learned reward judges. */
interface LastStep {
  readonly obs: Float32Array;
  readonly action: Float32Array;
  readonly achieved: Float32Array;
}

/** An action of one level in flight for one env: where it began, the goal it served, what was proposed. */
interface OpenAction {
  readonly obs: Float32Array;
  readonly goal: Float32Array;
  /** Level 0: the env action; above: the proposed subgoal as an action in [−1, 1]. */
  readonly action: Float32Array;
  /** The proposed subgoal is under test. */
  readonly tested: boolean;
}

/** A finished action in a level's attempt sequence, kept for hindsight goals. */
interface LivedAction {
  readonly obs: Float32Array;
  /** The hindsight action. */
  readonly action: Float32Array;
  readonly nextObs: Float32Array;
  /** What it achieved in its level's goal space: the first k entries of s' (the top level: the achieved goal). */
  readonly achieved: Float32Array;
  readonly terminated: boolean;
  /** The top level's: the env step that ended it (kept for a learned reward). */
  readonly last: LastStep | undefined;
}

/**
 * HAC's storage and schedule: one replay per level. Every collected step
 * closes level 0's action and those of the levels whose level below returned
 * (`levelsReturning` on the step's next state, as `act` will pop them; all of
 * them when the episode ends), storing the hindsight action and subgoal
 * penalty transitions; every ended attempt sequence adds its hindsight goal
 * transitions. After each of the top level's finished sequences,
 * `updatesPerEpisode` updates per level are due (run from --learning-starts
 * on, each on --batch-size rows). Actions and sequences in flight are not
 * checkpointed: a resumed run starts its episodes anew, as the collector does.
 */
export class HacLearner implements Learner {
  /** One replay per level, level 0 first (read-only outside the learner: tests, inspection). */
  readonly replays: readonly (ReplayBuffer<LevelFields> | ReplayBuffer<ScoredFields>)[];
  /** The top level's replay with a learned reward (the same object as the last of `replays`). */
  private readonly scoredTop: ReplayBuffer<ScoredFields> | undefined;
  private readonly onlineReward: OnlineRewardModel | undefined;
  private readonly open: Array<Array<OpenAction | undefined>>;
  private readonly sequences: LivedAction[][][];
  private readonly schedule: OffPolicySchedule;
  private readonly encoder: InputEncoder;
  private readonly rng: Rng;
  /** Updates per level due. */
  private due = 0;
  private subgoalsFinished = 0;
  private subgoalsReached = 0;
  private penalties = 0;
  private topSequences = 0;

  constructor(
    readonly agent: Hac,
    context: LearnerContext,
  ) {
    const { schedule, encoder } = context;
    checkOwnLearnerContext("hac", context, { her: "relabels its own goals and actions (hindsight goal and action transitions)", rawInputs: "its subgoals are absolute states" });
    if (!encoder.layout.goalConditioned) throw new Error("hac needs a goal-conditioned task (observation, achieved_goal, desired_goal)");
    this.schedule = schedule;
    this.encoder = encoder;
    this.rng = context.rng;
    const a = agent;
    const capacity = Math.min(schedule.bufferSize, 1_000_000);
    const fields = (i: number): LevelFields => ({ obs: a.levelInputDim(i), action: a.levelOutputDim(i), reward: 1, nextObs: a.levelInputDim(i), discount: 1 });
    this.onlineReward = context.onlineReward;
    this.scoredTop = this.onlineReward
      ? new ReplayBuffer<ScoredFields>({ ...fields(a.top), lastObs: a.obsDim, lastAction: a.actDim, achieved: encoder.layout.goalSize, scored: 1 }, capacity)
      : undefined;
    this.replays = Array.from({ length: a.levels }, (_, i) => (i === a.top && this.scoredTop ? this.scoredTop : new ReplayBuffer(fields(i), capacity)));
    this.open = Array.from({ length: context.envs }, () => Array.from({ length: a.levels }, () => undefined));
    this.sequences = Array.from({ length: context.envs }, () => Array.from({ length: a.levels }, () => []));
  }

  /** HAC explores with its own networks and noise from the start: a uniform action has no subgoal. */
  randomActions(): boolean {
    return false;
  }

  observe(step: CollectedStep): void {
    const a = this.agent;
    const { levels, k, obsDim, actDim } = a;
    const layout = this.encoder.layout;
    const goalDim = layout.goalSize;
    const obs = layout.observation(step.obs);
    const next = layout.observation(step.nextObs);
    const desired = layout.desiredGoal(step.obs);
    const achieved = layout.achievedGoal(step.nextObs);
    const extra = (name: string, size: number) => {
      const v = step.extras[name];
      if (!v || v.length !== step.envs * size) throw new Error(`hac: expected extras.${name} (${size} per env) with every collected step`);
      return v;
    };
    const goals = extra("subgoal", (levels - 1) * k);
    const attempts = extra("attempts", levels);
    const testing = extra("testing", levels);
    const proposed = extra("proposed", levels);
    for (let i = 0; i < step.envs; i++) {
      const s = obs.subarray(i * obsDim, (i + 1) * obsDim);
      const s2 = next.subarray(i * obsDim, (i + 1) * obsDim);
      const rowGoals = goals.subarray(i * (levels - 1) * k, (i + 1) * (levels - 1) * k);
      const rowAttempts = attempts.subarray(i * levels, (i + 1) * levels);
      for (let j = 0; j < levels; j++) {
        if (proposed[i * levels + j] !== 1) continue;
        const goal = j === a.top ? desired.subarray(i * goalDim, (i + 1) * goalDim) : rowGoals.subarray(j * k, (j + 1) * k);
        const action = j === 0 ? step.actions.subarray(i * actDim, (i + 1) * actDim) : a.toAction(rowGoals.subarray((j - 1) * k, j * k));
        this.open[i]![j] = { obs: s.slice(), goal: goal.slice(), action: action.slice(), tested: j > 0 && testing[i * levels + j - 1] === 1 };
      }
      const ended = step.status[i] !== StepStatus.RUNNING;
      const terminated = step.status[i] === StepStatus.TERMINATED;
      const m = ended ? levels : levelsReturning(rowGoals, rowAttempts, s2, a.threshold, a.horizon);
      const ag = achieved.subarray(i * goalDim, (i + 1) * goalDim);
      const last = this.scoredTop ? { obs: s.slice(), action: step.actions.slice(i * actDim, (i + 1) * actDim), achieved: ag.slice() } : undefined;
      // Level j's action finished when level j − 1 returned (level 0's always); level j returned when j < m.
      for (let j = 0; j <= Math.min(m, a.top); j++) {
        this.closeAction(i, j, s2, ag, step.isSuccess[i] === 1, terminated, rowGoals, rowAttempts, j === a.top ? last : undefined);
        if (j < m) this.endSequence(i, j);
      }
      if (m === levels) {
        this.topSequences++;
        this.due += a.args.updatesPerEpisode;
      }
    }
  }

  /** Stores the hindsight action (and subgoal penalty) transition of env i's level-j action, ending in s'. */
  private closeAction(i: number, j: number, s2: Float32Array, ag: Float32Array, success: boolean, terminated: boolean, goals: Float32Array, attempts: Float32Array, last: LastStep | undefined): void {
    const a = this.agent;
    const rec = this.open[i]![j];
    if (!rec) return;
    this.open[i]![j] = undefined;
    const reached = j < a.top ? subgoalReached(rec.goal, s2, a.threshold) : success;
    let action = rec.action;
    if (j > 0) {
      const subgoal = goals.subarray((j - 1) * a.k, j * a.k);
      const hit = subgoalReached(subgoal, s2, a.threshold);
      this.subgoalsFinished++;
      if (hit) this.subgoalsReached++;
      // Hindsight action: the subgoal level j − 1 actually achieved, when it missed the one proposed.
      else action = a.toAction(s2);
      if (rec.tested && !hit && attempts[j - 1]! >= a.horizon) {
        this.store(j, rec.obs, rec.goal, rec.action, -a.horizon, s2, 0);
        this.penalties++;
      }
    }
    this.store(j, rec.obs, rec.goal, action, reached ? 0 : -1, s2, reached || terminated ? 0 : a.args.gamma, last);
    const achieved = j < a.top ? s2.slice(0, a.k) : ag.slice();
    this.sequences[i]![j]!.push({ obs: rec.obs, action, nextObs: s2.slice(), achieved, terminated, last });
  }

  /** Env i's level j ended an attempt sequence: its hindsight goal transitions. */
  private endSequence(i: number, j: number): void {
    const a = this.agent;
    const seq = this.sequences[i]![j]!;
    this.sequences[i]![j] = [];
    const indices = hindsightGoalIndices(seq.length, a.args.hindsightGoals, this.rng);
    const reached = j < a.top ? (g: ArrayLike<number>, x: ArrayLike<number>) => subgoalReached(g, x, a.threshold) : (g: ArrayLike<number>, x: ArrayLike<number>) => goalReached(g, x, a.args.goalThreshold);
    for (const t of hindsightGoalTransitions(seq.map((l) => l.achieved), indices, reached)) {
      const lived = seq[t.step]!;
      this.store(j, lived.obs, seq[t.goal]!.achieved, lived.action, t.reward, lived.nextObs, t.reached || lived.terminated ? 0 : a.args.gamma, lived.last);
    }
  }

  /** Stores one row of level j; `last` (the top level's rows with a learned reward) marks it for scoring. */
  private store(j: number, s: Float32Array, goal: Float32Array, action: Float32Array, reward: number, s2: Float32Array, discount: number, last?: LastStep): void {
    const a = this.agent;
    const inDim = a.levelInputDim(j);
    const obs = new Float32Array(inDim);
    const nextObs = new Float32Array(inDim);
    a.levelInput(s, goal, obs);
    a.levelInput(s2, goal, nextObs);
    if (j === a.top && this.scoredTop) {
      // A subgoal penalty (no `last`) keeps its −H; the scoring context is then unused zeros.
      const lastObs = last?.obs ?? new Float32Array(a.obsDim);
      const lastAction = last?.action ?? new Float32Array(a.actDim);
      const achieved = last?.achieved ?? new Float32Array(this.encoder.layout.goalSize);
      this.scoredTop.add({ obs, action, reward, nextObs, discount, lastObs, lastAction, achieved, scored: last ? 1 : 0 });
    } else {
      // Every replay but a scored top level has exactly the level fields.
      (this.replays[j] as ReplayBuffer<LevelFields>).add({ obs, action, reward, nextObs, discount });
    }
  }

  /** Rewards of the sampled top-level rows marked for scoring: the learned model on each row's last env step and goal. */
  private scoreTop(b: Batch<ScoredFields>, rows: number, model: OnlineRewardModel): void {
    const { obsDim } = this.agent;
    const inDim = this.agent.levelInputDim(this.agent.top);
    const goalDim = inDim - obsDim;
    const nextObs = new Float32Array(rows * obsDim);
    const desiredGoal = new Float32Array(rows * goalDim);
    for (let r = 0; r < rows; r++) {
      nextObs.set(b.nextObs.subarray(r * inDim, r * inDim + obsDim), r * obsDim);
      desiredGoal.set(b.obs.subarray(r * inDim + obsDim, (r + 1) * inDim), r * goalDim);
    }
    const scores = new Float32Array(rows);
    model.rewards({ obs: b.lastObs, action: b.lastAction, nextObs, achievedGoal: b.achieved, desiredGoal }, scores);
    for (let r = 0; r < rows; r++) if (b.scored[r] === 1) b.reward[r] = scores[r]!;
  }

  cut(): void {
    // The cut episodes' actions and sequences are dropped: their next states are unknown.
    for (const row of this.open) row.fill(undefined);
    for (const row of this.sequences) for (let j = 0; j < row.length; j++) row[j] = [];
  }

  train(envStep: number): Record<string, number> | undefined {
    if (envStep < this.schedule.learningStarts) {
      this.due = 0;
      return undefined;
    }
    const rows = this.schedule.batchSize;
    let losses: Record<string, number> | undefined;
    if (this.due >= 1) this.onlineReward?.maybeTrain();
    for (; this.due >= 1; this.due--) {
      this.replays.forEach((replay, j) => {
        if (replay.size < rows) return;
        if (replay === this.scoredTop) {
          const b = this.scoredTop.sample(rows, this.rng);
          this.scoreTop(b, rows, this.onlineReward!);
          losses = { ...losses, ...this.agent.updateLevel(j, b, rows) };
          return;
        }
        const b = replay.sample(rows, this.rng);
        losses = { ...losses, ...this.agent.updateLevel(j, b, rows) };
      });
    }
    return losses;
  }

  stats(): Record<string, number> {
    return {
      ...Object.fromEntries(this.replays.map((r, j) => [`level${j}_replay_size`, r.size])),
      top_sequences: this.topSequences,
      subgoal_penalties: this.penalties,
      // The share of finished subgoals (every level above 0) that the level below reached.
      ...(this.subgoalsFinished > 0 ? { subgoal_hit_rate: this.subgoalsReached / this.subgoalsFinished } : {}),
    };
  }

  state(): unknown {
    return { due: this.due, topSequences: this.topSequences, penalties: this.penalties, subgoalsFinished: this.subgoalsFinished, subgoalsReached: this.subgoalsReached };
  }

  serializeStorage(full: boolean): Uint8Array | undefined {
    if (!full) return undefined;
    return packArrays({ format: "simbridge.HacStorage", levels: this.replays.length }, Object.fromEntries(this.replays.map((r, j) => [`level${j}`, r.serialize()])));
  }

  restore(state: unknown, storage: Uint8Array | undefined): void {
    const s = (state ?? {}) as Partial<{ due: number; topSequences: number; penalties: number; subgoalsFinished: number; subgoalsReached: number }>;
    this.due = s.due ?? 0;
    this.topSequences = s.topSequences ?? 0;
    this.penalties = s.penalties ?? 0;
    this.subgoalsFinished = s.subgoalsFinished ?? 0;
    this.subgoalsReached = s.subgoalsReached ?? 0;
    if (!storage) return;
    const { header, arrays } = unpackArrays(storage);
    if (header["levels"] !== this.replays.length) throw new Error(`hac: the saved storage has ${String(header["levels"])} levels, this learner ${this.replays.length}`);
    this.replays.forEach((r, j) => r.restore(arrays[`level${j}`] as Uint8Array));
  }
}
