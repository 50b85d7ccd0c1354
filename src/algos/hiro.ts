/**
 * HIRO — HIerarchical Reinforcement learning with Off-policy correction.
 * Nachum, Gu, Lee & Levine (2018), "Data-Efficient Hierarchical Reinforcement
 * Learning", https://arxiv.org/abs/1805.08296; reference code
 * tensorflow/models `research/efficient-hrl` (facts: ../shared/reference).
 *
 * Two TD3 levels (td3.ts's model and update, unchanged):
 * - the high level reads [s, desired goal] every `period` (c) steps and emits
 *   a subgoal g ∈ [−range, range]^k: a wished-for change of the first k
 *   observation entries (x, y by default: tasks put the position first);
 * - the low level reads [s (its first `lowZeroDims` entries zeroed: x, y),
 *   g_t] every step and acts. Between two high-level decisions the subgoal
 *   follows the state so that it keeps naming the same absolute target:
 *
 *     g_{t+1} = s_t + g_t − s_{t+1}                          (goal transition, first k dims)
 *     r_lo    = −‖s_t + g_t − s_{t+1}‖                        (intrinsic: states only, never the env)
 *     R_hi    = highRewardScale · Σ_{c steps} r_env           (0.1 in the paper)
 *
 * Off-policy correction (the paper's §3.3): the low level keeps learning, so a
 * stored high-level transition (s_t, g_t, R, s_{t+c}) no longer says what g_t
 * makes the low level do now. Each sampled high-level row is relabelled with
 * the candidate g̃ under which the *current* low policy most likely produced
 * the stored low-level actions:
 *
 *     candidates: g_t, s_{t+c} − s_t, and 8 draws of N(s_{t+c} − s_t, (½·range)²), all clipped to ±range
 *     g̃_i = s_t + g̃ − s_{t+i}                                (the candidate carried by the goal transition)
 *     pick argmax_g̃ −Σ_i ‖a_i − π_lo(s_i, g̃_i)‖²             (actions in [−1, 1]: the half-range is 1)
 *
 * `correction: 0` samples the stored g_t unchanged (the paper's ablation).
 *
 * Black box (`--reward gahil --black-box`): no env reward reaches the learner;
 * the high level's R sums the learned reward model's rewards over its c steps
 * instead, scored afresh every time a segment is sampled (the model trains as
 * the agent lives: a stored score would go stale). The low level's intrinsic
 * reward never needed the env.
 *
 * HIRO feeds its networks raw observations (the goal transition is arithmetic
 * on states): the registry declares `rawInput`, so the run's encoder does not
 * normalise for it. During the run's warm-up (`--learning-starts`) HIRO acts
 * with its untrained networks and their noise rather than uniformly at random:
 * a uniform action has no subgoal to learn from.
 *
 * The file reads top to bottom: the arguments, the arithmetic of the levels
 * (goal transition, intrinsic reward, correction candidates and choice — pure
 * functions, unit-tested by hand), the agent (acting, updates, correction),
 * then its learner (one replay and one update schedule per level).
 */
import * as tf from "@tensorflow/tfjs";
import { Rng, rngStateFromJson, rngStateToJson } from "../core/rng.js";
import { StepStatus } from "../env/task.js";
import type { CheckpointContents } from "../nn/save-load.js";
import { packArrays, unpackArrays } from "../replay/bytes.js";
import { ReplayBuffer, type Batch } from "../replay/replay-buffer.js";
import type { CollectedStep } from "../train/collector.js";
import type { InputEncoder } from "../train/input-encoder.js";
import type { OnlineRewardModel } from "../reward/online-reward.js";
import type { Learner } from "../train/learner.js";
import type { OffPolicySchedule } from "../train/off-policy-learner.js";
import { checkInput, checkOwnLearnerContext, type ActMode, type ActResult, type AgentShape, type OwnLearnerAgent, type LearnerContext } from "./agent.js";
import { explore } from "./exploration.js";
import { createTd3Model, disposeTd3Model, td3CheckpointContents, td3Update, type Td3Config, type Td3Model } from "./td3.js";

// ---------------------------------------------------------------- arguments

