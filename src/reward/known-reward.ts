/**
 * KnownReward: a white-box task's own reward function as a batched RewardModel.
 *
 * Wraps `computeReward(achieved, desired)` (the `Task.computeReward` of a
 * goal-conditioned MuJoCo task, Gymnasium-Robotics' `compute_reward`) and calls
 * it once per transition with the goal achieved after the step
 * (`nextAchievedGoal`, or `achievedGoal` when that is absent) and the desired
 * goal. The rows are copied into two reused scratch arrays, so scoring
 * allocates nothing; `computeReward` must not keep them.
 *
 * Black-box tasks have no reward function: `fromTask` refuses them, which is
 * the point where GAHIL's learned reward takes over.
 */
import type { Task } from "../env/task.js";
import { SimbridgeError } from "../core/errors.js";
import { judgedGoal } from "./reward-model.js";
import type { RewardBatch, RewardModel } from "./reward-model.js";

/** A task's white-box reward for one (achieved goal, desired goal) pair. */
export type ComputeReward = (achieved: ArrayLike<number>, desired: ArrayLike<number>) => number;

export class KnownReward implements RewardModel {
  readonly isLearned = false;
  private achieved = new Float32Array(0);
  private desired = new Float32Array(0);

  constructor(
    private readonly computeReward: ComputeReward,
    readonly name = "known",
  ) {}

  /** The reward function of a white-box goal-conditioned task; throws FAILED_PRECONDITION for a black box. */
  static fromTask(task: Pick<Task, "spec" | "computeReward">): KnownReward {
    const fn = task.computeReward;
    if (task.spec.blackBox || fn === undefined) {
      throw SimbridgeError.failedPrecondition(`${task.spec.name}: a black-box task has no reward function to query; use a learned reward model`);
    }
    return new KnownReward((a, d) => fn.call(task, a, d), `known:${task.spec.name}`);
  }

  rewards(batch: RewardBatch, out: Float32Array): void {
    const n = out.length;
    if (n === 0) return;
    const achieved = judgedGoal(batch);
    const desired = batch.desiredGoal;
    const size = desired.length / n;
    if (!Number.isInteger(size) || achieved.length !== desired.length) {
      throw SimbridgeError.invalidArgument(
        `reward batch: expected achieved and desired goals of ${n} rows each but got ${achieved.length} and ${desired.length} elements`,
      );
    }
    if (this.achieved.length !== size) {
      this.achieved = new Float32Array(size);
      this.desired = new Float32Array(size);
    }
    const a = this.achieved;
    const d = this.desired;
    for (let i = 0; i < n; i++) {
      const base = i * size;
      for (let j = 0; j < size; j++) {
        a[j] = achieved[base + j]!;
        d[j] = desired[base + j]!;
      }
      out[i] = this.computeReward(a, d);
    }
  }
}
