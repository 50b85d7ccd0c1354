import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/nn/backend.js";
import {
  createSacModel,
  disposeSacModel,
  LOG_STD_MAX,
  LOG_STD_MIN,
  policyMeanLogStd,
  Sac,
  SAC_ARGS,
  sacAlpha,
  sacAlphaLoss,
  sacTarget,
  sacUpdate,
  squashedGaussian,
} from "../../src/algos/sac.js";
import type { SacConfig, SacModel } from "../../src/algos/sac.js";
import { Rng } from "../../src/core/rng.js";
import { relu, setWeights, snapshot, TINY, tinyBatch } from "../helpers/tiny-networks.js";
import { assertLearnsOneStepBandit, assertNoTensorLeaks, assertSaveLoadRoundTrip } from "../helpers/off-policy-agents.js";

await selectBackend("wasm");

const close = (got: number, want: number, tol: number, what: string) => assert.ok(Math.abs(got - want) <= tol, `${what}: ${got} vs ${want}`);

/** The squashed Gaussian by hand: log σ from the raw output, a = tanh(μ + σε), log π(a) with the tanh correction. */
function handPolicy(mean: number, raw: number, eps: number): { a: number; logProb: number } {
  const logStd = LOG_STD_MIN + 0.5 * (LOG_STD_MAX - LOG_STD_MIN) * (Math.tanh(raw) + 1);
  const a = Math.tanh(mean + Math.exp(logStd) * eps);
  const logProb = -0.5 * eps * eps - logStd - 0.5 * Math.log(2 * Math.PI) - Math.log(1 - a * a + 1e-6);
  return { a, logProb };
}

test("log-std is squashed into [LOG_STD_MIN, LOG_STD_MAX] by tanh rescaling", () => {
  const out = tf.tensor2d([[0.3, -20], [0.3, 0], [0.3, 20]]);
  const { mean, logStd } = policyMeanLogStd(out);
  assert.deepEqual(Array.from(mean.dataSync()).map((v) => Math.fround(v)), [0.3, 0.3, 0.3].map(Math.fround));
  const ls = logStd.dataSync();
  close(ls[0]!, -5, 1e-6, "raw −20");
  close(ls[1]!, -1.5, 1e-6, "raw 0");
  close(ls[2]!, 2, 1e-6, "raw 20");
  tf.dispose([out, mean, logStd]);
});

test("log π of the squashed Gaussian: by hand, as the density of tanh(u), and it integrates to 1", () => {
  // Two action dimensions, three rows: out = [μ1, μ2, ρ1, ρ2].
  const outs = [[0.2, -0.5, 0.1, -0.3], [-1.0, 0.4, 0.6, 0.0], [0.0, 0.9, -0.8, 0.2]];
  const eps = [[0.5, -1.2], [1.5, 0.3], [-0.7, 0.8]];
  const out = tf.tensor2d(outs);
  const e = tf.tensor2d(eps);
  const { action, logProb } = squashedGaussian(out, e);
  const a = action.arraySync();
  const lp = logProb.arraySync();
  assert.deepEqual(logProb.shape, [3, 1]);
  for (let i = 0; i < 3; i++) {
    let want = 0;
    let density = 0;
    for (let j = 0; j < 2; j++) {
      const h = handPolicy(outs[i]![j]!, outs[i]![2 + j]!, eps[i]![j]!);
      close(a[i]![j]!, h.a, 1e-6, `a[${i}][${j}]`);
      want += h.logProb;
      // Independently: log N(atanh a; μ, σ) − log(1 − a²), the change of variables a = tanh u.
      const sigma = Math.exp(LOG_STD_MIN + 0.5 * (LOG_STD_MAX - LOG_STD_MIN) * (Math.tanh(outs[i]![2 + j]!) + 1));
      const u = Math.atanh(h.a);
      density += -0.5 * ((u - outs[i]![j]!) / sigma) ** 2 - Math.log(sigma * Math.sqrt(2 * Math.PI)) - Math.log(1 - h.a * h.a);
    }
    close(lp[i]![0]!, want, 1e-4, `log π row ${i}`);
    close(lp[i]![0]!, density, 1e-3, `log π row ${i} as a density`);
  }
  tf.dispose([out, e, action, logProb]);

  // ∫ π(a) da over (−1, 1) = 1 for μ = 0.3, σ = e^{−0.7}: evaluate log π on a grid of a via ε = (atanh a − μ)/σ.
  const n = 4000;
  const rawFor = (logStd: number) => Math.atanh((logStd - LOG_STD_MIN) / (0.5 * (LOG_STD_MAX - LOG_STD_MIN)) - 1);
  const mu = 0.3;
  const raw = rawFor(-0.7);
  const sigma = Math.exp(-0.7);
  const grid = Array.from({ length: n }, (_, k) => -1 + (2 * (k + 0.5)) / n);
  const total = tf.tidy(() => {
    const o = tf.tensor2d(grid.map(() => [mu, raw]));
    const eg = tf.tensor2d(grid.map((g) => [(Math.atanh(g) - mu) / sigma]));
    return tf.sum(tf.exp(squashedGaussian(o, eg).logProb)).dataSync()[0]! * (2 / n);
  });
  close(total, 1, 2e-3, "∫ π(a) da");
});