export interface HiroArgs {
  /** Hidden layer sizes of both levels' actors and critics (the paper: 300-300). */
  readonly hidden: readonly number[];
  /** Adam learning rate of both actors. */
  readonly actorLr: number;
  /** Adam learning rate of both critics. */
  readonly criticLr: number;
  /** Discount γ of both levels (the high level's step is c env steps). */
  readonly gamma: number;
  /** Polyak rate τ of the target networks. */
  readonly tau: number;
  /** TD3's target policy smoothing noise and its clip. */
  readonly policyNoise: number;
  readonly noiseClip: number;
  /** Actor and targets update every policyDelay-th critic update. */
  readonly policyDelay: number;
  /** c: env steps per high-level decision. */
  readonly period: number;
  /** Half-range of each subgoal dimension; its length is k, the subgoal's size (the first k observation entries). */
  readonly subgoalRange: readonly number[];
  /** Leading observation entries the low level does not see (x, y: its subgoal is relative). */
  readonly lowZeroDims: number;
  /** Std of the low level's Gaussian exploration, in action units ([−1, 1]). */
  readonly lowNoise: number;
  /** Std of the high level's Gaussian exploration, as a fraction of the subgoal range. */
  readonly highNoise: number;
  /** The high level's reward is this times the env rewards summed over its c steps. */
  readonly highRewardScale: number;
  /** 1: off-policy correction of sampled subgoals; 0: train on the stored subgoals. */
  readonly correction: number;
  /** Correction candidates per row: the original, s_{t+c} − s_t, and candidates − 2 Gaussian draws. */
  readonly candidates: number;
}

/** The paper's settings (efficient-hrl base_uvf.gin / train_uvf.gin, hiro_xy.gin's 2-D subgoals). */
export const HIRO_ARGS: HiroArgs = Object.freeze({
  hidden: [300, 300],
  actorLr: 1e-4,
  criticLr: 1e-3,
  gamma: 0.99,
  tau: 0.005,
  policyNoise: 0.2,
  noiseClip: 0.5,
  policyDelay: 2,
  period: 10,
  subgoalRange: [10, 10],
  lowZeroDims: 2,
  lowNoise: 0.1,
  highNoise: 0.1,
  highRewardScale: 0.1,
  correction: 1,
  candidates: 10,
});

// ---------------------------------------------------------------- the levels' arithmetic

/** g' = s + g − s' on the first k entries (the subgoal keeps naming the target s + g). */
export function goalTransition(s: ArrayLike<number>, g: ArrayLike<number>, next: ArrayLike<number>, out: Float32Array = new Float32Array(g.length)): Float32Array {
  for (let d = 0; d < g.length; d++) out[d] = s[d]! + g[d]! - next[d]!;
  return out;
}

/** The low level's reward −‖s + g − s'‖ over the first k entries (efficient-hrl's ε 1e-10 inside the root). */
export function intrinsicReward(s: ArrayLike<number>, g: ArrayLike<number>, next: ArrayLike<number>): number {
  let sum = 1e-10;
  for (let d = 0; d < g.length; d++) sum += (s[d]! + g[d]! - next[d]!) ** 2;
  return -Math.sqrt(sum);
}

/**
 * Correction candidates for one row, [count × k]: the original subgoal, the
 * achieved change `delta` = s_{t+c} − s_t, then count − 2 draws of
 * N(delta, (½·range)²); every candidate clipped to ±range.
 */
export function subgoalCandidates(original: ArrayLike<number>, delta: ArrayLike<number>, range: readonly number[], count: number, rng: Rng): Float32Array {
  const k = range.length;
  const out = new Float32Array(count * k);
  for (let j = 0; j < count; j++) {
    for (let d = 0; d < k; d++) {
      const r = range[d]!;
      const v = j === 0 ? original[d]! : j === 1 ? delta[d]! : delta[d]! + 0.5 * r * rng.normal();
      out[j * k + d] = Math.max(-r, Math.min(r, v));
    }
  }
  return out;
}

/**
 * Per row, the candidate whose predicted low-level actions are closest to the
 * stored ones: argmax_j −Σ_{i < length} ‖actions_i − predicted_{j,i}‖².
 * `predicted` is [rows × count × period × actDim], `actions` [rows × period ×
 * actDim]; steps at or beyond a row's length are ignored. Ties keep the
 * earlier candidate (the original first).
 */
