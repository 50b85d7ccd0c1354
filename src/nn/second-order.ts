/**
 * Ops whose gradients can be differentiated again: what MAML-style meta-learning
 * (src/algos/maesn.ts) needs, because its meta-gradient differentiates through
 * an inner gradient step.
 *
 * Why not tf.tanh and tf.exp: in TF.js 4.22 the gradient of an op that its
 * kernel computes from the op's saved *output* (tanh, sigmoid, exp) is not
 * connected to the op's input on the outer tape, so `tf.grads` of a function
 * that calls `tf.grads` silently drops those second-order terms. Measured on a
 * 5×3·3×4 tanh network with one inner step of 0.3 (cpu and wasm backends give
 * the same numbers): finite differences −0.00967 / −0.02714 at two weights,
 * nested tf.grads −0.01092 / −0.00995, the first-order approximation −0.01050 /
 * −0.01614. Ops whose gradients use only their inputs (matMul, add, mul,
 * square, relu) are exact. The versions here recompute the output from the
 * saved input inside the gradient, so every term is on the tape; nested
 * tf.grads then matches finite differences (test/unit/second-order.test.ts).
 */
import * as tf from "@tensorflow/tfjs";

/** tanh(x), twice differentiable under nested tf.grads. */
export const tanh2 = recomputingOp(tf.tanh, (x) => tf.sub(1, tf.square(tf.tanh(x))));

/** exp(x), twice differentiable under nested tf.grads. */
export const exp2 = recomputingOp(tf.exp, tf.exp);

/** f(x) with gradient dy·f′(x), f′ computed from the saved input x. */
function recomputingOp(f: (x: tf.Tensor) => tf.Tensor, derivative: (x: tf.Tensor) => tf.Tensor): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([x]);
    return { value: f(x), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, derivative(saved[0]!)) };
  }) as (x: tf.Tensor) => tf.Tensor;
}
