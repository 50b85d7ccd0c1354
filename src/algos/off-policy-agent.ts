/**
 * The contract between the off-policy training loop (src/train/) and one
 * algorithm file (td3.ts, ddpg.ts, sac.ts). The loop owns the environment,
 * replay, HER, normalisers, metrics and checkpoints; the algorithm owns its
 * networks, optimisers and update rule. Inputs are already normalised and, for
 * goal-conditioned tasks, concatenated with the desired goal; actions live in
 * [−1, 1] (the loop rescales them to the task's bounds).
 */
import * as tf from "@tensorflow/tfjs";
import type { CheckpointContents } from "../nn/save-load.js";
import type { Rng } from "../core/rng.js";

/** A batch of transitions, row-major Float32Arrays. */
export interface TransitionBatch {
  readonly rows: number;
  /** [rows × inputDim] */
  readonly obs: Float32Array;
  /** [rows × actDim], in [−1, 1] */
  readonly action: Float32Array;
  /** [rows] */
  readonly reward: Float32Array;
  /** [rows × inputDim] */
  readonly nextObs: Float32Array;
  /** [rows], 1 where nextObs is terminal (TERMINATED, never TRUNCATED) */
  readonly terminated: Float32Array;
}

export interface OffPolicyAgent {
  readonly name: string;
  readonly inputDim: number;
  readonly actDim: number;
  /**
   * Actions in [−1, 1] for `rows` inputs ([rows × inputDim]). "explore" adds
   * the algorithm's exploration (Gaussian noise, or sampling the policy);
   * "deterministic" is the policy used for evaluation.
   */
  act(input: Float32Array, rows: number, mode: "explore" | "deterministic"): Float32Array;
  /** One gradient update; returns the losses it computed (names → values). */
  update(batch: TransitionBatch): Record<string, number>;
  /** Networks, optimisers and counters for save/load. */
  checkpointContents(): CheckpointContents;
  /** Called after loadCheckpoint filled the networks: restores counters from `meta`. */
  restoreMeta(meta: unknown): void;
  dispose(): void;
}

/** What every algorithm's constructor receives besides its own hyper-parameters. */
export interface AgentShape {
  readonly inputDim: number;
  readonly actDim: number;
  readonly seed: number;
}

/** The batch as tensors, in the shape the update functions take (caller disposes). */
export function batchTensors(batch: TransitionBatch, inputDim: number, actDim: number) {
  const b = batch.rows;
  return {
    obs: tf.tensor2d(batch.obs, [b, inputDim]),
    action: tf.tensor2d(batch.action, [b, actDim]),
    reward: tf.tensor1d(batch.reward),
    nextObs: tf.tensor2d(batch.nextObs, [b, inputDim]),
    done: tf.tensor1d(batch.terminated),
  };
}

/** Throws when `input` does not hold `rows` rows of `inputDim` values. */
export function checkInput(input: Float32Array, rows: number, inputDim: number): void {
  if (input.length !== rows * inputDim) throw new Error(`Expected ${rows} × ${inputDim} = ${rows * inputDim} input values but got ${input.length}`);
}

/** Throws unless `p` is a probability; agents call it when built, so a bad --set fails before training. */
export function checkRandomActionProb(p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`randomActionProb must be in [0, 1], got ${p}`);
}

/**
 * Exploration around deterministic actions (in place), rows of `actDim`: each row
 * is, with probability `randomProb`, replaced by a uniform random action (HER's
 * baselines "random_eps"), else gets Gaussian noise of std `sigma`; clipped to [−1, 1].
 */
export function explore(actions: Float32Array, actDim: number, sigma: number, randomProb: number, rng: Rng): Float32Array {
  checkRandomActionProb(randomProb);
  for (let row = 0; row < actions.length; row += actDim) {
    const random = randomProb > 0 && rng.uniform() < randomProb;
    for (let i = row; i < row + actDim; i++) {
      actions[i] = random ? 2 * rng.uniform() - 1 : Math.max(-1, Math.min(1, actions[i]! + sigma * rng.normal()));
    }
  }
  return actions;
}

/** Rng states in JSON (NaN, the "no cached normal" marker, becomes null). */
export function rngStateToJson(state: readonly number[]): Array<number | null> {
  return state.map((v) => (Number.isNaN(v) ? null : v));
}

export function rngStateFromJson(state: ReadonlyArray<number | null>): number[] {
  return state.map((v) => v ?? Number.NaN);
}