// Tiny networks with hand-set weights: obs 1, action 1, hidden [2].
//   policy: h = [relu(s), relu(−s + 0.5)], μ = 0.5h1 − h2 + 0.1, ρ = 0.3h1 + 0.2h2 − 0.4
//   Q1'(s, a) = relu(s) + 2 relu(a),  Q2'(s, a) = relu(s + 0.2) + relu(−a) − 0.1
const policyOut = (s: number) => {
  const h1 = relu(s);
  const h2 = relu(-s + 0.5);
  return { mean: 0.5 * h1 - h2 + 0.1, raw: 0.3 * h1 + 0.2 * h2 - 0.4 };
};
const q1Target = (s: number, a: number) => relu(s) + 2 * relu(a);
const q2Target = (s: number, a: number) => relu(s + 0.2) + relu(-a) - 0.1;
const ALPHA = 0.5;

function setPolicy(model: SacModel): void {
  setWeights(model.actor, [[1, -1], [0, 0.5], [0.5, 0.3, -1, 0.2], [0.1, -0.4]]);
}

function tinyModel(seed = 7): SacModel {
  const model = createSacModel({ obsDim: 1, actDim: 1, hidden: [2], seed, initialAlpha: ALPHA, alphaLr: 0.01 });
  setPolicy(model);
  setWeights(model.critic1Target, [[1, 0, 0, 1], [0, 0], [1, 2], [0]]);
  setWeights(model.critic2Target, [[1, 0, 0, -1], [0.2, 0], [1, 1], [-0.1]]);
  return model;
}

const config: SacConfig = { gamma: 0.9, tau: 0.005, targetEntropy: -1, autotune: true };
const { obs, nextObs: sNext, reward, done } = TINY;
const nextEps = [0.7, -1.1, -2];
const actorEps = [-0.4, 1.3, 0.2];

test("SAC target equals r + γ(1−done)·(min(Q1', Q2')(s', a') − α·log π(a'|s')) computed by hand", () => {
  const model = tinyModel();
  const batch = tinyBatch();
  const noise = tf.tensor2d(nextEps, [3, 1]);
  const y = sacTarget(model, batch, config, noise).dataSync();
  for (let i = 0; i < 3; i++) {
    const { mean, raw } = policyOut(sNext[i]!);
    const { a, logProb } = handPolicy(mean, raw, nextEps[i]!);
    const soft = Math.min(q1Target(sNext[i]!, a), q2Target(sNext[i]!, a)) - ALPHA * logProb;
    close(y[i]!, reward[i]! + config.gamma * (1 - done[i]!) * soft, 1e-5, `row ${i}`);
  }
  assert.equal(y[1], 0.5, "a terminal transition bootstraps nothing");
  tf.dispose([noise, ...Object.values(batch)]);
  disposeSacModel(model);
});

