/**
 * TD3 — Twin Delayed Deep Deterministic policy gradient.
 * Fujimoto, van Hoof & Meger (2018), "Addressing Function Approximation Error
 * in Actor-Critic Methods", https://arxiv.org/abs/1802.09477
 *
 * Three changes to DDPG: twin critics whose minimum forms the target (against
 * over-estimation), target policy smoothing (clipped noise on the target
 * action), and a delayed actor (the actor and all targets move every
 * `policyDelay`-th critic step). Exploration is Gaussian noise on the
 * deterministic action.
 *
 * One update = one gradient step of both critics; every `policyDelay`-th update also one
 * actor step and the Polyak update of all three target networks:
 *
 *   ε ~ N(0, 1)                      (injectable: `options.noise`)
 *   a' = clip(π'(s') + clip(σ·ε, −c, c), −1, 1)
 *   y  = r + d·min(Q1'(s', a'), Q2'(s', a'))        d = γ·(1 − done), or given
 *   L_Q = mean((Q1(s,a) − y)²) + mean((Q2(s,a) − y)²)
 *   every policyDelay-th call:  L_π = −mean(Q1(s, π(s))) + λ·mean(π(s)²);  θ' ← τθ + (1−τ)θ'   (λ = actionL2)
 *
 * Actions are normalised to [−1, 1] (the actor ends in tanh; environments rescale).
 * Defaults are the paper's / CleanRL's: γ 0.99, τ 0.005, σ 0.2, c 0.5, delay 2, lr 3e-4.
 *
 * The file reads top to bottom: the arguments, the model (networks, targets,
 * optimisers), the update (td3Target, td3Update — also used as they are by the
 * benchmarks and the hierarchical learners), then the agent as the training loop sees
 * it. The batch and its bootstrap are shared with DDPG and SAC in critic-batch.ts.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng, rngStateFromJson, rngStateToJson } from "../core/rng.js";
import { Adam } from "../nn/adam.js";
import { Mlp } from "../nn/mlp.js";
import type { CheckpointContents } from "../nn/save-load.js";
import { bootstrapDiscount, checkBatchShapes, column, type CriticBatch } from "./critic-batch.js";
import { batchTensors, checkInput, type AgentShape, type OffPolicyAgent, type TransitionBatch, type ActMode, type ActResult } from "./agent.js";
import { checkRandomActionProb, explore } from "./exploration.js";

// ---------------------------------------------------------------- arguments

export interface Td3Args {
  /** Hidden layer sizes of actor and critics. */
  readonly hidden: readonly number[];
  /** Adam learning rate of the actor. */
  readonly actorLr: number;
  /** Adam learning rate of the critics. */
  readonly criticLr: number;
  /** Discount γ. */
  readonly gamma: number;
  /** Polyak rate τ of the target networks. */
  readonly tau: number;
  /** Std of the Gaussian exploration noise, in action units ([−1, 1]). */
  readonly explorationNoise: number;
  /** Probability of a uniform random action instead (HER's baselines: 0.3; default 0). */
  readonly randomActionProb: number;
  /** Std of the target policy smoothing noise. */
  readonly policyNoise: number;
  /** The smoothing noise is clipped to ±noiseClip. */
  readonly noiseClip: number;
  /** Actor and targets update every policyDelay-th critic update. */
  readonly policyDelay: number;
  /** Weight of the action penalty mean(π(s)²) in the actor loss (HER's baselines: 1; default 0). */
  readonly actionL2: number;
}

/** The paper's and CleanRL's defaults. */
export const TD3_ARGS: Td3Args = Object.freeze({
  hidden: [256, 256],
  actorLr: 3e-4,
  criticLr: 3e-4,
  gamma: 0.99,
  tau: 0.005,
  explorationNoise: 0.1,
  randomActionProb: 0,
  policyNoise: 0.2,
  noiseClip: 0.5,
  policyDelay: 2,
  actionL2: 0,
});

/** What td3Update needs of the arguments. */
export interface Td3Config {
  /** Discount γ, used only with `batch.done`. */
  gamma: number;
  /** Polyak rate τ of the target networks. */
  tau: number;
  /** Std σ of the target policy smoothing noise (action units). */
  policyNoise: number;
  /** The smoothing noise is clipped to ±noiseClip. */
  noiseClip: number;
  /** Actor and targets update every policyDelay-th call. */
  policyDelay: number;
  /** Weight λ of the action penalty mean(π(s)²) in the actor loss (HER's baselines: 1; default 0). */
  actionL2?: number;
}

