import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/nn/backend.js";
import { createDdpgModel, ddpgTarget, ddpgUpdate, Ddpg, DDPG_ARGS, disposeDdpgModel, DDPG_DEFAULTS } from "../../src/algos/ddpg.js";
import type { DdpgConfig } from "../../src/algos/ddpg.js";
import { relu, setWeights, snapshot, TINY, tinyBatch } from "../helpers/tiny-networks.js";
import { assertLearnsOneStepBandit, assertNoTensorLeaks, assertSaveLoadRoundTrip } from "../helpers/off-policy-agents.js";

await selectBackend("wasm");

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
const { nextObs: sNext, reward, done } = TINY;

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

const small = { ...DDPG_ARGS, hidden: [32, 32] };

test("Ddpg: no tensor leaks over 300 updates and act calls", () => {
  const agent = new Ddpg({ inputDim: 5, actDim: 2, seed: 1 }, small);
  assertNoTensorLeaks(agent, (losses) => assert.ok(Number.isFinite(losses.critic_loss) && Number.isFinite(losses.actor_loss)));
  agent.dispose();
});

test("Ddpg: save → load → identical actions and an identical next update", () =>
  assertSaveLoadRoundTrip(
    (seed) => new Ddpg({ inputDim: 4, actDim: 3, seed }, small),
    ({ saved, loaded, probe }) => {
      assert.deepEqual(loaded.act(probe.obs, 8, "deterministic").actions, saved.act(probe.obs, 8, "deterministic").actions);
      assert.throws(() => loaded.restoreMeta({ updates: 1 }), /DDPG checkpoint meta must be/);
      assert.throws(() => loaded.act(probe.obs, 3, "deterministic"), /Expected 3 × 4 = 12 input values but got 32/);
    },
  ));

test("Ddpg learns a one-step bandit: reward −(a − 0.5)² → deterministic action within 0.1 of 0.5", () => {
  // Test-sized: small networks, faster learning rates, wider exploration so the critic sees both sides of 0.5.
  const agent = new Ddpg({ inputDim: 3, actDim: 1, seed: 1 }, { ...small, actorLr: 1e-3, criticLr: 1e-3, explorationNoise: 0.3 });
  assertLearnsOneStepBandit(agent, 800);
  agent.dispose();
});
