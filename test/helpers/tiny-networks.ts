// Hand-set networks for the update-rule tests (DDPG, SAC): weights written by
// hand, three hand-picked transitions, so a target or a loss can be computed on
// paper and compared with the library's.
import * as tf from "@tensorflow/tfjs";
import type { Mlp } from "../../src/nn/mlp.js";

/** Sets an Mlp's weights: [W1, b1, W2, b2] row-major (row = input). */
export function setWeights(net: Mlp, values: number[][]): void {
  net.trainableVariables.forEach((v, i) => v.assign(tf.tensor(values[i]!, v.shape)));
}

/** A copy of an Mlp's weights, to compare before and after an update. */
export const snapshot = (net: Mlp) => net.trainableVariables.map((v) => Float32Array.from(v.dataSync()));

export const relu = (z: number) => Math.max(0, z);

/** Three transitions of obs 1 / action 1; the middle one is terminal. */
export const TINY = {
  obs: [0.2, -0.4, 0.9],
  action: [0.5, -0.3, 0.1],
  reward: [1, 0.5, -1],
  nextObs: [0.3, -0.8, 1.5],
  done: [0, 1, 0],
};

/** TINY as the tensors the update functions take (the caller disposes them). */
export function tinyBatch() {
  return {
    obs: tf.tensor2d(TINY.obs, [3, 1]),
    action: tf.tensor2d(TINY.action, [3, 1]),
    reward: tf.tensor1d(TINY.reward),
    nextObs: tf.tensor2d(TINY.nextObs, [3, 1]),
    done: tf.tensor1d(TINY.done),
  };
}
