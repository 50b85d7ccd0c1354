/**
 * PPO — Proximal Policy Optimization, clipped surrogate objective, with GAE.
 * Schulman, Wolski, Dhariwal, Radford & Klimov (2017), "Proximal Policy
 * Optimization Algorithms", https://arxiv.org/abs/1707.06347; advantages by
 * Schulman et al. (2016), "High-Dimensional Continuous Control Using
 * Generalized Advantage Estimation", https://arxiv.org/abs/1506.02438.
 *
 * As CleanRL's ppo_continuous_action (its defaults below): separate 64-64 tanh
 * actor and critic with orthogonal initialisation, a Gaussian policy whose
 * log-std is a state-independent parameter, no tanh squashing (the sampled
 * action is clipped to the bounds when sent; log-probs are of the unclipped
 * sample), advantage normalisation per minibatch, a clipped value loss,
 * gradient-norm clipping, Adam with ε = 1e-5 and a learning rate annealed
 * linearly to 0. Observation normalisation is the core's input encoder;
 * reward scaling and GAE are the core's on-policy storage
 * (src/train/on-policy-learner.ts, src/replay/rollout-buffer.ts), which calls
 * `learn` once per rollout of `rolloutSteps` steps per env.
 *
 * Per minibatch (rows i), with r = exp(log π(a|s) − log π_old(a|s)) and
 * Â the advantages normalised over the minibatch:
 *   L_clip = mean(max(−Â·r, −Â·clip(r, 1 − ε, 1 + ε)))
 *   L_V    = ½·mean(max((V − R)², (V_old + clip(V − V_old, −ε, ε) − R)²))
 *   L      = L_clip − c_ent·H[π] + c_V·L_V
 */
import * as tf from "@tensorflow/tfjs";
import { Rng, rngStateFromJson, rngStateToJson } from "../core/rng.js";
import { Adam } from "../nn/adam.js";
import { clipByGlobalNorm } from "../nn/clip-grad.js";
import { Mlp } from "../nn/mlp.js";
import type { CheckpointContents } from "../nn/save-load.js";
import { checkInput, type ActMode, type ActResult, type AgentShape, type OnPolicyAgent, type RolloutMinibatch, type RolloutSchedule } from "./agent.js";

export interface PpoArgs {
  /** Hidden layer sizes of actor and critic (tanh). */
  readonly hidden: readonly number[];
  /** Adam learning rate (annealed linearly to 0 over the run when annealLr is 1). */
  readonly learningRate: number;
  /** 1: anneal the learning rate linearly to 0; 0: keep it. */
  readonly annealLr: number;
  /** Steps per env in each rollout (CleanRL's num_steps). */
  readonly rolloutSteps: number;
  /** Discount γ. */
  readonly gamma: number;
  /** GAE λ. */
  readonly gaeLambda: number;
  /** Minibatches per epoch (minibatch size = rollout rows / minibatches). */
  readonly minibatches: number;
  /** Epochs over each rollout. */
  readonly epochs: number;
  /** 1: normalise advantages per minibatch. */
  readonly normAdv: number;
  /** Clipping ε of the surrogate (and of the value change, with clipVloss). */
  readonly clipCoef: number;
  /** 1: clip the value loss as in the PPO implementation. */
  readonly clipVloss: number;
  /** Entropy bonus c_ent. */
  readonly entCoef: number;
  /** Value loss weight c_V. */
  readonly vfCoef: number;
  /** Global gradient-norm clip. */
  readonly maxGradNorm: number;
  /** Stop the epochs early when the last minibatch's approximate KL exceeds it (0: never), as CleanRL. */
  readonly targetKl: number;
  /** 1: scale rewards by the running std of the discounted return (clipped ±10). */
  readonly scaleRewards: number;
  /** Initial log-std of the policy. */
  readonly initLogStd: number;
}

