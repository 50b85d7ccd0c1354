/**
 * Episodes for meta-learning: E episodes of each task group, every group's
 * envs stepped together (env g·E + e is group g's episode e), each group
 * acting with its own parameters. Episodes that end early are masked from
 * then on. Returns per group what the policy-gradient losses read
 * (src/algos/maesn.ts EpisodeBatch) plus returns and success.
 */
import type { Rng } from "../core/rng.js";
import { StepStatus, type Options } from "../env/task.js";
import type { VectorEnv } from "../env/vector-env.js";
import { advantages, type EpisodeBatch } from "../algos/maesn.js";

/** One task group: its episodes' latents (ω, or a skill index; [E × d], d may be 0), its task and how it acts. */
export interface GroupActor {
  readonly latents: Float32Array;
  readonly resetOptions: Options;
  /** Actions for the group's E envs' observations ([E × obsDim]; rows of ended episodes are ignored). */
  act(obs: Float32Array, rows: number): Float32Array;
}

export interface Collected extends EpisodeBatch {
  /** [E]: undiscounted returns. */
  readonly returns: Float32Array;
  /** [E]: the success flag of each episode's last step. */
  readonly success: Uint8Array;
}

export async function collectEpisodes(env: VectorEnv, groups: readonly GroupActor[], perGroup: number, gamma: number, rng: Rng): Promise<Collected[]> {
  const sizes = env.spec.observations.map((o) => o.shape.reduce((x, y) => x * y, 1));
  const obsDim = sizes.reduce((x, y) => x + y, 0);
  const actDim = env.spec.action.shape.reduce((x, y) => x * y, 1);
  const steps = env.spec.maxEpisodeSteps;
  const n = groups.length * perGroup;
  if (env.numEnvs !== n) throw new Error(`internal: ${env.numEnvs} envs for ${n} episodes`);
  const rows = perGroup * steps;
  const obs = groups.map(() => new Float32Array(rows * obsDim));
  const actions = groups.map(() => new Float32Array(rows * actDim));
  const rewards = groups.map(() => new Float32Array(rows));
  const mask = groups.map(() => new Float32Array(rows));
  const success = groups.map(() => new Uint8Array(perGroup));
  let batch = await env.reset(Array.from({ length: n }, (_, i) => ({ index: i, seed: rng.nextU32(), options: groups[Math.floor(i / perGroup)]!.resetOptions })));
  const current = new Float32Array(n * obsDim);
  const alive = new Uint8Array(n).fill(1);
  const readObs = () => batch.indices.forEach((i, r) => current.set(flatObservation(batch.observations, sizes, r), i * obsDim));
  readObs();
  const all = new Float32Array(n * actDim);
  for (let t = 0; t < steps && alive.some((a) => a); t++) {
    groups.forEach((g, k) => all.set(g.act(current.subarray(k * perGroup * obsDim, (k + 1) * perGroup * obsDim), perGroup), k * perGroup * actDim));
    const indices: number[] = [];
    for (let i = 0; i < n; i++) if (alive[i]) indices.push(i);
    const sent = new Float32Array(indices.length * actDim);
    indices.forEach((i, r) => {
      sent.set(all.subarray(i * actDim, (i + 1) * actDim), r * actDim);
      const k = Math.floor(i / perGroup);
      const row = (i % perGroup) * steps + t;
      obs[k]!.set(current.subarray(i * obsDim, (i + 1) * obsDim), row * obsDim);
      actions[k]!.set(all.subarray(i * actDim, (i + 1) * actDim), row * actDim);
      mask[k]![row] = 1;
    });
    batch = await env.step(sent, indices);
    if (!batch.reward) throw new Error(`${env.spec.name} sends no reward (a black box): meta-learning reads the env's reward (dense at meta-training, sparse at meta-test)`);
    readObs();
    batch.indices.forEach((i, r) => {
      const k = Math.floor(i / perGroup);
      rewards[k]![(i % perGroup) * steps + t] = batch.reward![r]!;
      if (batch.status[r] !== StepStatus.RUNNING) {
        alive[i] = 0;
        success[k]![i % perGroup] = batch.isSuccess[r]!;
      }
    });
  }
  return groups.map((g, k) => {
    const adv = advantages(rewards[k]!, mask[k]!, perGroup, steps, gamma);
    return {
      episodes: perGroup,
      steps,
      obs: obs[k]!,
      actions: actions[k]!,
      mask: mask[k]!,
      latents: g.latents,
      stepAdvantages: adv.step,
      episodeAdvantages: adv.episode,
      returns: adv.returns,
      success: success[k]!,
    };
  });
}

/** Row r of the batch's observations, every observation tensor (of `sizes` values per row) in spec order. */
function flatObservation(observations: readonly Float32Array[], sizes: readonly number[], r: number): Float32Array {
  if (observations.length === 1) return observations[0]!.subarray(r * sizes[0]!, (r + 1) * sizes[0]!);
  const out = new Float32Array(sizes.reduce((x, y) => x + y, 0));
  let at = 0;
  observations.forEach((o, k) => {
    out.set(o.subarray(r * sizes[k]!, (r + 1) * sizes[k]!), at);
    at += sizes[k]!;
  });
  return out;
}

export function mean(xs: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i]!;
  return xs.length ? sum / xs.length : 0;
}
