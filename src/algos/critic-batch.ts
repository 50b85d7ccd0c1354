/**
 * The batch a Q-learning critic trains on, and the two pieces of its TD target that
 * every such critic computes the same way: the bootstrap multiplier d (given per
 * sample, or γ·(1 − done)) and the shape checks.
 *
 *   y = r + d·(what the critic bootstraps from at s')
 *
 * Shared by TD3 (td3.ts), DDPG (ddpg.ts) and SAC (sac.ts), and meant for the learners
 * that reuse them: HIRO's two TD3 levels, and n-step / floating n-step credit, whose
 * samplers fill `reward` with the credited sum and `discount` with γⁿ·(1 − terminated).
 * Each algorithm's own math (its networks, target and losses) stays in its own file.
 */
import * as tf from "@tensorflow/tfjs";

/** A sampled batch of transitions; every tensor has the batch as its first axis. */
export interface CriticBatch {
  /** s, [B, obsDim]. */
  obs: tf.Tensor2D;
  /** a as stored (in [−1, 1]), [B, actDim]. */
  action: tf.Tensor2D;
  /** r (for n-step credit: the discounted sum of the n rewards), [B] or [B, 1]. */
  reward: tf.Tensor;
  /** s' (for n-step: the state bootstrapped from), [B, obsDim]. */
  nextObs: tf.Tensor2D;
  /**
   * Multiplier of the bootstrap, [B] or [B, 1]: γ·(1 − terminated) for one step,
   * γⁿ·(1 − terminated) for n steps (floating n-step / GAE credit). Give this or `done`.
   */
  discount?: tf.Tensor;
  /**
   * 1 where s' is terminal (TERMINATED, not TRUNCATED), else 0, [B] or [B, 1]; the
   * discount is then config.gamma·(1 − done). Ignored when `discount` is given.
   */
  done?: tf.Tensor;
}

/** Column [B, 1] view of a [B] or [B, 1] tensor. */
export function column(t: tf.Tensor, name: string, batch: number): tf.Tensor2D {
  if (t.size !== batch) throw new Error(`Expected ${name} of shape [${batch}] or [${batch}, 1] but got [${t.shape.join(", ")}]`);
  return tf.reshape(t, [batch, 1]);
}

/** The bootstrap multiplier d as [B, 1]: `batch.discount`, else γ·(1 − done). */
export function bootstrapDiscount(batch: CriticBatch, gamma: number): tf.Tensor2D {
  const b = batch.obs.shape[0];
  if (batch.discount !== undefined) return column(batch.discount, "discount", b);
  if (batch.done !== undefined) return tf.mul(tf.sub(1, column(batch.done, "done", b)), gamma);
  throw new Error("The batch needs `discount` or `done`");
}

/** Shape checks shared by the off-policy updates: obs/nextObs [B, obsDim], action [B, actDim]. */
export function checkBatchShapes(batch: CriticBatch, obsDim: number, actDim: number): void {
  const b = batch.obs.shape[0];
  const expect = (name: string, t: tf.Tensor, shape: number[]) => {
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`Expected ${name} of shape [${shape.join(", ")}] but got [${t.shape.join(", ")}]`);
    }
  };
  expect("batch.obs", batch.obs, [b, obsDim]);
  expect("batch.nextObs", batch.nextObs, [b, obsDim]);
  expect("batch.action", batch.action, [b, actDim]);
  if (batch.reward.size !== b) throw new Error(`Expected reward of shape [${b}] or [${b}, 1] but got [${batch.reward.shape.join(", ")}]`);
}
