/**
 * A reward model trained while the agent interacts (GAHIL). The training core
 * feeds it the lived transitions of every collected step (`feedLived`), and
 * storage feeds it negatives when it samples and lets it train when a round is
 * due. The learner then takes every reward from it, never from the env.
 */
import type { CheckpointContents } from "../nn/save-load.js";
import type { HerSample } from "../replay/her-buffer.js";
import type { RewardBatch, RewardModel } from "./reward-model.js";

export interface OnlineRewardModel extends RewardModel {
  addReal(batch: RewardBatch, isSuccess: ArrayLike<number | boolean>): unknown;
  addAchievedPositives(batch: RewardBatch): unknown;
  addRelabelledNegatives(sample: HerSample): unknown;
  maybeTrain(): { trained: boolean; loss: number };
  readonly ready: boolean;
  readonly rounds: number;
  readonly lastRoundLoss: number;
  checkpointContents(): CheckpointContents;
  restoreMeta(meta: unknown): void;
  /**
   * The data the model trains on between rounds (GAHIL's pools), as bytes for
   * the checkpoint (the run folder writes them beside the networks); a resumed
   * run must not relearn its reward from empty pools.
   */
  serializeStorage(): Uint8Array;
  /** Loads what `serializeStorage` wrote, for a model built with the same options. */
  restoreStorage(bytes: Uint8Array): void;
}

export function isOnlineRewardModel(m: RewardModel | undefined): m is OnlineRewardModel {
  return m !== undefined && m.isLearned && typeof (m as Partial<OnlineRewardModel>).addReal === "function";
}

/** Picks a goal-conditioned task's tensors out of a list in spec order, by name (the training core's ObservationLayout). */
export interface GoalTensors {
  observation<T>(tensors: readonly T[]): T;
  achievedGoal<T>(tensors: readonly T[]): T;
  desiredGoal<T>(tensors: readonly T[]): T;
}

/**
 * The lived transitions of one vector step (raw observations in spec order,
 * goal-conditioned tasks; `layout` says which tensor is which): successes and
 * goals actually reached are positives, failures negatives.
 */
export function feedLived(
  model: OnlineRewardModel,
  layout: GoalTensors,
  obs: readonly Float32Array[],
  action: Float32Array,
  nextObs: readonly Float32Array[],
  isSuccess: ArrayLike<number>,
): void {
  const lived: RewardBatch = {
    obs: layout.observation(obs),
    achievedGoal: layout.achievedGoal(obs),
    desiredGoal: layout.desiredGoal(obs),
    action,
    nextObs: layout.observation(nextObs),
    nextAchievedGoal: layout.achievedGoal(nextObs),
  };
  model.addReal(lived, isSuccess);
  model.addAchievedPositives(lived);
}
