/**
 * SAC — Soft Actor-Critic with automatic entropy tuning.
 * Haarnoja, Zhou, Hartikainen, Tucker, Ha, Tan, Kumar, Zhu, Gupta, Abbeel & Levine
 * (2018), "Soft Actor-Critic Algorithms and Applications", https://arxiv.org/abs/1812.05905
 *
 * Maximum-entropy RL: the policy maximises E[Q(s, a) − α·log π(a|s)], trading return
 * for entropy at the temperature α, which is itself tuned so that the policy's entropy
 * stays near a target H̄ = −actDim. The policy is a tanh-squashed Gaussian (log-std
 * clamped to [−5, 2] by tanh rescaling, as CleanRL), the critics a twin pair whose
 * minimum forms the soft target, with Polyak-averaged target copies (no target policy).
 * "explore" samples the policy; "deterministic" returns tanh(mean).
 *
 * Learning rates: 3e-4 for policy, critics and α, the paper's Table 1 (CleanRL's
 * sac_continuous_action uses 1e-3 for the critics and α; pass it in SacArgs to match).
 * The policy is updated on every critic step, as in the paper (CleanRL: 2 steps every
 * 2nd). The reparameterisation noise comes from seeded generators, not tf.randomNormal,
 * so a seed gives the same run and a checkpoint continues it exactly.
 *
 * One network outputs [mean μ, raw log-std ρ] (2·actDim columns); the log-std is
 * squashed into [LOG_STD_MIN, LOG_STD_MAX]:
 *
 *   log σ = MIN + ½(MAX − MIN)(tanh ρ + 1)      u = μ + σ·ε,  ε ~ N(0, 1)     a = tanh u
 *   log π(a|s) = Σ_j [ −½ε_j² − log σ_j − ½ log 2π − log(1 − a_j² + 1e−6) ]
 *
 * (the Gaussian density of u, whose standardised value is ε exactly, and the change of
 * variables through tanh). One update = one step of each:
 *
 *   a' ~ π(·|s'), ε' injectable          y = r + d·(min(Q1', Q2')(s', a') − α·log π(a'|s'))
 *   L_Q = mean((Q1(s,a) − y)²) + mean((Q2(s,a) − y)²)
 *   ã ~ π(·|s)                           L_π = mean(α·log π(ã|s) − min(Q1, Q2)(s, ã))
 *   L_α = −mean(α·(log π(ã|s) + H̄))      (log π held constant; the variable is log α)
 *   θ' ← τθ + (1−τ)θ'                    for Q1', Q2' (SAC has no target policy)
 *
 * ∂L_α/∂log α = −α·mean(log π + H̄): when the entropy −log π is below the target H̄
 * this is negative, so gradient descent raises α (more exploration), and vice versa.
 * L_α reuses the log-probabilities of the actor step's forward pass, taken before the
 * actor moved (as Stable-Baselines3 does; CleanRL draws a fresh sample after the step).
 *
 * The file reads top to bottom: the arguments, the model (networks, targets, log α,
 * optimisers), the policy (the squashed Gaussian), the update (sacTarget, sacUpdate),
 * then the agent as the training loop sees it. The batch and its bootstrap are shared
 * with TD3 and DDPG in critic-batch.ts.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng, rngStateFromJson, rngStateToJson } from "../core/rng.js";
import { Adam } from "../nn/adam.js";
import { Mlp } from "../nn/mlp.js";
import type { CheckpointContents } from "../nn/save-load.js";
import { bootstrapDiscount, checkBatchShapes, type CriticBatch } from "./critic-batch.js";
import { batchTensors, checkInput, type AgentShape, type OffPolicyAgent, type TransitionBatch, type ActMode, type ActResult } from "./agent.js";

// ---------------------------------------------------------------- arguments

export interface SacArgs {
  /** Hidden layer sizes of policy and critics. */
  readonly hidden: readonly number[];
  /** Adam learning rate of the policy. */
  readonly actorLr: number;
  /** Adam learning rate of the critics. */
  readonly criticLr: number;
  /** Adam learning rate of log α. */
  readonly alphaLr: number;
  /** Discount γ. */
  readonly gamma: number;
  /** Polyak rate τ of the target critics. */
  readonly tau: number;
  /** Tune α automatically towards targetEntropy; when false α stays at `alpha`. */
  readonly autotune: boolean;
  /** Temperature α: the initial value when autotuning (1, as the paper's code), fixed otherwise. */
  readonly alpha: number;
  /** Target entropy H̄ of the tuning; "auto" is the paper's −actDim. */
  readonly targetEntropy: number | "auto";
}

