/**
 * BNPO — "Bellman with (Natural and) Policy Optimization": a DDPG brain and a PPO
 * brain take turns training one Gaussian actor through one critic Q(s, μ, σ).
 * rezer0dai, "BNPO: Bellman with Natural and Policy Optimization" (blog post and
 * code: https://github.com/rezer0dai/bnpo, `alchemy/brain.py`, `utils/rl_algos.py`,
 * `utils/policy.py`, `model.py`; settings from `BPO.ipynb`).
 *
 * The actor has a PPO head: a mean μ(s) (an MLP with linear output, as the BPO
 * notebook's `f_mean_clip = identity`) and a scale σ = exp(tanh(ρ)) with ρ one
 * state-independent parameter per action dimension (`PPOHead.log_std`, 0 at
 * start, so σ ∈ [e⁻¹, e]; `logStdMin`/`logStdMax` widen the range). The critic does not see the played action: it takes
 * the policy's (μ, σ), so the DDPG brain can climb it through μ and the PPO brain
 * can read an advantage from it. Each brain keeps its own target actor and its
 * own Adam over the actor; the critic and its target are shared.
 *
 *   π(·|s) = N(μ(s), σ²)        a = clip(μ + σ·ε, −1, 1)        "deterministic": clip(μ, −1, 1)
 *   y   = r + d·Q'(s', μ'_i(s'), σ'_i)            d = γ·(1 − done), or given per sample
 *   L_Q = mean((Q(s, μ_b, σ_b) − y)²)             (μ_b, σ_b): the behaviour policy, see below
 *   DDPG brain:  L = −mean(Q(s, μ(s), sg(σ)))     σ detached (the author's `mean_only`)
 *   PPO brain:   A = sg(y − Q(s, μ(s), σ))        r = exp((log π(a|s) − log π_b(a|s)) / actDim)
 *                L = −mean(min(min(r, 100)·A, clip(r, 1 − ε, 1 + ε)·A))
 *   Q' ← τQ + (1 − τ)Q' every update;  μ'_k, ρ'_k ← τ·(μ, ρ) + (1 − τ)·(μ'_k, ρ'_k) every
 *   syncEvery_k-th update of brain k (the brain that ran)
 *
 * i, the target actor bootstrapped from: the PPO brain its own, the DDPG brain one
 * of the running brains' at random (`separate_actors` True / False). Within one
 * update the actor moves first (with the critic before its step), then the critic,
 * then the targets, as `Brain._learn`. Both steps clip the gradients' global norm to
 * 1 (`clip_norm`). As the author: no advantage normalisation; the log-ratio is the
 * mean over action dimensions (`log_prob(actions).mean(1)`), not the sum; the ratio
 * is capped at 100; the DDPG loss's value is −mean(Q) here, mean(y − Q) there (the
 * same gradient).
 *
 * The behaviour (old) policy. The author stores, with every transition, the
 * explorer's (μ_b, σ_b) and log π_b(a|s) as it acted (`Task.step`: `q_action`,
 * `log_prob`; `stable_probs=False`), trains the critic on Q(s, μ_b, σ_b) and takes
 * log π_b as PPO's denominator. So does this agent: `act("explore")` returns them
 * as the extras `mean`, `std` and `logProb` (Σ_j over dimensions, of the clipped
 * action), `storedExtras` has replay keep them with every transition (every
 * storage path: the ring, HER, credit windows, the two-layer replay), and
 * `update` reads them from `batch.extras`, those of the step the action was
 * taken in. With a hindsight goal they are still the explorer's under the goal
 * it lived (relabelling changes the goal the row trains for, not how it acted).
 * Where a row has no behaviour — a batch without extras (the unit tests' hand
 * batches), or a row of NaN: the learner's uniform random warm-up actions, which
 * no Gaussian of the actor drew — the running brain's target actor stands in,
 * row by row (its (μ'_k(s), σ'_k) as the critic's input, log π'_k(a|s) as PPO's
 * old log-prob). It trails the explorer (τ 0.1) as the replay's behaviour trails
 * it, and when target and explorer agree the PPO ratio is 1. Log-probs are of the
 * stored action (in [−1, 1]); the author's of the unclipped sample (Unity clips).
 *
 * The schedule. `BPO.ipynb` runs, per env step of 20 envs, the DDPG brain every
 * 10th step (one round of 2 batches of 512) and the PPO brain every 60th (6 rounds
 * of one batch of 2048, before the DDPG brain's round of that step): 12 DDPG-brain
 * updates, then 6 PPO-brain updates, over and over. The core calls `update` k times
 * per env step, and `update` runs that cycle by count (`ddpgUpdates`, `ppoUpdates`;
 * `brains` ddpg or ppo: only that brain). The author's rate, 18 updates per 60 steps
 * of 20 envs, is `--updates-per-step 0.015`.
 *
 * Each brain's data. The author gives each brain a memory of its own (the blog's
 * `BrainDescription`s): the DDPG brain 20·MAX_STEPS·200 transitions with HER, the
 * PPO brain a small window of the newest 20·MAX_STEPS·5 transitions and no HER
 * (MAX_STEPS = 60, the chunks the author cuts Reacher's episodes into). Before each
 * update the core asks `nextBatch` what batch to sample (a BatchRequest,
 * src/algos/agent.ts), and BNPO asks for the next brain's:
 *   DDPG brain: `ddpgBatchSize` rows from all of replay, hindsight goals as the run
 *               configures them (--her, --her-k);
 *   PPO brain:  `ppoBatchSize` rows among the `ppoMemory` (6000) most recently stored
 *               transitions, goals as lived (relabel false), rewarded as the run's
 *               replay rewards lived goals (the reward model when it scores every row:
 *               HER, black-box, GAHIL; else the env's reward).
 * `update` takes the whole batch it is given; `--batch-size` does not matter for BNPO
 * (every batch is one of these requests). `nextBatch` only reads the cycle position
 * and `update` moves it, so request and brain cannot part; a checkpoint keeps the
 * position (meta `cycle`), so a resumed run asks for the brain it updates next.
 * Before the requests existed both brains drew the same hindsight-relabelled batches
 * from all of replay, and the PPO brain's ratio against the stored behaviour policy
 * left [1 − ε, 1 + ε] on nearly every row (clip fraction 0.999 on ReacherMoving-v0):
 * the stored log π_b are old explorers', taken under the goal lived, and most rows
 * trained for a hindsight goal.
 *
 * Not reproduced (the core's storage or more machinery): two separate memories
 * (here one replay of --buffer-size transitions is the DDPG brain's, and the PPO
 * brain's is its newest `ppoMemory` window: the transitions the author's ring of
 * 6000 would hold, taken per env lane, see BatchRequest.recent); the PPO brain's
 * own two-layer fast memory (optim_pool_size, recalc_delay 3: here, with --replay
 * two-layer, a recent batch is credited fresh every time) and per-brain credit
 * (one --credit serves both brains); importance-ratio prioritised replay; the
 * author's floating n-step GAE credit (storage's: a given `discount` is used,
 * `targetValue` serves GAE); the NoisyNet parameter noise of the author's actor
 * (here a plain MLP); the critic's preprocessing layers; natural gradients; and
 * evaluation by sampling each brain's target actor (here the explorer's μ).
 * Without the noise, the critic's (μ, σ) at a state vary only as much as the
 * explorer moved over the replay's history (the stored μ_b), and not at all where
 * the target actor stands in (one μ per state at a time, no slope in μ to offer):
 * alone on the unit bandit, whose batches carry no extras, the DDPG brain drifts;
 * the PPO brain carries learning.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng, rngStateFromJson, rngStateToJson } from "../core/rng.js";
import { Adam } from "../nn/adam.js";
import { clipByGlobalNorm } from "../nn/clip-grad.js";
import { Mlp } from "../nn/mlp.js";
import type { CheckpointContents } from "../nn/save-load.js";
import { bootstrapDiscount, checkBatchShapes, column, type CriticBatch } from "./critic-batch.js";
import { batchTensors, checkInput, type ActMode, type ActResult, type AgentShape, type BatchRequest, type OffPolicyAgent, type TransitionBatch } from "./agent.js";
import { gaussianLogProb } from "./ppo.js";

// ---------------------------------------------------------------- arguments

/** The two ways of training the actor. */
export type Brain = "ddpg" | "ppo";
export const BRAIN_CHOICES = ["both", "ddpg", "ppo"] as const;

