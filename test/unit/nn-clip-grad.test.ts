import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/nn/backend.js";
import { clipByGlobalNorm } from "../../src/nn/clip-grad.js";
import { Adam } from "../../src/nn/adam.js";
import { Mlp } from "../../src/nn/mlp.js";

await selectBackend("wasm");

test("clips by the global norm of all tensors together (PyTorch's clip_grad_norm_)", () => {
  // ‖(3, 4, 0, 12)‖ = √(9 + 16 + 144) = 13.
  const a = tf.tensor1d([3, 4]);
  const b = tf.tensor2d([[0, 12]]);
  const before = tf.memory().numTensors;
  const { clipped, norm } = clipByGlobalNorm([a, b], 6.5);
  assert.ok(Math.abs(norm - 13) < 1e-6, `norm ${norm}`);
  const scale = 6.5 / (13 + 1e-6); // 0.49999996…
  assert.deepEqual(clipped[1]!.shape, [1, 2]);
  const got = [...clipped[0]!.dataSync(), ...clipped[1]!.dataSync()];
  [3 * scale, 4 * scale, 0, 12 * scale].forEach((want, i) => assert.ok(Math.abs(got[i]! - want) < 1e-6, `element ${i}: ${got[i]} vs ${want}`));
  // The inputs are untouched and still alive; only the two results are new.
  assert.deepEqual(Array.from(a.dataSync()), [3, 4]);
  assert.equal(tf.memory().numTensors, before + 2);
  tf.dispose(clipped);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([a, b]);
});

test("below maxNorm the gradients are returned unscaled, as new tensors", () => {
  const a = tf.tensor1d([3, 4]);
  const before = tf.memory().numTensors;
  const { clipped, norm } = clipByGlobalNorm([a], 10);
  assert.equal(norm, 5);
  assert.notEqual(clipped[0], a);
  assert.deepEqual(Array.from(clipped[0]!.dataSync()), [3, 4]);
  tf.dispose(clipped);
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(Array.from(a.dataSync()), [3, 4], "disposing the result leaves the input");
  a.dispose();
});

test("edge cases: no gradients, non-positive maxNorm", () => {
  assert.deepEqual(clipByGlobalNorm([], 1), { clipped: [], norm: 0 });
  const a = tf.tensor1d([1]);
  assert.throws(() => clipByGlobalNorm([a], 0), /maxNorm must be positive, got 0/);
  assert.throws(() => clipByGlobalNorm([a], NaN), /maxNorm must be positive/);
  a.dispose();
});

test("variableGrads → clip → Adam.applyGradients(array) leaks nothing across steps", () => {
  const net = new Mlp({ sizes: [4, 16, 1], seed: 1 });
  const vars = net.trainableVariables;
  const adam = new Adam(vars, { learningRate: 1e-3, epsilon: 1e-5 });
  const x = tf.randomNormal([32, 4], 0, 1, "float32", 1) as tf.Tensor2D;
  const y = tf.randomNormal([32, 1], 0, 1, "float32", 2);
  const step = () => {
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(net.apply(x, { inputGrad: false }), y))) as tf.Scalar, vars);
    const { clipped, norm } = clipByGlobalNorm(vars.map((v) => grads[v.name]!), 0.01);
    assert.ok(norm > 0.01, "the clip is active");
    adam.applyGradients(clipped);
    tf.dispose([value, clipped, grads]);
  };
  step();
  const count = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) step();
  assert.equal(tf.memory().numTensors, count);
  tf.dispose([x, y]);
  adam.dispose();
  net.dispose();
});
