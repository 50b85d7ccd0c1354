/**
 * The contract between the training core (src/train/) and one algorithm file
 * (td3.ts, ddpg.ts, sac.ts, ppo.ts, …).
 *
 * The core owns the environments, the input normalisers, storage (replay, HER,
 * rollouts), the reward model, metrics and checkpoints; an algorithm owns its
 * networks, optimisers and update rule. Inputs are already normalised and, for
 * goal-conditioned tasks, concatenated with the desired goal; actions live in
 * [−1, 1] (the core rescales them to the task's bounds).
 *
 * Every agent acts; what it learns from depends on its kind:
 * - `OffPolicyAgent.update(batch)`: one gradient step on sampled transitions
 *   (the core's off-policy schedule calls it k times per env step);
 * - `OnPolicyAgent.learn(rollout)`: epochs of minibatches on a full rollout
 *   (the core's on-policy schedule calls it every `rolloutSteps` steps per env).
 *
 * `act` returns actions plus named extras (e.g. PPO's `logProb` and `value`,
 * a hierarchy's `subgoal`, a skill policy's `skill`); storage keeps the extras
 * it knows. An off-policy agent names the extras replay must keep in
 * `storedExtras` (name → values per row): every storage path (the replay ring,
 * HER, credit windows, the two-layer replay) stores them with the transition
 * and returns them in `TransitionBatch.extras`, row-aligned with the batch,
 * for the transition's first step (the step the action was taken in). Two
 * things to know when reading them:
 * - a hindsight-relabelled goal changes the goal the row is trained for, not
 *   its extras: they are still those `act` computed under the goal lived;
 * - during the off-policy warm-up (uniform random actions, `act` not called)
 *   there is nothing to store: those rows hold NaN in every stored extra, and
 *   the agent decides per row what stands in for them.
 * An off-policy agent may also say what batch it wants, update by update
 * (`nextBatch`, a `BatchRequest`): how many rows, only the most recent
 * transitions, no hindsight goals (BNPO's two brains ask for different data).
 * An agent without it gets the run's batches, as always.
 * An agent with per-env memory (the current subgoal, the skill of
 * the episode) declares `initialState`: the collector keeps one state per env,
 * passes them to `act`, and starts a fresh one at every episode start after
 * calling `endEpisode`.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../core/rng.js";
import type { TaskSpec } from "../env/task.js";
import type { CheckpointContents } from "../nn/save-load.js";
import type { RewardModel } from "../reward/reward-model.js";
import type { OnlineRewardModel } from "../reward/online-reward.js";
import type { InputEncoder } from "../train/input-encoder.js";
import type { Learner } from "../train/learner.js";
import type { OffPolicySchedule } from "../train/off-policy-learner.js";

/** "explore": the behaviour policy (noise, sampling); "deterministic": the policy evaluated. */
export type ActMode = "explore" | "deterministic";

export interface ActResult {
  /** [rows × actDim], in [−1, 1]. */
  readonly actions: Float32Array;
  /** Named per-row extras, each [rows × size] (e.g. logProb [rows], value [rows]). */
  readonly extras?: Readonly<Record<string, Float32Array>>;
}

export interface Agent<State = unknown> {
  readonly name: string;
  /**
   * Which schedule trains it: the off- or on-policy learner, or — "hierarchical"
   * (one storage + schedule per level) and "skills" (intrinsic rewards from a
   * skill discriminator) — a learner the agent brings itself (OwnLearnerAgent).
   */
  readonly kind: "off-policy" | "on-policy" | "hierarchical" | "skills";
  readonly inputDim: number;
  readonly actDim: number;
  /**
   * Actions for `rows` inputs ([rows × inputDim]). `states` (one per row) is
   * given when the agent declares `initialState`; `act` may update them.
   */
  act(input: Float32Array, rows: number, mode: ActMode, states?: State[]): ActResult;
  /** A fresh per-env state, at the start of every episode. Stateless agents leave it out. */
  initialState?(): State;
  /** Called when an env's episode ends (or is cut), with that env's state. */
  endEpisode?(state: State): void;
  /** Networks, optimisers and counters for save/load. */
  checkpointContents(): CheckpointContents;
  /** Called after loadCheckpoint filled the networks: restores counters from `meta`. */
  restoreMeta(meta: unknown): void;
  dispose(): void;
}