export interface BnpoArgs {
  /** Which brains train the actor: both (BNPO), or one of its halves (the ablation). */
  readonly brains: (typeof BRAIN_CHOICES)[number];
  /** Hidden layer sizes of actor and critic (relu). */
  readonly hidden: readonly number[];
  /** Adam learning rate of the critic. */
  readonly criticLr: number;
  /** Adam learning rate of the DDPG brain's actor steps. */
  readonly ddpgLr: number;
  /** Adam learning rate of the PPO brain's actor steps. */
  readonly ppoLr: number;
  /** Rows of each DDPG-brain batch (its request's rows: --batch-size does not matter). */
  readonly ddpgBatchSize: number;
  /** Rows of each PPO-brain batch (its request's rows: --batch-size does not matter). */
  readonly ppoBatchSize: number;
  /**
   * The PPO brain's memory: its batches come from the `ppoMemory` most recently
   * stored transitions (its request's recent). The author's memory_size
   * 20 × MAX_STEPS × 5 = 6000: 20 arms, MAX_STEPS = 60 (the author's episode
   * chunks), five chunks of every arm.
   */
  readonly ppoMemory: number;
  /** DDPG-brain updates per cycle (with brains=both). */
  readonly ddpgUpdates: number;
  /** PPO-brain updates per cycle, after the DDPG brain's (with brains=both). */
  readonly ppoUpdates: number;
  /** Discount γ (used when the batch gives no per-sample discount). */
  readonly gamma: number;
  /** Polyak rate τ of the critic's and the actors' targets. */
  readonly tau: number;
  /** The DDPG brain's target actor moves every ddpgSyncEvery-th update of that brain. */
  readonly ddpgSyncEvery: number;
  /** The PPO brain's target actor moves every ppoSyncEvery-th update of that brain (BPO.ipynb: 2; the blog's listing: 3). */
  readonly ppoSyncEvery: number;
  /** PPO's clip ε. */
  readonly clipEps: number;
  /** Global gradient-norm clip of every actor and critic step. */
  readonly clipNorm: number;
  /** Initial ρ, the author's `log_std` parameter (σ = 1 at 0 with the default range). */
  readonly initLogStd: number;
  /** log σ = logStdMin + ½(logStdMax − logStdMin)(tanh ρ + 1); −1 and 1 give the author's σ = exp(tanh ρ). */
  readonly logStdMin: number;
  /** See logStdMin. */
  readonly logStdMax: number;
}