/** CleanRL ppo_continuous_action's defaults. */
export const PPO_ARGS: PpoArgs = Object.freeze({
  hidden: [64, 64],
  learningRate: 3e-4,
  annealLr: 1,
  rolloutSteps: 2048,
  gamma: 0.99,
  gaeLambda: 0.95,
  minibatches: 32,
  epochs: 10,
  normAdv: 1,
  clipCoef: 0.2,
  clipVloss: 1,
  entCoef: 0,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  targetKl: 0,
  scaleRewards: 1,
  initLogStd: 0,
});

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Σ_j log N(a_j; μ_j, σ_j) per row, [B]. */
export function gaussianLogProb(action: tf.Tensor2D, mean: tf.Tensor2D, logStd: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const z = tf.div(tf.sub(action, mean), tf.exp(logStd));
    return tf.sum(tf.sub(tf.neg(tf.add(tf.mul(tf.square(z), 0.5), logStd)), LOG_SQRT_2PI), 1) as tf.Tensor1D;
  });
}

/** The PPO loss terms of one minibatch (see the file header); every output a scalar. */
export function ppoLoss(
  t: { newLogProb: tf.Tensor1D; oldLogProb: tf.Tensor1D; advantages: tf.Tensor1D; newValue: tf.Tensor1D; oldValue: tf.Tensor1D; returns: tf.Tensor1D; entropy: tf.Scalar },
  args: Pick<PpoArgs, "clipCoef" | "clipVloss" | "vfCoef" | "entCoef" | "normAdv">,
): { loss: tf.Scalar; pgLoss: tf.Scalar; vLoss: tf.Scalar; approxKl: tf.Scalar; clipFrac: tf.Scalar } {
  const logRatio = tf.sub(t.newLogProb, t.oldLogProb);
  const ratio = tf.exp(logRatio);
  let adv: tf.Tensor1D = t.advantages;
  if (args.normAdv) {
    const { mean, variance } = tf.moments(adv);
    // torch's .std() is the unbiased estimate: n/(n−1) of the population variance.
    const n = adv.size;
    const std = tf.sqrt(tf.mul(variance, n > 1 ? n / (n - 1) : 1));
    adv = tf.div(tf.sub(adv, mean), tf.add(std, 1e-8));
  }
  const pg1 = tf.mul(tf.neg(adv), ratio);
  const pg2 = tf.mul(tf.neg(adv), tf.clipByValue(ratio, 1 - args.clipCoef, 1 + args.clipCoef));
  const pgLoss = tf.mean(tf.maximum(pg1, pg2)) as tf.Scalar;
  const unclipped = tf.square(tf.sub(t.newValue, t.returns));
  const vLoss = (
    args.clipVloss
      ? tf.mul(tf.mean(tf.maximum(unclipped, tf.square(tf.sub(tf.add(t.oldValue, tf.clipByValue(tf.sub(t.newValue, t.oldValue), -args.clipCoef, args.clipCoef)), t.returns)))), 0.5)
      : tf.mul(tf.mean(unclipped), 0.5)
  ) as tf.Scalar;
  const loss = tf.add(tf.sub(pgLoss, tf.mul(t.entropy, args.entCoef)), tf.mul(vLoss, args.vfCoef)) as tf.Scalar;
  const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio)) as tf.Scalar;
  const clipFrac = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), args.clipCoef), "float32")) as tf.Scalar;
  return { loss, pgLoss, vLoss, approxKl, clipFrac };
}

export class Ppo implements OnPolicyAgent {
  readonly name = "ppo";
  readonly kind = "on-policy";
  readonly inputDim: number;
  readonly actDim: number;
  readonly schedule: RolloutSchedule;
  private readonly actor: Mlp;
  private readonly critic: Mlp;
  private readonly logStd: tf.Variable;
  private readonly optimizer: Adam;
  private readonly rng: Rng;

