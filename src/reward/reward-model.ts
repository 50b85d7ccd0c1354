/**
 * RewardModel: where a learner's rewards come from when goals are relabelled.
 *
 * Hindsight replay invents goals the environment never saw, so their rewards
 * cannot come from the environment's step results. They come from a reward
 * model instead: the task's own reward function for a white-box sim
 * (`KnownReward`), or a discriminator learned online for a black box (GAHIL).
 *
 * Contract:
 * - `rewards(batch, out)` fills `out[i]` with the reward of transition i, for
 *   `n = out.length` transitions. Every field of `batch` holds `n` rows, batch
 *   major: `desiredGoal` is `[n × goalSize]`, `obs` is `[n × obsSize]`, and so on.
 *   It writes only into `out`, never into `batch`, and keeps no reference to
 *   either after returning.
 * - The reward judges the goal achieved *after* the step against the desired
 *   goal (Gymnasium-Robotics `compute_reward(achieved_goal, desired_goal)` with
 *   the achieved goal of the next observation). That goal is
 *   `batch.nextAchievedGoal` when given, otherwise `batch.achievedGoal`
 *   (see `judgedGoal`). So a HER sample can be passed as a batch as it is, and
 *   plain (achieved, desired) pairs can be scored by giving only `achievedGoal`.
 * - The HER buffer calls it for every relabelled transition of every sample
 *   (and, with `rewardSource: "model"`, for the real ones too). It is called
 *   once per sampled batch, so batching matters more than per-call cost.
 * - A learned model may change between calls (it trains while the learner
 *   samples): two calls with the same batch may give different rewards. Callers
 *   must not cache rewards across calls; a learned model must not change during
 *   one call.
 * - `obs`, `action`, `nextObs` are context for learned models (GAHIL's
 *   discriminator reads `[goal, s, s', a]`); a known reward ignores them.
 */

/** The transitions to score. Every array is batch-major with `out.length` rows. */
export interface RewardBatch {
  /** Achieved goal of the observation the step starts from, or — when `nextAchievedGoal` is absent — the goal to judge. */
  readonly achievedGoal: Float32Array;
  /** The goal the reward is computed for (possibly relabelled). */
  readonly desiredGoal: Float32Array;
  /** Observation before the step. */
  readonly obs?: Float32Array;
  /** Action taken. */
  readonly action?: Float32Array;
  /** Observation after the step. */
  readonly nextObs?: Float32Array;
  /** Achieved goal after the step: when present, the reward judges this one. */
  readonly nextAchievedGoal?: Float32Array;
}

export interface RewardModel {
  /** Short name for logs and metrics ("known", "gahil"). */
  readonly name: string;
  /** True for models trained from data (their rewards drift); false for a task's exact reward function. */
  readonly isLearned: boolean;
  /** Writes the reward of each of the `out.length` transitions in `batch` into `out`. See the module contract. */
  rewards(batch: RewardBatch, out: Float32Array): void;
}

/** The achieved goal a reward judges: the goal after the step when given, else `achievedGoal`. */
export function judgedGoal(batch: RewardBatch): Float32Array {
  return batch.nextAchievedGoal ?? batch.achievedGoal;
}