/**
 * The author's settings: BPO.ipynb's, and ppoMemory from the blog's BrainDescription
 * (see the file header for the schedule and each brain's data). The run's
 * --batch-size does not matter for BNPO: ddpgBatchSize and ppoBatchSize are the rows
 * each brain's nextBatch asks for; --buffer-size is the DDPG brain's memory.
 */
export const BNPO_ARGS: BnpoArgs = Object.freeze({
  brains: "both",
  hidden: Object.freeze([400, 300]),
  criticLr: 3e-4,
  ddpgLr: 3e-5,
  ppoLr: 1e-3,
  ddpgBatchSize: 512,
  ppoBatchSize: 2048,
  ppoMemory: 20 * 60 * 5,
  ddpgUpdates: 12,
  ppoUpdates: 6,
  gamma: 0.99,
  tau: 0.1,
  ddpgSyncEvery: 1,
  ppoSyncEvery: 2,
  clipEps: 0.2,
  clipNorm: 1,
  initLogStd: 0,
  logStdMin: -1,
  logStdMax: 1,
});

/** What bnpoUpdate needs of the arguments. */
export type BnpoConfig = Pick<BnpoArgs, "brains" | "gamma" | "tau" | "ddpgSyncEvery" | "ppoSyncEvery" | "clipEps" | "clipNorm">;

/** The most the PPO ratio may weigh an advantage (the author's clamp(ratio, max=100)). */
const RATIO_CAP = 100;

// ---------------------------------------------------------------- model

/** The range of log σ; [−1, 1] is the author's σ = exp(tanh ρ). */
export interface LogStdRange {
  readonly min: number;
  readonly max: number;
}

/** π(·|s) = N(μ(s), σ²): μ an MLP with linear output, log σ = tanh ρ rescaled to the range, ρ [1, actDim]. */
export class GaussianActor {
  readonly mean: Mlp;
  readonly rho: tf.Variable;

  constructor(sizes: readonly number[], initLogStd: number, readonly range: LogStdRange = { min: -1, max: 1 }, seed?: number) {
    this.mean = new Mlp({ sizes, ...(seed === undefined ? {} : { seed }) });
    this.rho = tf.tidy(() => tf.variable(tf.fill([1, sizes[sizes.length - 1]!], initLogStd), true));
  }

  /** μ(s) [B, actDim] and log σ tiled to [B, actDim]. */
  apply(obs: tf.Tensor2D, options: { inputGrad?: boolean } = {}): { mean: tf.Tensor2D; logStd: tf.Tensor2D } {
    const mean = this.mean.apply(obs, options);
    const { min, max } = this.range;
    const logStd = tf.add(min, tf.mul(0.5 * (max - min), tf.add(tf.tanh(this.rho), 1)));
    return { mean, logStd: tf.tile(logStd, [obs.shape[0], 1]) as tf.Tensor2D };
  }