export function bestCandidates(predicted: Float32Array, actions: Float32Array, lengths: ArrayLike<number>, count: number, period: number, actDim: number): Int32Array {
  const rows = lengths.length;
  const best = new Int32Array(rows);
  for (let b = 0; b < rows; b++) {
    let bestFit = -Infinity;
    for (let j = 0; j < count; j++) {
      let fit = 0;
      for (let i = 0; i < lengths[b]!; i++) {
        const p = ((b * count + j) * period + i) * actDim;
        const a = (b * period + i) * actDim;
        for (let d = 0; d < actDim; d++) fit -= (actions[a + d]! - predicted[p + d]!) ** 2;
      }
      if (fit > bestFit) {
        bestFit = fit;
        best[b] = j;
      }
    }
  }
  return best;
}

// ---------------------------------------------------------------- the agent

/** Per env: the subgoal being pursued and what its transition needs. */
export interface HiroState {
  /** g_t, relative to the current state (raw units), k entries. */
  subgoal: Float32Array;
  /** The first k entries of the state the subgoal was last carried to. */
  last: Float32Array;
  /** Low-level steps left before the high level decides again (0: decide now). */
  stepsLeft: number;
}

/** A level's transitions: inputs, actions in [−1, 1] (the high level's: subgoal / range), rewards, next inputs, TERMINATED flags. */
export interface LevelBatch {
  readonly obs: Float32Array;
  readonly action: Float32Array;
  readonly reward: Float32Array;
  readonly nextObs: Float32Array;
  readonly terminated: Float32Array;
}

/** The high level's stored segment as the correction reads it (raw units). */
export interface SegmentBatch {
  readonly rows: number;
  /** The subgoal the high level chose, [rows × k]. */
  readonly subgoal: Float32Array;
  /** s_t … s_{t+c−1}, [rows × period × obsDim] (rows shorter than c are zero-padded). */
  readonly states: Float32Array;
  /** a_t … a_{t+c−1} in [−1, 1], [rows × period × actDim]. */
  readonly actions: Float32Array;
  /** Steps in each segment (c, or fewer at an episode's end), [rows]. */
  readonly length: Float32Array;
  /** s_{t+c} (the state after the segment's last step), [rows × obsDim]. */
  readonly endState: Float32Array;
}

export class Hiro implements OwnLearnerAgent<HiroState> {
  readonly name = "hiro";
  readonly kind = "hierarchical";
  readonly inputDim: number;
  readonly actDim: number;
  /** Observation entries of the input (the rest is the desired goal). */
  readonly obsDim: number;
  /** Subgoal size k. */
  readonly k: number;
  readonly lowInputDim: number;
  readonly low: Td3Model;
  readonly high: Td3Model;
  readonly config: Td3Config;
  private readonly rng: Rng;

  constructor(shape: AgentShape, readonly args: HiroArgs = HIRO_ARGS) {
    this.inputDim = shape.inputDim;
    this.actDim = shape.actDim;
    this.obsDim = shape.inputDim - (shape.goalDim ?? 0);
    this.k = args.subgoalRange.length;
    if (this.k < 1 || this.k > this.obsDim || args.subgoalRange.some((r) => !(r > 0))) {
      throw new RangeError(`hiro: subgoalRange needs 1 to ${this.obsDim} positive half-ranges (one per leading observation entry), got [${args.subgoalRange.join(", ")}]`);
    }
    if (!Number.isInteger(args.period) || args.period < 1) throw new RangeError(`hiro: period must be a positive integer, got ${args.period}`);
    if (!Number.isInteger(args.lowZeroDims) || args.lowZeroDims < 0 || args.lowZeroDims > this.obsDim) throw new RangeError(`hiro: lowZeroDims must be an integer in [0, ${this.obsDim}], got ${args.lowZeroDims}`);
    if (!Number.isInteger(args.candidates) || args.candidates < 2) throw new RangeError(`hiro: candidates must be an integer ≥ 2 (the original and the achieved change), got ${args.candidates}`);
    if (args.correction !== 0 && args.correction !== 1) throw new RangeError(`hiro: correction is 1 (on) or 0 (off), got ${args.correction}`);
    this.lowInputDim = this.obsDim + this.k;
    const seeds = new Rng(shape.seed);
    const level = (obsDim: number, actDim: number) => createTd3Model({ obsDim, actDim, hidden: args.hidden, actorLr: args.actorLr, criticLr: args.criticLr, seed: seeds.nextSeed() });
    this.low = level(this.lowInputDim, this.actDim);
    this.high = level(this.inputDim, this.k);
    this.rng = new Rng(seeds.nextSeed());
    this.config = { gamma: args.gamma, tau: args.tau, policyNoise: args.policyNoise, noiseClip: args.noiseClip, policyDelay: args.policyDelay };
  }

