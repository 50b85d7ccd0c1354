/**
 * MAESN — Model-Agnostic Exploration with Structured Noise (Gupta et al. 2018,
 * seed 004), and MAML (Finn et al. 2017) as its special case without latents.
 *
 * The policy π(a | s, ω) is a Gaussian whose mean is an MLP of the observation
 * and a latent ω; ω is drawn once per episode from a per-task distribution
 * N(μ_i, σ_i), so the noise that explores is correlated over a whole episode
 * (structured) rather than independent per step. Meta-training learns the
 * policy θ and every training task's (μ_i, σ_i) so that ONE policy-gradient
 * step on a task's own episodes — on (μ_i, σ_i) and θ — does well on it:
 *
 *   inner (per task i, episodes D_i drawn with θ and ω ~ N(μ_i, σ_i)):
 *     L_i(θ, μ_i, σ_i) = −mean_{e,t} log π_θ(a|s, ω_e)·A_t − mean_e log N(ω_e; μ_i, σ_i)·Â_e
 *     (θ', μ'_i, σ'_i) = (θ, μ_i, σ_i) − α·∇L_i        (α per group: policy, latent)
 *   outer (episodes D'_i drawn with θ' and ω ~ N(μ'_i, σ'_i)):
 *     min over θ, {μ_i, σ_i}:  mean_i [ L'_i(θ', μ'_i, σ'_i) + β·KL(N(μ_i, σ_i) ‖ N(0, I)) ]
 *
 * The outer gradient goes through the inner step (second order: the Hessian of
 * L_i times the outer gradient) with nested tf.grads; `secondOrder: false`
 * takes the first-order approximation (the inner gradient held constant). As
 * in MAML's RL experiments the dependence of D_i's *sampling* on θ is not
 * differentiated. The KL term keeps every task's latent distribution near the
 * prior, which is where a new task starts at meta-test time: there the reward
 * is sparse, and the adaptation steps are the same inner step on the new
 * task's episodes.
 *
 * Advantages: A_t is the discounted reward-to-go minus its mean over the
 * task's episodes at the same time step, normalised over the batch; Â_e is the
 * episode's return, normalised over the task's episodes. A batch whose
 * episodes all got the same rewards (a sparse task nobody reached) has zero
 * advantages: no step, exactly the exploration problem MAESN is about.
 *
 * Departures from the paper (documented): the outer optimiser is Adam on the
 * post-update policy-gradient surrogate, not TRPO; the inner step sizes are
 * fixed, not meta-learned; a time-indexed mean baseline replaces the linear
 * feature baseline. `latentDim: 0` is MAML (θ adapted, exploration by action
 * noise only).
 *
 * Every function of parameters here is written with ops whose gradients can be
 * differentiated again (src/nn/second-order.ts explains why tf.tanh cannot).
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../core/rng.js";
import { Adam } from "../nn/adam.js";
import { initialWeights } from "../nn/dense.js";
import { exp2, tanh2 } from "../nn/second-order.js";

export interface MaesnOptions {
  /** Size of ω; 0 is MAML (no latent, the policy alone adapts). */
  readonly latentDim: number;
  readonly hidden: readonly number[];
  /** Inner step size of the policy θ (0: the policy is not adapted, MAESN's latent-only variant). */
  readonly innerLr: number;
  /** Inner step size of each task's μ and log σ. */
  readonly latentLr: number;
  /** Adam step size of the meta-update of the policy. */
  readonly outerLr: number;
  /**
   * Adam step size of the meta-update of the training tasks' (μ_i, log σ_i).
   * Larger than the policy's: each task's latent is updated only when the
   * task is in the meta-batch, and it must travel O(1) in latent space.
   */
  readonly latentOuterLr: number;
  /** β: weight of KL(N(μ_i, σ_i) ‖ N(0, I)) in the meta-objective. */
  readonly klWeight: number;
  /** Differentiate through the inner step (exact); false: first-order MAML. */
  readonly secondOrder: boolean;
  /** Initial log std of the action noise (a learned, state-independent vector). */
  readonly initLogStd: number;
  readonly gamma: number;
}

export const MAESN_DEFAULTS: MaesnOptions = {
  latentDim: 2,
  hidden: [64, 64],
  innerLr: 0.1,
  latentLr: 0.5,
  outerLr: 1e-3,
  latentOuterLr: 1e-2,
  klWeight: 0.1,
  secondOrder: true,
  initLogStd: -0.5,
  gamma: 0.99,
};

