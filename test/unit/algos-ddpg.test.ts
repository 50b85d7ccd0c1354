import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/nn/backend.js";
import type { Mlp } from "../../src/nn/mlp.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/nn/save-load.js";
import { createDdpgModel, ddpgTarget, ddpgUpdate, disposeDdpgModel, DDPG_DEFAULTS } from "../../src/nn/ddpg-update.js";
import type { DdpgConfig } from "../../src/nn/ddpg-update.js";
import { Ddpg, DDPG_ARGS } from "../../src/algos/ddpg.js";
import type { TransitionBatch } from "../../src/algos/off-policy-agent.js";
import { Rng } from "../../src/env/rng.js";

await selectBackend("wasm");

/** Sets an Mlp's weights: [W1, b1, W2, b2] row-major (row = input). */
function setWeights(net: Mlp, values: number[][]): void {
  net.trainableVariables.forEach((v, i) => v.assign(tf.tensor(values[i]!, v.shape)));
}
const snapshot = (net: Mlp) => net.trainableVariables.map((v) => Float32Array.from(v.dataSync()));
const relu = (z: number) => Math.max(0, z);

// Hand-written target networks, obs 1 / action 1 / hidden [2].
const actorTarget = (s: number) => Math.tanh(0.5 * relu(s) - 1 * relu(-s + 0.5) + 0.1);
const criticTarget = (s: number, a: number) => 1 * relu(s - 0.1) - 2 * relu(-a) + 0.3;

function tinyModel() {
  const model = createDdpgModel({ obsDim: 1, actDim: 1, hidden: [2], seed: 7 });
  setWeights(model.actorTarget, [[1, -1], [0, 0.5], [0.5, -1], [0.1]]);
  setWeights(model.criticTarget, [[1, 0, 0, -1], [-0.1, 0], [1, -2], [0.3]]);
  return model;
}

const config: DdpgConfig = { ...DDPG_DEFAULTS, gamma: 0.9 };
const sNext = [0.3, -0.8, 1.5];
const reward = [1, 0.5, -1];
const done = [0, 1, 0];
const obs = [0.2, -0.4, 0.9];
const act = [0.5, -0.3, 0.1];

function tinyBatch() {
  return {
    obs: tf.tensor2d(obs, [3, 1]),
    action: tf.tensor2d(act, [3, 1]),
    reward: tf.tensor1d(reward),
    nextObs: tf.tensor2d(sNext, [3, 1]),
    done: tf.tensor1d(done),
  };
}

test("DDPG target equals r + γ(1−done)·Q'(s', π'(s')) computed by hand", () => {
  const model = tinyModel();
  const batch = tinyBatch();
  const got = ddpgTarget(model, batch, config);
  const values = got.dataSync();
  for (let i = 0; i < 3; i++) {
    const want = reward[i]! + config.gamma * (1 - done[i]!) * criticTarget(sNext[i]!, actorTarget(sNext[i]!));
    assert.ok(Math.abs(values[i]! - want) < 1e-6, `row ${i}: ${values[i]} vs ${want}`);
  }
  assert.equal(values[1], 0.5, "a terminal transition bootstraps nothing");
  // A given discount (n-step credit) replaces γ(1 − done).
  const discount = tf.tensor1d([0.5, 0, 0.25]);
  const y2 = ddpgTarget(model, { ...batch, done: undefined, discount }, config).dataSync();
  [0.5, 0, 0.25].forEach((d, i) => assert.ok(Math.abs(y2[i]! - (reward[i]! + d * criticTarget(sNext[i]!, actorTarget(sNext[i]!)))) < 1e-6));
  tf.dispose([got, discount, ...Object.values(batch)]);
  disposeDdpgModel(model);
});

test("ddpgUpdate: critic loss against that target, actor loss with the updated critic, Polyak targets", () => {
  const model = tinyModel();
  const twin = createDdpgModel({ obsDim: 1, actDim: 1, hidden: [2], seed: 7 }); // same initial actor and critic
  const batch = tinyBatch();
  const input = tf.concat([batch.obs, batch.action], 1);
  const y = ddpgTarget(model, batch, config);
  const wantCritic = tf.tidy(() => tf.mean(tf.square(tf.sub(model.critic.apply(input), y))).dataSync()[0]!);
  const criticTarget0 = snapshot(model.criticTarget);
  const actorTarget0 = snapshot(model.actorTarget);

  const r = ddpgUpdate(model, batch, config);
  assert.ok(Math.abs(r.criticLoss - wantCritic) < 1e-5 * Math.max(1, wantCritic), `${r.criticLoss} vs ${wantCritic}`);
  // The actor step used the critic after its step and the actor before its step (the twin's).
  const wantActor = tf.tidy(() => tf.neg(tf.mean(model.critic.apply(tf.concat([batch.obs, twin.actor.apply(batch.obs)], 1)))).dataSync()[0]!);
  assert.ok(Math.abs(r.actorLoss - wantActor) < 1e-5, `${r.actorLoss} vs ${wantActor}`);
  assert.notDeepEqual(snapshot(model.actor), snapshot(twin.actor));
  // θ' ← τθ + (1 − τ)θ' for both targets, every call.
  for (const [target, online, before] of [[model.criticTarget, model.critic, criticTarget0], [model.actorTarget, model.actor, actorTarget0]] as const) {
    const now = snapshot(online);
    snapshot(target).forEach((w, i) => w.forEach((v, k) => assert.ok(Math.abs(v - (config.tau * now[i]![k]! + (1 - config.tau) * before[i]![k]!)) < 1e-6)));
  }
  assert.equal(model.actorOptimizer.step, 1);
  assert.equal(model.criticOptimizer.step, 1);
  assert.throws(() => ddpgUpdate(model, { ...batch, action: tf.zeros([3, 2]) as tf.Tensor2D }), /Expected batch.action of shape \[3, 1\] but got \[3, 2\]/);
  tf.dispose([input, y, ...Object.values(batch)]);
  disposeDdpgModel(model);
  disposeDdpgModel(twin);
});

