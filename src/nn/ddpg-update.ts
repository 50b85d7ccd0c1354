/**
 * The DDPG update (Lillicrap et al. 2015, "Continuous control with deep reinforcement
 * learning", https://arxiv.org/abs/1509.02971), in the form used by HER's OpenAI
 * baselines and CleanRL's ddpg_continuous_action, written once so that
 * src/algos/ddpg.ts and the hierarchical learners can share it.
 *
 * One call = one gradient step of the critic, one of the actor, and the Polyak update
 * of both target networks:
 *
 *   y   = r + d·Q'(s', π'(s'))                 d = γ·(1 − done), or given
 *   L_Q = mean((Q(s,a) − y)²)
 *   L_π = −mean(Q(s, π(s))) + λ·mean(π(s)²)    λ = actionL2 (HER's baselines: 1, else 0)
 *   θ' ← τθ + (1−τ)θ'                          for π' and Q'
 *
 * Actions are normalised to [−1, 1] (the actor ends in tanh; environments rescale).
 */
import * as tf from "@tensorflow/tfjs";
import { Mlp } from "./mlp.js";
import { Adam } from "./adam.js";
import { Rng } from "../core/rng.js";
import type { CheckpointContents } from "./save-load.js";
import type { Td3Batch } from "./td3-update.js";

/** A sampled batch (the same named tensors as TD3's: obs, action, reward, nextObs, done | discount). */
export type DdpgBatch = Td3Batch;

export interface DdpgConfig {
  /** Discount γ, used only with `batch.done`. */
  gamma: number;
  /** Polyak rate τ of the target networks. */
  tau: number;
  /** Weight λ of the action penalty mean(π(s)²) in the actor loss (HER's baselines: 1). */
  actionL2: number;
}

export const DDPG_DEFAULTS: Readonly<DdpgConfig> = Object.freeze({ gamma: 0.99, tau: 0.005, actionL2: 0 });

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

/** Column [B, 1] view of a [B] or [B, 1] tensor. */
function column(t: tf.Tensor, name: string, batch: number): tf.Tensor2D {
  if (t.size !== batch) throw new Error(`Expected ${name} of shape [${batch}] or [${batch}, 1] but got [${t.shape.join(", ")}]`);
  return tf.reshape(t, [batch, 1]);
}

/** The bootstrap multiplier d as [B, 1]: `batch.discount`, else γ·(1 − done). */
export function bootstrapDiscount(batch: Td3Batch, gamma: number): tf.Tensor2D {
  const b = batch.obs.shape[0];
  if (batch.discount !== undefined) return column(batch.discount, "discount", b);
  if (batch.done !== undefined) return tf.mul(tf.sub(1, column(batch.done, "done", b)), gamma);
  throw new Error("The batch needs `discount` or `done`");
}

/** Shape checks shared by the off-policy updates: obs/nextObs [B, obsDim], action [B, actDim]. */
export function checkBatchShapes(batch: Td3Batch, obsDim: number, actDim: number): void {
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