/** One task's episodes as the losses read them (row-major; E episodes of up to T steps). */
export interface EpisodeBatch {
  readonly episodes: number;
  readonly steps: number;
  /** [E·T × obsDim], row e·T + t. */
  readonly obs: Float32Array;
  /** [E·T × actDim]: the actions sampled (before the env clipped them). */
  readonly actions: Float32Array;
  /** [E·T], 1 for steps the episode lived, 0 after it ended. */
  readonly mask: Float32Array;
  /** [E × latentDim]: ω of each episode. */
  readonly latents: Float32Array;
  /** [E·T]: normalised advantages A_t (0 on masked steps). */
  readonly stepAdvantages: Float32Array;
  /** [E]: normalised episode returns Â_e. */
  readonly episodeAdvantages: Float32Array;
}

/** The policy's parameters as one list: [W₀, b₀, …, W_L, b_L, logStd]. */
export type PolicyParams = readonly tf.Tensor[];
/** One task's latent distribution: [μ, log σ], each [latentDim]. */
export type LatentParams = readonly [tf.Tensor, tf.Tensor];

const LOG_2PI = Math.log(2 * Math.PI);

/** Mean action of `obs` [n × obsDim] under latents [n × latentDim] (an empty [n × 0] when there is none). */
export function policyMean(params: PolicyParams, obs: tf.Tensor2D, latents: tf.Tensor2D): tf.Tensor2D {
  let h: tf.Tensor2D = latents.shape[1] === 0 ? obs : tf.concat([obs, latents], 1);
  const layers = (params.length - 1) / 2;
  for (let l = 0; l < layers; l++) {
    const z = tf.add(tf.matMul(h, params[2 * l] as tf.Tensor2D), params[2 * l + 1]!) as tf.Tensor2D;
    h = l < layers - 1 ? (tanh2(z) as tf.Tensor2D) : z;
  }
  return h;
}

/** log π(a | s, ω) per row, [n]: a diagonal Gaussian around the mean with std exp(logStd). */
export function policyLogProb(params: PolicyParams, obs: tf.Tensor2D, latents: tf.Tensor2D, actions: tf.Tensor2D): tf.Tensor1D {
  const logStd = params[params.length - 1]!;
  const z = tf.div(tf.sub(actions, policyMean(params, obs, latents)), exp2(logStd));
  const d = actions.shape[1];
  return tf.sub(tf.mul(-0.5, tf.sum(tf.square(z), 1)), tf.add(tf.sum(logStd), (0.5 * d * LOG_2PI))) as tf.Tensor1D;
}

/** log N(ω_e; μ, σ) per episode, [E]. */
export function latentLogProb([mu, logSigma]: LatentParams, latents: tf.Tensor2D): tf.Tensor1D {
  const z = tf.div(tf.sub(latents, mu), exp2(logSigma));
  const d = latents.shape[1];
  return tf.sub(tf.mul(-0.5, tf.sum(tf.square(z), 1)), tf.add(tf.sum(logSigma), 0.5 * d * LOG_2PI)) as tf.Tensor1D;
}

/** KL(N(μ, σ) ‖ N(0, I)) = ½ Σ (σ² + μ² − 1 − 2 log σ). */
export function latentKl([mu, logSigma]: LatentParams): tf.Scalar {
  return tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.square(exp2(logSigma)), tf.square(mu)), tf.add(1, tf.mul(2, logSigma))))) as tf.Scalar;
}

/** The batch's constant tensors (caller disposes). */
export function batchTensors(batch: EpisodeBatch, obsDim: number, actDim: number, latentDim: number) {
  const rows = batch.episodes * batch.steps;
  const latents = tf.tensor2d(batch.latents, [batch.episodes, latentDim]);
  return {
    obs: tf.tensor2d(batch.obs, [rows, obsDim]),
    actions: tf.tensor2d(batch.actions, [rows, actDim]),
    // ω of each episode, repeated over its steps.
    stepLatents: latentDim === 0 ? tf.zeros([rows, 0]) as tf.Tensor2D : (tf.reshape(tf.tile(tf.reshape(latents, [batch.episodes, 1, latentDim]), [1, batch.steps, 1]), [rows, latentDim]) as tf.Tensor2D),
    latents,
    stepAdvantages: tf.tensor1d(batch.stepAdvantages),
    episodeAdvantages: tf.tensor1d(batch.episodeAdvantages),
    mask: tf.tensor1d(batch.mask),
    livedSteps: Math.max(1, batch.mask.reduce((a, m) => a + m, 0)),
  };
}
export type BatchTensors = ReturnType<typeof batchTensors>;