  /** The MLP's weights, then ρ: what optimisers and checkpoints see. */
  get trainableVariables(): tf.Variable[] {
    return [...this.mean.trainableVariables, this.rho];
  }

  copyFrom(other: GaussianActor): void {
    this.mean.copyFrom(other.mean);
    tf.tidy(() => this.rho.assign(tf.clone(other.rho)));
  }

  /** θ ← τ·θ_other + (1 − τ)·θ for μ's weights and ρ. */
  polyakFrom(other: GaussianActor, tau: number): void {
    this.mean.polyakFrom(other.mean, tau);
    tf.tidy(() => this.rho.assign(tf.add(this.rho, tf.mul(tf.sub(other.rho, this.rho), tau))));
  }

  dispose(): void {
    this.mean.dispose();
    this.rho.dispose();
  }
}

/** Networks, targets and optimisers of one BNPO learner. */
export interface BnpoModel {
  /** The explorer: acts, and both brains train it. */
  actor: GaussianActor;
  /** One target actor per brain. */
  targets: Record<Brain, GaussianActor>;
  /** Q: concat(s, μ, σ) → [B, 1]. */
  critic: Mlp;
  criticTarget: Mlp;
  criticOptimizer: Adam;
  /** One Adam over the actor per brain (the author's BrainOptimizer). */
  actorOptimizers: Record<Brain, Adam>;
  /** Updates each brain has run. */
  updates: Record<Brain, number>;
  /** Picks the DDPG brain's bootstrap actor (its state goes into checkpoints). */
  targetRng: Rng;
}

export interface BnpoModelOptions {
  obsDim: number;
  actDim: number;
  hidden: readonly number[];
  criticLr: number;
  ddpgLr: number;
  ppoLr: number;
  initLogStd: number;
  logStdRange: LogStdRange;
  /** Seeds the initial weights and targetRng. */
  seed: number;
}

/** Builds the actor, the critic, their targets (copies) and the optimisers. */
export function createBnpoModel(o: BnpoModelOptions): BnpoModel {
  const rng = new Rng(o.seed);
  const actorSizes = [o.obsDim, ...o.hidden, o.actDim];
  const criticSizes = [o.obsDim + 2 * o.actDim, ...o.hidden, 1];
  const actor = new GaussianActor(actorSizes, o.initLogStd, o.logStdRange, rng.nextSeed());
  const critic = new Mlp({ sizes: criticSizes, seed: rng.nextSeed() });
  const targets = { ddpg: new GaussianActor(actorSizes, o.initLogStd, o.logStdRange), ppo: new GaussianActor(actorSizes, o.initLogStd, o.logStdRange) };
  targets.ddpg.copyFrom(actor);
  targets.ppo.copyFrom(actor);
  const criticTarget = new Mlp({ sizes: criticSizes });
  criticTarget.copyFrom(critic);
  return {
    actor,
    targets,
    critic,
    criticTarget,
    criticOptimizer: new Adam(critic.trainableVariables, { learningRate: o.criticLr }),
    actorOptimizers: {
      ddpg: new Adam(actor.trainableVariables, { learningRate: o.ddpgLr }),
      ppo: new Adam(actor.trainableVariables, { learningRate: o.ppoLr }),
    },
    updates: { ddpg: 0, ppo: 0 },
    targetRng: new Rng(rng.nextSeed()),
  };
}

export function disposeBnpoModel(model: BnpoModel): void {
  for (const net of [model.actor, model.targets.ddpg, model.targets.ppo, model.critic, model.criticTarget]) net.dispose();
  for (const opt of [model.criticOptimizer, model.actorOptimizers.ddpg, model.actorOptimizers.ppo]) opt.dispose();
}

/** Q(s, μ, σ), [B, 1] (inside a tidy). */
export function bnpoQ(critic: Mlp, obs: tf.Tensor2D, mean: tf.Tensor2D, std: tf.Tensor2D, options: { inputGrad?: boolean; frozen?: boolean } = {}): tf.Tensor2D {
  return critic.apply(tf.concat([obs, mean, std], 1), options);
}

// ---------------------------------------------------------------- update

/**
 * A sampled batch (the shared CriticBatch) and, when storage keeps them, the
 * behaviour policy's extras at s: mean and std [B, actDim], logProb [B].
 */