  constructor(shape: AgentShape, readonly args: PpoArgs = PPO_ARGS) {
    for (const k of ["rolloutSteps", "minibatches", "epochs"] as const) {
      if (!(Number.isInteger(args[k]) && args[k] >= 1)) throw new RangeError(`${k} must be a positive integer, got ${args[k]}`);
    }
    if (!(args.clipCoef > 0)) throw new RangeError(`clipCoef must be positive, got ${args.clipCoef}`);
    this.inputDim = shape.inputDim;
    this.actDim = shape.actDim;
    this.schedule = { rolloutSteps: args.rolloutSteps, gamma: args.gamma, gaeLambda: args.gaeLambda, scaleRewards: args.scaleRewards !== 0, minibatches: args.minibatches };
    const seeds = new Rng(shape.seed);
    // Orthogonal init: hidden layers gain √2, actor head 0.01, critic head 1 (CleanRL's layer_init).
    const net = (out: number, headGain: number) =>
      new Mlp({ sizes: [shape.inputDim, ...args.hidden, out], hiddenActivation: "tanh", init: "orthogonal", hiddenInitScale: Math.SQRT2, outputInitScale: headGain, seed: seeds.nextSeed() });
    this.actor = net(shape.actDim, 0.01);
    this.critic = net(1, 1);
    this.logStd = tf.tidy(() => tf.variable(tf.fill([1, shape.actDim], args.initLogStd), true));
    this.optimizer = new Adam([...this.actor.trainableVariables, this.logStd, ...this.critic.trainableVariables], { learningRate: args.learningRate, epsilon: 1e-5 });
    this.rng = new Rng(seeds.nextSeed());
  }

  act(input: Float32Array, rows: number, mode: ActMode): ActResult {
    checkInput(input, rows, this.inputDim);
    return tf.tidy(() => {
      const x = tf.tensor2d(input, [rows, this.inputDim]);
      const mean = this.actor.apply(x, { inputGrad: false });
      if (mode === "deterministic") return { actions: tf.clipByValue(mean, -1, 1).dataSync() as Float32Array };
      const noise = new Float32Array(rows * this.actDim);
      for (let i = 0; i < noise.length; i++) noise[i] = this.rng.normal();
      const logStd = tf.tile(this.logStd, [rows, 1]) as tf.Tensor2D;
      const sample = tf.add(mean, tf.mul(tf.exp(logStd), tf.tensor2d(noise, [rows, this.actDim]))) as tf.Tensor2D;
      return {
        actions: tf.clipByValue(sample, -1, 1).dataSync() as Float32Array,
        extras: {
          unclippedAction: sample.dataSync() as Float32Array,
          logProb: gaussianLogProb(sample, mean, logStd).dataSync() as Float32Array,
          value: tf.reshape(this.critic.apply(x, { inputGrad: false }), [rows]).dataSync() as Float32Array,
          mean: mean.dataSync() as Float32Array,
          std: tf.exp(logStd).dataSync() as Float32Array,
        },
      };
    });
  }

  value(input: Float32Array, rows: number): Float32Array {
    checkInput(input, rows, this.inputDim);
    return tf.tidy(() => tf.reshape(this.critic.apply(tf.tensor2d(input, [rows, this.inputDim]), { inputGrad: false }), [rows]).dataSync() as Float32Array);
  }

  logProb(input: Float32Array, action: Float32Array, rows: number): Float32Array {
    checkInput(input, rows, this.inputDim);
    return tf.tidy(() => {
      const mean = this.actor.apply(tf.tensor2d(input, [rows, this.inputDim]), { inputGrad: false });
      return gaussianLogProb(tf.tensor2d(action, [rows, this.actDim]), mean, tf.tile(this.logStd, [rows, 1]) as tf.Tensor2D).dataSync() as Float32Array;
    });
  }

  learn(minibatches: () => Iterable<RolloutMinibatch>, progress: number): Record<string, number> {
    const a = this.args;
    this.optimizer.learningRate = a.annealLr ? Math.max(1e-12, (1 - progress) * a.learningRate) : a.learningRate;
    const sums = { policy_loss: 0, value_loss: 0, entropy: 0, approx_kl: 0, clip_frac: 0, grad_norm: 0 };
    let count = 0;
    let explained = NaN;
    for (let epoch = 0; epoch < a.epochs; epoch++) {
      let lastKl = 0;
      const values: number[] = [];
      const returns: number[] = [];
      for (const mb of minibatches()) {
        if (epoch === 0) {
          values.push(...mb.values);
          returns.push(...mb.returns);
        }
        const r = this.step(mb);
        for (const k of Object.keys(sums) as Array<keyof typeof sums>) sums[k] += r[k];
        lastKl = r.approx_kl;
        count++;
      }
      if (epoch === 0) explained = explainedVariance(values, returns);
      if (a.targetKl > 0 && lastKl > a.targetKl) break;
    }
    const out: Record<string, number> = { learning_rate: this.optimizer.learningRate, explained_variance: explained, log_std: tf.tidy(() => tf.mean(this.logStd).dataSync()[0]!) };
    for (const [k, v] of Object.entries(sums)) out[k] = v / Math.max(1, count);
    return out;
  }