test("sacUpdate: critic, actor and α losses as defined; α steps against the entropy gap; Polyak critics", () => {
  const model = tinyModel();
  const twin = tinyModel(); // the same networks, left untouched
  const batch = tinyBatch();
  const nextNoise = tf.tensor2d(nextEps, [3, 1]);
  const actorNoise = tf.tensor2d(actorEps, [3, 1]);
  const input = tf.concat([batch.obs, batch.action], 1);
  const y = sacTarget(model, batch, config, nextNoise);
  const wantCritic = tf.tidy(
    () => tf.add(tf.mean(tf.square(tf.sub(model.critic1.apply(input), y))), tf.mean(tf.square(tf.sub(model.critic2.apply(input), y)))).dataSync()[0]!,
  );
  const target0 = snapshot(model.critic1Target);
  const logAlpha0 = model.logAlpha.dataSync()[0]!;

  const r = sacUpdate(model, batch, config, { nextNoise, actorNoise });
  close(r.criticLoss, wantCritic, 1e-5 * Math.max(1, wantCritic), "critic loss");
  close(r.alpha, ALPHA, 1e-6, "α used");
  // The actor step: the policy before its step (the twin's), the critics after theirs.
  const hand = obs.map((s, i) => handPolicy(policyOut(s).mean, policyOut(s).raw, actorEps[i]!));
  const meanLogProb = hand.reduce((t, h) => t + h.logProb, 0) / 3;
  const wantActor = tf.tidy(() => {
    const piInput = tf.tensor2d(obs.map((s, i) => [s, hand[i]!.a]));
    const q = tf.minimum(model.critic1.apply(piInput), model.critic2.apply(piInput)).dataSync();
    return hand.reduce((t, h, i) => t + ALPHA * h.logProb - q[i]!, 0) / 3;
  });
  close(r.actorLoss, wantActor, 1e-5, "actor loss");
  close(r.entropy, -meanLogProb, 1e-5, "entropy");
  close(r.alphaLoss, -ALPHA * (meanLogProb + config.targetEntropy), 1e-5, "α loss");
  assert.notDeepEqual(snapshot(model.actor), snapshot(twin.actor));
  // Adam's first step moves log α by ≈ lr against the gradient's sign: −α·(mean log π + H̄).
  const grad = -ALPHA * (meanLogProb + config.targetEntropy);
  close(model.logAlpha.dataSync()[0]! - logAlpha0, -0.01 * Math.sign(grad), 1e-6, "log α step");
  // Critic targets: θ' ← τθ + (1 − τ)θ'.
  const now = snapshot(model.critic1);
  snapshot(model.critic1Target).forEach((w, i) => w.forEach((v, k) => close(v, config.tau * now[i]![k]! + (1 - config.tau) * target0[i]![k]!, 1e-6, "Polyak")));
  assert.deepEqual([model.criticOptimizer.step, model.actorOptimizer.step, model.alphaOptimizer.step, model.updates], [1, 1, 1, 1]);

  // autotune off: α stays.
  const before = sacAlpha(twin);
  sacUpdate(twin, batch, { ...config, autotune: false }, { nextNoise, actorNoise });
  assert.equal(sacAlpha(twin), before);
  assert.throws(() => sacUpdate(model, batch, config, { nextNoise: tf.zeros([2, 1]) as tf.Tensor2D }), /Expected nextNoise of shape \[3, 1\] but got \[2, 1\]/);
  tf.dispose([nextNoise, actorNoise, input, y, ...Object.values(batch)]);
  disposeSacModel(model);
  disposeSacModel(twin);
});