export interface BnpoBatch extends CriticBatch {
  mean?: tf.Tensor2D;
  std?: tf.Tensor2D;
  logProb?: tf.Tensor;
}

export interface BnpoUpdateResult {
  /** L_Q. */
  criticLoss: number;
  /** The brain's actor loss. */
  actorLoss: number;
  /** PPO brain: the fraction of rows whose ratio left [1 − ε, 1 + ε]; DDPG brain: undefined. */
  clipFrac?: number;
}

/** Which target actor the brain bootstraps from: the PPO brain its own, the DDPG brain a running brain's at random. */
export function bootstrapActor(model: BnpoModel, brain: Brain, brains: BnpoArgs["brains"]): Brain {
  if (brain === "ppo" || brains !== "both") return brain;
  return model.targetRng.uniform() < 0.5 ? "ppo" : "ddpg";
}

/** y = r + d·Q'(s', μ'_i(s'), σ'_i) as [B, 1], without gradients. */
export function bnpoTarget(model: BnpoModel, batch: CriticBatch, from: Brain, gamma: number): tf.Tensor2D {
  const b = batch.obs.shape[0];
  return tf.tidy(() => {
    const next = model.targets[from].apply(batch.nextObs, { inputGrad: false });
    const q = bnpoQ(model.criticTarget, batch.nextObs, next.mean, tf.exp(next.logStd), { inputGrad: false });
    return tf.add(column(batch.reward, "reward", b), tf.mul(bootstrapDiscount(batch, gamma), q));
  });
}

/**
 * The behaviour policy at s (see the file header): the batch's extras when it has
 * them, else the brain's target actor; rows of the extras holding a NaN (random
 * warm-up actions) take the target actor's too. mean, std [B, actDim]; logProb [B] (Σ_j).
 */
export function behaviourPolicy(model: BnpoModel, brain: Brain, batch: BnpoBatch): { mean: tf.Tensor2D; std: tf.Tensor2D; logProb: tf.Tensor1D } {
  const b = batch.obs.shape[0];
  const given = [batch.mean, batch.std, batch.logProb].filter((t) => t !== undefined).length;
  if (given > 0 && given < 3) throw new Error("The batch's behaviour policy needs all of mean, std and logProb");
  const target = () => {
    const { mean, logStd } = model.targets[brain].apply(batch.obs, { inputGrad: false });
    return { mean, std: tf.exp(logStd), logProb: gaussianLogProb(batch.action, mean, logStd) };
  };
  if (given === 0) return tf.tidy(target);
  return tf.tidy(() => {
    const mean = batch.mean!;
    const std = batch.std!;
    const logProb = tf.reshape(column(batch.logProb!, "logProb", b), [b]) as tf.Tensor1D;
    const missing = tf.any(tf.isNaN(tf.concat([mean, std, tf.reshape(logProb, [b, 1])], 1)), 1) as tf.Tensor1D;
    if (tf.any(missing).dataSync()[0] === 0) return { mean: mean.clone(), std: std.clone(), logProb };
    const stand = target();
    const rows = tf.tile(tf.reshape(missing, [b, 1]), [1, mean.shape[1]]) as tf.Tensor2D;
    return { mean: tf.where(rows, stand.mean, mean), std: tf.where(rows, stand.std, std), logProb: tf.where(missing, stand.logProb, logProb) };
  });
}

/** One Adam step on `loss` with the gradients' global norm clipped to `clipNorm`; returns the loss. */
function clippedStep(optimizer: Adam, loss: () => tf.Scalar, clipNorm: number): number {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(loss, [...optimizer.variables]);
    // A variable the loss does not reach (ρ in the DDPG brain's loss) has no gradient and does not move.
    const names = Object.keys(grads);
    const { clipped } = clipByGlobalNorm(names.map((n) => grads[n]!), clipNorm);
    optimizer.applyGradients(Object.fromEntries(names.map((n, i) => [n, clipped[i]!])));
    return value.dataSync()[0]!;
  });
}

/** The PPO brain's clipped surrogate (see the file header) and its clip fraction; log-probs are Σ_j, [B]. */
export function bnpoPpoLoss(newLogProb: tf.Tensor1D, oldLogProb: tf.Tensor1D, advantages: tf.Tensor1D, actDim: number, eps: number): { loss: tf.Scalar; clipFrac: tf.Scalar } {
  // The cap is taken on the log-ratio: exp of a large log-ratio is Infinity in float32, and its
  // gradient through min(ratio, cap) is then Infinity·0 = NaN (a replayed row whose goal or input
  // statistics changed since it was played can be that far off). Above the cap both terms are flat.
  const ratio = tf.exp(tf.minimum(tf.div(tf.sub(newLogProb, oldLogProb), actDim), Math.log(RATIO_CAP)));
  const surrogate = tf.minimum(tf.mul(ratio, advantages), tf.mul(tf.clipByValue(ratio, 1 - eps, 1 + eps), advantages));
  return {
    loss: tf.neg(tf.mean(surrogate)) as tf.Scalar,
    clipFrac: tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), eps), "float32")) as tf.Scalar,
  };
}

