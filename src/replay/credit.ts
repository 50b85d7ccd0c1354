/**
 * Credit assignment over a stored episode: what one window of rewards is worth
 * to an off-policy critic (seed 000; facts in ALGORITHMS.md, "Floating n-step
 * and n-step GAE"). Every mode gives the critic the same target shape
 *
 *     y_i = credit_i + discount_i · Q'(s_{i+m}, π'(s_{i+m}))
 *
 * so TD3, DDPG and SAC take it unchanged (`TransitionBatch.reward` = credit,
 * `.discount` = discount, `.nextObs` = s_{i+m}).
 *
 * - one step:    credit = r_i,                         discount = γ
 * - n-step:      credit = Σ_{k<m} γ^k r_{i+k},          discount = γ^m
 * - floating:    n-step with a fresh n ~ U{1..N} every time the episode is (re)processed
 * - n-step GAE:  credit = A^GAE_{i,m} + V(s_i) − γ(γλ)^{m−1}·V(s_{i+m}),  discount = γ(γλ)^{m−1}
 *                with A^GAE_{i,m} = Σ_{k<m} (γλ)^k δ_{i+k},  δ_j = r_j + γV(s_{j+1}) − V(s_j)
 *
 * (GAE's target is then A^GAE + V(s_i) plus the correction γ(γλ)^{m−1}·(Q'(s_{i+m}) − V(s_{i+m}))
 * for the critic having moved since V was computed.) V is the target critic at
 * the *target policy's* action, V(s) = Q'(s, π'(s)), computed when the window
 * is credited. The notes take the policy output stored at interaction time;
 * the state s_{i+m} has none stored (it is only a next observation), and with
 * the same V at both ends the correction above starts at exactly zero.
 * (`targetValue` of td3.ts, ddpg.ts, sac.ts.)
 *
 * The window is cut at the episode's end: m = min(n, L − i) for an episode of
 * L steps stored so far. When the episode ended TERMINATED inside the window
 * there is nothing after it: V(s_L) = 0 and discount = 0. A TRUNCATED episode,
 * or one still in progress, bootstraps from its last observation.
 */
import type { Rng } from "../core/rng.js";
import { randomIndex } from "./random-index.js";

export type CreditMode = "one" | "nstep" | "floating" | "gae";
export const CREDIT_MODES: readonly CreditMode[] = ["one", "nstep", "floating", "gae"];

export interface CreditOptions {
  readonly mode: CreditMode;
  /** Window length (n-step, GAE) or its maximum N (floating). 1 for `one`. */
  readonly n: number;
  /** Discount γ (the agent's). */
  readonly gamma: number;
  /** GAE λ (used by `gae` only). */
  readonly lambda: number;
}

/** What a window is worth: y = credit + discount · V'(s_{i+steps}). */
export interface WindowCredit {
  credit: number;
  discount: number;
  /** m: the steps the window covers; the critic bootstraps from s_{i+m}. */
  steps: number;
}

/** Throws a message naming the bad value when `options` cannot assign credit. */
export function checkCreditOptions(options: CreditOptions): void {
  if (!CREDIT_MODES.includes(options.mode)) throw new Error(`credit: expected one of ${CREDIT_MODES.join(", ")} but got '${String(options.mode)}'`);
  if (!Number.isSafeInteger(options.n) || options.n < 1 || options.n > 1000) throw new Error(`n: expected an integer in 1..1000 but got ${options.n}`);
  if (options.mode === "one" && options.n !== 1) throw new Error(`n: one-step credit uses n = 1, got ${options.n} (use --credit nstep)`);
  if (!(options.gamma > 0 && options.gamma <= 1)) throw new Error(`gamma: expected a number in (0, 1] but got ${options.gamma}`);
  if (!(options.lambda >= 0 && options.lambda <= 1)) throw new Error(`lambda: expected a number in [0, 1] but got ${options.lambda}`);
}

/**
 * n-step credit of the window starting at step `i` of an episode whose rewards
 * are `rewards[0..length)`: `rewards[k]` is r_{i+k} (the caller passes the
 * window's rewards only). `endsTerminated`: the episode's last step
 * (index `length − 1` of the episode) is TERMINATED and lies inside the window.
 */
export function nStepCredit(rewards: ArrayLike<number>, steps: number, gamma: number, endsTerminated: boolean, out: WindowCredit = { credit: 0, discount: 0, steps: 0 }): WindowCredit {
  let credit = 0;
  let weight = 1;
  for (let k = 0; k < steps; k++) {
    credit += weight * rewards[k]!;
    weight *= gamma;
  }
  out.credit = credit;
  out.discount = endsTerminated ? 0 : weight;
  out.steps = steps;
  return out;
}

/**
 * n-step GAE credit of a window of `steps` rewards (`rewards[k]` = r_{i+k}) with
 * values `values[k]` = V(s_{i+k}) for k = 0..steps (`values[steps]` is ignored
 * when `endsTerminated`: the value after a terminal step is 0).
 */
export function gaeCredit(
  rewards: ArrayLike<number>,
  values: ArrayLike<number>,
  steps: number,
  gamma: number,
  lambda: number,
  endsTerminated: boolean,
  out: WindowCredit = { credit: 0, discount: 0, steps: 0 },
): WindowCredit {
  let advantage = 0;
  let weight = 1; // (γλ)^k
  for (let k = 0; k < steps; k++) {
    const next = endsTerminated && k === steps - 1 ? 0 : values[k + 1]!;
    advantage += weight * (rewards[k]! + gamma * next - values[k]!);
    if (k < steps - 1) weight *= gamma * lambda;
  }
  const discount = endsTerminated ? 0 : gamma * weight; // γ(γλ)^{m−1}
  out.credit = advantage + values[0]! - (endsTerminated ? 0 : discount * values[steps]!);
  out.discount = discount;
  out.steps = steps;
  return out;
}

/** The window length for a step with `remaining` = L − i steps left in its episode (≥ 1). */
export function windowSteps(options: CreditOptions, remaining: number, rng: Rng): number {
  const n = options.mode === "floating" ? 1 + randomIndex(rng, options.n) : options.mode === "one" ? 1 : options.n;
  return Math.min(n, remaining);
}
