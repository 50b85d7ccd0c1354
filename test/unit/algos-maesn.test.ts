// MAESN and MAML (src/algos/maesn.ts) against hand computations: nested
// gradients through second-order-safe ops, the MAML meta-gradient on a
// quadratic with a closed form, MAESN's latent adaptation step, the Gaussian
// log-likelihoods and the advantages.
import { before, it } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/nn/backend.js";
import { exp2, tanh2 } from "../../src/nn/second-order.js";
import { advantages, latentKl, latentLogProb, MAESN_DEFAULTS, MaesnLearner, metaGradient, policyLogProb, type EpisodeBatch } from "../../src/algos/maesn.js";
import { metaOptions } from "../../src/meta/meta-run.js";
import { skillLogitsStep, softmax } from "../../src/meta/skills-baseline.js";

before(async () => {
  await selectBackend("cpu");
});

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
const values = (n: number, s: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + s) * 1.3);

/** d outer(x − 0.3∇inner(x)) / dW by central differences, and by nested tf.grads, at two weights. */
function nestedVsFiniteDifferences(act: (x: tf.Tensor) => tf.Tensor): Array<[number, number]> {
  const x = tf.tensor2d(values(15, 1), [5, 3]);
  const v = tf.tensor2d(values(4, 3), [4, 1]);
  const net = (w: tf.Tensor) => tf.matMul(act(tf.matMul(x, w)), v);
  const inner = (w: tf.Tensor) => tf.mean(tf.square(net(w))) as tf.Scalar;
  const outer = (w: tf.Tensor) => {
    const [g] = tf.grads((u: tf.Tensor) => inner(u))([w]);
    return tf.mean(net(tf.sub(w, tf.mul(0.3, g!)))) as tf.Scalar;
  };
  const w = tf.tensor2d(values(12, 2), [3, 4]);
  const grad = tf.grads((u: tf.Tensor) => outer(u))([w])[0]!.arraySync() as number[][];
  return [[0, 0], [2, 3]].map(([i, j]) => {
    const eps = 1e-2;
    const at = (delta: number) => {
      const m = w.arraySync() as number[][];
      m[i!]![j!] += delta;
      return outer(tf.tensor2d(m)).arraySync() as number;
    };
    return [(at(eps) - at(-eps)) / (2 * eps), grad[i!]![j!]!];
  });
}

it("nested tf.grads through tanh2 and exp2 match finite differences; through TF.js's own tanh they do not (why second-order.ts exists)", () => {
  for (const [fd, g] of nestedVsFiniteDifferences(tanh2)) close(g, fd, 2e-4, "tanh2");
  for (const [fd, g] of nestedVsFiniteDifferences((z) => exp2(tf.mul(0.3, z)))) close(g, fd, 2e-4, "exp2");
  // The TF.js 4.22 behaviour the file works around: a second-order term is dropped.
  const [, [fd, g]] = nestedVsFiniteDifferences(tf.tanh);
  assert.ok(Math.abs(g! - fd!) > 5e-3, `tf.tanh's nested gradient now matches (${g} vs ${fd}): TF.js fixed it, second-order.ts may go`);
});