/** One update of `brain` (see the file header). Leaves no tensors behind. */
export function bnpoUpdate(model: BnpoModel, brain: Brain, batch: BnpoBatch, config: BnpoConfig): BnpoUpdateResult {
  const actDim = model.actor.rho.shape[1]!;
  checkBatchShapes(batch, model.actor.mean.sizes[0]!, actDim);
  const b = batch.obs.shape[0];
  const from = bootstrapActor(model, brain, config.brains);
  model.updates[brain] += 1;
  let result: BnpoUpdateResult | undefined;
  tf.tidy(() => {
    const y = bnpoTarget(model, batch, from, config.gamma);
    const behaviour = behaviourPolicy(model, brain, batch);
    let actorLoss: number;
    let clipFrac: number | undefined;
    if (brain === "ddpg") {
      // σ enters as a constant: the DDPG brain moves μ only.
      const std = tf.exp(model.actor.apply(batch.obs, { inputGrad: false }).logStd);
      actorLoss = clippedStep(
        model.actorOptimizers.ddpg,
        () => tf.neg(tf.mean(bnpoQ(model.critic, batch.obs, model.actor.mean.apply(batch.obs, { inputGrad: false }), std, { frozen: true }))) as tf.Scalar,
        config.clipNorm,
      );
    } else {
      const now = model.actor.apply(batch.obs, { inputGrad: false });
      const advantages = tf.reshape(tf.sub(y, bnpoQ(model.critic, batch.obs, now.mean, tf.exp(now.logStd), { inputGrad: false })), [b]) as tf.Tensor1D;
      let frac: tf.Scalar | undefined;
      actorLoss = clippedStep(
        model.actorOptimizers.ppo,
        () => {
          const { mean, logStd } = model.actor.apply(batch.obs, { inputGrad: false });
          const p = bnpoPpoLoss(gaussianLogProb(batch.action, mean, logStd), behaviour.logProb, advantages, actDim, config.clipEps);
          frac = tf.keep(p.clipFrac);
          return p.loss;
        },
        config.clipNorm,
      );
      clipFrac = frac!.dataSync()[0]!;
      frac!.dispose();
    }
    const criticLoss = clippedStep(
      model.criticOptimizer,
      () => tf.mean(tf.square(tf.sub(bnpoQ(model.critic, batch.obs, behaviour.mean, behaviour.std, { inputGrad: false }), y))) as tf.Scalar,
      config.clipNorm,
    );
    result = { criticLoss, actorLoss, ...(clipFrac === undefined ? {} : { clipFrac }) };
  });
  model.criticTarget.polyakFrom(model.critic, config.tau);
  const every = brain === "ddpg" ? config.ddpgSyncEvery : config.ppoSyncEvery;
  if (model.updates[brain] % every === 0) model.targets[brain].polyakFrom(model.actor, config.tau);
  return result!;
}

// ---------------------------------------------------------------- agent

export class Bnpo implements OffPolicyAgent {
  readonly name = "bnpo";
  readonly kind = "off-policy";
  readonly inputDim: number;
  readonly actDim: number;
  /** The behaviour policy as it acted (see the file header): μ_b [actDim], σ_b [actDim], log π_b(a|s) [1] per transition. */
  readonly storedExtras: Readonly<Record<string, number>>;
  private readonly model: BnpoModel;
  private readonly config: BnpoConfig;
  /** Exploration noise. */
  private readonly rng: Rng;
  /** Updates taken in the current cycle of ddpgUpdates + ppoUpdates. */
  private cycle = 0;
  /** Each brain's batch request (see the file header). */
  private readonly requests: Readonly<Record<Brain, BatchRequest>>;

