import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/nn/backend.js";
import { Mlp } from "../../src/nn/mlp.js";
import { Adam } from "../../src/nn/adam.js";
import { createTd3Model, disposeTd3Model, td3Update } from "../../src/algos/td3.js";

await selectBackend("wasm");

test("critic Adam step: tf.memory().numTensors is flat over 1000 steps", () => {
  const critic = new Mlp({ sizes: [10, 32, 32, 1], seed: 1 });
  const adam = new Adam(critic.trainableVariables, { learningRate: 1e-3 });
  const x = tf.randomNormal([64, 10]) as tf.Tensor2D;
  const y = tf.randomNormal([64, 1]);
  const step = () => tf.tidy(() => adam.minimize(() => tf.mean(tf.square(tf.sub(critic.apply(x, { inputGrad: false }), y))) as tf.Scalar).dataSync()[0]!);
  step();
  const before = tf.memory().numTensors;
  let last = 0;
  for (let i = 0; i < 1000; i++) last = step();
  assert.equal(tf.memory().numTensors, before);
  assert.ok(Number.isFinite(last));
  critic.dispose();
  adam.dispose();
  tf.dispose([x, y]);
});

test("td3Update: tf.memory().numTensors is flat over 1000 updates, and everything is freed by dispose", () => {
  const start = tf.memory().numTensors;
  const model = createTd3Model({ obsDim: 6, actDim: 2, hidden: [32, 32], seed: 4 });
  const b = 32;
  const batch = {
    obs: tf.randomNormal([b, 6]) as tf.Tensor2D,
    action: tf.randomUniform([b, 2], -1, 1) as tf.Tensor2D,
    reward: tf.randomNormal([b]),
    nextObs: tf.randomNormal([b, 6]) as tf.Tensor2D,
    done: tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([b]), 0.9), "float32")),
  };
  td3Update(model, batch);
  td3Update(model, batch);
  const before = tf.memory().numTensors;
  const bytesBefore = tf.memory().numBytes;
  let actorUpdates = 0;
  for (let i = 0; i < 1000; i++) {
    const r = td3Update(model, batch, undefined, { readLosses: i % 2 === 0 });
    if (r.actorUpdated) actorUpdates++;
  }
  assert.equal(tf.memory().numTensors, before);
  assert.equal(tf.memory().numBytes, bytesBefore);
  assert.equal(actorUpdates, 500);
  assert.equal(model.updates, 1002);
  disposeTd3Model(model);
  tf.dispose(Object.values(batch));
  assert.equal(tf.memory().numTensors, start);
});
