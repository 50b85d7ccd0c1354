/**
 * Learner: storage plus a schedule around one agent, as the training loop
 * sees it. The loop hands it every collected step (`observe`) and asks it,
 * after each, to run whatever learning is due (`train`); the learner decides
 * when (off-policy: k updates per env step after learning starts; on-policy:
 * a learning phase every full rollout) and on what (replay + HER samples,
 * rollouts with GAE).
 *
 * Implementations: `OffPolicyLearner` (TD3, DDPG, SAC), `OnPolicyLearner`
 * (PPO). A hierarchy is a learner that owns one learner per level.
 */
import type { Agent } from "../algos/agent.js";
import type { CollectedCut, CollectedStep } from "./collector.js";

export interface Learner {
  readonly agent: Agent;
  /** Whether the collector should take uniform random actions at `envStep` (off-policy warm-up). */
  randomActions(envStep: number): boolean;
  /** Stores one collected step of every env. */
  observe(step: CollectedStep): void;
  /** The episodes in flight were cut (server lost and back); `cut.obs` holds their last observations. */
  cut(cut: CollectedCut): void;
  /** Runs the learning due after `envStep` env steps of `totalSteps`; returns the losses of the last update, if any ran. */
  train(envStep: number, totalSteps: number): Record<string, number> | undefined;
  /** Numbers for the log records (e.g. replay_size). */
  stats(): Record<string, number>;
  /** JSON state for checkpoints (storage counters, normalisers of its own); `currentObs` are the collector's observations now. */
  state(currentObs: readonly Float32Array[]): unknown;
  /** Storage contents for checkpoints; undefined when there is nothing to save. `full`: also the (large) replay. */
  serializeStorage(full: boolean): Uint8Array | undefined;
  /** Restores `state` (and storage, when saved). Called before collection resumes. */
  restore(state: unknown, storage: Uint8Array | undefined): void;
}