/** The paper's defaults (CleanRL's, except lr 3e-4 everywhere and the policy updated every step). */
export const SAC_ARGS: SacArgs = Object.freeze({
  hidden: Object.freeze([256, 256]),
  actorLr: 3e-4,
  criticLr: 3e-4,
  alphaLr: 3e-4,
  gamma: 0.99,
  tau: 0.005,
  autotune: true,
  alpha: 1,
  targetEntropy: "auto",
});

/** What sacUpdate needs of the arguments. */
export interface SacConfig {
  /** Discount γ, used only with `batch.done`. */
  gamma: number;
  /** Polyak rate τ of the target critics. */
  tau: number;
  /** Target entropy H̄ of the automatic tuning (the paper: −actDim). */
  targetEntropy: number;
  /** Tune α (one Adam step on log α per call); when false α stays as it is. */
  autotune: boolean;
}

// ---------------------------------------------------------------- model

/** Networks, targets, temperature and optimisers of one SAC learner. */
export interface SacModel {
  /** obs → [μ, ρ], 2·actDim linear outputs (see the file header). */
  actor: Mlp;
  /** Q1, Q2: concat(obs, action) → [B, 1]. */
  critic1: Mlp;
  critic2: Mlp;
  critic1Target: Mlp;
  critic2Target: Mlp;
  /** log α, a scalar variable (the temperature α = exp(log α)). */
  logAlpha: tf.Variable<tf.Rank.R0>;
  actorOptimizer: Adam;
  /** One Adam over critic1's then critic2's variables (as CleanRL's q_optimizer). */
  criticOptimizer: Adam;
  /** Adam over log α. */
  alphaOptimizer: Adam;
  /** Draws the reparameterisation noise ε of sacUpdate (seeded; its state is checkpointed). */
  rng: Rng;
  /** sacUpdate calls so far. */
  updates: number;
}

export interface SacModelOptions {
  obsDim: number;
  actDim: number;
  /** Hidden layer sizes of actor and critics. Default [256, 256]. */
  hidden?: readonly number[];
  /** Default 3e-4. */
  actorLr?: number;
  /** Default 3e-4. */
  criticLr?: number;
  /** Default 3e-4. */
  alphaLr?: number;
  /** Initial α. Default 1 (log α = 0, as CleanRL and softlearning). */
  initialAlpha?: number;
  /** Seeds weights and noise. Default 0. */
  seed?: number;
}

/** Builds the policy, twin critics, their targets (copies), log α and the optimisers. */
export function createSacModel(options: SacModelOptions): SacModel {
  const hidden = options.hidden ?? [256, 256];
  const rng = new Rng(options.seed ?? 0);
  const initialAlpha = options.initialAlpha ?? 1;
  if (!(initialAlpha > 0)) throw new RangeError(`initialAlpha must be positive, got ${initialAlpha}`);
  const actorSizes = [options.obsDim, ...hidden, 2 * options.actDim];
  const criticSizes = [options.obsDim + options.actDim, ...hidden, 1];
  const actor = new Mlp({ sizes: actorSizes, seed: rng.nextSeed() });
  const critic1 = new Mlp({ sizes: criticSizes, seed: rng.nextSeed() });
  const critic2 = new Mlp({ sizes: criticSizes, seed: rng.nextSeed() });
  const critic1Target = new Mlp({ sizes: criticSizes });
  const critic2Target = new Mlp({ sizes: criticSizes });
  critic1Target.copyFrom(critic1);
  critic2Target.copyFrom(critic2);
  const logAlpha = tf.tidy(() => tf.variable(tf.scalar(Math.log(initialAlpha)), true));
  return {
    actor,
    critic1,
    critic2,
    critic1Target,
    critic2Target,
    logAlpha,
    actorOptimizer: new Adam(actor.trainableVariables, { learningRate: options.actorLr ?? 3e-4 }),
    criticOptimizer: new Adam([...critic1.trainableVariables, ...critic2.trainableVariables], { learningRate: options.criticLr ?? 3e-4 }),
    alphaOptimizer: new Adam([logAlpha], { learningRate: options.alphaLr ?? 3e-4 }),
    rng: new Rng(rng.nextSeed()),
    updates: 0,
  };
}

/** Disposes every network, log α and the optimisers. */
export function disposeSacModel(model: SacModel): void {
  for (const net of [model.actor, model.critic1, model.critic2, model.critic1Target, model.critic2Target]) net.dispose();
  model.logAlpha.dispose();
  model.actorOptimizer.dispose();
  model.criticOptimizer.dispose();
  model.alphaOptimizer.dispose();
}