export const TD3_DEFAULTS: Readonly<Td3Config> = Object.freeze({ gamma: 0.99, tau: 0.005, policyNoise: 0.2, noiseClip: 0.5, policyDelay: 2, actionL2: 0 });

// ---------------------------------------------------------------- model

/** Draws standard normal noise of a shape, e.g. from a seeded Rng. */
export type NoiseSource = (shape: [number, number]) => tf.Tensor2D;

/** A NoiseSource drawing from a seeded generator (reproducible, unlike tf.randomNormal). */
export function gaussianNoise(rng: Rng): NoiseSource {
  return ([rows, cols]) => {
    const data = new Float32Array(rows * cols);
    for (let i = 0; i < data.length; i++) data[i] = rng.normal();
    return tf.tensor2d(data, [rows, cols]);
  };
}

/** Networks, targets and optimisers of one TD3 learner. */
export interface Td3Model {
  /** π: obs → action in [−1, 1] (tanh output). */
  actor: Mlp;
  actorTarget: Mlp;
  /** Q1, Q2: concat(obs, action) → [B, 1]. */
  critic1: Mlp;
  critic2: Mlp;
  critic1Target: Mlp;
  critic2Target: Mlp;
  /** Adam over the actor's variables. */
  actorOptimizer: Adam;
  /** One Adam over critic1's then critic2's variables (as CleanRL's q_optimizer). */
  criticOptimizer: Adam;
  /** Standard normal noise for target policy smoothing. */
  noise: NoiseSource;
  /** The generator behind `noise` (its state goes into checkpoints so a resumed run continues exactly). */
  noiseRng: Rng;
  /** td3Update calls so far. */
  updates: number;
}

export interface Td3ModelOptions {
  obsDim: number;
  actDim: number;
  /** Hidden layer sizes of actor and critics. Default [256, 256]. */
  hidden?: readonly number[];
  /** Default 3e-4. */
  actorLr?: number;
  /** Default 3e-4. */
  criticLr?: number;
  /** Seeds weights and smoothing noise. Default 0. */
  seed?: number;
}

/** Builds actor, twin critics, their targets (copies) and optimisers. */
export function createTd3Model(options: Td3ModelOptions): Td3Model {
  const hidden = options.hidden ?? [256, 256];
  const rng = new Rng(options.seed ?? 0);
  const actorSizes = [options.obsDim, ...hidden, options.actDim];
  const criticSizes = [options.obsDim + options.actDim, ...hidden, 1];
  const actor = new Mlp({ sizes: actorSizes, outputActivation: "tanh", seed: rng.nextSeed() });
  const critic1 = new Mlp({ sizes: criticSizes, seed: rng.nextSeed() });
  const critic2 = new Mlp({ sizes: criticSizes, seed: rng.nextSeed() });
  const actorTarget = new Mlp({ sizes: actorSizes, outputActivation: "tanh" });
  const critic1Target = new Mlp({ sizes: criticSizes });
  const critic2Target = new Mlp({ sizes: criticSizes });
  actorTarget.copyFrom(actor);
  critic1Target.copyFrom(critic1);
  critic2Target.copyFrom(critic2);
  const noiseRng = new Rng(rng.nextSeed());
  return {
    actor,
    actorTarget,
    critic1,
    critic2,
    critic1Target,
    critic2Target,
    actorOptimizer: new Adam(actor.trainableVariables, { learningRate: options.actorLr ?? 3e-4 }),
    criticOptimizer: new Adam([...critic1.trainableVariables, ...critic2.trainableVariables], { learningRate: options.criticLr ?? 3e-4 }),
    noise: gaussianNoise(noiseRng),
    noiseRng,
    updates: 0,
  };
}

/** Disposes every network and optimiser of the model. */
export function disposeTd3Model(model: Td3Model): void {
  for (const net of [model.actor, model.actorTarget, model.critic1, model.critic2, model.critic1Target, model.critic2Target]) net.dispose();
  model.actorOptimizer.dispose();
  model.criticOptimizer.dispose();
}

/**
 * The model's networks and optimisers under fixed names, for saveCheckpoint /
 * loadCheckpoint (`meta` records the update count; restore it with
 * `model.updates = manifest.meta.updates`, `model.noiseRng.setState(meta.noiseRng)`).
 */
