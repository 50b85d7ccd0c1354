import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { selectBackend } from "../../src/nn/backend.js";
import { Gahil } from "../../src/reward/gahil.js";
import type { GahilLoss } from "../../src/reward/gahil.js";
import type { RewardBatch } from "../../src/reward/reward-model.js";
import { auroc, spearman } from "../../src/reward/reward-quality.js";

await selectBackend("wasm");

/**
 * n synthetic transitions in a 2-D goal space: desired goal uniform in [−1, 1]²,
 * the goal achieved after the step at a distance drawn uniformly from
 * [near, far) in a random direction; obs (3) and action (2) are noise D must ignore.
 */
function transitions(n: number, near: number, far: number, rng: Rng): { batch: Required<RewardBatch>; distance: Float64Array } {
  const f = (size: number) => Float32Array.from({ length: n * size }, () => rng.uniformRange(-1, 1));
  const desiredGoal = f(2);
  const nextAchievedGoal = new Float32Array(2 * n);
  const distance = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rng.uniformRange(near, far);
    const a = rng.uniformRange(0, 2 * Math.PI);
    nextAchievedGoal[2 * i] = desiredGoal[2 * i]! + r * Math.cos(a);
    nextAchievedGoal[2 * i + 1] = desiredGoal[2 * i + 1]! + r * Math.sin(a);
    distance[i] = Math.hypot(nextAchievedGoal[2 * i]! - desiredGoal[2 * i]!, nextAchievedGoal[2 * i + 1]! - desiredGoal[2 * i + 1]!);
  }
  return { batch: { desiredGoal, nextAchievedGoal, achievedGoal: f(2), obs: f(3), nextObs: f(3), action: f(2) }, distance };
}

const positives = (n: number, rng: Rng) => transitions(n, 0, 0.05, rng);
const negatives = (n: number, rng: Rng) => transitions(n, 0.2, 1.5, rng);

for (const loss of ["label", "relativistic"] as const satisfies readonly GahilLoss[]) {
  test(`${loss} loss: D separates reached goals (< 0.05) from far ones on held-out data`, () => {
    const g = new Gahil({ goalSize: 2, obsSize: 3, actionSize: 2, loss, hidden: [64, 64], batchSize: 256, trainEvery: 400, minPositives: 256, seed: 3 });
    const rng = new Rng(11);
    // The loop's rhythm: each env step brings a few positives and a HER sample's worth of negatives.
    while (g.rounds < 60) {
      g.addPositives(positives(40, rng).batch);
      g.addNegatives(negatives(200, rng).batch);
      g.maybeTrain();
    }
    // Held out: fresh draws from another stream.
    const test = new Rng(12);
    const pos = positives(500, test);
    const neg = negatives(500, test);
    const scores = new Float32Array(1000);
    g.rewards(pos.batch, scores.subarray(0, 500));
    g.rewards(neg.batch, scores.subarray(500));
    const raw = new Float32Array(1000);
    g.discriminate(pos.batch, raw.subarray(0, 500));
    g.discriminate(neg.batch, raw.subarray(500));
    const labels = Array.from({ length: 1000 }, (_, i) => (i < 500 ? 1 : 0) as 0 | 1);
    const negDistance = [...pos.distance, ...neg.distance].map((d) => -d);
    const a = auroc(raw, labels);
    const rho = spearman(raw, negDistance);
    assert.ok(a > 0.95, `AUROC ${a}`);
    assert.ok(rho > 0.5, `Spearman with −distance ${rho}`);
    assert.ok(auroc(scores, labels) > 0.95, `AUROC of the clipped rewards ${auroc(scores, labels)}`);
    g.dispose();
  });
}