function disposeBatch(b: BatchTensors): void {
  tf.dispose([b.obs, b.actions, b.stepLatents, b.latents, b.stepAdvantages, b.episodeAdvantages, b.mask]);
}

/**
 * The policy-gradient surrogate L(θ, μ, σ) on one task's episodes: minus the
 * mean advantage-weighted log-likelihood of the actions and (with a latent)
 * of the episodes' ω. Its gradient is the REINFORCE estimate.
 */
export function surrogateLoss(params: PolicyParams, latent: LatentParams | undefined, b: BatchTensors): tf.Scalar {
  const actionTerm = tf.div(tf.sum(tf.mul(policyLogProb(params, b.obs, b.stepLatents, b.actions), b.stepAdvantages)), b.livedSteps);
  if (latent === undefined) return tf.neg(actionTerm) as tf.Scalar;
  const latentTerm = tf.mean(tf.mul(latentLogProb(latent, b.latents), b.episodeAdvantages));
  return tf.neg(tf.add(actionTerm, latentTerm)) as tf.Scalar;
}

/**
 * One gradient step x − lr·∇f(x) on a list of tensors (lrs[i] for x[i]).
 * Called inside a function that tf.grads differentiates, the step is
 * differentiated through (second order).
 */
export function innerStep(xs: readonly tf.Tensor[], f: (xs: tf.Tensor[]) => tf.Scalar, lrs: readonly number[]): tf.Tensor[] {
  const grads = tf.grads((...v: tf.Tensor[]) => f(v))([...xs]);
  return xs.map((x, i) => (lrs[i] === 0 ? x : tf.sub(x, tf.mul(lrs[i]!, grads[i]!))));
}

/**
 * The MAML meta-gradient of `outer(x', x)` at x, with x' = x − lr·∇inner(x):
 * exact (through the inner step) or first-order (∇inner held constant, so
 * dx'/dx = I). Returns the outer value and one gradient per x (caller disposes).
 */
export function metaGradient(
  xs: readonly tf.Tensor[],
  inner: (xs: tf.Tensor[]) => tf.Scalar,
  outer: (adapted: tf.Tensor[], original: tf.Tensor[]) => tf.Scalar,
  lrs: readonly number[],
  secondOrder: boolean,
): { value: number; grads: tf.Tensor[] } {
  let value = 0;
  const grads = tf.tidy(() => {
    let adapt: (v: tf.Tensor[]) => tf.Tensor[];
    if (secondOrder) {
      adapt = (v) => innerStep(v, inner, lrs);
    } else {
      const g = tf.grads((...v: tf.Tensor[]) => inner(v))([...xs]);
      adapt = (v) => v.map((x, i) => (lrs[i] === 0 ? x : tf.sub(x, tf.mul(lrs[i]!, g[i]!))));
    }
    const r = tf.valueAndGrads((...v: tf.Tensor[]) => outer(adapt(v), v))([...xs]);
    value = r.value.dataSync()[0]!;
    return r.grads;
  });
  return { value, grads };
}

/** A task's adapted parameters as plain arrays (to act with). */
export interface Adapted {
  readonly policy: tf.Tensor[];
  readonly latent: [tf.Tensor, tf.Tensor] | undefined;
}

/**
 * The meta-learned policy, the training tasks' latent distributions and the
 * meta-optimiser. Acting is in JS on the caller's random stream; the losses
 * are the functions above.
 */
export class MaesnLearner {
  readonly policy: tf.Variable[];
  /** Per training task: [μ_i, log σ_i]. Empty for MAML. */
  readonly latents: Array<[tf.Variable, tf.Variable]>;
  readonly optimizer: Adam;
  readonly latentOptimizer: Adam | undefined;
  iteration = 0;