it("the MAML meta-gradient on a quadratic equals the closed form (I − αA)(θ' − b), and the first-order one θ' − b", () => {
  // inner(θ) = ½ (θ − a)ᵀ A (θ − a), θ' = θ − α A (θ − a), outer(θ') = ½ ‖θ' − b‖².
  const A = [[2, 0.5], [0.5, 1]];
  const a = [1, -1];
  const b = [0.5, 2];
  const theta = [0.3, 0.7];
  const alpha = 0.2;
  const At = tf.tensor2d(A);
  const inner = ([x]: tf.Tensor[]) => {
    const d = tf.sub(x!, tf.tensor1d(a)).reshape([2, 1]);
    return tf.mul(0.5, tf.sum(tf.mul(d, tf.matMul(At, d)))) as tf.Scalar;
  };
  const outer = ([x]: tf.Tensor[]) => tf.mul(0.5, tf.sum(tf.square(tf.sub(x!, tf.tensor1d(b))))) as tf.Scalar;
  const g = [0, 1].map((i) => A[i]![0]! * (theta[0]! - a[0]!) + A[i]![1]! * (theta[1]! - a[1]!));
  const adapted = [0, 1].map((i) => theta[i]! - alpha * g[i]!);
  const r = adapted.map((x, i) => x - b[i]!);
  const exact = [0, 1].map((i) => r[i]! - alpha * (A[i]![0]! * r[0]! + A[i]![1]! * r[1]!)); // A is symmetric
  const second = metaGradient([tf.tensor1d(theta)], inner, outer, [alpha], true);
  const first = metaGradient([tf.tensor1d(theta)], inner, outer, [alpha], false);
  const got2 = second.grads[0]!.arraySync() as number[];
  const got1 = first.grads[0]!.arraySync() as number[];
  [0, 1].forEach((i) => {
    close(got2[i]!, exact[i]!, 1e-5, `second-order[${i}]`);
    close(got1[i]!, r[i]!, 1e-5, `first-order[${i}]`);
  });
  close(second.value, 0.5 * (r[0]! ** 2 + r[1]! ** 2), 1e-5, "outer value");
});

/** A batch of E one-step episodes with given latents and advantages (observations and actions zero). */
function oneStepBatch(latents: number[][], episodeAdvantages: number[], obsDim: number, actDim: number): EpisodeBatch {
  const e = latents.length;
  return {
    episodes: e,
    steps: 1,
    obs: new Float32Array(e * obsDim),
    actions: new Float32Array(e * actDim),
    mask: new Float32Array(e).fill(1),
    latents: Float32Array.from(latents.flat()),
    stepAdvantages: new Float32Array(e),
    episodeAdvantages: Float32Array.from(episodeAdvantages),
  };
}

it("MAESN's latent adaptation step: μ' = μ + α·mean_e Â_e(ω_e − μ)/σ², log σ' = log σ + α·mean_e Â_e((ω_e − μ)²/σ² − 1)", () => {
  const options = { ...MAESN_DEFAULTS, latentDim: 2, innerLr: 0, latentLr: 0.5 };
  const learner = new MaesnLearner(3, 2, 1, options, 0);
  try {
    const mu = [0.2, -0.4];
    const logSigma = [0, Math.log(0.5)];
    const latent: [tf.Tensor, tf.Tensor] = [tf.tensor1d(mu), tf.tensor1d(logSigma)];
    const omegas = [[1, 0], [-0.5, -1], [0.3, 0.6]];
    const adv = [1.2, -0.8, -0.4];
    const adapted = learner.adapt(learner.policy, latent, oneStepBatch(omegas, adv, 3, 2));
    const sigma = logSigma.map(Math.exp);
    const wantMu = mu.map((m, j) => m + 0.5 * omegas.reduce((s, w, e) => s + (adv[e]! * (w[j]! - m)) / sigma[j]! ** 2, 0) / 3);
    const wantLogSigma = logSigma.map((l, j) => l + 0.5 * omegas.reduce((s, w, e) => s + adv[e]! * ((w[j]! - mu[j]!) ** 2 / sigma[j]! ** 2 - 1), 0) / 3);
    const gotMu = adapted.latent![0].arraySync() as number[];
    const gotLogSigma = adapted.latent![1].arraySync() as number[];
    [0, 1].forEach((j) => {
      close(gotMu[j]!, wantMu[j]!, 1e-5, `μ'[${j}]`);
      close(gotLogSigma[j]!, wantLogSigma[j]!, 1e-5, `log σ'[${j}]`);
    });
    // innerLr 0: the policy is not adapted (MAESN's latent-only variant).
    adapted.policy.forEach((p, i) => assert.equal(p, learner.policy[i]));
  } finally {
    learner.dispose();
  }
});

