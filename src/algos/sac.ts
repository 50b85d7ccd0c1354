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
 * so a seed gives the same run and a checkpoint continues it exactly. The update math
 * lives in src/nn/sac-update.ts; this file is the algorithm as the training loop sees it.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng, rngStateFromJson, rngStateToJson } from "../core/rng.js";
import {
  createSacModel,
  deterministicAction,
  disposeSacModel,
  normalNoise,
  sacCheckpointContents,
  sacUpdate,
  squashedGaussian,
  type SacConfig,
  type SacModel,
} from "../nn/sac-update.js";
import type { CheckpointContents } from "../nn/save-load.js";
import { batchTensors, checkInput, type AgentShape, type OffPolicyAgent, type TransitionBatch, type ActMode, type ActResult } from "./agent.js";

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