  /** One gradient step on a minibatch; returns its loss terms. */
  private step(mb: RolloutMinibatch): { policy_loss: number; value_loss: number; entropy: number; approx_kl: number; clip_frac: number; grad_norm: number } {
    const b = mb.rows;
    const vars = this.optimizer.variables as tf.Variable[];
    // The loss terms to report, kept out of variableGrads' tidy and disposed below.
    let report: tf.Tensor[] = [];
    try {
      const norm = tf.tidy(() => {
        const x = tf.tensor2d(mb.input, [b, this.inputDim]);
        const action = tf.tensor2d(mb.action, [b, this.actDim]);
        const data = { oldLogProb: tf.tensor1d(mb.logProb), advantages: tf.tensor1d(mb.advantages), oldValue: tf.tensor1d(mb.values), returns: tf.tensor1d(mb.returns) };
        const { value, grads } = tf.variableGrads(() => {
          const mean = this.actor.apply(x, { inputGrad: false });
          const newLogProb = gaussianLogProb(action, mean, tf.tile(this.logStd, [b, 1]) as tf.Tensor2D);
          // Entropy of a diagonal Gaussian: Σ_j (½ + ½·log 2π + log σ_j), the same for every row.
          const entropy = tf.sum(tf.add(this.logStd, 0.5 + LOG_SQRT_2PI)) as tf.Scalar;
          const newValue = tf.reshape(this.critic.apply(x, { inputGrad: false }), [b]) as tf.Tensor1D;
          const p = ppoLoss({ ...data, newLogProb, newValue, entropy }, this.args);
          report = [p.pgLoss, p.vLoss, entropy, p.approxKl, p.clipFrac].map((t) => tf.keep(t));
          return p.loss;
        }, vars);
        value.dispose();
        const { clipped, norm } = clipByGlobalNorm(vars.map((v) => grads[v.name]!), this.args.maxGradNorm);
        this.optimizer.applyGradients(clipped);
        return norm;
      });
      const [policy_loss, value_loss, entropy, approx_kl, clip_frac] = report.map((t) => t.dataSync()[0]!) as [number, number, number, number, number];
      return { policy_loss, value_loss, entropy, approx_kl, clip_frac, grad_norm: norm };
    } finally {
      tf.dispose(report);
    }
  }

  checkpointContents(): CheckpointContents {
    return {
      networks: { actor: this.actor, critic: this.critic, logStd: { trainableVariables: [this.logStd] } },
      optimizers: { ppo: this.optimizer },
      meta: { rng: rngStateToJson(this.rng.state()) },
    };
  }

  restoreMeta(meta: unknown): void {
    const rng = (meta as { rng?: Array<number | null> } | undefined)?.rng;
    if (!Array.isArray(rng)) throw new Error("PPO checkpoint meta has no sampling RNG state (is it a PPO checkpoint?)");
    this.rng.setState(rngStateFromJson(rng));
  }

  dispose(): void {
    this.actor.dispose();
    this.critic.dispose();
    this.logStd.dispose();
    this.optimizer.dispose();
  }
}

/** 1 − Var(returns − values) / Var(returns): how much of the return the critic explains (NaN when returns are constant). */
export function explainedVariance(values: readonly number[], returns: readonly number[]): number {
  const n = returns.length;
  if (n === 0) return NaN;
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / n;
  const variance = (xs: readonly number[]) => {
    const m = mean(xs);
    return xs.reduce((s, x) => s + (x - m) ** 2, 0) / n;
  };
  const vy = variance(returns);
  return vy === 0 ? NaN : 1 - variance(returns.map((r, i) => r - values[i]!)) / vy;
}