  get gamma(): number {
    return this.args.gamma;
  }

  initialState(): HiroState {
    return { subgoal: new Float32Array(this.k), last: new Float32Array(this.k), stepsLeft: 0 };
  }

  /** The low level's input for state `s` (obsDim entries) and subgoal `g`, written at `out[offset…]`. */
  lowInput(s: ArrayLike<number>, g: ArrayLike<number>, out: Float32Array, offset = 0): void {
    for (let d = 0; d < this.obsDim; d++) out[offset + d] = d < this.args.lowZeroDims ? 0 : s[d]!;
    for (let d = 0; d < this.k; d++) out[offset + this.obsDim + d] = g[d]!;
  }

  /**
   * The low level's actions; where an env's c steps are up, the high level
   * first picks its next subgoal. `extras.subgoal` is the subgoal each row
   * acted under (relative, raw units: the learner's low-level transition);
   * `extras.subgoal_target` the absolute target s + subgoal, constant within
   * a segment (the collector logs it per episode; watchers draw it).
   */
  act(input: Float32Array, rows: number, mode: ActMode, states?: HiroState[]): ActResult {
    checkInput(input, rows, this.inputDim);
    const st = states ?? Array.from({ length: rows }, () => this.initialState());
    const deciding = st.flatMap((s, r) => (s.stepsLeft === 0 ? [r] : []));
    if (deciding.length > 0) {
      const highIn = new Float32Array(deciding.length * this.inputDim);
      deciding.forEach((r, i) => highIn.set(input.subarray(r * this.inputDim, (r + 1) * this.inputDim), i * this.inputDim));
      const raw = tf.tidy(() => this.high.actor.apply(tf.tensor2d(highIn, [deciding.length, this.inputDim])).dataSync() as Float32Array);
      const chosen = mode === "explore" ? explore(raw, this.k, this.args.highNoise, 0, this.rng) : raw;
      deciding.forEach((r, i) => {
        for (let d = 0; d < this.k; d++) st[r]!.subgoal[d] = chosen[i * this.k + d]! * this.args.subgoalRange[d]!;
        st[r]!.stepsLeft = this.args.period;
      });
    }
    const lowIn = new Float32Array(rows * this.lowInputDim);
    const subgoals = new Float32Array(rows * this.k);
    const targets = new Float32Array(rows * this.k);
    for (let r = 0; r < rows; r++) {
      const s = input.subarray(r * this.inputDim, r * this.inputDim + this.obsDim);
      const state = st[r]!;
      if (state.stepsLeft !== this.args.period) goalTransition(state.last, state.subgoal, s, state.subgoal);
      for (let d = 0; d < this.k; d++) state.last[d] = s[d]!;
      state.stepsLeft--;
      this.lowInput(s, state.subgoal, lowIn, r * this.lowInputDim);
      subgoals.set(state.subgoal, r * this.k);
      for (let d = 0; d < this.k; d++) targets[r * this.k + d] = s[d]! + state.subgoal[d]!;
    }
    const out = tf.tidy(() => this.low.actor.apply(tf.tensor2d(lowIn, [rows, this.lowInputDim])).dataSync() as Float32Array);
    return { actions: mode === "explore" ? explore(out, this.actDim, this.args.lowNoise, 0, this.rng) : out, extras: { subgoal: subgoals, subgoal_target: targets } };
  }

  /** One TD3 update of a level on a batch of stored transitions; the losses named by level. */
  updateLevel(level: "low" | "high", batch: LevelBatch, rows: number): Record<string, number> {
    const model = level === "low" ? this.low : this.high;
    const inDim = level === "low" ? this.lowInputDim : this.inputDim;
    const outDim = level === "low" ? this.actDim : this.k;
    const t = {
      obs: tf.tensor2d(batch.obs, [rows, inDim]),
      action: tf.tensor2d(batch.action, [rows, outDim]),
      reward: tf.tensor1d(batch.reward),
      nextObs: tf.tensor2d(batch.nextObs, [rows, inDim]),
      done: tf.tensor1d(batch.terminated),
    };
    try {
      const r = td3Update(model, t, this.config);
      return { [`${level}_critic_loss`]: r.criticLoss, ...(r.actorLoss === undefined ? {} : { [`${level}_actor_loss`]: r.actorLoss }) };
    } finally {
      tf.dispose(Object.values(t));
    }
  }

