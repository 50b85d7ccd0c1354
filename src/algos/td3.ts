/**
 * TD3 — Twin Delayed Deep Deterministic policy gradient.
 * Fujimoto, van Hoof & Meger (2018), "Addressing Function Approximation Error
 * in Actor-Critic Methods", https://arxiv.org/abs/1802.09477
 *
 * Three changes to DDPG: twin critics whose minimum forms the target (against
 * over-estimation), target policy smoothing (clipped noise on the target
 * action), and a delayed actor (the actor and all targets move every
 * `policyDelay`-th critic step). Exploration is Gaussian noise on the
 * deterministic action. The update math lives in src/nn/td3-update.ts (shared
 * with the benchmarks and the hierarchical learners); this file is the
 * algorithm as the training loop sees it.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng, rngStateFromJson, rngStateToJson } from "../core/rng.js";
import { createTd3Model, disposeTd3Model, td3CheckpointContents, td3Update, type Td3Config, type Td3Model } from "../nn/td3-update.js";
import type { CheckpointContents } from "../nn/save-load.js";
import { batchTensors, checkInput, type AgentShape, type OffPolicyAgent, type TransitionBatch, type ActMode, type ActResult } from "./agent.js";
import { checkRandomActionProb, explore } from "./exploration.js";

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

