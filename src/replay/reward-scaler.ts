/**
 * RewardScaler: PPO's reward scaling (Engstrom et al. 2020, "Implementation
 * Matters in Deep Policy Gradients"; what CleanRL's ppo_continuous_action gets
 * from Gymnasium's NormalizeReward): each env keeps a discounted return
 * R ← γ·R + r, a running variance of R over all envs is kept, and rewards are
 * divided by its std and clipped to ±clip.
 *
 * As OpenAI baselines' VecNormalize rather than Gymnasium 1.x: R restarts
 * after every episode end, terminated or truncated (Gymnasium multiplies by
 * 1 − terminated before adding, so truncation never resets it — a quirk its
 * own code keeps for backward compatibility), and the statistics start empty
 * (Gymnasium: variance 1 with a count of 1e-4).
 *
 *     const std = scaler.scale(rewards, status)   // one vector step, in place: [envs] rewards, [envs] StepStatus
 *
 * std = max(√var, 1e-4) (Gymnasium: √(var + 1e-8)); the rewards are not
 * centred, so their sign — and a sparse task's "0 on success" — is kept.
 */
import { StepStatus } from "../env/task.js";
import { Normalizer, type NormalizerState } from "./normalizer.js";

export interface RewardScalerState {
  readonly returns: readonly number[];
  readonly stats: NormalizerState;
}

export class RewardScaler {
  private readonly returns: Float64Array;
  private readonly stats = new Normalizer(1, { eps: 1e-4 });
  private readonly one = new Float64Array(1);

  constructor(
    readonly envs: number,
    readonly gamma: number,
    readonly clip = 10,
  ) {
    this.returns = new Float64Array(envs);
  }

  /** Scales one vector step's rewards in place (after updating the statistics with it); returns the divisor used. */
  scale(rewards: Float32Array, status: ArrayLike<number>): number {
    if (rewards.length !== this.envs || status.length !== this.envs) {
      throw new Error(`Expected ${this.envs} rewards and statuses but got ${rewards.length} and ${status.length}`);
    }
    const bad = rewards.findIndex((r) => !Number.isFinite(r));
    if (bad >= 0) throw new Error(`reward of env ${bad} is ${rewards[bad]}; rewards must be finite before scaling`);
    for (let e = 0; e < this.envs; e++) {
      this.returns[e] = this.returns[e]! * this.gamma + rewards[e]!;
      this.one[0] = this.returns[e]!;
      this.stats.update(this.one);
    }
    const std = this.stats.std[0]!;
    for (let e = 0; e < this.envs; e++) {
      rewards[e] = Math.max(-this.clip, Math.min(this.clip, rewards[e]! / std));
      if (status[e] !== StepStatus.RUNNING) this.returns[e] = 0;
    }
    return std;
  }

  state(): RewardScalerState {
    return { returns: Array.from(this.returns), stats: this.stats.state() };
  }

  load(state: RewardScalerState): void {
    if (state.returns.length !== this.envs) throw new Error(`reward scaler: expected ${this.envs} env returns but the checkpoint has ${state.returns.length}`);
    this.returns.set(state.returns);
    this.stats.load(state.stats);
  }
}
