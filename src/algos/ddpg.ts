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
 * The update math lives in src/nn/ddpg-update.ts; this file is the algorithm as the
 * training loop sees it.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng, rngStateFromJson, rngStateToJson } from "../core/rng.js";
import { createDdpgModel, ddpgCheckpointContents, ddpgUpdate, disposeDdpgModel, type DdpgConfig, type DdpgModel } from "../nn/ddpg-update.js";
import type { CheckpointContents } from "../nn/save-load.js";
import { batchTensors, checkInput, type AgentShape, type OffPolicyAgent, type TransitionBatch, type ActMode, type ActResult } from "./agent.js";
import { checkRandomActionProb, explore } from "./exploration.js";

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