  constructor(
    readonly obsDim: number,
    readonly actDim: number,
    readonly trainTasks: number,
    readonly options: MaesnOptions,
    seed: number,
  ) {
    if (!(Number.isInteger(options.latentDim) && options.latentDim >= 0)) throw new RangeError(`latentDim must be an integer ≥ 0, got ${options.latentDim}`);
    if (options.latentDim === 0 && options.innerLr === 0) throw new RangeError("innerLr 0 adapts nothing without a latent (latentDim 0): give one of them");
    const sizes = [obsDim + options.latentDim, ...options.hidden, actDim];
    this.policy = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const last = l + 2 === sizes.length;
      const { kernel, bias } = initialWeights({ inputSize: sizes[l]!, outputSize: sizes[l + 1]!, activation: last ? "linear" : "tanh", seed: seed * 7919 + l, initScale: last ? 0.1 : 1 });
      this.policy.push(tf.variable(tf.tensor2d(kernel, [sizes[l]!, sizes[l + 1]!])), tf.variable(tf.tensor1d(bias)));
    }
    this.policy.push(tf.variable(tf.fill([actDim], options.initLogStd)));
    this.latents = [];
    if (options.latentDim > 0) {
      for (let i = 0; i < trainTasks; i++) this.latents.push([tf.variable(tf.zeros([options.latentDim])), tf.variable(tf.zeros([options.latentDim]))]);
    }
    this.optimizer = new Adam(this.policy, { learningRate: options.outerLr });
    this.latentOptimizer = this.latents.length ? new Adam(this.latents.flat(), { learningRate: options.latentOuterLr }) : undefined;
  }

  get hasLatent(): boolean {
    return this.options.latentDim > 0;
  }

  /** The inner step sizes for [policy…, μ, log σ]. */
  private innerLrs(): number[] {
    return [...this.policy.map(() => this.options.innerLr), ...(this.hasLatent ? [this.options.latentLr, this.options.latentLr] : [])];
  }

  /** The loss of the inner step on a list [policy…, μ, log σ]. */
  private innerLoss(b: BatchTensors): (xs: tf.Tensor[]) => tf.Scalar {
    const n = this.policy.length;
    return (xs) => surrogateLoss(xs.slice(0, n), this.hasLatent ? [xs[n]!, xs[n + 1]!] : undefined, b);
  }

  /**
   * One inner step from (policy, latent) on a batch: the parameters to act
   * with next (caller disposes). `latent` is a training task's or, at
   * meta-test, the prior's (or an already adapted one).
   */
  adapt(policy: readonly tf.Tensor[], latent: LatentParams | undefined, batch: EpisodeBatch): Adapted {
    const n = this.policy.length;
    const out = tf.tidy(() => {
      const b = batchTensors(batch, this.obsDim, this.actDim, this.options.latentDim);
      return innerStep([...policy, ...(latent ?? [])], this.innerLoss(b), this.innerLrs());
    });
    return { policy: out.slice(0, n), latent: latent ? [out[n]!, out[n + 1]!] : undefined };
  }

  /**
   * The meta-gradient of one training task's outer loss with respect to
   * [policy…, μ_task, log σ_task] (exact, or first-order when `secondOrder`
   * is false), and the loss (caller disposes the gradients).
   */
  taskMetaGradient(task: number, pre: EpisodeBatch, post: EpisodeBatch, secondOrder = this.options.secondOrder): { value: number; grads: tf.Tensor[] } {
    const n = this.policy.length;
    const latent = this.hasLatent ? this.latents[task]! : undefined;
    const bPre = batchTensors(pre, this.obsDim, this.actDim, this.options.latentDim);
    const bPost = batchTensors(post, this.obsDim, this.actDim, this.options.latentDim);
    try {
      const outer = (adapted: tf.Tensor[], original: tf.Tensor[]) => {
        const loss = surrogateLoss(adapted.slice(0, n), this.hasLatent ? [adapted[n]!, adapted[n + 1]!] : undefined, bPost);
        return this.hasLatent ? (tf.add(loss, tf.mul(this.options.klWeight, latentKl([original[n]!, original[n + 1]!]))) as tf.Scalar) : loss;
      };
      return metaGradient([...this.policy, ...(latent ?? [])], this.innerLoss(bPre), outer, this.innerLrs(), secondOrder);
    } finally {
      disposeBatch(bPre);
      disposeBatch(bPost);
    }
  }

  /**
   * The meta-update on a meta-batch: for each task its index, the episodes
   * drawn before adaptation and those drawn with the adapted parameters.
   * Returns the outer loss and the mean KL.
   */
  metaUpdate(tasks: ReadonlyArray<{ readonly task: number; readonly pre: EpisodeBatch; readonly post: EpisodeBatch }>): Record<string, number> {
    const sums = new Map<tf.Variable, tf.Tensor>();
    let outerSum = 0;
    let klSum = 0;
    for (const { task, pre, post } of tasks) {
      const latent = this.hasLatent ? this.latents[task]! : undefined;
      const vars: tf.Variable[] = [...this.policy, ...(latent ?? [])];
      const { value, grads } = this.taskMetaGradient(task, pre, post);
      outerSum += value;
      if (latent) klSum += tf.tidy(() => latentKl(latent).arraySync() as number);
      vars.forEach((v, i) => {
        const prev = sums.get(v);
        sums.set(v, prev ? tf.tidy(() => tf.add(prev, grads[i]!)) : tf.clone(grads[i]!));
        prev?.dispose();
      });
      tf.dispose(grads);
    }
    // The meta-objective is the mean over the meta-batch.
    const scale = 1 / tasks.length;
    for (const optimizer of [this.optimizer, this.latentOptimizer]) {
      if (!optimizer) continue;
      const list = optimizer.variables.map((v) => {
        const g = sums.get(v as tf.Variable);
        return g ? tf.tidy(() => tf.mul(g, scale)) : undefined;
      });
      optimizer.applyGradients(list as tf.Tensor[]);
      tf.dispose(list.filter((g): g is tf.Tensor => g !== undefined));
    }
    tf.dispose([...sums.values()]);
    this.iteration++;
    return { outer_loss: outerSum * scale, latent_kl: this.hasLatent ? klSum * scale : 0 };
  }

  /**
   * Mean actions for `rows` observations, all under the same parameters, with
   * each row's ω ([rows × latentDim]); then a + σ·ε from `rng` when exploring.
   */
  act(policy: readonly tf.Tensor[], obs: Float32Array, latents: Float32Array, rows: number, rng: Rng, explore: boolean): Float32Array {
    const mean = tf.tidy(() => policyMean(policy, tf.tensor2d(obs, [rows, this.obsDim]), tf.tensor2d(latents, [rows, this.options.latentDim])).dataSync() as Float32Array);
    if (!explore) return Float32Array.from(mean);
    const std = (policy[policy.length - 1]!.dataSync() as Float32Array).map(Math.exp);
    const out = new Float32Array(mean.length);
    for (let i = 0; i < out.length; i++) out[i] = mean[i]! + std[i % this.actDim]! * rng.normal();
    return out;
  }

  dispose(): void {
    tf.dispose([...this.policy, ...this.latents.flat()]);
    this.optimizer.dispose();
    this.latentOptimizer?.dispose();
  }
}

