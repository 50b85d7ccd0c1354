/**
 * `simbridge bench meta`: what the exact (second-order) MAML meta-gradient
 * costs and how far the first-order approximation is from it, on one MAESN
 * task of PointGoal-v0's shapes (observation 4, action 2, latent 2) with
 * synthetic episodes. The baseline, measured in the same run, is the
 * first-order gradient (the inner gradient held constant).
 *
 * Reports per task: ms per meta-gradient both ways (median of --iters), and
 * the difference: ‖g₂ − g₁‖ / ‖g₂‖ and the cosine of g₁ and g₂, over all
 * parameters and over the latent's (μ, log σ) alone.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../core/rng.js";
import { selectBackend, type BackendName } from "../nn/backend.js";
import { advantages, MAESN_DEFAULTS, MaesnLearner, type EpisodeBatch } from "../algos/maesn.js";

export interface MetaBenchOptions {
  readonly episodes: number;
  readonly steps: number;
  readonly hidden: number;
  readonly iters: number;
  readonly backend: BackendName;
  readonly seed: number;
}

export const META_BENCH_DEFAULTS: MetaBenchOptions = { episodes: 10, steps: 30, hidden: 64, iters: 20, backend: "auto", seed: 0 };

/** E random-walk episodes with rewards that favour one direction (so the advantages are not zero). */
function syntheticBatch(learnerLatentDim: number, episodes: number, steps: number, rng: Rng): EpisodeBatch {
  const rows = episodes * steps;
  const obs = new Float32Array(rows * 4);
  const actions = new Float32Array(rows * 2);
  const rewards = new Float32Array(rows);
  const latents = Float32Array.from({ length: episodes * learnerLatentDim }, () => rng.normal());
  for (let e = 0; e < episodes; e++) {
    let x = 0;
    let y = 0;
    for (let t = 0; t < steps; t++) {
      const k = e * steps + t;
      const ax = rng.normal() * 0.6;
      const ay = rng.normal() * 0.6;
      obs.set([x, y, ax * 0.1, ay * 0.1], k * 4);
      actions.set([ax, ay], k * 2);
      x += 0.1 * Math.max(-1, Math.min(1, ax));
      y += 0.1 * Math.max(-1, Math.min(1, ay));
      rewards[k] = -Math.hypot(x - 1, y);
    }
  }
  const mask = new Float32Array(rows).fill(1);
  const adv = advantages(rewards, mask, episodes, steps, 0.99);
  return { episodes, steps, obs, actions, mask, latents, stepAdvantages: adv.step, episodeAdvantages: adv.episode };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function flat(grads: readonly tf.Tensor[]): Float64Array {
  return Float64Array.from(grads.flatMap((g) => [...(g.dataSync() as Float32Array)]));
}

function compare(exact: Float64Array, approx: Float64Array): { relative_difference: number; cosine: number } {
  let dot = 0;
  let ee = 0;
  let aa = 0;
  let dd = 0;
  for (let i = 0; i < exact.length; i++) {
    dot += exact[i]! * approx[i]!;
    ee += exact[i]! ** 2;
    aa += approx[i]! ** 2;
    dd += (exact[i]! - approx[i]!) ** 2;
  }
  return { relative_difference: Math.sqrt(dd / ee), cosine: dot / Math.sqrt(ee * aa) };
}

export async function benchMetaGradient(o: MetaBenchOptions) {
  const backend = await selectBackend(o.backend);
  const learner = new MaesnLearner(4, 2, 1, { ...MAESN_DEFAULTS, hidden: [o.hidden, o.hidden] }, o.seed);
  const rng = new Rng(o.seed);
  const pre = syntheticBatch(learner.options.latentDim, o.episodes, o.steps, rng);
  const post = syntheticBatch(learner.options.latentDim, o.episodes, o.steps, rng);
  try {
    const time = (secondOrder: boolean) => {
      const ms: number[] = [];
      for (let i = 0; i < o.iters + 2; i++) {
        const t0 = performance.now();
        const { grads } = learner.taskMetaGradient(0, pre, post, secondOrder);
        grads.forEach((g) => g.dataSync());
        if (i >= 2) ms.push(performance.now() - t0);
        tf.dispose(grads);
      }
      return median(ms);
    };
    // Interleaved so that load changes hit both sides alike.
    const firstMs: number[] = [];
    const secondMs: number[] = [];
    for (let r = 0; r < 3; r++) {
      firstMs.push(time(false));
      secondMs.push(time(true));
    }
    const exact = learner.taskMetaGradient(0, pre, post, true);
    const approx = learner.taskMetaGradient(0, pre, post, false);
    const n = learner.policy.length;
    const all = compare(flat(exact.grads), flat(approx.grads));
    const latent = compare(flat(exact.grads.slice(n)), flat(approx.grads.slice(n)));
    const policy = compare(flat(exact.grads.slice(0, n)), flat(approx.grads.slice(0, n)));
    tf.dispose([...exact.grads, ...approx.grads]);
    const first = median(firstMs);
    const second = median(secondMs);
    return {
      bench: "meta",
      backend: backend.name,
      episodes: o.episodes,
      steps: o.steps,
      hidden: o.hidden,
      first_order_ms: Number(first.toFixed(2)),
      second_order_ms: Number(second.toFixed(2)),
      second_over_first: Number((second / first).toFixed(2)),
      difference: { all, policy, latent },
    };
  } finally {
    learner.dispose();
  }
}
