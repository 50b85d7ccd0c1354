import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/nn/backend.js";
import type { Mlp } from "../../src/nn/mlp.js";
import { createTd3Model, disposeTd3Model, td3Target, td3Update, TD3_DEFAULTS } from "../../src/algos/td3.js";
import type { Td3Config } from "../../src/algos/td3.js";

await selectBackend("wasm");

/** Sets an obs 1 / action 1 / hidden [2] network's weights: [W1, b1, W2, b2]. */
function setWeights(net: Mlp, values: number[][]): void {
  net.trainableVariables.forEach((v, i) => v.assign(tf.tensor(values[i]!, v.shape)));
}

const relu = (z: number) => Math.max(0, z);
const clip = (z: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, z));

// Hand-written networks (see setWeights calls below).
const actorTarget = (s: number) => Math.tanh(0.5 * relu(1 * s + 0) - 1 * relu(-1 * s + 0.5) + 0.1);
const q1Target = (s: number, a: number) => 1 * relu(s) + 2 * relu(a) + 0;
const q2Target = (s: number, a: number) => 1 * relu(s + 0.2) + 1 * relu(-a) - 0.1;

function tinyModel() {
  const model = createTd3Model({ obsDim: 1, actDim: 1, hidden: [2], seed: 7 });
  setWeights(model.actorTarget, [[1, -1], [0, 0.5], [0.5, -1], [0.1]]);
  // Critic input is [s, a]: W1 is [2, 2] row-major (row = input).
  setWeights(model.critic1Target, [[1, 0, 0, 1], [0, 0], [1, 2], [0]]);
  setWeights(model.critic2Target, [[1, 0, 0, -1], [0.2, 0], [1, 1], [-0.1]]);
  return model;
}

const config: Td3Config = { ...TD3_DEFAULTS, gamma: 0.9, policyNoise: 0.2, noiseClip: 0.5 };
const sNext = [0.3, -0.8, 1.5];
const reward = [1, 0.5, -1];
const done = [0, 1, 0];
const eps = [2, -5, 0.1];

function handTarget(i: number, discount: number): number {
  const noise = clip(config.policyNoise * eps[i]!, -config.noiseClip, config.noiseClip);
  const a = clip(actorTarget(sNext[i]!) + noise, -1, 1);
  return reward[i]! + discount * Math.min(q1Target(sNext[i]!, a), q2Target(sNext[i]!, a));
}

test("TD3 target equals r + γ(1−done)·min(Q1', Q2')(s', clip(π'(s') + clip(σε)))", () => {
  const model = tinyModel();
  const batch = {
    obs: tf.tensor2d([[0], [0], [0]]),
    action: tf.tensor2d([[0], [0], [0]]),
    reward: tf.tensor1d(reward),
    nextObs: tf.tensor2d(sNext, [3, 1]),
    done: tf.tensor1d(done),
  };
  const noise = tf.tensor2d(eps, [3, 1]);
  const y = td3Target(model, batch, config, noise);
  const got = y.dataSync();
  for (let i = 0; i < 3; i++) {
    const want = handTarget(i, config.gamma * (1 - done[i]!));
    assert.ok(Math.abs(got[i]! - want) < 1e-6, `row ${i}: ${got[i]} vs ${want}`);
  }
  // The second row is terminal: y = r exactly.
  assert.equal(got[1], 0.5);

  // A per-transition discount (n-step credit) replaces γ(1 − done).
  const discount = [0.5, 0, 0.25];
  const y2 = td3Target(model, { ...batch, done: undefined, discount: tf.tensor1d(discount) }, config, noise).dataSync();
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(y2[i]! - handTarget(i, discount[i]!)) < 1e-6);
  disposeTd3Model(model);
});

