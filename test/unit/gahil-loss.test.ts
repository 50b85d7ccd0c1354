import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/nn/backend.js";
import { Gahil, labelLoss, relativisticLoss, TARGET_LEVELS } from "../../src/reward/gahil.js";
import type { GahilLoss } from "../../src/reward/gahil.js";

await selectBackend("wasm");

const close = (got: number, want: number, tol = 1e-5) => assert.ok(Math.abs(got - want) <= tol, `${got} vs ${want}`);

function lossOf(fn: (r: tf.Tensor1D, f: tf.Tensor1D) => tf.Scalar, real: number[], fake: number[]): number {
  return tf.tidy(() => fn(tf.tensor1d(real), tf.tensor1d(fake)).dataSync()[0]!);
}

test("relativistic loss equals a hand computation", () => {
  // real = [1, 0] (mean 0.5), fake = [−1, −3] (mean −2):
  //   0.5·mean((fake − 0.5 + 2)²) = 0.5·mean([0.25, 2.25]) = 0.625
  //   1.0·mean((real + 2 − 2)²)   = mean([1, 0])           = 0.5
  //   0.1·mean((real − 0.1)²)     = 0.1·mean([0.81, 0.01]) = 0.041
  close(lossOf(relativisticLoss, [1, 0], [-1, -3]), 1.166);
  // Different batch sizes: real = [0.5], fake = [−2, 0] (mean −1):
  //   0.5·mean([(−2.5+2)², (−0.5+2)²]) = 0.5·1.25 = 0.625;  (0.5 + 1 − 2)² = 0.25;  0.1·0.4² = 0.016
  close(lossOf(relativisticLoss, [0.5], [-2, 0]), 0.891);
  // Its fixed point: real at 0.1, fake 2 below.
  close(lossOf(relativisticLoss, [0.1, 0.1], [-1.9, -1.9, -1.9]), 0);
  assert.deepEqual(TARGET_LEVELS.relativistic.map((v) => Math.round(v * 10) / 10), [0.1, -1.9]);
});

test("±1 label loss equals a hand computation, each class weighted ½", () => {
  // ½·(mean([0, 1]) + mean([0, 4])) = ½·(0.5 + 2) = 1.25
  close(lossOf(labelLoss, [1, 0], [-1, -3]), 1.25);
  // real = [0] → 1; fake = [−1, 1, −1] → mean([0, 4, 0]) = 4/3; ½·(1 + 4/3) = 7/6
  close(lossOf(labelLoss, [0], [-1, 1, -1]), 7 / 6);
  close(lossOf(labelLoss, [1, 1], [-1]), 0);
});

/**
 * A GAHIL whose D reads one normalised goal coordinate through one hidden unit:
 * D(x) = 1·relu(1·x + 1) + 0. Fed the positive goal +1 and the negative goal −1,
 * the goal normaliser has mean 0 and std 1, so D(positive) = 2 and D(negative) = 0.
 */
function tinyGahil(loss: GahilLoss): Gahil {
  const g = new Gahil({ goalSize: 1, obsSize: 0, actionSize: 0, judgedGoal: false, hidden: [1], loss, stepsPerRound: 1, batchSize: 8, minPositives: 1, trainEvery: 1, learningRate: 1e-9 });
  const values = [[1], [1], [1], [0]]; // W1, b1, W2, b2
  g.net.trainableVariables.forEach((v, i) => v.assign(tf.tensor(values[i]!, v.shape)));
  const goal = (x: number) => ({ achievedGoal: new Float32Array([x]), desiredGoal: new Float32Array([x]) });
  g.addPositives(goal(1));
  g.addNegatives(goal(-1));
  return g;
}

test("a fixed tiny D: the training round reports the hand-computed loss of both forms", () => {
  // real = [2], fake = [0]. Relativistic: 0.5·(0 − 2 + 2)² + (2 − 0 − 2)² + 0.1·(2 − 0.1)² = 0.361.
  // Label: ½·((2 − 1)² + (0 + 1)²) = 1.
  for (const [loss, want] of [["relativistic", 0.361], ["label", 1]] as const) {
    const g = tinyGahil(loss);
    const raw = new Float32Array(2);
    g.discriminate({ achievedGoal: new Float32Array([0, 0]), desiredGoal: new Float32Array([1, -1]) }, raw);
    assert.deepEqual(Array.from(raw), [2, 0]);
    close(g.trainRound(), want);
    g.dispose();
  }
});

test("rewards map D's target levels onto [−1, 0] and clip; constant before the first round", () => {
  for (const loss of ["relativistic", "label"] as const) {
    const g = tinyGahil(loss);
    const batch = { achievedGoal: new Float32Array(3), desiredGoal: new Float32Array([1, -1, -0.5]) };
    const out = new Float32Array(3);
    g.rewards(batch, out);
    assert.deepEqual(Array.from(out), [-1, -1, -1], "not ready: the unready reward");
    g.trainRound(); // lr 1e-9: D is unchanged for all practical purposes
    g.rewards(batch, out);
    const [pos, neg] = TARGET_LEVELS[loss];
    const map = (d: number) => Math.min(0, Math.max(-1, (d - pos) / (pos - neg)));
    // D = [2, 0, 0.5] (x = 1, −1, −0.5 → relu(x + 1)).
    [2, 0, 0.5].forEach((d, i) => close(out[i]!, map(d), 1e-5));
    g.dispose();
  }
});