  /**
   * The off-policy correction (see the file header): for each row, the
   * candidate subgoal (raw units, [rows × k]) under which the current low
   * policy most likely took the stored actions. All rows' candidates and
   * steps go through the low actor in one forward pass.
   */
  correctSubgoals(seg: SegmentBatch, rng: Rng): Float32Array {
    const { rows } = seg;
    const { k, obsDim, actDim } = this;
    const c = this.args.period;
    const count = this.args.candidates;
    const range = this.args.subgoalRange;
    const candidates: Float32Array[] = [];
    const delta = new Float32Array(k);
    for (let b = 0; b < rows; b++) {
      for (let d = 0; d < k; d++) delta[d] = seg.endState[b * obsDim + d]! - seg.states[b * c * obsDim + d]!;
      candidates.push(subgoalCandidates(seg.subgoal.subarray(b * k, (b + 1) * k), delta, range, count, rng));
    }
    const lowIn = new Float32Array(rows * count * c * this.lowInputDim);
    const g = new Float32Array(k);
    for (let b = 0; b < rows; b++) {
      const s0 = seg.states.subarray(b * c * obsDim, b * c * obsDim + obsDim);
      for (let j = 0; j < count; j++) {
        for (let i = 0; i < seg.length[b]!; i++) {
          const si = seg.states.subarray((b * c + i) * obsDim, (b * c + i + 1) * obsDim);
          // g̃_i = s_t + g̃ − s_{t+i}: the candidate carried i steps by the goal transition.
          goalTransition(s0, candidates[b]!.subarray(j * k, (j + 1) * k), si, g);
          this.lowInput(si, g, lowIn, ((b * count + j) * c + i) * this.lowInputDim);
        }
      }
    }
    const predicted = tf.tidy(() => this.low.actor.apply(tf.tensor2d(lowIn, [rows * count * c, this.lowInputDim])).dataSync() as Float32Array);
    const best = bestCandidates(predicted, seg.actions, seg.length, count, c, actDim);
    const out = new Float32Array(rows * k);
    for (let b = 0; b < rows; b++) out.set(candidates[b]!.subarray(best[b]! * k, (best[b]! + 1) * k), b * k);
    return out;
  }

  makeLearner(context: LearnerContext): Learner {
    return new HiroLearner(this, context);
  }

  checkpointContents(): CheckpointContents {
    const low = td3CheckpointContents(this.low);
    const high = td3CheckpointContents(this.high);
    const prefixed = <T>(prefix: string, r: Record<string, T>) => Object.fromEntries(Object.entries(r).map(([name, v]) => [`${prefix}${name}`, v]));
    return {
      networks: { ...prefixed("low_", low.networks), ...prefixed("high_", high.networks) },
      optimizers: { ...prefixed("low_", low.optimizers ?? {}), ...prefixed("high_", high.optimizers ?? {}) },
      meta: { low: low.meta, high: high.meta, rng: rngStateToJson(this.rng.state()) },
    };
  }

  restoreMeta(meta: unknown): void {
    type LevelMeta = { updates: number; noiseRng: Array<number | null> };
    const m = meta as { low: LevelMeta; high: LevelMeta; rng: Array<number | null> };
    for (const [model, saved] of [[this.low, m.low], [this.high, m.high]] as const) {
      model.updates = saved.updates;
      model.noiseRng.setState(rngStateFromJson(saved.noiseRng));
    }
    this.rng.setState(rngStateFromJson(m.rng));
  }

  dispose(): void {
    disposeTd3Model(this.low);
    disposeTd3Model(this.high);
  }
}

// ---------------------------------------------------------------- the learner

/** The low level's stored transition (sizes per row). */
type LowFields = { obs: number; action: number; reward: number; nextObs: number; terminated: number };
/**
 * The high level's: the transition plus the segment's states, actions and
 * length for the correction, and the achieved goal after each of its steps
 * (what a learned reward scores; one unused value per step for tasks without goals).
 */
type HighFields = LowFields & { states: number; actions: number; length: number; achieved: number };

