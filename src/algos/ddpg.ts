/**
 * DDPG — Deep Deterministic Policy Gradient.
 * Lillicrap, Hunt, Pritzel, Heess, Erez, Tassa, Silver & Wierstra (2015),
 * "Continuous control with deep reinforcement learning", https://arxiv.org/abs/1509.02971
 *
 * A deterministic actor π(s) trained to climb one critic Q(s, a), which is trained
 * towards r + γ(1 − done)·Q'(s', π'(s')) with slowly moving (Polyak) target copies
 * of both networks. This is the variant of HER's OpenAI baselines and CleanRL's
 * ddpg_continuous_action: Gaussian exploration noise on the action (not the paper's
 * Ornstein–Uhlenbeck process), plain [256, 256] relu networks, the actor and the
 * targets updated on every critic step. HER's baselines also penalise large actions
 * in the actor loss (`actionL2`, 1 there; off by default here, as in CleanRL).
 *
 * One update = one gradient step of the critic, one of the actor, and the Polyak update
 * of both target networks:
 *
 *   y   = r + d·Q'(s', π'(s'))                 d = γ·(1 − done), or given
 *   L_Q = mean((Q(s,a) − y)²)
 *   L_π = −mean(Q(s, π(s))) + λ·mean(π(s)²)    λ = actionL2 (HER's baselines: 1, else 0)
 *   θ' ← τθ + (1−τ)θ'                          for π' and Q'
 *
 * Actions are normalised to [−1, 1] (the actor ends in tanh; environments rescale).
 *
 * The file reads top to bottom: the arguments, the model (networks, targets,
 * optimisers), the update (ddpgTarget, ddpgUpdate), then the agent as the training
 * loop sees it. The batch and its bootstrap are shared with TD3 and SAC in
 * critic-batch.ts.
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

export interface DdpgArgs {
  /** Hidden layer sizes of actor and critic. */
  readonly hidden: readonly number[];
  /** Adam learning rate of the actor. */
  readonly actorLr: number;
  /** Adam learning rate of the critic. */
  readonly criticLr: number;
  /** Discount γ. */
  readonly gamma: number;
  /** Polyak rate τ of the target networks. */
  readonly tau: number;
  /** Std of the Gaussian exploration noise, in action units ([−1, 1]). */
  readonly explorationNoise: number;
  /** Probability of a uniform random action instead (HER's baselines: 0.3; default 0). */
  readonly randomActionProb: number;
  /** Weight of the action penalty mean(π(s)²) in the actor loss (HER's baselines: 1). */
  readonly actionL2: number;
}

/** CleanRL's defaults, with the actor updated every step as in the paper and HER's baselines. */
export const DDPG_ARGS: DdpgArgs = Object.freeze({
  hidden: Object.freeze([256, 256]),
  actorLr: 3e-4,
  criticLr: 3e-4,
  gamma: 0.99,
  tau: 0.005,
  explorationNoise: 0.1,
  randomActionProb: 0,
  actionL2: 0,
});

/** What ddpgUpdate needs of the arguments. */
export interface DdpgConfig {
  /** Discount γ, used only with `batch.done`. */
  gamma: number;
  /** Polyak rate τ of the target networks. */
  tau: number;
  /** Weight λ of the action penalty mean(π(s)²) in the actor loss (HER's baselines: 1). */
  actionL2: number;
}

export const DDPG_DEFAULTS: Readonly<DdpgConfig> = Object.freeze({ gamma: 0.99, tau: 0.005, actionL2: 0 });

// ---------------------------------------------------------------- model

/** Networks, targets and optimisers of one DDPG learner. */
export interface DdpgModel {
  /** π: obs → action in [−1, 1] (tanh output). */
  actor: Mlp;
  actorTarget: Mlp;
  /** Q: concat(obs, action) → [B, 1]. */
  critic: Mlp;
  criticTarget: Mlp;
  actorOptimizer: Adam;
  criticOptimizer: Adam;
  /** ddpgUpdate calls so far. */
  updates: number;
}

