/**
 * Gradient clipping by the global norm, as PyTorch's `torch.nn.utils.clip_grad_norm_`
 * (what CleanRL's PPO calls with max_grad_norm 0.5):
 *
 *   norm  = ‖(g₁, …, gₙ)‖₂ = √(Σᵢ Σ gᵢ²)          over every gradient tensor together
 *   scale = min(1, maxNorm / (norm + 1e-6))
 *   gᵢ   ← scale · gᵢ
 *
 * So the gradients are scaled only when norm > maxNorm − 1e-6 (PyTorch's 1e-6 keeps
 * the division finite; below that the scale is exactly 1), and their direction never
 * changes. A non-finite norm gives non-finite gradients (PyTorch's default
 * `error_if_nonfinite=False`); `norm` tells the caller.
 *
 * Typical use with `tf.variableGrads` and `Adam.applyGradients` (array in the
 * optimiser's variable order):
 *
 *     const { value, grads } = tf.variableGrads(loss, vars);
 *     const { clipped, norm } = clipByGlobalNorm(vars.map((v) => grads[v.name]!), 0.5);
 *     adam.applyGradients(clipped);
 *     tf.dispose([value, clipped, grads]);
 */
import * as tf from "@tensorflow/tfjs";

/** What `clipByGlobalNorm` returns. */
export interface ClippedGradients {
  /** The scaled gradients, same order and shapes as the input; new tensors the caller disposes. */
  clipped: tf.Tensor[];
  /** The global norm before clipping (PyTorch's return value), e.g. for logging. */
  norm: number;
}

/**
 * Scales `grads` so that their global L2 norm is at most `maxNorm` (PyTorch's
 * clip_grad_norm_ rule, see the file header). Does not dispose or change `grads`; the
 * returned tensors are new (cheap clones when no scaling is needed) and belong to the
 * caller. Reads one scalar back from the backend (the norm). Leaves no other tensors.
 */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], maxNorm: number): ClippedGradients {
  if (!(maxNorm > 0)) throw new RangeError(`maxNorm must be positive, got ${maxNorm}`);
  if (grads.length === 0) return { clipped: [], norm: 0 };
  const norm = tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))).dataSync()[0]!);
  // PyTorch clamps the coefficient at 1; a NaN coefficient (NaN norm) is not ≥ 1 and scales by NaN, as there.
  const coefficient = maxNorm / (norm + 1e-6);
  if (coefficient >= 1) return { clipped: grads.map((g) => tf.clone(g)), norm };
  const clipped = tf.tidy(() => {
    const scale = tf.scalar(coefficient);
    return grads.map((g) => tf.mul(g, scale));
  });
  return { clipped, norm };
}