/** One high-level segment being lived by one env. */
interface OpenSegment {
  length: number;
  reward: number;
  readonly startInput: Float32Array;
  readonly subgoal: Float32Array;
  readonly states: Float32Array;
  readonly actions: Float32Array;
  readonly achieved: Float32Array;
}

/**
 * HIRO's storage and schedule: every collected step becomes a low-level
 * transition (intrinsic reward, goal transition) and, every c steps or at the
 * episode's end, one high-level transition (the segment's start input, the
 * chosen subgoal, the scaled env reward summed over it, the input after it)
 * stored with the segment's states and actions for the correction. After
 * `learningStarts` env steps, `updatesPerStep × envs` low-level updates per
 * vector step and 1/c as many high-level ones (fractions carried over), each
 * on `batchSize` rows. Segments in flight are not checkpointed: a resumed run
 * starts its episodes anew, as the collector does.
 */
export class HiroLearner implements Learner {
  /** The low level's replay (read-only outside the learner: tests, inspection). */
  readonly lowReplay: ReplayBuffer<LowFields>;
  /** The high level's replay, with each segment's states and actions for the correction. */
  readonly highReplay: ReplayBuffer<HighFields>;
  private readonly segments: OpenSegment[];
  private readonly schedule: OffPolicySchedule;
  private readonly encoder: InputEncoder;
  private readonly rng: Rng;
  /** The learned reward (GAHIL) when the env's is withheld; it scores the high level's segments. */
  private readonly onlineReward: OnlineRewardModel | undefined;
  private readonly goalDim: number;
  private lowCarry = 0;
  private highCarry = 0;
  private corrections = 0;
  /** The latest loss of each level, by name. */
  private readonly lastLosses: Record<string, number> = {};
  private correctedChanged = 0;

  constructor(
    readonly agent: Hiro,
    context: LearnerContext,
  ) {
    const { schedule, encoder } = context;
    checkOwnLearnerContext("hiro", context, { her: "relabels its own subgoals (off-policy correction) and trains the high level on env rewards", rawInputs: "its goal transition is arithmetic on states" });
    this.schedule = schedule;
    this.encoder = encoder;
    this.rng = context.rng;
    this.onlineReward = context.onlineReward;
    this.goalDim = encoder.goalDim;
    const a = agent;
    const c = a.args.period;
    this.lowReplay = new ReplayBuffer({ obs: a.lowInputDim, action: a.actDim, reward: 1, nextObs: a.lowInputDim, terminated: 1 }, Math.min(schedule.bufferSize, 1_000_000));
    this.highReplay = new ReplayBuffer(
      { obs: a.inputDim, action: a.k, reward: 1, nextObs: a.inputDim, terminated: 1, states: c * a.obsDim, actions: c * a.actDim, length: 1, achieved: c * Math.max(1, encoder.goalDim) },
      Math.max(1, Math.ceil(Math.min(schedule.bufferSize, 1_000_000) / c)),
    );
    this.segments = Array.from({ length: context.envs }, () => this.newSegment());
  }

  private newSegment(): OpenSegment {
    const a = this.agent;
    const c = a.args.period;
    return {
      length: 0,
      reward: 0,
      startInput: new Float32Array(a.inputDim),
      subgoal: new Float32Array(a.k),
      states: new Float32Array(c * a.obsDim),
      actions: new Float32Array(c * a.actDim),
      achieved: new Float32Array(c * Math.max(1, this.encoder.goalDim)),
    };
  }

  /** HIRO acts with its own (noisy, untrained) networks from the start: a uniform action has no subgoal. */
  randomActions(): boolean {
    return false;
  }