  constructor(shape: AgentShape, readonly args: BnpoArgs = BNPO_ARGS) {
    if (!BRAIN_CHOICES.includes(args.brains)) throw new RangeError(`brains must be one of ${BRAIN_CHOICES.join(", ")}, got ${JSON.stringify(args.brains)}`);
    for (const k of ["ddpgBatchSize", "ppoBatchSize", "ppoMemory", "ddpgUpdates", "ppoUpdates", "ddpgSyncEvery", "ppoSyncEvery"] as const) {
      if (!(Number.isInteger(args[k]) && args[k] >= 1)) throw new RangeError(`${k} must be a positive integer, got ${args[k]}`);
    }
    if (!(args.tau >= 0 && args.tau <= 1)) throw new RangeError(`tau must be in [0, 1], got ${args.tau}`);
    if (!(args.logStdMin < args.logStdMax)) throw new RangeError(`logStdMin must be below logStdMax, got ${args.logStdMin} and ${args.logStdMax}`);
    if (!(args.clipEps > 0 && args.clipNorm > 0)) throw new RangeError(`clipEps and clipNorm must be positive, got ${args.clipEps} and ${args.clipNorm}`);
    this.inputDim = shape.inputDim;
    this.actDim = shape.actDim;
    this.storedExtras = Object.freeze({ mean: shape.actDim, std: shape.actDim, logProb: 1 });
    this.rng = new Rng(shape.seed + 1);
    this.model = createBnpoModel({ obsDim: shape.inputDim, actDim: shape.actDim, hidden: args.hidden, criticLr: args.criticLr, ddpgLr: args.ddpgLr, ppoLr: args.ppoLr, initLogStd: args.initLogStd, logStdRange: { min: args.logStdMin, max: args.logStdMax }, seed: shape.seed });
    this.requests = Object.freeze({
      ddpg: Object.freeze({ rows: args.ddpgBatchSize }),
      ppo: Object.freeze({ rows: args.ppoBatchSize, recent: args.ppoMemory, relabel: false }),
    });
    this.config = { brains: args.brains, gamma: args.gamma, tau: args.tau, ddpgSyncEvery: args.ddpgSyncEvery, ppoSyncEvery: args.ppoSyncEvery, clipEps: args.clipEps, clipNorm: args.clipNorm };
  }

  get gamma(): number {
    return this.args.gamma;
  }

  /**
   * V'(s) = Q'(s, μ'(s), σ') for n-step GAE credit (the author's `qa_future`, which
   * reads the stored behaviour (μ_b, σ_b)): the DDPG brain's target actor stands in
   * for the behaviour, the PPO brain's with brains=ppo.
   */
  targetValue(input: Float32Array, rows: number): Float32Array {
    checkInput(input, rows, this.inputDim);
    return tf.tidy(() => {
      const s = tf.tensor2d(input, [rows, this.inputDim]);
      const { mean, logStd } = this.model.targets[this.args.brains === "ppo" ? "ppo" : "ddpg"].apply(s, { inputGrad: false });
      return bnpoQ(this.model.criticTarget, s, mean, tf.exp(logStd), { inputGrad: false }).dataSync() as Float32Array;
    });
  }

  /** "explore": a ~ N(μ, σ²) clipped to [−1, 1], with the extras mean, std, logProb; "deterministic": clip(μ, −1, 1). */
  act(input: Float32Array, rows: number, mode: ActMode): ActResult {
    checkInput(input, rows, this.inputDim);
    return tf.tidy(() => {
      const { mean, logStd } = this.model.actor.apply(tf.tensor2d(input, [rows, this.inputDim]), { inputGrad: false });
      if (mode === "deterministic") return { actions: tf.clipByValue(mean, -1, 1).dataSync() as Float32Array };
      const noise = Float32Array.from({ length: rows * this.actDim }, () => this.rng.normal());
      const std = tf.exp(logStd);
      const action = tf.clipByValue(tf.add(mean, tf.mul(std, tf.tensor2d(noise, [rows, this.actDim]))), -1, 1) as tf.Tensor2D;
      return {
        actions: action.dataSync() as Float32Array,
        extras: { mean: mean.dataSync() as Float32Array, std: std.dataSync() as Float32Array, logProb: gaussianLogProb(action, mean, logStd).dataSync() as Float32Array },
      };
    });
  }

  /** The brain that takes the next update. */
  nextBrain(): Brain {
    if (this.args.brains !== "both") return this.args.brains;
    return this.cycle < this.args.ddpgUpdates ? "ddpg" : "ppo";
  }

  /**
   * The batch the next update's brain wants (see the file header): the DDPG
   * brain ddpgBatchSize rows of all of replay, HER as configured; the PPO brain
   * ppoBatchSize rows of the ppoMemory newest transitions, goals as lived.
   * Reads the cycle position only: `update` moves it.
   */
  nextBatch(): BatchRequest {
    return this.requests[this.nextBrain()];
  }