/**
 * The model's networks (log α as a one-variable network "logAlpha") and optimisers
 * under fixed names, for saveCheckpoint / loadCheckpoint. `meta` holds the update count;
 * the noise generator's state is the caller's to save (`model.rng.state()`).
 */
export function sacCheckpointContents(model: SacModel): CheckpointContents {
  return {
    networks: {
      actor: model.actor,
      critic1: model.critic1,
      critic2: model.critic2,
      critic1Target: model.critic1Target,
      critic2Target: model.critic2Target,
      logAlpha: { trainableVariables: [model.logAlpha] },
    },
    optimizers: { actor: model.actorOptimizer, critic: model.criticOptimizer, alpha: model.alphaOptimizer },
    meta: { updates: model.updates },
  };
}

/** The current temperature α = exp(log α) (a device read). */
export function sacAlpha(model: SacModel): number {
  return Math.exp(model.logAlpha.dataSync()[0]!);
}

// ---------------------------------------------------------------- policy

/** Lower clamp of the policy's log-std (CleanRL's LOG_STD_MIN). */
export const LOG_STD_MIN = -5;
/** Upper clamp of the policy's log-std (CleanRL's LOG_STD_MAX). */
export const LOG_STD_MAX = 2;

/** Standard normal noise [rows, cols] from a seeded generator (reproducible, unlike tf.randomNormal). */
export function normalNoise(rng: Rng, rows: number, cols: number): tf.Tensor2D {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return tf.tensor2d(data, [rows, cols]);
}

/** What the policy head gives for a batch: the squashed sample and its log-probability. */
export interface PolicySample {
  /** a = tanh(μ + σ·ε), [B, actDim]. */
  action: tf.Tensor2D;
  /** log π(a|s), [B, 1]. */
  logProb: tf.Tensor2D;
}

/** μ and log σ (clamped by tanh rescaling) of the policy head output [B, 2·actDim]. */
export function policyMeanLogStd(out: tf.Tensor2D): { mean: tf.Tensor2D; logStd: tf.Tensor2D } {
  const actDim = out.shape[1] / 2;
  const [mean, raw] = tf.split(out, [actDim, actDim], 1) as [tf.Tensor2D, tf.Tensor2D];
  const logStd = tf.add(LOG_STD_MIN, tf.mul(0.5 * (LOG_STD_MAX - LOG_STD_MIN), tf.add(tf.tanh(raw), 1))) as tf.Tensor2D;
  return { mean, logStd };
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Reparameterised sample a = tanh(μ + σ·ε) and log π(a|s) with the tanh correction
 * (see the file header) from the policy head output [B, 2·actDim] and ε [B, actDim].
 * Differentiable with respect to `out`; call inside tf.tidy or a gradient function.
 */
export function squashedGaussian(out: tf.Tensor2D, eps: tf.Tensor2D): PolicySample {
  const { mean, logStd } = policyMeanLogStd(out);
  const u = tf.add(mean, tf.mul(tf.exp(logStd), eps));
  const action = tf.tanh(u) as tf.Tensor2D;
  const gaussian = tf.sub(tf.sub(tf.mul(tf.square(eps), -0.5), logStd), HALF_LOG_2PI);
  const correction = tf.log(tf.add(tf.sub(1, tf.square(action)), 1e-6));
  const logProb = tf.sum(tf.sub(gaussian, correction), 1, true) as tf.Tensor2D;
  return { action, logProb };
}

/** The deterministic (evaluation) action tanh(μ) of the policy head output. */
export function deterministicAction(out: tf.Tensor2D): tf.Tensor2D {
  return tf.tanh(policyMeanLogStd(out).mean);
}

// ---------------------------------------------------------------- update

/** A sampled batch (the shared CriticBatch: obs, action, reward, nextObs, done | discount). */
export type SacBatch = CriticBatch;

/**
 * The soft TD target y = r + d·(min(Q1', Q2')(s', a') − α·log π(a'|s')), a' = tanh(μ(s') +
 * σ(s')·ε), as a [B, 1] tensor, computed without recording gradients. `noise` is ε, [B, actDim].
 */
export function sacTarget(model: SacModel, batch: SacBatch, config: SacConfig, noise: tf.Tensor2D): tf.Tensor2D {
  const b = batch.obs.shape[0];
  return tf.tidy(() => {
    const next = squashedGaussian(model.actor.apply(batch.nextObs, { inputGrad: false }), noise);
    const nextInput = tf.concat([batch.nextObs, next.action], 1);
    const q = tf.minimum(model.critic1Target.apply(nextInput, { inputGrad: false }), model.critic2Target.apply(nextInput, { inputGrad: false }));
    const soft = tf.sub(q, tf.mul(tf.exp(model.logAlpha), next.logProb));
    return tf.add(tf.reshape(batch.reward, [b, 1]), tf.mul(bootstrapDiscount(batch, config.gamma), soft));
  });
}

/** L_α = −mean(exp(log α)·(log π + H̄)) for a constant log π [B, 1]; differentiable in log α. */
export function sacAlphaLoss(logAlpha: tf.Tensor, logProb: tf.Tensor, targetEntropy: number): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.mul(tf.exp(logAlpha), tf.add(logProb, targetEntropy)))) as tf.Scalar);
}