/** Random transitions in [−1, 1]. */
function randomBatch(rng: Rng, rows: number, inputDim: number, actDim: number): TransitionBatch {
  const fill = (n: number) => Float32Array.from({ length: n }, () => rng.uniformRange(-1, 1));
  return {
    rows,
    obs: fill(rows * inputDim),
    action: fill(rows * actDim),
    reward: fill(rows),
    nextObs: fill(rows * inputDim),
    terminated: Float32Array.from({ length: rows }, () => (rng.uniform() < 0.1 ? 1 : 0)),
  };
}

const small = { ...DDPG_ARGS, hidden: [32, 32] };

test("Ddpg: no tensor leaks over 300 updates and act calls", () => {
  const agent = new Ddpg({ inputDim: 5, actDim: 2, seed: 1 }, small);
  const rng = new Rng(2);
  const batch = randomBatch(rng, 32, 5, 2);
  agent.update(batch);
  agent.act(batch.obs, 32, "explore");
  const before = tf.memory().numTensors;
  for (let i = 0; i < 300; i++) {
    const losses = agent.update(batch);
    assert.ok(Number.isFinite(losses.critic_loss) && Number.isFinite(losses.actor_loss));
    agent.act(batch.obs.subarray(0, 4 * 5), 4, i % 2 === 0 ? "explore" : "deterministic");
  }
  assert.equal(tf.memory().numTensors, before);
  agent.dispose();
});

test("Ddpg: save → load → identical actions and an identical next update", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "ddpg-ckpt-"));
  try {
    const rng = new Rng(5);
    const a = new Ddpg({ inputDim: 4, actDim: 3, seed: 11 }, small);
    for (let i = 0; i < 5; i++) a.update(randomBatch(rng, 16, 4, 3));
    a.act(new Float32Array(4), 1, "explore");
    await saveCheckpoint(dir, a.checkpointContents());

    const b = new Ddpg({ inputDim: 4, actDim: 3, seed: 99 }, small);
    const probe = randomBatch(rng, 8, 4, 3);
    assert.notDeepEqual(b.act(probe.obs, 8, "deterministic"), a.act(probe.obs, 8, "deterministic"));
    const manifest = await loadCheckpoint(dir, b.checkpointContents());
    b.restoreMeta(manifest.meta);

    assert.deepEqual(b.act(probe.obs, 8, "deterministic"), a.act(probe.obs, 8, "deterministic"));
    assert.deepEqual(b.act(probe.obs, 8, "explore"), a.act(probe.obs, 8, "explore"));
    const next = randomBatch(rng, 16, 4, 3);
    assert.deepEqual(b.update(next), a.update(next));
    assert.deepEqual(b.act(probe.obs, 8, "deterministic"), a.act(probe.obs, 8, "deterministic"));
    assert.throws(() => b.restoreMeta({ updates: 1 }), /DDPG checkpoint meta must be/);
    assert.throws(() => b.act(probe.obs, 3, "deterministic"), /Expected 3 × 4 = 12 input values but got 32/);
    a.dispose();
    b.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("Ddpg learns a one-step bandit: reward −(a − 0.5)² → deterministic action within 0.1 of 0.5", () => {
  const obs = [0.3, -0.2, 0.5];
  const rows = 64;
  // Test-sized: small networks, faster learning rates, wider exploration so the critic sees both sides of 0.5.
  const agent = new Ddpg({ inputDim: 3, actDim: 1, seed: 1 }, { ...small, actorLr: 1e-3, criticLr: 1e-3, explorationNoise: 0.3 });
  const o = Float32Array.from({ length: rows * 3 }, (_, i) => obs[i % 3]!);
  const start = agent.act(o.subarray(0, 3), 1, "deterministic")[0]!;
  assert.ok(Math.abs(start - 0.5) > 0.2, `starts away from 0.5: ${start}`);
  for (let step = 0; step < 800; step++) {
    const action = agent.act(o, rows, "explore");
    const reward = Float32Array.from(action, (a) => -((a - 0.5) ** 2));
    agent.update({ rows, obs: o, action, reward, nextObs: o, terminated: new Float32Array(rows).fill(1) });
  }
  const final = agent.act(o.subarray(0, 3), 1, "deterministic")[0]!;
  assert.ok(Math.abs(final - 0.5) < 0.1, `deterministic action ${final}`);
  agent.dispose();
});