test("α loss gradient: α rises when the entropy is below the target, falls when above", () => {
  const logAlpha = tf.scalar(Math.log(0.3));
  const gradAt = (logProbs: number[]) =>
    tf.tidy(() => tf.grad((la: tf.Tensor) => sacAlphaLoss(la, tf.tensor2d(logProbs, [logProbs.length, 1]), -1))(logAlpha).dataSync()[0]!);
  // Entropy −mean log π = −2.5 < H̄ = −1: the gradient is negative, so descent raises log α.
  close(gradAt([2, 3]), -0.3 * (2.5 - 1), 1e-6, "low entropy");
  // Entropy 0.5 > −1: positive gradient, α falls.
  close(gradAt([-1, 0]), -0.3 * (-0.5 - 1), 1e-6, "high entropy");
  logAlpha.dispose();

  // Through sacUpdate: a nearly deterministic policy (log σ ≈ −5) vs a wide one (log σ = 0).
  for (const [rawBias, lowEntropy] of [[-10, true], [Math.atanh(5 / 3.5 - 1), false]] as const) {
    const model = tinyModel();
    setWeights(model.actor, [[1, -1], [0, 0.5], [0.5, 0, -1, 0], [0.1, rawBias]]);
    const rng = new Rng(1);
    const rows = 64;
    const batch = {
      obs: tf.tensor2d(Array.from({ length: rows }, () => rng.uniformRange(-1, 1)), [rows, 1]),
      action: tf.tensor2d(Array.from({ length: rows }, () => rng.uniformRange(-1, 1)), [rows, 1]),
      reward: tf.zeros([rows]),
      nextObs: tf.tensor2d(Array.from({ length: rows }, () => rng.uniformRange(-1, 1)), [rows, 1]),
      done: tf.zeros([rows]),
    };
    const alpha0 = sacAlpha(model);
    const r = sacUpdate(model, batch, config);
    assert.equal(r.entropy < config.targetEntropy, lowEntropy, `entropy ${r.entropy}`);
    assert.equal(sacAlpha(model) > alpha0, lowEntropy, `α ${alpha0} → ${sacAlpha(model)} at entropy ${r.entropy}`);
    tf.dispose(Object.values(batch));
    disposeSacModel(model);
  }
});

const small = { ...SAC_ARGS, hidden: [32, 32] };

test("Sac: no tensor leaks over 300 updates and act calls", () => {
  const agent = new Sac({ inputDim: 5, actDim: 2, seed: 1 }, small);
  assertNoTensorLeaks(agent, (losses) => {
    for (const k of ["critic_loss", "actor_loss", "alpha_loss", "alpha", "entropy"]) assert.ok(Number.isFinite(losses[k]), `${k} = ${losses[k]}`);
  });
  agent.dispose();
});

test("Sac: actions lie in [−1, 1]; deterministic is one action per input, explore samples vary", () => {
  const agent = new Sac({ inputDim: 3, actDim: 2, seed: 5 }, small);
  const input = Float32Array.from({ length: 3 * 200 }, (_, i) => [0.1, -0.2, 0.3][i % 3]!);
  const det = agent.act(input, 200, "deterministic").actions;
  const exp = agent.act(input, 200, "explore").actions;
  for (const v of [...det, ...exp]) assert.ok(v >= -1 && v <= 1);
  assert.equal(new Set(det).size, 2, "one deterministic action per dimension for identical inputs");
  assert.ok(new Set(exp).size > 300, "explore samples differ");
  agent.dispose();
});

test("Sac: save → load → identical actions and an identical next update", () =>
  assertSaveLoadRoundTrip(
    (seed) => new Sac({ inputDim: 4, actDim: 3, seed }, small),
    ({ saved, loaded, probe, losses }) => {
      assert.notEqual(losses["alpha"], 1, "α was trained and restored");
      assert.deepEqual(loaded.act(probe.obs, 8, "explore").actions, saved.act(probe.obs, 8, "explore").actions);
      assert.throws(() => loaded.restoreMeta({ updates: 1, rng: [] }), /SAC checkpoint meta must be/);
    },
  ));

test("Sac learns a one-step bandit: reward −(a − 0.5)² → deterministic action within 0.1 of 0.5", () => {
  // Test-sized: small networks, faster critics and α, α starting at 0.2 (the defaults need far more steps).
  const agent = new Sac({ inputDim: 3, actDim: 1, seed: 1 }, { ...small, actorLr: 1e-3, criticLr: 1e-3, alphaLr: 3e-3, alpha: 0.2 });
  assertLearnsOneStepBandit(agent, 600);
  agent.dispose();
});
