/**
 * Reward quality, measured by the evaluation harness (never by the learner).
 *
 * Fresh episodes — never stored in replay, never fed to the reward model — are
 * collected with the current exploring policy; every transition is scored for
 * its own goal and for k hindsight goals from later in its episode (as HER
 * would relabel it). The learned reward is compared with the truth that only a
 * white-box simulator knows: AUROC against true success, and Spearman
 * correlation with −distance to the goal.
 */
import { sizeOf } from "../env/spec.js";
import { StepStatus } from "../env/task.js";
import type { VectorEnv } from "../env/vector-env.js";
import { Rng } from "../core/rng.js";
import type { RewardBatch, RewardModel } from "../reward/reward-model.js";
import { auroc, spearman } from "../reward/reward-quality.js";
import { toEnvActions } from "./action-scale.js";
import type { Policy } from "./evaluate.js";
import { ObservationLayout } from "./observation-layout.js";

export interface RewardQuality {
  readonly transitions: number;
  /** Fraction of probe transitions that truly reach their goal. */
  readonly positive_rate: number;
  readonly auroc: number;
  readonly spearman: number;
}

/** The white-box truth: the task's reward function (0 on success for sparse goal tasks). */
export type Judge = (achieved: ArrayLike<number>, desired: ArrayLike<number>) => number;

/** A model's raw score when it has one (GAHIL's D), else its reward. */
interface Scorer {
  discriminate?(batch: RewardBatch, out: Float32Array): void;
}

export async function probeRewardModel(
  env: VectorEnv,
  act: Policy,
  model: RewardModel & Scorer,
  judge: Judge,
  options: { episodes: number; relabels: number; seed: number },
): Promise<RewardQuality> {
  const spec = env.spec;
  const sizes = spec.observations.map((o) => sizeOf(o.shape));
  const layout = ObservationLayout.of(spec);
  if (!layout.goalConditioned) throw new Error(`a reward probe scores goals; ${spec.name} is not goal-conditioned`);
  const [obsDim, goalDim] = [layout.obsSize, layout.goalSize];
  const actDim = sizeOf(spec.action.shape);
  const rng = new Rng(options.seed);
  // Collect whole episodes, one env at a time, keeping every transition.
  const episodes: Array<{ obs: number[][]; ag: number[][]; dg: number[][]; act: number[][]; nobs: number[][]; nag: number[][] }> = [];
  for (let e = 0; e < options.episodes; e++) {
    const r = await env.reset([{ index: 0, seed: options.seed * 1000 + e }]);
    let obs = r.observations.map((o, k) => o.slice(0, sizes[k]!));
    act.startEpisode?.(0);
    const ep = { obs: [] as number[][], ag: [] as number[][], dg: [] as number[][], act: [] as number[][], nobs: [] as number[][], nag: [] as number[][] };
    for (;;) {
      const a = act(obs, 1, [0]);
      const s = await env.step(toEnvActions(spec.action, a), [0]);
      ep.obs.push(Array.from(layout.observation(obs)));
      ep.ag.push(Array.from(layout.achievedGoal(obs)));
      ep.dg.push(Array.from(layout.desiredGoal(obs)));
      ep.act.push(Array.from(a));
      ep.nobs.push(Array.from(layout.observation(s.observations)));
      ep.nag.push(Array.from(layout.achievedGoal(s.observations)));
      obs = s.observations.map((o) => o.slice());
      if (s.status[0] !== StepStatus.RUNNING) break;
    }
    episodes.push(ep);
  }
  // Each transition with its own goal and `relabels` FUTURE goals.
  const rows: Array<{ t: number; e: number; goal: number[] }> = [];
  episodes.forEach((ep, e) => {
    for (let t = 0; t < ep.obs.length; t++) {
      rows.push({ e, t, goal: ep.dg[t]! });
      for (let k = 0; k < options.relabels; k++) {
        const future = t + Math.floor(rng.uniform() * (ep.obs.length - t));
        rows.push({ e, t, goal: ep.nag[future]! });
      }
    }
  });
  const n = rows.length;
  const batch = {
    obs: new Float32Array(n * obsDim),
    achievedGoal: new Float32Array(n * goalDim),
    desiredGoal: new Float32Array(n * goalDim),
    action: new Float32Array(n * actDim),
    nextObs: new Float32Array(n * obsDim),
    nextAchievedGoal: new Float32Array(n * goalDim),
  };
  const labels: Array<0 | 1> = new Array<0 | 1>(n).fill(0);
  const negDistance = new Float64Array(n);
  rows.forEach(({ e, t, goal }, i) => {
    const ep = episodes[e]!;
    batch.obs.set(ep.obs[t]!, i * obsDim);
    batch.achievedGoal.set(ep.ag[t]!, i * goalDim);
    batch.desiredGoal.set(goal, i * goalDim);
    batch.action.set(ep.act[t]!, i * actDim);
    batch.nextObs.set(ep.nobs[t]!, i * obsDim);
    batch.nextAchievedGoal.set(ep.nag[t]!, i * goalDim);
    // float32 goals, as the reward model sees them
    const reached = batch.nextAchievedGoal.subarray(i * goalDim, (i + 1) * goalDim);
    const desired = batch.desiredGoal.subarray(i * goalDim, (i + 1) * goalDim);
    labels[i] = judge(reached, desired) >= 0 ? 1 : 0;
    let d2 = 0;
    for (let j = 0; j < goalDim; j++) d2 += (reached[j]! - desired[j]!) ** 2;
    negDistance[i] = -Math.sqrt(d2);
  });
  const scores = new Float32Array(n);
  if (model.discriminate) model.discriminate(batch, scores);
  else model.rewards(batch, scores);
  return {
    transitions: n,
    positive_rate: labels.reduce<number>((a, b) => a + b, 0) / n,
    auroc: auroc(scores, labels),
    spearman: spearman(scores, negDistance),
  };
}
