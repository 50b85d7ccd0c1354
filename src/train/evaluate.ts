/**
 * Evaluation: run a policy for a number of whole episodes on a VectorEnv and
 * report success rate and return. Episode k is reset with seed `seedBase + k`,
 * so the same policy always meets the same episodes.
 */
import { StepStatus } from "../env/task.js";
import type { Annotations, VectorEnv } from "../env/vector-env.js";
import { toEnvActions } from "./action-scale.js";

export interface EvalResult {
  readonly task: string;
  readonly episodes: number;
  /** Fraction of episodes whose last step reported success (NaN for tasks without goals). */
  readonly success_rate: number;
  /** NaN when the task withholds reward (black box). */
  readonly return_mean: number;
  readonly return_std: number;
  readonly length_mean: number;
}

/**
 * A policy: network actions in [−1, 1] for the rows' observations. `envs`
 * names the env slot of each row (default 0..rows−1), for agents with per-env
 * memory; `startEpisode` tells such a policy that a slot's episode restarts.
 */
export interface Policy {
  (observations: readonly Float32Array[], rows: number, envs?: readonly number[]): Float32Array;
  startEpisode?(env: number): void;
  /** Agent annotations of the last call's rows (e.g. a hierarchy's subgoal targets), sent with their step for watchers. */
  lastAnnotations?(): Annotations | undefined;
}

export async function evaluate(env: VectorEnv, policy: Policy, episodes: number, seedBase: number): Promise<EvalResult> {
  const n = Math.min(env.numEnvs, episodes);
  const returns: number[] = [];
  const lengths: number[] = [];
  let successes = 0;
  const ret = new Float64Array(n);
  const len = new Int32Array(n);
  let started = 0;
  const first = await env.reset(Array.from({ length: n }, (_, i) => ({ index: i, seed: seedBase + started++ })));
  for (let i = 0; i < n; i++) policy.startEpisode?.(i);
  const sizes = env.spec.observations.map((_, k) => first.observations[k]!.length / n);
  const current = first.observations.map((o) => o.slice());
  let active = Array.from({ length: n }, (_, i) => i);
  while (active.length > 0) {
    const rows = active.length;
    const obs = current.map((o, k) => gatherRows(o, sizes[k]!, active));
    const actions = toEnvActions(env.spec.action, policy(obs, rows, active));
    const s = await env.step(actions, active, policy.lastAnnotations?.());
    const restart: Array<{ index: number; seed: number }> = [];
    const next: number[] = [];
    s.indices.forEach((i, row) => {
      ret[i] += s.reward?.[row] ?? 0;
      len[i]++;
      current.forEach((o, k) => o.set(s.observations[k]!.subarray(row * sizes[k]!, (row + 1) * sizes[k]!), i * sizes[k]!));
      if (s.status[row] === StepStatus.RUNNING) {
        next.push(i);
        return;
      }
      returns.push(ret[i]!);
      lengths.push(len[i]!);
      successes += s.isSuccess[row]!;
      ret[i] = 0;
      len[i] = 0;
      if (started < episodes) {
        restart.push({ index: i, seed: seedBase + started++ });
        policy.startEpisode?.(i);
      }
    });
    if (restart.length) {
      const r = await env.reset(restart);
      r.indices.forEach((i, row) => current.forEach((o, k) => o.set(r.observations[k]!.subarray(row * sizes[k]!, (row + 1) * sizes[k]!), i * sizes[k]!)));
    }
    active = [...next, ...restart.map((r) => r.index)].sort((a, b) => a - b);
  }
  const mean = env.spec.hasReward ? returns.reduce((a, b) => a + b, 0) / returns.length : NaN;
  const std = env.spec.hasReward ? Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / returns.length) : NaN;
  return {
    task: env.spec.name,
    episodes: returns.length,
    success_rate: env.spec.goalConditioned ? successes / returns.length : NaN,
    return_mean: mean,
    return_std: std,
    length_mean: lengths.reduce((a, b) => a + b, 0) / lengths.length,
  };
}

export function gatherRows(source: Float32Array, size: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * size);
  rows.forEach((r, i) => out.set(source.subarray(r * size, (r + 1) * size), i * size));
  return out;
}