/** A batch of transitions, row-major Float32Arrays (a named sample, SB3 style). */
export interface TransitionBatch {
  readonly rows: number;
  /** [rows × inputDim] */
  readonly obs: Float32Array;
  /** [rows × actDim], in [−1, 1] */
  readonly action: Float32Array;
  /** [rows]: the reward, or for n-step credit the discounted sum of the n rewards. */
  readonly reward: Float32Array;
  /** [rows × inputDim]: the state bootstrapped from (s_{t+1}, or s_{t+n}). */
  readonly nextObs: Float32Array;
  /** [rows], 1 where nextObs is terminal (TERMINATED, never TRUNCATED) */
  readonly terminated: Float32Array;
  /**
   * [rows], optional: the bootstrap multiplier per sample, γⁿ·(1 − terminated)
   * for n-step or floating n-step credit. When absent, γ·(1 − terminated).
   */
  readonly discount?: Float32Array;
  /**
   * Optional: the agent's `storedExtras` as `act` returned them for the
   * transition's first step, [rows × size] each (NaN rows: random warm-up
   * actions; see the file header). Present when the agent declares
   * `storedExtras`.
   */
  readonly extras?: Readonly<Record<string, Float32Array>>;
}

/**
 * The batch an off-policy agent wants for its next update (`OffPolicyAgent.nextBatch`).
 * A field left out means what the learner does without a request.
 */
export interface BatchRequest {
  /** Transitions in the batch (a positive integer): replaces the run's --batch-size for this update. */
  readonly rows: number;
  /**
   * Draw only among the `recent` most recently stored transitions (a positive
   * integer), all envs together; uniformly, with replacement, never a step of
   * an episode storage has dropped. Storage that keeps one lane per env
   * (HER, credit windows) takes the newest ⌊recent/E⌋ steps of each of its E
   * lanes, one more for the last recent mod E lanes; the plain ring takes its
   * newest `recent` rows. The learner stores each vector step env 0 first, so
   * both are the newest `recent` transitions (less the dropped ones). Until
   * storage holds that many the window is what it holds; a lane short of its
   * share is not made up by another. The learner trains once the window holds
   * min(rows, recent) transitions. Absent: all of storage.
   */
  readonly recent?: number;
  /**
   * false: no hindsight goals in this batch — every row is trained for the
   * goal it was lived for, and rewarded as such rows always are (by the reward
   * model where the run's replay scores with it: HER, black-box, GAHIL; else
   * the env's stored reward). true or absent: HER as the run configured it
   * (no relabelling when the run has none).
   */
  readonly relabel?: boolean;
}

export interface OffPolicyAgent<State = unknown> extends Agent<State> {
  readonly kind: "off-policy";
  /** γ of its TD target: n-step credit must discount with the same γ. */
  readonly gamma: number;
  /**
   * The act extras replay keeps with each transition and returns with it
   * (`TransitionBatch.extras`): extra name → values per row. `act("explore")`
   * must return every one of them, with that many values per row.
   */
  readonly storedExtras?: Readonly<Record<string, number>>;
  /**
   * The batch the next `update` takes. The learner asks before every update
   * and hands `update` a batch of exactly that request; it may also ask and
   * then not update (storage cannot answer the request yet), so asking must
   * not change the agent: describe the next update, let `update` move on.
   * Without it every batch is the run's: --batch-size rows from all of
   * storage, relabelled as configured.
   */
  nextBatch?(): BatchRequest;
  /** One gradient update; returns the losses it computed (names → values). */
  update(batch: TransitionBatch): Record<string, number>;
  /**
   * V'(s) = the target critic at the target policy's action, [rows] (the
   * values n-step GAE credit weighs, src/replay/credit.ts). Agents without
   * it cannot take GAE credit.
   */
  targetValue?(input: Float32Array, rows: number): Float32Array;
}

/** One minibatch of a rollout: every stored field by name, plus GAE's outputs. */
export interface RolloutMinibatch {
  readonly rows: number;
  /** [rows × inputDim], the normalised input the policy acted on. */
  readonly input: Float32Array;
  /** [rows × actDim], the action taken (before clipping to the bounds). */
  readonly action: Float32Array;
  /** [rows], log π_old(a | s). */
  readonly logProb: Float32Array;
  /** [rows], V_old(s). */
  readonly values: Float32Array;
  /** [rows], GAE advantages. */
  readonly advantages: Float32Array;
  /** [rows], advantages + values: the value targets. */
  readonly returns: Float32Array;
}

/** What the on-policy schedule needs from the agent. */
export interface RolloutSchedule {
  /** Steps per env collected before each learning phase. */
  readonly rolloutSteps: number;
  readonly gamma: number;
  /** GAE λ. */
  readonly gaeLambda: number;
  /** Scale rewards by the running std of the discounted return (CleanRL's NormalizeReward), clipped to ±10. */
  readonly scaleRewards: boolean;
  /** Minibatches per epoch (minibatch size = rollout rows / minibatches). */
  readonly minibatches: number;
}

export interface OnPolicyAgent<State = unknown> extends Agent<State> {
  readonly kind: "on-policy";
  readonly schedule: RolloutSchedule;
  /** V(s) for `rows` inputs, [rows] (bootstraps at truncation and at the rollout's end). */
  value(input: Float32Array, rows: number): Float32Array;
  /** log π(a | s) for `rows` inputs and actions, [rows] (relabelled goals need fresh log-probs). */
  logProb(input: Float32Array, action: Float32Array, rows: number): Float32Array;
  /**
   * The learning phase on a full rollout: `minibatches()` yields one epoch of
   * shuffled minibatches each time it is called. `progress` ∈ [0, 1] is the
   * fraction of the run's env steps done (for learning-rate annealing).
   */
  learn(minibatches: () => Iterable<RolloutMinibatch>, progress: number): Record<string, number>;
}