export interface SacUpdateOptions {
  /** ε of the target's next action a', [B, actDim]; default drawn from model.rng. */
  nextNoise?: tf.Tensor2D;
  /** ε of the actor step's action ã, [B, actDim]; default drawn from model.rng. */
  actorNoise?: tf.Tensor2D;
  /** Read the losses back as numbers (a device sync); default true. */
  readLosses?: boolean;
}

export interface SacUpdateResult {
  /** L_Q (NaN when readLosses is false, as the others). */
  criticLoss: number;
  /** L_π. */
  actorLoss: number;
  /** L_α (computed also when autotune is off). */
  alphaLoss: number;
  /** α used in this call's losses. */
  alpha: number;
  /** −mean log π(ã|s), the policy's entropy estimate. */
  entropy: number;
}

/** One SAC update (see the file header). Leaves no tensors behind. */
export function sacUpdate(model: SacModel, batch: SacBatch, config: SacConfig, options: SacUpdateOptions = {}): SacUpdateResult {
  const b = batch.obs.shape[0];
  const obsDim = model.actor.sizes[0]!;
  const actDim = model.actor.sizes[model.actor.sizes.length - 1]! / 2;
  checkBatchShapes(batch, obsDim, actDim);
  for (const [name, t] of [["nextNoise", options.nextNoise], ["actorNoise", options.actorNoise]] as const) {
    if (t !== undefined && (t.shape.length !== 2 || t.shape[0] !== b || t.shape[1] !== actDim)) {
      throw new Error(`Expected ${name} of shape [${b}, ${actDim}] but got [${t.shape.join(", ")}]`);
    }
  }
  if (!(config.tau >= 0 && config.tau <= 1)) throw new RangeError(`tau must be in [0, 1], got ${config.tau}`);
  const readLosses = options.readLosses ?? true;
  model.updates += 1;
  const result: SacUpdateResult = { criticLoss: NaN, actorLoss: NaN, alphaLoss: NaN, alpha: NaN, entropy: NaN };

  tf.tidy(() => {
    const nextNoise = options.nextNoise ?? normalNoise(model.rng, b, actDim);
    const actorNoise = options.actorNoise ?? normalNoise(model.rng, b, actDim);
    const alpha = tf.exp(model.logAlpha);

    // Critics.
    const y = sacTarget(model, batch, config, nextNoise);
    const input = tf.concat([batch.obs, batch.action], 1);
    const criticLoss = model.criticOptimizer.minimize(() => {
      // The critics' input is data: skip its gradient.
      const e1 = tf.sub(model.critic1.apply(input, { inputGrad: false }), y);
      const e2 = tf.sub(model.critic2.apply(input, { inputGrad: false }), y);
      return tf.add(tf.mean(tf.square(e1)), tf.mean(tf.square(e2))) as tf.Scalar;
    });

    // Actor, with the critics just updated; its log π is kept for the α step.
    let logProb: tf.Tensor2D | undefined;
    const actorLoss = model.actorOptimizer.minimize(() => {
      const pi = squashedGaussian(model.actor.apply(batch.obs, { inputGrad: false }), actorNoise);
      logProb = tf.keep(pi.logProb);
      // Only the actor is optimised: the critics pass gradients to their input only.
      const piInput = tf.concat([batch.obs, pi.action], 1);
      const q = tf.minimum(model.critic1.apply(piInput, { frozen: true }), model.critic2.apply(piInput, { frozen: true }));
      return tf.mean(tf.sub(tf.mul(alpha, pi.logProb), q)) as tf.Scalar;
    });
    try {
      // Temperature: log π is a constant here (variableGrads differentiates log α only).
      const alphaLoss = config.autotune
        ? model.alphaOptimizer.minimize(() => sacAlphaLoss(model.logAlpha, logProb!, config.targetEntropy))
        : sacAlphaLoss(model.logAlpha, logProb!, config.targetEntropy);
      if (readLosses) {
        const entropy = tf.neg(tf.mean(logProb!));
        const values = tf.stack([criticLoss, actorLoss, alphaLoss, alpha, entropy]).dataSync();
        [result.criticLoss, result.actorLoss, result.alphaLoss, result.alpha, result.entropy] = Array.from(values);
      }
    } finally {
      logProb?.dispose();
    }
  });

  model.critic1Target.polyakFrom(model.critic1, config.tau);
  model.critic2Target.polyakFrom(model.critic2, config.tau);
  return result;
}

