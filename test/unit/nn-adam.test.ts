import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/nn/backend.js";
import { Adam } from "../../src/nn/adam.js";

await selectBackend("wasm");

test("applyGradients takes an array in variable order, same as the named map", () => {
  const make = () => [tf.variable(tf.tensor1d([1, 2]), true), tf.variable(tf.scalar(3), true)];
  const [va, vb] = [make(), make()];
  const [a, b] = [new Adam(va, { learningRate: 0.1 }), new Adam(vb, { learningRate: 0.1 })];
  const g = [tf.tensor1d([0.5, -1]), tf.scalar(2)];
  a.applyGradients(g);
  b.applyGradients({ [vb[0]!.name]: g[0]!, [vb[1]!.name]: g[1]! });
  va.forEach((v, i) => assert.deepEqual(v.dataSync(), vb[i]!.dataSync()));
  assert.throws(() => a.applyGradients([g[0]!]), /Expected 2 gradients but got 1/);
  tf.dispose([...va, ...vb, ...g]);
  a.dispose();
  b.dispose();
});

test("epsilon: the first step is −lr·g/(|g| + ε) (PPO uses ε = 1e-5)", () => {
  // After one step m̂ = g and v̂ = g², so the update is −lr·g/(|g| + ε).
  for (const [epsilon, want] of [[1e-5, -0.1 * 0.5], [undefined, -0.1 * (1e-5 / (1e-5 + 1e-8))]] as const) {
    const w = tf.variable(tf.scalar(0), true);
    const adam = new Adam([w], { learningRate: 0.1, ...(epsilon === undefined ? {} : { epsilon }) });
    assert.equal(adam.epsilon, epsilon ?? 1e-8);
    const g = tf.scalar(1e-5);
    adam.applyGradients([g]);
    const got = w.dataSync()[0]!;
    assert.ok(Math.abs(got - want) < 1e-4 * Math.abs(want), `ε ${epsilon}: ${got} vs ${want}`);
    tf.dispose([w, g]);
    adam.dispose();
  }
});

test("learningRate can be changed between steps (annealing)", () => {
  // Same gradients → same moments; the step size is proportional to the current rate.
  const wa = tf.variable(tf.tensor1d([0, 0]), true);
  const wb = tf.variable(tf.tensor1d([0, 0]), true);
  const a = new Adam([wa], { learningRate: 0.1 });
  const b = new Adam([wb], { learningRate: 0.1 });
  const g1 = tf.tensor1d([1, -2]);
  const g2 = tf.tensor1d([0.5, 3]);
  a.applyGradients([g1]);
  b.applyGradients([g1]);
  const afterFirst = Array.from(wa.dataSync());
  b.learningRate = 0.05;
  a.applyGradients([g2]);
  b.applyGradients([g2]);
  const stepA = Array.from(wa.dataSync()).map((x, i) => x - afterFirst[i]!);
  const stepB = Array.from(wb.dataSync()).map((x, i) => x - afterFirst[i]!);
  stepA.forEach((s, i) => assert.ok(Math.abs(stepB[i]! - 0.5 * s) < 1e-6, `element ${i}: ${stepB[i]} vs half of ${s}`));
  tf.dispose([wa, wb, g1, g2]);
  a.dispose();
  b.dispose();
});