test("td3Update: critic loss uses that target; actor and targets move only every 2nd call", () => {
  const model = tinyModel();
  const obs = [0.2, -0.4, 0.9];
  const act = [0.5, -0.3, 0.1];
  const batch = {
    obs: tf.tensor2d(obs, [3, 1]),
    action: tf.tensor2d(act, [3, 1]),
    reward: tf.tensor1d(reward),
    nextObs: tf.tensor2d(sNext, [3, 1]),
    done: tf.tensor1d(done),
  };
  const noise = tf.tensor2d(eps, [3, 1]);
  const input = tf.concat([batch.obs, batch.action], 1);
  const y = td3Target(model, batch, config, noise);
  const want = tf.tidy(() =>
    tf.add(tf.mean(tf.square(tf.sub(model.critic1.apply(input), y))), tf.mean(tf.square(tf.sub(model.critic2.apply(input), y)))).dataSync()[0]!,
  );
  const snapshot = (net: Mlp) => net.trainableVariables.map((v) => Float32Array.from(v.dataSync()));
  const actor0 = snapshot(model.actor);
  const target0 = snapshot(model.critic1Target);
  const critic0 = snapshot(model.critic1);

  const first = td3Update(model, batch, config, { noise });
  assert.ok(Math.abs(first.criticLoss - want) < 1e-5 * Math.max(1, Math.abs(want)), `${first.criticLoss} vs ${want}`);
  assert.equal(first.actorUpdated, false);
  assert.equal(first.actorLoss, undefined);
  assert.deepEqual(snapshot(model.actor), actor0);
  assert.deepEqual(snapshot(model.critic1Target), target0);
  assert.notDeepEqual(snapshot(model.critic1), critic0);

  const second = td3Update(model, batch, config, { noise });
  assert.equal(second.actorUpdated, true);
  assert.ok(Number.isFinite(second.actorLoss));
  assert.notDeepEqual(snapshot(model.actor), actor0);
  // Polyak: θ' ← τθ + (1 − τ)θ' with the critic after two steps.
  const critic2Steps = snapshot(model.critic1);
  snapshot(model.critic1Target).forEach((w, i) =>
    w.forEach((v, k) => assert.ok(Math.abs(v - (config.tau * critic2Steps[i]![k]! + (1 - config.tau) * target0[i]![k]!)) < 1e-6)),
  );
  assert.equal(model.criticOptimizer.step, 2);
  assert.equal(model.actorOptimizer.step, 1);
  tf.dispose([y, input, noise, ...Object.values(batch)]);
  disposeTd3Model(model);
});

test("td3Update with actionL2: L_π = −mean(Q1(s, π(s))) + λ·mean(π(s)²)", () => {
  // A negligible critic step (Adam moves by ~lr) keeps Q1 as it was, so the loss can be computed beforehand.
  const model = createTd3Model({ obsDim: 1, actDim: 1, hidden: [4], seed: 3, criticLr: 1e-12 });
  const obs = tf.tensor2d([0.2, -0.4, 0.9], [3, 1]);
  const batch = { obs, action: tf.tensor2d([0.5, -0.3, 0.1], [3, 1]), reward: tf.tensor1d(reward), nextObs: tf.tensor2d(sNext, [3, 1]), done: tf.tensor1d(done) };
  const pi = model.actor.apply(obs);
  const q = model.critic1.apply(tf.concat([obs, pi], 1));
  const qMean = tf.mean(q).dataSync()[0]!;
  const piSq = tf.mean(tf.square(pi)).dataSync()[0]!;
  const lambda = 0.7;
  const result = td3Update(model, batch, { ...config, policyDelay: 1, actionL2: lambda });
  assert.equal(result.actorUpdated, true);
  const want = -qMean + lambda * piSq;
  assert.ok(Math.abs(result.actorLoss! - want) < 1e-5, `${result.actorLoss} vs ${want}`);
  assert.ok(piSq > 1e-4, "the penalty term is not negligible in this check");
  assert.throws(() => td3Update(model, batch, { ...config, actionL2: -1 }), /actionL2 must be >= 0/);
  tf.dispose([pi, q, ...Object.values(batch)]);
  disposeTd3Model(model);
});

test("td3Update rejects mis-shaped batches and noise with the expected shape", () => {
  const model = tinyModel();
  const batch = {
    obs: tf.zeros([3, 1]) as tf.Tensor2D,
    action: tf.zeros([3, 2]) as tf.Tensor2D,
    reward: tf.zeros([3]),
    nextObs: tf.zeros([3, 1]) as tf.Tensor2D,
    done: tf.zeros([3]),
  };
  assert.throws(() => td3Update(model, batch), /Expected batch.action of shape \[3, 1\] but got \[3, 2\]/);
  const noise = tf.zeros([2, 1]) as tf.Tensor2D;
  assert.throws(() => td3Update(model, { ...batch, action: tf.zeros([3, 1]) as tf.Tensor2D }, config, { noise }), /Expected noise of shape \[3, 1\] but got \[2, 1\]/);
  assert.equal(model.updates, 0);
  disposeTd3Model(model);
  tf.dispose([noise, ...Object.values(batch)]);
});