/** ω ~ N(μ, σ) for `count` episodes, [count × latentDim], from `rng`. */
export function sampleLatents(latent: LatentParams | undefined, count: number, rng: Rng): Float32Array {
  if (latent === undefined) return new Float32Array(0);
  const mu = latent[0].dataSync() as Float32Array;
  const sigma = (latent[1].dataSync() as Float32Array).map(Math.exp);
  const d = mu.length;
  const out = new Float32Array(count * d);
  for (let e = 0; e < count; e++) for (let j = 0; j < d; j++) out[e * d + j] = mu[j]! + sigma[j]! * rng.normal();
  return out;
}

/**
 * The advantages of one task's episodes from their rewards [E·T] and mask:
 * reward-to-go (γ) minus the mean over episodes at the same t, normalised over
 * the lived steps; and the episode returns normalised over episodes. Both are
 * zero when there is no spread (every episode got the same rewards).
 */
export function advantages(rewards: Float32Array, mask: Float32Array, episodes: number, steps: number, gamma: number): { step: Float32Array; episode: Float32Array; returns: Float32Array } {
  const togo = new Float64Array(episodes * steps);
  const returns = new Float32Array(episodes);
  for (let e = 0; e < episodes; e++) {
    let g = 0;
    for (let t = steps - 1; t >= 0; t--) {
      const k = e * steps + t;
      g = mask[k]! * (rewards[k]! + gamma * g);
      togo[k] = g;
      returns[e] += mask[k]! * rewards[k]!;
    }
  }
  const step = new Float32Array(episodes * steps);
  for (let t = 0; t < steps; t++) {
    let sum = 0;
    let count = 0;
    for (let e = 0; e < episodes; e++) if (mask[e * steps + t]) (sum += togo[e * steps + t]!), count++;
    const baseline = count ? sum / count : 0;
    for (let e = 0; e < episodes; e++) if (mask[e * steps + t]) step[e * steps + t] = togo[e * steps + t]! - baseline;
  }
  normalise(step, mask);
  const episode = Float32Array.from(returns);
  normalise(episode, new Float32Array(episodes).fill(1));
  return { step, episode, returns };
}

/** x ← (x − mean)/std over the entries where mask is 1; zero when the std is below 1e-6. */
function normalise(x: Float32Array, mask: Float32Array): void {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < x.length; i++) if (mask[i]) (sum += x[i]!), n++;
  const mean = n ? sum / n : 0;
  let sq = 0;
  for (let i = 0; i < x.length; i++) if (mask[i]) sq += (x[i]! - mean) ** 2;
  const std = n ? Math.sqrt(sq / n) : 0;
  for (let i = 0; i < x.length; i++) x[i] = mask[i] && std > 1e-6 ? (x[i]! - mean) / std : 0;
}
