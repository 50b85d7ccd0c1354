/**
 * The DIAYN baseline of the meta-test (issue 13; the MAESN paper compares
 * against skills learned without reward): a DIAYN run's frozen skills on a
 * held-out task, where what adapts is which skill to play. Each episode
 * draws its skill z from a categorical p = softmax(ℓ), uniform at first; an
 * adaptation step is the policy-gradient step on the logits with the
 * episodes' normalised returns Â_e:
 *
 *   ℓ ← ℓ + α · mean_e Â_e (onehot(z_e) − p)
 *
 * — the skill counterpart of MAESN's step on its latent distribution. The
 * skills act deterministically (their spread is the exploration), as
 * `simbridge skills` runs them.
 */
import type { Rng } from "../core/rng.js";
import type { Options } from "../env/task.js";
import type { VectorEnv } from "../env/vector-env.js";
import type { Diayn } from "../algos/diayn.js";
import { collectEpisodes, mean } from "./episodes.js";
import type { MetaTestResult } from "./meta-run.js";

/** One step on the skill logits from episodes that played `skills` and got normalised returns `advantages`. */
export function skillLogitsStep(logits: ArrayLike<number>, skills: ArrayLike<number>, advantages: ArrayLike<number>, lr: number): Float64Array {
  const p = softmax(logits);
  const grad = new Float64Array(logits.length);
  for (let e = 0; e < skills.length; e++) {
    for (let z = 0; z < logits.length; z++) grad[z] += advantages[e]! * ((skills[e] === z ? 1 : 0) - p[z]!);
  }
  return Float64Array.from(logits, (l, z) => l + (lr * grad[z]!) / Math.max(1, skills.length));
}

export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const e = Float64Array.from(logits, (l) => Math.exp(l - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

function drawSkill(p: Float64Array, rng: Rng): number {
  let u = rng.uniform();
  for (let z = 0; z < p.length - 1; z++) if ((u -= p[z]!) < 0) return z;
  return p.length - 1;
}

export async function skillsMetaTest(env: VectorEnv, skills: Diayn, tasks: readonly Options[], episodes: number, adaptSteps: number, lr: number, gamma: number, rng: Rng): Promise<MetaTestResult> {
  let logits: Float64Array[] = tasks.map(() => new Float64Array(skills.k));
  const successByTask: number[][] = tasks.map(() => []);
  const successAfter: number[] = [];
  const returnAfter: number[] = [];
  for (let k = 0; k <= adaptSteps; k++) {
    const groups = tasks.map((resetOptions, i) => {
      const p = softmax(logits[i]!);
      const latents = Float32Array.from({ length: episodes }, () => drawSkill(p, rng));
      const states = [...latents].map((skill) => ({ skill }));
      return { latents, resetOptions, act: (obs: Float32Array, rows: number) => skills.act(obs, rows, "deterministic", states).actions };
    });
    const batches = await collectEpisodes(env, groups, episodes, gamma, rng);
    batches.forEach((b, i) => successByTask[i]!.push(mean(b.success)));
    successAfter.push(mean(batches.flatMap((b) => [...b.success])));
    returnAfter.push(mean(batches.flatMap((b) => [...b.returns])));
    if (k < adaptSteps) logits = logits.map((l, i) => skillLogitsStep(l, batches[i]!.latents, batches[i]!.episodeAdvantages, lr));
  }
  return { episodes_per_step: tasks.length * episodes, success_after: successAfter, return_after: returnAfter, success_by_task: successByTask };
}
