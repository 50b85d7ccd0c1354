/**
 * `simbridge bench update`: how long one learner update takes on the selected TF.js
 * backend, against a naive baseline measured in the same run.
 *
 *   forward_ms        critic forward pass, (obsDim + actDim) → hidden → hidden → 1
 *   critic_step_ms    one Adam step of that critic (fast Dense layers, src/nn/adam.ts)
 *   td3_update_ms     one td3Update (twin critics, smoothing noise, actor every 2nd
 *                     call, Polyak τ = 0.005), averaged over the critic-only/actor pair
 *   baseline_transpose_flag_critic_step_ms
 *                     the same critic step written the naive way: plain tf.matMul + add
 *                     + relu, tfjs autodiff (whose matMul gradient uses the transpose
 *                     flags) and tf.train.adam
 *
 * All numbers are medians over `iters` timed repetitions after a warm-up. Each timed
 * repetition ends by reading one number back, so asynchronous backends are timed fully.
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../nn/backend.js";
import type { BackendName } from "../nn/backend.js";
import { Mlp } from "../nn/mlp.js";
import { Adam } from "../nn/adam.js";
import { createTd3Model, disposeTd3Model, td3Update } from "../nn/td3-update.js";
import type { Td3Batch } from "../nn/td3-update.js";
import { Rng } from "../core/rng.js";

export interface BenchUpdateOptions {
  batch: number;
  hidden: number;
  /** Default 32 (critic input = obsDim + actDim = 40). */
  obsDim?: number;
  /** Default 8. */
  actDim?: number;
  /** Timed repetitions per measurement (median reported). Default 30. */
  iters?: number;
  /** Backend name (see selectBackend). Default auto. */
  backend?: string;
}

export interface BenchUpdateResult {
  backend: string;
  critic_step_ms: number;
  td3_update_ms: number;
  forward_ms: number;
  baseline_transpose_flag_critic_step_ms: number;
}

export async function benchUpdate(opts: BenchUpdateOptions): Promise<BenchUpdateResult> {
  const backend = await selectBackend((opts.backend ?? "auto") as BackendName);
  const batch = opts.batch;
  const hidden = opts.hidden;
  const obsDim = opts.obsDim ?? 32;
  const actDim = opts.actDim ?? 8;
  const iters = Math.max(1, opts.iters ?? 30);
  const warmup = Math.max(2, Math.min(10, Math.ceil(iters / 3)));
  const inDim = obsDim + actDim;
  const rng = new Rng(1);
  const randn = (shape: [number, number], scale = 1) => {
    const data = new Float32Array(shape[0] * shape[1]);
    for (let i = 0; i < data.length; i++) data[i] = scale * rng.normal();
    return tf.tensor2d(data, shape);
  };

  const x = randn([batch, inDim]);
  const target = randn([batch, 1]);

  // Fast critic.
  const critic = new Mlp({ sizes: [inDim, hidden, hidden, 1], seed: 1 });
  const adam = new Adam(critic.trainableVariables, { learningRate: 3e-4 });
  const forwardMs = median(warmup, iters, () => tf.tidy(() => critic.apply(x).dataSync()[0]!));
  const criticStepMs = median(warmup, iters, () =>
    tf.tidy(() => adam.minimize(() => tf.mean(tf.square(tf.sub(critic.apply(x, { inputGrad: false }), target)))).dataSync()[0]!),
  );
  critic.dispose();
  adam.dispose();

  // Naive critic: same shapes, tfjs autodiff through tf.matMul, tf.train.adam.
  const naive = new Mlp({ sizes: [inDim, hidden, hidden, 1], seed: 1 });
  const [w1, b1, w2, b2, w3, b3] = naive.trainableVariables as [tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  const naiveApply = (input: tf.Tensor2D) => {
    const h1 = tf.relu(tf.add(tf.matMul(input, w1 as tf.Tensor2D), b1));
    const h2 = tf.relu(tf.add(tf.matMul(h1 as tf.Tensor2D, w2 as tf.Tensor2D), b2));
    return tf.add(tf.matMul(h2 as tf.Tensor2D, w3 as tf.Tensor2D), b3);
  };
  const tfAdam = tf.train.adam(3e-4);
  const baselineMs = median(Math.min(warmup, 3), Math.max(3, Math.ceil(iters / 3)), () =>
    tf.tidy(() => tfAdam.minimize(() => tf.mean(tf.square(tf.sub(naiveApply(x), target))) as tf.Scalar, true)!.dataSync()[0]!),
  );
  naive.dispose();
  tfAdam.dispose();

  // TD3 update.
  const model = createTd3Model({ obsDim, actDim, hidden: [hidden, hidden], seed: 2 });
  const data: Td3Batch = {
    obs: randn([batch, obsDim]),
    action: tf.tidy(() => tf.clipByValue(randn([batch, actDim], 0.5), -1, 1)) as tf.Tensor2D,
    reward: tf.tidy(() => tf.reshape(randn([batch, 1]), [batch])),
    nextObs: randn([batch, obsDim]),
    discount: tf.fill([batch], 0.99),
  };
  // Each repetition is one critic-only call and one call that also updates the actor.
  const pairMs = median(warmup, iters, () => {
    td3Update(model, data, undefined, { readLosses: false });
    return td3Update(model, data).criticLoss;
  });
  disposeTd3Model(model);
  tf.dispose([x, target, data.obs, data.action, data.reward, data.nextObs, data.discount!]);

  return {
    backend: backend.detail,
    critic_step_ms: round(criticStepMs),
    td3_update_ms: round(pairMs / 2),
    forward_ms: round(forwardMs),
    baseline_transpose_flag_critic_step_ms: round(baselineMs),
  };
}

/** Median wall time in ms of `run` over `iters` calls after `warmup` untimed calls. */
function median(warmup: number, iters: number, run: () => number): number {
  let sink = 0;
  for (let i = 0; i < warmup; i++) sink += run();
  const times: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    sink += run();
    times.push(performance.now() - t0);
  }
  if (Number.isNaN(sink)) throw new Error("benchmark produced NaN");
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return times.length % 2 === 1 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