  observe(step: CollectedStep): void {
    if (!step.reward && !this.onlineReward) throw new Error("hiro: the step carries no env reward (a black box?); train with --reward gahil to learn one");
    const a = this.agent;
    const { obsDim, actDim, k } = a;
    const layout = this.encoder.layout;
    const obs = layout.observation(step.obs);
    const next = layout.observation(step.nextObs);
    const nextAchieved = layout.goalConditioned ? layout.achievedGoal(step.nextObs) : undefined;
    const subgoals = step.extras["subgoal"];
    if (!subgoals || subgoals.length !== step.envs * k) throw new Error(`hiro: expected the acting subgoal (extras.subgoal, ${k} per env) with every collected step`);
    const lowIn = new Float32Array(a.lowInputDim);
    const lowNext = new Float32Array(a.lowInputDim);
    const g2 = new Float32Array(k);
    for (let i = 0; i < step.envs; i++) {
      const s = obs.subarray(i * obsDim, (i + 1) * obsDim);
      const s2 = next.subarray(i * obsDim, (i + 1) * obsDim);
      const g = subgoals.subarray(i * k, (i + 1) * k);
      const action = step.actions.subarray(i * actDim, (i + 1) * actDim);
      const terminated = step.status[i] === StepStatus.TERMINATED ? 1 : 0;
      a.lowInput(s, g, lowIn);
      a.lowInput(s2, goalTransition(s, g, s2, g2), lowNext);
      this.lowReplay.add({ obs: lowIn, action, reward: intrinsicReward(s, g, s2), nextObs: lowNext, terminated });

      const seg = this.segments[i]!;
      if (seg.length === 0) {
        seg.startInput.set(step.input.subarray(i * a.inputDim, (i + 1) * a.inputDim));
        seg.subgoal.set(g);
      }
      seg.states.set(s, seg.length * obsDim);
      seg.actions.set(action, seg.length * actDim);
      // The env's reward, unless it is learned: then it is scored when the segment is sampled.
      if (!this.onlineReward) seg.reward += step.reward![i]!;
      if (nextAchieved) seg.achieved.set(nextAchieved.subarray(i * this.goalDim, (i + 1) * this.goalDim), seg.length * this.goalDim);
      seg.length++;
      const ended = step.status[i] !== StepStatus.RUNNING;
      if (seg.length === a.args.period || ended) this.closeSegment(i, step.nextObs, terminated);
    }
  }

  /** Stores env i's segment as one high-level transition, ending in row i of `nextObs`. */
  private closeSegment(i: number, nextObs: readonly Float32Array[], terminated: number): void {
    const a = this.agent;
    const seg = this.segments[i]!;
    const row = nextObs.map((o) => o.subarray((o.length / this.segments.length) * i, (o.length / this.segments.length) * (i + 1)));
    const nextInput = this.encoder.encodeAll(row, 1);
    const action = Float32Array.from(seg.subgoal, (g, d) => Math.max(-1, Math.min(1, g / a.args.subgoalRange[d]!)));
    this.highReplay.add({
      obs: seg.startInput,
      action,
      reward: a.args.highRewardScale * seg.reward,
      nextObs: nextInput,
      terminated,
      states: seg.states,
      actions: seg.actions,
      length: seg.length,
      achieved: seg.achieved,
    });
    seg.states.fill(0);
    seg.actions.fill(0);
    seg.achieved.fill(0);
    seg.length = 0;
    seg.reward = 0;
  }

  cut(): void {
    // The cut episodes' segments are dropped: their next state is unknown.
    for (const seg of this.segments) {
      seg.length = 0;
      seg.reward = 0;
    }
  }

  train(envStep: number): Record<string, number> | undefined {
    if (envStep < this.schedule.learningStarts) return undefined;
    const rows = this.schedule.batchSize;
    const rate = this.schedule.updatesPerStep * this.segments.length;
    this.onlineReward?.maybeTrain();
    let ran = false;
    this.lowCarry += rate;
    for (; this.lowCarry >= 1 && this.lowReplay.size >= rows; this.lowCarry--) {
      const b = this.lowReplay.sample(rows, this.rng);
      Object.assign(this.lastLosses, this.agent.updateLevel("low", transitions(b), rows));
      ran = true;
    }
    this.lowCarry %= 1;
    this.highCarry += rate / this.agent.args.period;
    for (; this.highCarry >= 1 && this.highReplay.size >= rows; this.highCarry--) {
      const b = this.highReplay.sample(rows, this.rng);
      if (this.onlineReward) this.scoreSegments(b, rows, this.onlineReward);
      if (this.agent.args.correction === 1) this.correct(b, rows);
      Object.assign(this.lastLosses, this.agent.updateLevel("high", transitions(b), rows));
      ran = true;
    }
    this.highCarry %= 1;
    // Both levels' latest losses (the high level updates c times less often than the low).
    return ran ? { ...this.lastLosses } : undefined;
  }