export function td3CheckpointContents(model: Td3Model): CheckpointContents {
  return {
    networks: {
      actor: model.actor,
      actorTarget: model.actorTarget,
      critic1: model.critic1,
      critic2: model.critic2,
      critic1Target: model.critic1Target,
      critic2Target: model.critic2Target,
    },
    optimizers: { actor: model.actorOptimizer, critic: model.criticOptimizer },
    meta: { updates: model.updates, noiseRng: model.noiseRng.state().map((v) => (Number.isNaN(v) ? null : v)) },
  };
}

// ---------------------------------------------------------------- update

export interface Td3UpdateOptions {
  /** Standard normal ε for the smoothing noise, [B, actDim]; default model.noise. */
  noise?: tf.Tensor2D;
  /** Read the losses back as numbers (a device sync); default true. */
  readLosses?: boolean;
}

export interface Td3UpdateResult {
  /** L_Q of this call (NaN when readLosses is false). */
  criticLoss: number;
  /** L_π when the actor was updated in this call (NaN when not read), else undefined. */
  actorLoss: number | undefined;
  /** Whether the actor and target networks were updated in this call. */
  actorUpdated: boolean;
}

function checkBatch(model: Td3Model, batch: CriticBatch, config: Td3Config, noise: tf.Tensor2D | undefined): void {
  const obsDim = model.actor.sizes[0]!;
  const actDim = model.actor.sizes[model.actor.sizes.length - 1]!;
  checkBatchShapes(batch, obsDim, actDim);
  const b = batch.obs.shape[0];
  if (noise !== undefined && (noise.shape.length !== 2 || noise.shape[0] !== b || noise.shape[1] !== actDim)) {
    throw new Error(`Expected noise of shape [${b}, ${actDim}] but got [${noise.shape.join(", ")}]`);
  }
  if (!(Number.isInteger(config.policyDelay) && config.policyDelay >= 1)) throw new RangeError(`policyDelay must be a positive integer, got ${config.policyDelay}`);
  if (!(config.tau >= 0 && config.tau <= 1)) throw new RangeError(`tau must be in [0, 1], got ${config.tau}`);
  if (!((config.actionL2 ?? 0) >= 0)) throw new RangeError(`actionL2 must be >= 0, got ${config.actionL2}`);
}

/**
 * The TD target y = r + d·min(Q1', Q2')(s', clip(π'(s') + clip(σε, ±c), ±1)) as a
 * [B, 1] tensor, computed without recording gradients. `noise` is ε ~ N(0, 1).
 */
export function td3Target(model: Td3Model, batch: CriticBatch, config: Td3Config, noise: tf.Tensor2D): tf.Tensor2D {
  const b = batch.obs.shape[0];
  return tf.tidy(() => {
    const smoothing = tf.clipByValue(tf.mul(noise, config.policyNoise), -config.noiseClip, config.noiseClip);
    const nextAction = tf.clipByValue(tf.add(model.actorTarget.apply(batch.nextObs), smoothing), -1, 1);
    const nextInput = tf.concat([batch.nextObs, nextAction as tf.Tensor2D], 1);
    const q = tf.minimum(model.critic1Target.apply(nextInput), model.critic2Target.apply(nextInput));
    const discount = bootstrapDiscount(batch, config.gamma);
    return tf.add(column(batch.reward, "reward", b), tf.mul(discount, q));
  });
}