// ---------------------------------------------------------------- agent

export class Sac implements OffPolicyAgent {
  readonly name = "sac";
  readonly kind = "off-policy";
  readonly inputDim: number;
  readonly actDim: number;
  private readonly model: SacModel;
  private readonly config: SacConfig;
  /** Noise of "explore" actions (the update's noise is model.rng). */
  private readonly rng: Rng;

  constructor(shape: AgentShape, readonly args: SacArgs = SAC_ARGS) {
    this.inputDim = shape.inputDim;
    this.actDim = shape.actDim;
    this.rng = new Rng(shape.seed + 1);
    this.model = createSacModel({
      obsDim: shape.inputDim,
      actDim: shape.actDim,
      hidden: args.hidden,
      actorLr: args.actorLr,
      criticLr: args.criticLr,
      alphaLr: args.alphaLr,
      initialAlpha: args.alpha,
      seed: shape.seed,
    });
    this.config = {
      gamma: args.gamma,
      tau: args.tau,
      autotune: args.autotune,
      targetEntropy: args.targetEntropy === "auto" ? -shape.actDim : args.targetEntropy,
    };
  }

  get gamma(): number {
    return this.args.gamma;
  }

  /**
   * V'(s) = min(Q1', Q2')(s, tanh(μ(s))): the target critics at the policy's
   * deterministic action (SAC keeps no target actor), without the entropy bonus.
   */
  targetValue(input: Float32Array, rows: number): Float32Array {
    checkInput(input, rows, this.inputDim);
    return tf.tidy(() => {
      const s = tf.tensor2d(input, [rows, this.inputDim]);
      const sa = tf.concat([s, deterministicAction(this.model.actor.apply(s))], 1);
      return tf.minimum(this.model.critic1Target.apply(sa), this.model.critic2Target.apply(sa)).dataSync() as Float32Array;
    });
  }

  act(input: Float32Array, rows: number, mode: ActMode): ActResult {
    checkInput(input, rows, this.inputDim);
    const actions = tf.tidy(() => {
      const out = this.model.actor.apply(tf.tensor2d(input, [rows, this.inputDim]));
      const action = mode === "explore" ? squashedGaussian(out, normalNoise(this.rng, rows, this.actDim)).action : deterministicAction(out);
      return action.dataSync() as Float32Array;
    });
    return { actions };
  }

  update(batch: TransitionBatch): Record<string, number> {
    const tensors = batchTensors(batch, this.inputDim, this.actDim);
    try {
      const r = sacUpdate(this.model, tensors, this.config);
      return { critic_loss: r.criticLoss, actor_loss: r.actorLoss, alpha_loss: r.alphaLoss, alpha: r.alpha, entropy: r.entropy };
    } finally {
      tf.dispose(Object.values(tensors));
    }
  }

  checkpointContents(): CheckpointContents {
    const c = sacCheckpointContents(this.model);
    return { ...c, meta: { updates: this.model.updates, rng: rngStateToJson(this.rng.state()), updateRng: rngStateToJson(this.model.rng.state()) } };
  }

  restoreMeta(meta: unknown): void {
    const m = meta as { updates?: unknown; rng?: unknown; updateRng?: unknown } | null;
    if (m === null || typeof m !== "object" || !Number.isInteger(m.updates) || !Array.isArray(m.rng) || !Array.isArray(m.updateRng)) {
      throw new Error(`SAC checkpoint meta must be {updates, rng, updateRng}, got ${JSON.stringify(meta)}`);
    }
    this.model.updates = m.updates as number;
    this.rng.setState(rngStateFromJson(m.rng as Array<number | null>));
    this.model.rng.setState(rngStateFromJson(m.updateRng as Array<number | null>));
  }

  dispose(): void {
    disposeSacModel(this.model);
  }
}