export interface DdpgModelOptions {
  obsDim: number;
  actDim: number;
  /** Hidden layer sizes of actor and critic. Default [256, 256]. */
  hidden?: readonly number[];
  /** Default 3e-4. */
  actorLr?: number;
  /** Default 3e-4. */
  criticLr?: number;
  /** Seeds the initial weights. Default 0. */
  seed?: number;
}

/** Builds actor, critic, their targets (copies) and optimisers. */
export function createDdpgModel(options: DdpgModelOptions): DdpgModel {
  const hidden = options.hidden ?? [256, 256];
  const rng = new Rng(options.seed ?? 0);
  const actorSizes = [options.obsDim, ...hidden, options.actDim];
  const criticSizes = [options.obsDim + options.actDim, ...hidden, 1];
  const actor = new Mlp({ sizes: actorSizes, outputActivation: "tanh", seed: rng.nextSeed() });
  const critic = new Mlp({ sizes: criticSizes, seed: rng.nextSeed() });
  const actorTarget = new Mlp({ sizes: actorSizes, outputActivation: "tanh" });
  const criticTarget = new Mlp({ sizes: criticSizes });
  actorTarget.copyFrom(actor);
  criticTarget.copyFrom(critic);
  return {
    actor,
    actorTarget,
    critic,
    criticTarget,
    actorOptimizer: new Adam(actor.trainableVariables, { learningRate: options.actorLr ?? 3e-4 }),
    criticOptimizer: new Adam(critic.trainableVariables, { learningRate: options.criticLr ?? 3e-4 }),
    updates: 0,
  };
}

/** Disposes every network and optimiser of the model. */
export function disposeDdpgModel(model: DdpgModel): void {
  for (const net of [model.actor, model.actorTarget, model.critic, model.criticTarget]) net.dispose();
  model.actorOptimizer.dispose();
  model.criticOptimizer.dispose();
}

/** The model's networks and optimisers under fixed names, for saveCheckpoint / loadCheckpoint. */
export function ddpgCheckpointContents(model: DdpgModel): CheckpointContents {
  return {
    networks: { actor: model.actor, actorTarget: model.actorTarget, critic: model.critic, criticTarget: model.criticTarget },
    optimizers: { actor: model.actorOptimizer, critic: model.criticOptimizer },
    meta: { updates: model.updates },
  };
}

// ---------------------------------------------------------------- update

/** A sampled batch (the shared CriticBatch: obs, action, reward, nextObs, done | discount). */
export type DdpgBatch = CriticBatch;

export interface DdpgUpdateOptions {
  /** Read the losses back as numbers (a device sync); default true. */
  readLosses?: boolean;
}

export interface DdpgUpdateResult {
  /** L_Q (NaN when readLosses is false). */
  criticLoss: number;
  /** L_π (NaN when readLosses is false). */
  actorLoss: number;
}

/** The TD target y = r + d·Q'(s', π'(s')) as a [B, 1] tensor, computed without recording gradients. */
export function ddpgTarget(model: DdpgModel, batch: DdpgBatch, config: DdpgConfig): tf.Tensor2D {
  const b = batch.obs.shape[0];
  return tf.tidy(() => {
    const nextAction = model.actorTarget.apply(batch.nextObs, { inputGrad: false });
    const q = model.criticTarget.apply(tf.concat([batch.nextObs, nextAction], 1), { inputGrad: false });
    return tf.add(column(batch.reward, "reward", b), tf.mul(bootstrapDiscount(batch, config.gamma), q));
  });
}