  /**
   * One update of the next brain on the whole batch (the one its `nextBatch`
   * asked for); losses named after the brain. The behaviour policy comes from
   * `batch.extras` (mean, std, logProb) when the batch has them (see the file header).
   */
  update(batch: TransitionBatch): Record<string, number> {
    const rows = batch.rows;
    if (!(Number.isSafeInteger(rows) && rows >= 1)) throw new Error(`BNPO update: a batch needs at least 1 row, got rows = ${rows}`);
    const { inputDim: n, actDim: m } = this;
    const sized = (what: string, a: Float32Array | undefined, size: number) => {
      if (a !== undefined && a.length !== rows * size) throw new Error(`BNPO update: ${what} must hold ${rows} × ${size} = ${rows * size} values for ${rows} rows, got ${a.length}`);
    };
    sized("obs", batch.obs, n);
    sized("action", batch.action, m);
    sized("reward", batch.reward, 1);
    sized("nextObs", batch.nextObs, n);
    sized("terminated", batch.terminated, 1);
    sized("discount", batch.discount, 1);
    const mean = batch.extras?.["mean"];
    const std = batch.extras?.["std"];
    const logProb = batch.extras?.["logProb"];
    sized("extras.mean", mean, m);
    sized("extras.std", std, m);
    sized("extras.logProb", logProb, 1);
    const brain = this.nextBrain();
    this.cycle = (this.cycle + 1) % (this.args.ddpgUpdates + this.args.ppoUpdates);
    const tensors: BnpoBatch = {
      ...batchTensors(batch, n, m),
      ...(mean ? { mean: tf.tensor2d(mean, [rows, m]) } : {}),
      ...(std ? { std: tf.tensor2d(std, [rows, m]) } : {}),
      ...(logProb ? { logProb: tf.tensor1d(logProb) } : {}),
    };
    try {
      const r = bnpoUpdate(this.model, brain, tensors, this.config);
      return brain === "ddpg" ? { critic_loss: r.criticLoss, ddpg_actor_loss: r.actorLoss } : { critic_loss: r.criticLoss, ppo_actor_loss: r.actorLoss, ppo_clip_frac: r.clipFrac! };
    } finally {
      tf.dispose(Object.values(tensors) as tf.Tensor[]);
    }
  }

  checkpointContents(): CheckpointContents {
    const m = this.model;
    return {
      networks: { actor: m.actor, ddpgTarget: m.targets.ddpg, ppoTarget: m.targets.ppo, critic: m.critic, criticTarget: m.criticTarget },
      optimizers: { critic: m.criticOptimizer, ddpgActor: m.actorOptimizers.ddpg, ppoActor: m.actorOptimizers.ppo },
      meta: { updates: { ...m.updates }, cycle: this.cycle, rng: rngStateToJson(this.rng.state()), targetRng: rngStateToJson(m.targetRng.state()) },
    };
  }

  restoreMeta(meta: unknown): void {
    const m = meta as { updates?: { ddpg?: unknown; ppo?: unknown }; cycle?: unknown; rng?: unknown; targetRng?: unknown } | null;
    const ok =
      m !== null && typeof m === "object" && typeof m.updates === "object" && m.updates !== null &&
      Number.isInteger(m.updates.ddpg) && Number.isInteger(m.updates.ppo) && Number.isInteger(m.cycle) && Array.isArray(m.rng) && Array.isArray(m.targetRng);
    if (!ok) throw new Error(`BNPO checkpoint meta must be {updates: {ddpg, ppo}, cycle, rng, targetRng}, got ${JSON.stringify(meta)}`);
    // The cycle position says which brain updates, and asks for its batch (nextBatch), next.
    const cycleLength = this.args.ddpgUpdates + this.args.ppoUpdates;
    if (!((m!.cycle as number) >= 0 && (m!.cycle as number) < cycleLength)) {
      throw new Error(`BNPO checkpoint meta: cycle ${String(m!.cycle)} is not a position of this agent's cycle of ${cycleLength} updates (ddpgUpdates + ppoUpdates)`);
    }
    this.model.updates = { ddpg: m.updates!.ddpg as number, ppo: m.updates!.ppo as number };
    this.cycle = m.cycle as number;
    this.rng.setState(rngStateFromJson(m.rng as Array<number | null>));
    this.model.targetRng.setState(rngStateFromJson(m.targetRng as Array<number | null>));
  }

  dispose(): void {
    disposeBnpoModel(this.model);
  }
}
