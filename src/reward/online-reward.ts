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

/**
 * The lived transitions of one vector step (raw observations, goal-conditioned
 * tasks): successes and goals actually reached are positives, failures negatives.
 */
export function feedLived(
  model: OnlineRewardModel,
  obs: readonly Float32Array[],
  action: Float32Array,
  nextObs: readonly Float32Array[],
  isSuccess: ArrayLike<number>,
): void {
  const lived: RewardBatch = { obs: obs[0]!, achievedGoal: obs[1]!, desiredGoal: obs[2]!, action, nextObs: nextObs[0]!, nextAchievedGoal: nextObs[1]! };
  model.addReal(lived, isSuccess);
  model.addAchievedPositives(lived);
}