/** One TD3 update (see the file header). Leaves no tensors behind. */
export function td3Update(model: Td3Model, batch: CriticBatch, config: Td3Config = TD3_DEFAULTS, options: Td3UpdateOptions = {}): Td3UpdateResult {
  const b = batch.obs.shape[0];
  const actDim = batch.action.shape[1];
  checkBatch(model, batch, config, options.noise);
  const readLosses = options.readLosses ?? true;
  const actionL2 = config.actionL2 ?? 0;
  model.updates += 1;
  const actorUpdated = model.updates % config.policyDelay === 0;
  let criticLoss = NaN;
  let actorLoss: number | undefined;

  tf.tidy(() => {
    const noise = options.noise ?? model.noise([b, actDim]);
    const y = td3Target(model, batch, config, noise);
    const input = tf.concat([batch.obs, batch.action], 1);
    const loss = model.criticOptimizer.minimize(() => {
      // The critics' input is data: skip its gradient.
      const e1 = tf.sub(model.critic1.apply(input, { inputGrad: false }), y);
      const e2 = tf.sub(model.critic2.apply(input, { inputGrad: false }), y);
      return tf.add(tf.mean(tf.square(e1)), tf.mean(tf.square(e2))) as tf.Scalar;
    });
    if (readLosses) criticLoss = loss.dataSync()[0]!;
  });

  if (actorUpdated) {
    tf.tidy(() => {
      const loss = model.actorOptimizer.minimize(() => {
        const action = model.actor.apply(batch.obs, { inputGrad: false });
        // Only the actor is optimised: the critic passes gradients to its input only.
        const q = model.critic1.apply(tf.concat([batch.obs, action], 1), { frozen: true });
        const l = tf.neg(tf.mean(q));
        return (actionL2 === 0 ? l : tf.add(l, tf.mul(tf.mean(tf.square(action)), actionL2))) as tf.Scalar;
      });
      if (readLosses) actorLoss = loss.dataSync()[0]!;
      else actorLoss = NaN;
    });
    model.actorTarget.polyakFrom(model.actor, config.tau);
    model.critic1Target.polyakFrom(model.critic1, config.tau);
    model.critic2Target.polyakFrom(model.critic2, config.tau);
  }
  return { criticLoss, actorLoss, actorUpdated };
}

// ---------------------------------------------------------------- agent

export class Td3 implements OffPolicyAgent {
  readonly name = "td3";
  readonly kind = "off-policy";
  readonly inputDim: number;
  readonly actDim: number;
  private readonly model: Td3Model;
  private readonly config: Td3Config;
  private readonly rng: Rng;

  constructor(shape: AgentShape, readonly args: Td3Args = TD3_ARGS) {
    checkRandomActionProb(args.randomActionProb);
    this.inputDim = shape.inputDim;
    this.actDim = shape.actDim;
    this.rng = new Rng(shape.seed + 1);
    this.model = createTd3Model({
      obsDim: shape.inputDim,
      actDim: shape.actDim,
      hidden: args.hidden,
      actorLr: args.actorLr,
      criticLr: args.criticLr,
      seed: shape.seed,
    });
    this.config = { gamma: args.gamma, tau: args.tau, policyNoise: args.policyNoise, noiseClip: args.noiseClip, policyDelay: args.policyDelay, actionL2: args.actionL2 };
  }

  get gamma(): number {
    return this.args.gamma;
  }

  /** V'(s) = min(Q1', Q2')(s, π'(s)), without the smoothing noise of the TD target. */
  targetValue(input: Float32Array, rows: number): Float32Array {
    checkInput(input, rows, this.inputDim);
    return tf.tidy(() => {
      const s = tf.tensor2d(input, [rows, this.inputDim]);
      const sa = tf.concat([s, this.model.actorTarget.apply(s)], 1);
      return tf.minimum(this.model.critic1Target.apply(sa), this.model.critic2Target.apply(sa)).dataSync() as Float32Array;
    });
  }

  act(input: Float32Array, rows: number, mode: ActMode): ActResult {
    checkInput(input, rows, this.inputDim);
    const out = tf.tidy(() => this.model.actor.apply(tf.tensor2d(input, [rows, this.inputDim])).dataSync() as Float32Array);
    return { actions: mode === "explore" ? explore(out, this.actDim, this.args.explorationNoise, this.args.randomActionProb, this.rng) : out };
  }

  update(batch: TransitionBatch): Record<string, number> {
    const tensors = batchTensors(batch, this.inputDim, this.actDim);
    try {
      const r = td3Update(this.model, tensors, this.config);
      return r.actorLoss === undefined ? { critic_loss: r.criticLoss } : { critic_loss: r.criticLoss, actor_loss: r.actorLoss };
    } finally {
      tf.dispose(Object.values(tensors));
    }
  }

  checkpointContents(): CheckpointContents {
    const c = td3CheckpointContents(this.model);
    return { ...c, meta: { ...(c.meta as object), rng: rngStateToJson(this.rng.state()) } };
  }

  restoreMeta(meta: unknown): void {
    const m = meta as { updates: number; noiseRng: Array<number | null>; rng: Array<number | null> };
    this.model.updates = m.updates;
    this.model.noiseRng.setState(rngStateFromJson(m.noiseRng));
    this.rng.setState(rngStateFromJson(m.rng));
  }

  dispose(): void {
    disposeTd3Model(this.model);
  }
}