it("the Gaussian log-likelihoods and the KL to the prior match their formulas", () => {
  const ll = latentLogProb([tf.tensor1d([0.5, -1]), tf.tensor1d([Math.log(2), 0])], tf.tensor2d([[1.5, 0]], [1, 2])).arraySync() as number[];
  const want = -0.5 * ((1 / 2) ** 2 + 1 ** 2) - Math.log(2) - Math.log(2 * Math.PI);
  close(ll[0]!, want, 1e-5, "log N");
  const kl = latentKl([tf.tensor1d([0.5, -1]), tf.tensor1d([Math.log(2), 0])]).arraySync() as number;
  close(kl, 0.5 * (4 + 0.25 - 1 - 2 * Math.log(2)) + 0.5 * (1 + 1 - 1 - 0), 1e-5, "KL");
  // π(a | s) for a one-layer (linear) policy: mean = s·W + b.
  const params = [tf.tensor2d([[1, 0], [0, 2]]), tf.tensor1d([0.1, 0]), tf.tensor1d([0, Math.log(0.5)])];
  const lp = policyLogProb(params, tf.tensor2d([[1, 1]]), tf.zeros([1, 0]) as tf.Tensor2D, tf.tensor2d([[1.1, 3]])).arraySync() as number[];
  close(lp[0]!, -0.5 * (0 ** 2 + (1 / 0.5) ** 2) - Math.log(0.5) - Math.log(2 * Math.PI), 1e-5, "log π");
});

it("advantages: reward-to-go minus the per-step mean, normalised; zero when every episode got the same rewards", () => {
  // Two episodes of two steps, γ 0.5: rewards (1, 2) and (0, 0).
  const r = advantages(Float32Array.of(1, 2, 0, 0), Float32Array.of(1, 1, 1, 1), 2, 2, 0.5);
  // To-go: (1 + 0.5·2, 2) = (2, 2) and (0, 0); per-step means (1, 1); centred (1, 1, −1, −1), std 1.
  assert.deepEqual([...r.step], [1, 1, -1, -1]);
  assert.deepEqual([...r.returns], [3, 0]);
  assert.deepEqual([...r.episode], [1, -1]);
  const flat = advantages(new Float32Array(6), new Float32Array(6).fill(1), 3, 2, 0.99);
  assert.ok([...flat.step, ...flat.episode].every((x) => x === 0));
  // A masked step (episode 1 ended after one step) takes no advantage.
  const masked = advantages(Float32Array.of(1, 1, 0, 5), Float32Array.of(1, 1, 1, 0), 2, 2, 1);
  assert.equal(masked.step[3], 0);
  assert.deepEqual([...masked.returns], [2, 0]);
});

it("settings: maml and scratch have no latent; unknown settings and latents for maml are refused by name", () => {
  assert.equal(metaOptions("maml", {}).latentDim, 0);
  assert.equal(metaOptions("maesn", {}).latentDim, 2);
  assert.equal(metaOptions("maesn", { secondOrder: 0 }).secondOrder, false);
  assert.throws(() => metaOptions("maml", { latentDim: 2 }), /latentDim: maml has no latent/);
  assert.throws(() => metaOptions("maesn", { lr: 1 }), /maesn has no setting "lr"; settings: latentDim, innerLr/);
  assert.throws(() => new MaesnLearner(2, 2, 1, { ...MAESN_DEFAULTS, latentDim: 0, innerLr: 0 }, 0), /adapts nothing/);
});

it("the DIAYN baseline's step on the skill logits: ℓ + α·mean_e Â_e(onehot(z_e) − p), by hand", () => {
  // K = 3, ℓ = 0 (p = ⅓ each), skills (0, 1, 0), Â (1, −2, 1), α = 3:
  // Σ_e Â_e(1[z_e = z] − ⅓) = (2, −2, 0); divided by E = 3, times α: (2, −2, 0).
  const next = skillLogitsStep(new Float64Array(3), [0, 1, 0], [1, -2, 1], 3);
  [2, -2, 0].forEach((want, z) => close(next[z]!, want, 1e-12, `ℓ[${z}]`));
  const p = softmax(next);
  close(p[0]!, Math.exp(2) / (Math.exp(2) + Math.exp(-2) + 1), 1e-12, "softmax");
});