  /**
   * R = highRewardScale · Σ_i model(step i of the segment), for each sampled
   * row: the learned reward judges the achieved goal after each step against
   * the desired goal of the segment's start (its context: s_i, a_i, s_{i+1}).
   */
  private scoreSegments(b: Batch<HighFields>, rows: number, model: OnlineRewardModel): void {
    const { obsDim, actDim, inputDim } = this.agent;
    const c = this.agent.args.period;
    const g = this.goalDim;
    let n = 0;
    for (let r = 0; r < rows; r++) n += b.length[r]!;
    const obs = new Float32Array(n * obsDim);
    const nextObs = new Float32Array(n * obsDim);
    const action = new Float32Array(n * actDim);
    const achievedGoal = new Float32Array(n * g);
    const desiredGoal = new Float32Array(n * g);
    let row = 0;
    for (let r = 0; r < rows; r++) {
      const length = b.length[r]!;
      for (let i = 0; i < length; i++, row++) {
        const at = (r * c + i) * obsDim;
        obs.set(b.states.subarray(at, at + obsDim), row * obsDim);
        // s_{i+1}: the segment's next stored state, or the state after its last step.
        nextObs.set(i + 1 < length ? b.states.subarray(at + obsDim, at + 2 * obsDim) : b.nextObs.subarray(r * inputDim, r * inputDim + obsDim), row * obsDim);
        action.set(b.actions.subarray((r * c + i) * actDim, (r * c + i + 1) * actDim), row * actDim);
        achievedGoal.set(b.achieved.subarray((r * c + i) * g, (r * c + i + 1) * g), row * g);
        desiredGoal.set(b.obs.subarray(r * inputDim + obsDim, (r + 1) * inputDim), row * g);
      }
    }
    const scores = new Float32Array(n);
    model.rewards({ obs, action, nextObs, achievedGoal, desiredGoal }, scores);
    row = 0;
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let i = 0; i < b.length[r]!; i++) sum += scores[row++]!;
      b.reward[r] = this.agent.args.highRewardScale * sum;
    }
  }

  /** Replaces each sampled row's subgoal (as a [−1, 1] action) by the corrected one. */
  private correct(b: Batch<HighFields>, rows: number): void {
    const a = this.agent;
    const { k, obsDim } = a;
    const range = a.args.subgoalRange;
    const subgoal = Float32Array.from(b.action, (v, i) => v * range[i % k]!);
    const endState = new Float32Array(rows * obsDim);
    for (let r = 0; r < rows; r++) endState.set(b.nextObs.subarray(r * a.inputDim, r * a.inputDim + obsDim), r * obsDim);
    const chosen = a.correctSubgoals({ rows, subgoal, states: b.states, actions: b.actions, length: b.length, endState }, this.rng);
    for (let i = 0; i < rows * k; i++) {
      const v = Math.max(-1, Math.min(1, chosen[i]! / range[i % k]!));
      if (Math.abs(v - b.action[i]!) > 1e-6) this.correctedChanged++;
      b.action[i] = v;
    }
    this.corrections += rows * k;
  }

  stats(): Record<string, number> {
    return {
      low_replay_size: this.lowReplay.size,
      high_replay_size: this.highReplay.size,
      // The share of sampled subgoal entries the correction replaced (0 when the original always wins).
      ...(this.corrections > 0 ? { corrected_share: this.correctedChanged / this.corrections } : {}),
    };
  }

  state(): unknown {
    return { lowCarry: this.lowCarry, highCarry: this.highCarry };
  }

  serializeStorage(full: boolean): Uint8Array | undefined {
    if (!full) return undefined;
    return packArrays({ format: "simbridge.HiroStorage" }, { low: this.lowReplay.serialize(), high: this.highReplay.serialize() });
  }

  restore(state: unknown, storage: Uint8Array | undefined): void {
    const s = state as { lowCarry?: number; highCarry?: number } | undefined;
    this.lowCarry = s?.lowCarry ?? 0;
    this.highCarry = s?.highCarry ?? 0;
    if (!storage) return;
    const { arrays } = unpackArrays(storage);
    this.lowReplay.restore(arrays["low"] as Uint8Array);
    this.highReplay.restore(arrays["high"] as Uint8Array);
  }

}

/** A sampled batch's transition fields, as `Hiro.updateLevel` takes them. */
function transitions(b: Batch<LowFields>): LevelBatch {
  return { obs: b.obs, action: b.action, reward: b.reward, nextObs: b.nextObs, terminated: b.terminated };
}