/** One DDPG update (see the file header). Leaves no tensors behind. */
export function ddpgUpdate(model: DdpgModel, batch: DdpgBatch, config: DdpgConfig = DDPG_DEFAULTS, options: DdpgUpdateOptions = {}): DdpgUpdateResult {
  checkBatchShapes(batch, model.actor.sizes[0]!, model.actor.sizes[model.actor.sizes.length - 1]!);
  if (!(config.tau >= 0 && config.tau <= 1)) throw new RangeError(`tau must be in [0, 1], got ${config.tau}`);
  const readLosses = options.readLosses ?? true;
  model.updates += 1;
  let criticLoss = NaN;
  let actorLoss = NaN;

  tf.tidy(() => {
    const y = ddpgTarget(model, batch, config);
    const input = tf.concat([batch.obs, batch.action], 1);
    const loss = model.criticOptimizer.minimize(() => {
      // The critic's input is data: skip its gradient.
      const e = tf.sub(model.critic.apply(input, { inputGrad: false }), y);
      return tf.mean(tf.square(e)) as tf.Scalar;
    });
    if (readLosses) criticLoss = loss.dataSync()[0]!;
  });

  tf.tidy(() => {
    const loss = model.actorOptimizer.minimize(() => {
      const action = model.actor.apply(batch.obs, { inputGrad: false });
      // Only the actor is optimised: the critic passes gradients to its input only.
      const q = model.critic.apply(tf.concat([batch.obs, action], 1), { frozen: true });
      const l = tf.neg(tf.mean(q));
      return (config.actionL2 === 0 ? l : tf.add(l, tf.mul(tf.mean(tf.square(action)), config.actionL2))) as tf.Scalar;
    });
    if (readLosses) actorLoss = loss.dataSync()[0]!;
  });

  model.actorTarget.polyakFrom(model.actor, config.tau);
  model.criticTarget.polyakFrom(model.critic, config.tau);
  return { criticLoss, actorLoss };
}

// ---------------------------------------------------------------- agent

export class Ddpg implements OffPolicyAgent {
  readonly name = "ddpg";
  readonly kind = "off-policy";
  readonly inputDim: number;
  readonly actDim: number;
  private readonly model: DdpgModel;
  private readonly config: DdpgConfig;
  /** Exploration noise. */
  private readonly rng: Rng;

  constructor(shape: AgentShape, readonly args: DdpgArgs = DDPG_ARGS) {
    checkRandomActionProb(args.randomActionProb);
    this.inputDim = shape.inputDim;
    this.actDim = shape.actDim;
    this.rng = new Rng(shape.seed + 1);
    this.model = createDdpgModel({
      obsDim: shape.inputDim,
      actDim: shape.actDim,
      hidden: args.hidden,
      actorLr: args.actorLr,
      criticLr: args.criticLr,
      seed: shape.seed,
    });
    this.config = { gamma: args.gamma, tau: args.tau, actionL2: args.actionL2 };
  }

  get gamma(): number {
    return this.args.gamma;
  }

  /** V'(s) = Q'(s, π'(s)). */
  targetValue(input: Float32Array, rows: number): Float32Array {
    checkInput(input, rows, this.inputDim);
    return tf.tidy(() => {
      const s = tf.tensor2d(input, [rows, this.inputDim]);
      return this.model.criticTarget.apply(tf.concat([s, this.model.actorTarget.apply(s)], 1)).dataSync() as Float32Array;
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
      const r = ddpgUpdate(this.model, tensors, this.config);
      return { critic_loss: r.criticLoss, actor_loss: r.actorLoss };
    } finally {
      tf.dispose(Object.values(tensors));
    }
  }

  checkpointContents(): CheckpointContents {
    const c = ddpgCheckpointContents(this.model);
    return { ...c, meta: { updates: this.model.updates, rng: rngStateToJson(this.rng.state()) } };
  }

  restoreMeta(meta: unknown): void {
    const m = meta as { updates?: unknown; rng?: unknown } | null;
    if (m === null || typeof m !== "object" || !Number.isInteger(m.updates) || !Array.isArray(m.rng)) {
      throw new Error(`DDPG checkpoint meta must be {updates, rng}, got ${JSON.stringify(meta)}`);
    }
    this.model.updates = m.updates as number;
    this.rng.setState(rngStateFromJson(m.rng as Array<number | null>));
  }

  dispose(): void {
    disposeDdpgModel(this.model);
  }
}