/** What the run hands an agent that brings its own learner (OwnLearnerAgent) to build it from. */
export interface LearnerContext {
  readonly spec: TaskSpec;
  /** The run's input encoder (a hierarchy that declares `rawInput` gets raw inputs from it). */
  readonly encoder: InputEncoder;
  /** The run's off-policy schedule (batch size, buffer size, learning starts, updates per step). */
  readonly schedule: OffPolicySchedule;
  /** Shared with the collector: a seed gives one run. */
  readonly rng: Rng;
  readonly envs: number;
  /** The run's reward model (known reward or GAHIL), when it has one. */
  readonly rewardModel: RewardModel | undefined;
  /** Set when the reward is learned online (GAHIL): no env reward reaches the learner. */
  readonly onlineReward: OnlineRewardModel | undefined;
  /** Demonstrations to imitate (`simbridge collect`'s file), for learners that do (relay); "" or absent: none. */
  readonly demos?: string;
}

/**
 * An agent that builds its own learner; the collector and the loop are the
 * flat agents'. A hierarchy (HIRO, HAC, relay; kind "hierarchical"): per-env
 * state holds the current subgoal, `act`
 * returns it as `extras.subgoal` (in the agent's own terms) and as
 * `extras.subgoal_target` (the absolute target of the first observation
 * entries, e.g. x, y: the collector logs each episode's targets in its
 * episode record and sends them to the server's watchers as the step's
 * `subgoal_target` annotation), and the agent builds the learner that
 * splits each collected step into the levels' transitions (one storage +
 * schedule per level). A skill learner (DIAYN; kind "skills"): per-env state
 * holds the episode's skill, and its learner rewards the policy with its own
 * skill discriminator, never with the env's reward.
 */
export interface OwnLearnerAgent<State = unknown> extends Agent<State> {
  readonly kind: "hierarchical" | "skills";
  makeLearner(context: LearnerContext): Learner;
}

/**
 * Refuses the run settings an agent with its own learner cannot use, each
 * with the agent's reason: --her (`her`: how it relabels instead), --credit
 * and --replay (the flat learners'), normalised inputs (`rawInputs`: why it
 * needs raw ones), and an update rate that is not a positive number.
 */
export function checkOwnLearnerContext(name: string, context: LearnerContext, why: { readonly her: string; readonly rawInputs: string }): void {
  const { schedule, encoder } = context;
  if (schedule.her) throw new Error(`${name} ${why.her}: --her does not apply`);
  if (schedule.credit !== "one" || schedule.replay !== "one-layer") throw new Error(`${name}: --credit and --replay are for the flat off-policy learners`);
  if (encoder.normalize) throw new Error(`${name} needs raw network inputs (${why.rawInputs}): build its encoder without normalisation`);
  if (!(Number.isFinite(schedule.updatesPerStep) && schedule.updatesPerStep > 0)) throw new Error(`updatesPerStep must be a positive number, got ${schedule.updatesPerStep}`);
}

/** Whether the agent builds its own learner (a hierarchy, a skill learner) rather than using the run's. */
export function bringsOwnLearner(agent: Agent): agent is OwnLearnerAgent {
  return agent.kind === "hierarchical" || agent.kind === "skills";
}

/** What every algorithm's constructor receives besides its own hyper-parameters. */
export interface AgentShape {
  readonly inputDim: number;
  readonly actDim: number;
  readonly seed: number;
  /** Of inputDim, the trailing desired-goal entries (goal-conditioned tasks); 0 or absent otherwise. */
  readonly goalDim?: number;
}

/** The batch as tensors, in the shape the off-policy update functions take (caller disposes). */
export function batchTensors(batch: TransitionBatch, inputDim: number, actDim: number) {
  const b = batch.rows;
  return {
    obs: tf.tensor2d(batch.obs, [b, inputDim]),
    action: tf.tensor2d(batch.action, [b, actDim]),
    reward: tf.tensor1d(batch.reward),
    nextObs: tf.tensor2d(batch.nextObs, [b, inputDim]),
    done: tf.tensor1d(batch.terminated),
    ...(batch.discount ? { discount: tf.tensor1d(batch.discount) } : {}),
  };
}

/** Throws when `input` does not hold `rows` rows of `inputDim` values. */
export function checkInput(input: Float32Array, rows: number, inputDim: number): void {
  if (input.length !== rows * inputDim) throw new Error(`Expected ${rows} × ${inputDim} = ${rows * inputDim} input values but got ${input.length}`);
}
