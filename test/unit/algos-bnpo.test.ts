import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/nn/backend.js";
import {
  behaviourPolicy,
  Bnpo,
  BNPO_ARGS,
  bnpoPpoLoss,
  bnpoQ,
  bnpoTarget,
  bnpoUpdate,
  bootstrapActor,
  createBnpoModel,
  disposeBnpoModel,
  type BnpoArgs,
  type BnpoBatch,
  type BnpoConfig,
  type BnpoModel,
} from "../../src/algos/bnpo.js";
import { gaussianLogProb } from "../../src/algos/ppo.js";
import { checkOverrides, makeAgent } from "../../src/algos/registry.js";
import { Rng } from "../../src/core/rng.js";
import type { BatchRequest } from "../../src/algos/agent.js";
import { boundedSpec } from "../../src/env/spec.js";
import { StepStatus, type TaskSpec } from "../../src/env/task.js";
import { InputEncoder } from "../../src/train/input-encoder.js";
import { OffPolicyLearner, ONE_STEP_CREDIT, type OffPolicySchedule } from "../../src/train/off-policy-learner.js";
import { snapshot } from "../helpers/tiny-networks.js";
import { assertLearnsOneStepBandit, assertNoTensorLeaks, assertSaveLoadRoundTrip, randomBatch } from "../helpers/off-policy-agents.js";

await selectBackend("wasm");

const close = (got: number, want: number, tol: number, what: string) => assert.ok(Math.abs(got - want) <= tol, `${what}: ${got} vs ${want}`);
const OBS = 3;
const ACT = 2;
const config: BnpoConfig = { ...BNPO_ARGS, gamma: 0.9 };
const model = (seed = 3) => createBnpoModel({ obsDim: OBS, actDim: ACT, hidden: [16, 16], criticLr: 1e-3, ddpgLr: 1e-3, ppoLr: 1e-3, initLogStd: 0.3, logStdRange: { min: -1, max: 1 }, seed });
/** The rows of a random TransitionBatch as tensors (caller disposes). */
function tensors(rows: number, seed = 4, extra: Partial<BnpoBatch> = {}): BnpoBatch {
  const b = randomBatch(new Rng(seed), rows, OBS, ACT);
  return { obs: tf.tensor2d(b.obs, [rows, OBS]), action: tf.tensor2d(b.action, [rows, ACT]), reward: tf.tensor1d(b.reward), nextObs: tf.tensor2d(b.nextObs, [rows, OBS]), done: tf.tensor1d(b.terminated), ...extra };
}
const disposeBatch = (b: BnpoBatch) => tf.dispose(Object.values(b) as tf.Tensor[]);
const rho = (m: BnpoModel) => Array.from(m.actor.rho.dataSync());
/** Q(s, μ, σ) of `critic` at the actor's own (μ(s), σ), [B]. */
const qAtActor = (m: BnpoModel, obs: tf.Tensor2D) =>
  tf.tidy(() => {
    const { mean, logStd } = m.actor.apply(obs);
    return Array.from(bnpoQ(m.critic, obs, mean, tf.exp(logStd)).dataSync());
  });

test("bnpoPpoLoss: the author's clipped surrogate by hand (per-dimension mean log-ratio, ratio capped at 100)", () => {
  // actDim 2: log-ratio = (new − old)/2, so new − old = 2·log r.   ε = 0.2
  //   r     A     min(r,100)·A   clip(r)·A   min
  //   1.5   2     3              2.4         2.4     clipped above
  //   0.5  −1    −0.5           −0.8        −0.8     clipped below
  //   1.1   3     3.3            3.3         3.3     inside
  //   200  −1   −100            −1.2      −100       the cap
  // L = −(2.4 − 0.8 + 3.3 − 100)/4 = 23.775;  |r − 1| > 0.2 on rows 0, 1, 3: 0.75
  const ratios = [1.5, 0.5, 1.1, 200];
  const old = [-1, -2, -0.5, -3];
  const got = tf.tidy(() => {
    const p = bnpoPpoLoss(tf.tensor1d(old.map((o, i) => o + 2 * Math.log(ratios[i]!))), tf.tensor1d(old), tf.tensor1d([2, -1, 3, -1]), 2, 0.2);
    return [p.loss.dataSync()[0]!, p.clipFrac.dataSync()[0]!];
  });
  close(got[0]!, 23.775, 1e-3, "loss");
  close(got[1]!, 0.75, 1e-6, "clip fraction");
});

test("bnpoPpoLoss: a log-ratio far past the cap (exp overflows float32) gives the capped loss and finite gradients, not NaN", () => {
  const [loss, grad] = tf.tidy(() => {
    const newLogProb = tf.tensor1d([0, 0]);
    const g = tf.grad((x: tf.Tensor) => bnpoPpoLoss(x as tf.Tensor1D, tf.tensor1d([-500, -1]), tf.tensor1d([-1, 1]), 2, 0.2).loss)(newLogProb);
    return [bnpoPpoLoss(newLogProb, tf.tensor1d([-500, -1]), tf.tensor1d([-1, 1]), 2, 0.2).loss.dataSync()[0]!, Array.from(g.dataSync())];
  });
  // Row 0: ratio capped at 100, A = −1 → −100; row 1: r = e^0.5 ≈ 1.65 clipped to 1.2, A = 1 → 1.2.
  close(loss, -(-100 + 1.2) / 2, 1e-3, "loss");
  assert.ok(grad.every(Number.isFinite), `gradients ${grad}`);
  assert.equal(grad[0], 0, "above the cap the loss is flat in the new log-prob");
});

test("TD target: y = r + d·Q'(s', μ'_i(s'), σ'_i) from the chosen brain's target actor; a given discount replaces γ(1 − done)", () => {
  const m = model();
  const other = model(8);
  m.targets.ppo.copyFrom(other.actor); // the two target actors now differ
  disposeBnpoModel(other);
  const batch = tensors(6);
  const discount = tf.tensor1d([0.5, 0, 0.25, 1, 0.9, 0.1]);
  for (const from of ["ddpg", "ppo"] as const) {
    const want = tf.tidy(() => {
      const { mean, logStd } = m.targets[from].apply(batch.nextObs);
      const q = bnpoQ(m.criticTarget, batch.nextObs, mean, tf.exp(logStd)).dataSync();
      const r = batch.reward.dataSync();
      const done = batch.done!.dataSync();
      return { plain: Array.from(r, (x, i) => x + 0.9 * (1 - done[i]!) * q[i]!), given: Array.from(r, (x, i) => x + discount.dataSync()[i]! * q[i]!) };
    });
    const plain = tf.tidy(() => Array.from(bnpoTarget(m, batch, from, 0.9).dataSync()));
    const given = tf.tidy(() => Array.from(bnpoTarget(m, { ...batch, done: undefined, discount }, from, 0.9).dataSync()));
    plain.forEach((y, i) => close(y, want.plain[i]!, 1e-5, `${from} row ${i}`));
    given.forEach((y, i) => close(y, want.given[i]!, 1e-5, `${from} row ${i}, given discount`));
  }
  // The PPO brain bootstraps from its own target actor, the DDPG brain from a running brain's at random.
  assert.equal(bootstrapActor(m, "ppo", "both"), "ppo");
  assert.equal(bootstrapActor(m, "ddpg", "ddpg"), "ddpg");
  const picks = new Set(Array.from({ length: 40 }, () => bootstrapActor(m, "ddpg", "both")));
  assert.deepEqual([...picks].sort(), ["ddpg", "ppo"]);
  tf.dispose(discount);
  disposeBatch(batch);
  disposeBnpoModel(m);
});

test("the critic takes (s, μ, σ), never the played action: changing only the stored actions changes nothing in a DDPG-brain update", () => {
  assert.deepEqual(model().critic.sizes, [OBS + 2 * ACT, 16, 16, 1]);
  const [a, b] = [model(), model()];
  const batch = tensors(8);
  const otherActions = { ...batch, action: tf.tidy(() => tf.neg(batch.action)) as tf.Tensor2D };
  const qBefore = qAtActor(a, batch.obs);
  const ra = bnpoUpdate(a, "ddpg", batch, { ...config, brains: "ddpg" });
  const rb = bnpoUpdate(b, "ddpg", otherActions, { ...config, brains: "ddpg" });
  assert.deepEqual(ra, rb);
  for (const net of ["critic", "criticTarget"] as const) assert.deepEqual(snapshot(a[net]), snapshot(b[net]));
  assert.deepEqual(snapshot(a.actor.mean), snapshot(b.actor.mean));
  // The actor loss is −mean(Q(s, μ(s), σ)) with the critic before its step.
  close(ra.actorLoss, -qBefore.reduce((s, q) => s + q, 0) / qBefore.length, 1e-5, "DDPG-brain loss");
  // The PPO brain's critic step does not see the action either (its actor step does, through log π(a|s)).
  const [c, d] = [model(), model()];
  assert.equal(bnpoUpdate(c, "ppo", batch, config).criticLoss, bnpoUpdate(d, "ppo", otherActions, config).criticLoss);
  assert.deepEqual(snapshot(c.critic), snapshot(d.critic));
  tf.dispose(otherActions.action);
  disposeBatch(batch);
  for (const m of [a, b, c, d]) disposeBnpoModel(m);
});

test("the DDPG brain moves μ only: no gradient reaches σ, before or after PPO-brain steps (each brain has its own Adam)", () => {
  const m = model();
  const batch = tensors(16);
  const rho0 = rho(m);
  const mean0 = snapshot(m.actor.mean);
  for (let i = 0; i < 3; i++) bnpoUpdate(m, "ddpg", batch, config);
  assert.deepEqual(rho(m), rho0);
  assert.notDeepEqual(snapshot(m.actor.mean), mean0);
  bnpoUpdate(m, "ppo", batch, config);
  bnpoUpdate(m, "ppo", tensors(16, 9), config);
  const rho1 = rho(m);
  assert.notDeepEqual(rho1, rho0, "the PPO brain trains σ");
  for (let i = 0; i < 3; i++) bnpoUpdate(m, "ddpg", batch, config);
  assert.deepEqual(rho(m), rho1);
  assert.equal(m.actorOptimizers.ddpg.step, 6);
  assert.equal(m.actorOptimizers.ppo.step, 2);
  disposeBatch(batch);
  disposeBnpoModel(m);
});

test("PPO brain with the actor equal to the old policy: ratio 1, nothing clipped, loss = −mean(A), A = y − Q(s, μ(s), σ)", () => {
  // Fresh model: the PPO brain's target actor (the old policy without stored extras) is a copy of the actor.
  const m = model();
  const batch = tensors(12);
  const y = tf.tidy(() => Array.from(bnpoTarget(m, batch, "ppo", config.gamma).dataSync()));
  const q = qAtActor(m, batch.obs);
  const wantLoss = -y.reduce((s, v, i) => s + v - q[i]!, 0) / y.length;
  const r = bnpoUpdate(m, "ppo", batch, config);
  close(r.actorLoss, wantLoss, 1e-5, "PPO-brain loss");
  assert.equal(r.clipFrac, 0);

  // An actor that has left its target, with its own (μ, σ, log π) stored as the behaviour: the ratio is 1 again.
  const n = model();
  const other = model(8);
  n.actor.copyFrom(other.actor);
  disposeBnpoModel(other);
  const stored = tf.tidy(() => {
    const { mean, logStd } = n.actor.apply(batch.obs);
    return { mean, std: tf.exp(logStd) as tf.Tensor2D, logProb: gaussianLogProb(batch.action, mean, logStd) };
  });
  const yn = tf.tidy(() => Array.from(bnpoTarget(n, batch, "ppo", config.gamma).dataSync()));
  const qn = qAtActor(n, batch.obs);
  const rs = bnpoUpdate(n, "ppo", { ...batch, ...stored }, config);
  close(rs.actorLoss, -yn.reduce((s, v, i) => s + v - qn[i]!, 0) / yn.length, 1e-5, "PPO-brain loss, stored behaviour");
  assert.equal(rs.clipFrac, 0);
  tf.dispose(Object.values(stored));
  disposeBatch(batch);
  disposeBnpoModel(m);
  disposeBnpoModel(n);
});

test("with the behaviour policy in the batch the critic trains on Q(s, μ_b, σ_b); without it on the brain's target actor", () => {
  const m = model();
  const batch = tensors(10);
  const stored = { mean: tf.fill([10, ACT], 0.3) as tf.Tensor2D, std: tf.fill([10, ACT], 0.7) as tf.Tensor2D, logProb: tf.fill([10], -2) as tf.Tensor1D };
  const lossOf = (mean: tf.Tensor2D, std: tf.Tensor2D) =>
    tf.tidy(() => tf.mean(tf.square(tf.sub(bnpoQ(m.critic, batch.obs, mean, std), bnpoTarget(m, batch, "ppo", config.gamma)))).dataSync()[0]!);
  const want = lossOf(stored.mean, stored.std);
  const wantFallback = tf.tidy(() => {
    const { mean, logStd } = m.targets.ppo.apply(batch.obs);
    return lossOf(mean, tf.exp(logStd));
  });
  assert.notEqual(want, wantFallback);
  const twin = model();
  close(bnpoUpdate(m, "ppo", { ...batch, ...stored }, config).criticLoss, want, 1e-5, "stored behaviour");
  close(bnpoUpdate(twin, "ppo", batch, config).criticLoss, wantFallback, 1e-5, "target actor");
  assert.throws(() => behaviourPolicy(m, "ppo", { ...batch, mean: stored.mean }), /needs all of mean, std and logProb/);
  tf.dispose(Object.values(stored));
  disposeBatch(batch);
  disposeBnpoModel(m);
  disposeBnpoModel(twin);
});

test("targets: the critic's moves by τ every update, each brain's actor target every syncEvery-th update of that brain only", () => {
  const m = model();
  const batch = tensors(8);
  const tau = config.tau;
  const moved = (before: Float32Array[], now: Float32Array[], online: Float32Array[]) =>
    now.every((w, i) => w.every((v, k) => Math.abs(v - (tau * online[i]![k]! + (1 - tau) * before[i]![k]!)) < 1e-6));
  const targets = () => ({ critic: snapshot(m.criticTarget), ddpg: [...snapshot(m.targets.ddpg.mean), Float32Array.from(m.targets.ddpg.rho.dataSync())], ppo: [...snapshot(m.targets.ppo.mean), Float32Array.from(m.targets.ppo.rho.dataSync())] });
  const actor = () => [...snapshot(m.actor.mean), Float32Array.from(m.actor.rho.dataSync())];

  let before = targets();
  bnpoUpdate(m, "ddpg", batch, config);
  let now = targets();
  assert.ok(moved(before.critic, now.critic, snapshot(m.critic)));
  assert.ok(moved(before.ddpg, now.ddpg, actor()), "ddpgSyncEvery 1");
  assert.deepEqual(now.ppo, before.ppo);
  before = now;
  bnpoUpdate(m, "ppo", batch, config);
  now = targets();
  assert.deepEqual(now.ppo, before.ppo, "first PPO-brain update: ppoSyncEvery 2");
  assert.deepEqual(now.ddpg, before.ddpg);
  before = now;
  bnpoUpdate(m, "ppo", batch, config);
  now = targets();
  assert.ok(moved(before.ppo, now.ppo, actor()), "second PPO-brain update");
  disposeBatch(batch);
  disposeBnpoModel(m);
});

test("behaviourPolicy: rows whose stored behaviour holds a NaN (random warm-up actions) take the brain's target actor, row by row", () => {
  const m = model();
  const other = model(8);
  m.targets.ppo.copyFrom(other.actor); // the two target actors differ: the right one must stand in
  disposeBnpoModel(other);
  const batch = tensors(6);
  // Row 1: its mean is NaN; row 4: only its logProb (one NaN anywhere in a row is enough).
  const mean = Float32Array.from({ length: 6 * ACT }, (_, k) => (Math.floor(k / ACT) === 1 ? NaN : 0.1 * k));
  const std = Float32Array.from({ length: 6 * ACT }, (_, k) => 0.5 + 0.01 * k);
  const logProb = Float32Array.from({ length: 6 }, (_, i) => -1 - i);
  logProb[4] = NaN;
  const stored = { mean: tf.tensor2d(mean, [6, ACT]), std: tf.tensor2d(std, [6, ACT]), logProb: tf.tensor1d(logProb) };
  for (const brain of ["ddpg", "ppo"] as const) {
    const before = tf.memory().numTensors;
    const got = behaviourPolicy(m, brain, { ...batch, ...stored });
    const stand = behaviourPolicy(m, brain, batch);
    const [gm, gs, gl, tm, ts, tl] = [got.mean, got.std, got.logProb, stand.mean, stand.std, stand.logProb].map((t) => Array.from(t.dataSync()));
    for (let i = 0; i < 6; i++) {
      const missing = i === 1 || i === 4;
      for (let j = 0; j < ACT; j++) {
        const k = i * ACT + j;
        assert.equal(gm[k], missing ? tm[k] : Math.fround(0.1 * k), `${brain} row ${i} mean`);
        assert.equal(gs[k], missing ? ts[k] : Math.fround(0.5 + 0.01 * k), `${brain} row ${i} std`);
      }
      assert.equal(gl[i], missing ? tl[i] : -1 - i, `${brain} row ${i} logProb`);
    }
    tf.dispose([got.mean, got.std, got.logProb, stand.mean, stand.std, stand.logProb]);
    assert.equal(tf.memory().numTensors, before, "no tensors left behind");
  }
  tf.dispose(Object.values(stored));
  disposeBatch(batch);
  disposeBnpoModel(m);
});

const small: BnpoArgs = { ...BNPO_ARGS, hidden: [32, 32] };

test("Bnpo: storedExtras asks replay for mean, std and logProb; update reads them from batch.extras (NaN rows: the target actor's)", () => {
  const shape = { inputDim: 4, actDim: 2, seed: 1 };
  const args = { ...small, ddpgUpdates: 2, ppoUpdates: 2, ddpgBatchSize: 8, ppoBatchSize: 8 };
  const make = () => new Bnpo(shape, args);
  const probe = make();
  assert.deepEqual(probe.storedExtras, { mean: 2, std: 2, logProb: 1 });
  const batch = randomBatch(new Rng(7), 12, 4, 2);
  // act's own extras, at the sizes it declares.
  const acted = probe.act(batch.obs, 12, "explore").extras!;
  for (const [name, size] of Object.entries(probe.storedExtras)) assert.equal(acted[name]!.length, 12 * size, name);
  const nan = (n: number) => new Float32Array(n).fill(NaN);
  const run = (extras?: Record<string, Float32Array>) => {
    const agent = make();
    const losses = Array.from({ length: 4 }, () => agent.update({ ...batch, ...(extras ? { extras } : {}) })); // D D P P
    agent.dispose();
    return losses;
  };
  const none = run();
  const stored = run(acted);
  assert.ok(stored.every((l) => Object.values(l).every(Number.isFinite)));
  assert.notDeepEqual(stored, none, "the stored behaviour is used");
  assert.deepEqual(run({ mean: nan(24), std: nan(24), logProb: nan(12) }), none, "all rows NaN: the target actor, as without extras");
  // Each brain takes the whole batch, extras included: the last rows count too.
  const tail = { mean: acted["mean"]!.slice(), std: acted["std"]!.slice(), logProb: acted["logProb"]!.slice() };
  tail.mean.fill(5, 16);
  tail.logProb.fill(-9, 8);
  assert.notDeepEqual(run(tail), stored);
  assert.throws(() => probe.update({ ...batch, extras: { mean: acted["mean"]! } }), /needs all of mean, std and logProb/);
  probe.dispose();
});

test("Bnpo: brains=both runs ddpgUpdates DDPG-brain then ppoUpdates PPO-brain updates; brains=ddpg / ppo run only theirs", () => {
  const batch = randomBatch(new Rng(1), 16, 4, 2);
  const run = (brains: BnpoArgs["brains"]) => {
    const agent = new Bnpo({ inputDim: 4, actDim: 2, seed: 1 }, { ...small, brains, ddpgUpdates: 3, ppoUpdates: 2 });
    const seen = Array.from({ length: 10 }, () => {
      const losses = agent.update(batch);
      assert.ok(Number.isFinite(losses.critic_loss));
      return Object.keys(losses).sort().join(" ");
    });
    agent.dispose();
    return seen;
  };
  const D = "critic_loss ddpg_actor_loss";
  const P = "critic_loss ppo_actor_loss ppo_clip_frac";
  assert.deepEqual(run("both"), [D, D, D, P, P, D, D, D, P, P]);
  assert.deepEqual(run("ddpg"), Array(10).fill(D));
  assert.deepEqual(run("ppo"), Array(10).fill(P));
});

test("Bnpo: update takes the whole batch it is given; a batch without rows, or with arrays of another size, is refused and moves nothing", () => {
  const args = { ...small, ddpgBatchSize: 4, ppoBatchSize: 8, ddpgUpdates: 1, ppoUpdates: 1 };
  const [a, b] = [new Bnpo({ inputDim: 4, actDim: 2, seed: 1 }, args), new Bnpo({ inputDim: 4, actDim: 2, seed: 1 }, args)];
  const big = randomBatch(new Rng(2), 12, 4, 2);
  const rows = (n: number) => ({ rows: n, obs: big.obs.slice(0, n * 4), action: big.action.slice(0, n * 2), reward: big.reward.slice(0, n), nextObs: big.nextObs.slice(0, n * 4), terminated: big.terminated.slice(0, n) });
  assert.notDeepEqual(a.update(big), b.update(rows(4)), "DDPG brain: all 12 rows, not the first ddpgBatchSize");
  assert.throws(() => a.update(rows(0)), /BNPO update: a batch needs at least 1 row, got rows = 0/);
  assert.throws(() => a.update({ ...big, rows: 11 }), /BNPO update: obs must hold 11 × 4 = 44 values for 11 rows, got 48/);
  assert.throws(() => a.update({ ...big, extras: { mean: new Float32Array(24), std: new Float32Array(24), logProb: new Float32Array(3) } }), /extras\.logProb must hold 12 × 1 = 12 values/);
  assert.equal(a.nextBrain(), "ppo", "a refused batch does not move the cycle");
  a.dispose();
  b.dispose();
});

/** A batch of `request.rows` random rows (what the learner hands over for a request). */
const batchFor = (request: BatchRequest, seed: number, inputDim = 4, actDim = 2) => randomBatch(new Rng(seed), request.rows, inputDim, actDim);

test("Bnpo.nextBatch: the 12/6 cycle, the DDPG brain asking for 512 rows with HER as configured, the PPO brain for 2048 of the newest 6000 without hindsight goals", () => {
  assert.equal(BNPO_ARGS.ppoMemory, 20 * 60 * 5, "the author's memory_size 20 × MAX_STEPS × 5, MAX_STEPS = 60");
  const agent = new Bnpo({ inputDim: 4, actDim: 2, seed: 1 }, small);
  const D = { rows: 512 };
  const P = { rows: 2048, recent: 6000, relabel: false };
  const want = [...Array(12).fill(D), ...Array(6).fill(P), ...Array(12).fill(D), ...Array(6).fill(P)];
  const got = want.map((_, u) => {
    const request = agent.nextBatch();
    assert.deepEqual(agent.nextBatch(), request, "asking again asks for the same");
    const losses = agent.update(batchFor(request, u));
    assert.equal("ppo_actor_loss" in losses, request.relabel === false, `update ${u}: the brain that asked is the one that updated`);
    return { ...request };
  });
  assert.deepEqual(got, want);
  agent.dispose();
});

test("Bnpo.nextBatch: brains=ddpg and brains=ppo only ask for their own brain's batch; ppoMemory and the sizes are BNPO's args", () => {
  const args = { ...small, ddpgBatchSize: 6, ppoBatchSize: 10, ppoMemory: 40, ddpgUpdates: 2, ppoUpdates: 1 };
  for (const [brains, want] of [["ddpg", { rows: 6 }], ["ppo", { rows: 10, recent: 40, relabel: false }]] as const) {
    const agent = new Bnpo({ inputDim: 4, actDim: 2, seed: 1 }, { ...args, brains });
    for (let u = 0; u < 6; u++) {
      const request = agent.nextBatch();
      assert.deepEqual({ ...request }, want, `${brains}, update ${u}`);
      agent.update(batchFor(request, u));
    }
    agent.dispose();
  }
  assert.throws(() => new Bnpo({ inputDim: 4, actDim: 2, seed: 1 }, { ...args, ppoMemory: 0 }), /ppoMemory must be a positive integer, got 0/);
});

test("Bnpo: a checkpoint's cycle position restores the next request with the next brain; a position outside the cycle is refused", () => {
  const args = { ...small, ddpgBatchSize: 6, ppoBatchSize: 10, ppoMemory: 40, ddpgUpdates: 3, ppoUpdates: 2 };
  const saved = new Bnpo({ inputDim: 4, actDim: 2, seed: 1 }, args);
  for (let u = 0; u < 4; u++) saved.update(batchFor(saved.nextBatch(), u)); // D D D P: the next is the second P
  const loaded = new Bnpo({ inputDim: 4, actDim: 2, seed: 2 }, args);
  assert.deepEqual(loaded.nextBatch(), { rows: 6 });
  const meta = saved.checkpointContents().meta as { cycle: number };
  loaded.restoreMeta(JSON.parse(JSON.stringify(meta)));
  for (let u = 0; u < 7; u++) {
    const request = saved.nextBatch();
    assert.deepEqual(loaded.nextBatch(), request, `request ${u} after the restore`);
    const batch = batchFor(request, 10 + u);
    assert.deepEqual(Object.keys(loaded.update(batch)).sort(), Object.keys(saved.update(batch)).sort());
  }
  assert.throws(() => loaded.restoreMeta({ ...meta, cycle: 5 }), /cycle 5 is not a position of this agent's cycle of 5 updates/);
  saved.dispose();
  loaded.dispose();
});

test("Bnpo.act: explore samples N(μ, σ²) clipped to [−1, 1] with the extras mean, std, logProb; deterministic is clip(μ)", () => {
  const agent = new Bnpo({ inputDim: 4, actDim: 2, seed: 1 }, small);
  const obs = randomBatch(new Rng(3), 64, 4, 2).obs;
  const det = agent.act(obs, 64, "deterministic");
  assert.equal(det.extras, undefined);
  const ex = agent.act(obs, 64, "explore");
  const { mean, std, logProb } = ex.extras!;
  assert.ok(ex.actions.every((a) => a >= -1 && a <= 1));
  assert.deepEqual(det.actions, Float32Array.from(mean!, (m) => Math.max(-1, Math.min(1, m))));
  close(std![0]!, Math.exp(Math.tanh(BNPO_ARGS.initLogStd)), 1e-6, "σ = exp(tanh ρ)");
  const want = tf.tidy(() => gaussianLogProb(tf.tensor2d(ex.actions, [64, 2]), tf.tensor2d(mean!, [64, 2]), tf.log(tf.tensor2d(std!, [64, 2]))).dataSync());
  logProb!.forEach((l, i) => close(l, want[i]!, 1e-4, `logProb row ${i}`));
  agent.dispose();
});

test("registry: --set brains=ddpg is a word BNPO checks; a word where a number is due is refused", () => {
  const shape = { inputDim: 4, actDim: 2, seed: 0 };
  const agent = makeAgent("bnpo", shape, { brains: "ddpg", hidden: [8] }) as Bnpo;
  assert.equal(agent.args.brains, "ddpg");
  assert.equal(agent.kind, "off-policy");
  agent.dispose();
  assert.throws(() => makeAgent("bnpo", shape, { brains: "sometimes" }), /brains must be one of both, ddpg, ppo, got "sometimes"/);
  assert.throws(() => checkOverrides("bnpo", { brains: 1 }), /bnpo: brains takes a word, got 1/);
  assert.throws(() => checkOverrides("td3", { gamma: "high" }), /td3: gamma takes a number or a list of numbers, got "high"/);
  assert.throws(() => makeAgent("bnpo", shape, { ppoUpdates: 0 }), /ppoUpdates must be a positive integer, got 0/);
});

test("Bnpo: no tensor leaks over 300 updates of both brains and act calls", () => {
  const agent = new Bnpo({ inputDim: 5, actDim: 2, seed: 1 }, { ...small, ddpgUpdates: 2, ppoUpdates: 1 });
  assertNoTensorLeaks(agent, (losses) => assert.ok(Object.values(losses).every(Number.isFinite)));
  // targetValue (n-step GAE credit) leaves nothing behind either.
  const before = tf.memory().numTensors;
  assert.equal(agent.targetValue(new Float32Array(15), 3).length, 3);
  assert.equal(tf.memory().numTensors, before);
  agent.dispose();
});

test("Bnpo: save → load → identical actions and an identical next update (cycle position, both Adams, RNGs)", () =>
  assertSaveLoadRoundTrip(
    // 5 updates before the save: D D P D D; the next one is the PPO brain's.
    (seed) => new Bnpo({ inputDim: 4, actDim: 3, seed }, { ...small, ddpgUpdates: 2, ppoUpdates: 1 }),
    ({ saved, loaded, losses }) => {
      assert.ok("ppo_actor_loss" in losses, JSON.stringify(losses));
      // and the DDPG brain's after it, bootstrapping from the same randomly chosen target actor
      const next = randomBatch(new Rng(6), 16, 4, 3);
      assert.deepEqual(loaded.update(next), saved.update(next));
      assert.throws(() => loaded.restoreMeta({ updates: 1 }), /BNPO checkpoint meta must be/);
    },
  ));

test("Bnpo learns a one-step bandit: reward −(a − 0.5)² → deterministic action within 0.1 of 0.5", () => {
  // Test-sized: σ may shrink below the author's floor e⁻¹. With σ ≥ e⁻¹ and actions clipped to [−1, 1]
  // the best mean is not 0.5: the clip caps the loss above 0.5 only, so E[−(clip(μ + σε) − 0.5)²] peaks
  // at μ ≈ 0.59, and BNPO settles at 0.60–0.64 (measured).
  const agent = new Bnpo({ inputDim: 3, actDim: 1, seed: 4 }, { ...small, logStdMin: -3 });
  assertLearnsOneStepBandit(agent, 800);
  agent.dispose();
});

test("Bnpo learns the one-step bandit from batches carrying act's extras (the behaviour policy stored, as the author's)", () => {
  const agent = new Bnpo({ inputDim: 3, actDim: 1, seed: 4 }, { ...small, logStdMin: -3 });
  const rows = 64;
  const o = Float32Array.from({ length: rows * 3 }, (_, i) => [0.3, -0.2, 0.5][i % 3]!);
  const start = agent.act(o.subarray(0, 3), 1, "deterministic").actions[0]!;
  assert.ok(Math.abs(start - 0.5) > 0.2, `starts away from 0.5: ${start}`);
  for (let step = 0; step < 800; step++) {
    const { actions: action, extras } = agent.act(o, rows, "explore");
    const reward = Float32Array.from(action, (a) => -((a - 0.5) ** 2));
    agent.update({ rows, obs: o, action, reward, nextObs: o, terminated: new Float32Array(rows).fill(1), ...(extras ? { extras } : {}) });
  }
  const final = agent.act(o.subarray(0, 3), 1, "deterministic").actions[0]!;
  assert.ok(Math.abs(final - 0.5) < 0.1, `deterministic action ${final}`);
  agent.dispose();
});

test("Bnpo through the off-policy learner with HER: DDPG-brain updates get ddpgBatchSize rows with hindsight goals, PPO-brain updates ppoBatchSize of the newest ppoMemory with goals lived", () => {
  const lineGoal: TaskSpec = {
    name: "LineGoal-v0",
    description: "one number in, one number out, a goal",
    observations: [boundedSpec("observation", [1], -1000, 1000), boundedSpec("achieved_goal", [1], -1000, 1000), boundedSpec("desired_goal", [1], -1000, 1000)],
    action: boundedSpec("action", [1], -1, 1),
    hasReward: true,
    goalConditioned: true,
    blackBox: false,
    maxEpisodeSteps: 1000,
    controlDt: 0.1,
    infoKeys: [],
    makeOptions: [],
    resetOptions: [],
  };
  const envs = 2;
  const agent = new Bnpo({ inputDim: 2, actDim: 1, seed: 3 }, { ...small, hidden: [8], ddpgBatchSize: 6, ppoBatchSize: 10, ppoMemory: 8, ddpgUpdates: 3, ppoUpdates: 2 });
  const seen: Array<{ brain: string; rows: number; obs: Float32Array; losses: Record<string, number> }> = [];
  const update = agent.update.bind(agent);
  agent.update = (batch) => {
    const brain = agent.nextBrain();
    const losses = update(batch);
    seen.push({ brain, rows: batch.rows, obs: batch.obs.slice(), losses });
    return losses;
  };
  const reward = { name: "gap", isLearned: false, rewards: (b: { desiredGoal: Float32Array; nextAchievedGoal?: Float32Array }, out: Float32Array) => out.forEach((_, i) => (out[i] = -Math.abs(b.nextAchievedGoal![i]! - b.desiredGoal[i]!))) };
  const schedule: OffPolicySchedule = { batchSize: 1, bufferSize: 1000, learningStarts: 0, updatesPerStep: 1, her: true, herK: 4, ...ONE_STEP_CREDIT };
  const learner = new OffPolicyLearner(lineGoal, agent, new InputEncoder(lineGoal, false), schedule, new Rng(0), envs, reward, undefined);
  const storedAt: number[] = [];
  for (let t = 0; t < 40; t++) {
    const o = Float32Array.from({ length: envs }, (_, i) => 100 * t + i);
    const goal = new Float32Array(envs).fill(-5);
    const input = Float32Array.from({ length: 2 * envs }, (_, k) => (k % 2 === 0 ? o[k / 2]! : -5));
    const acted = agent.act(input, envs, "explore");
    learner.observe({
      kind: "step", envs, obs: [o, o.slice(), goal], input, actions: acted.actions, extras: acted.extras ?? {}, randomActions: false,
      nextObs: [o.map((x) => x + 0.5), o.map((x) => x + 0.5), goal], reward: new Float64Array(envs).fill(-1),
      status: new Uint8Array(envs).fill(t % 5 === 4 ? StepStatus.TRUNCATED : StepStatus.RUNNING), isSuccess: new Uint8Array(envs),
    });
    learner.train(envs * (t + 1));
    while (storedAt.length < seen.length) storedAt.push(t + 1);
  }
  assert.ok(seen.length >= 70, `${seen.length} updates`);
  assert.deepEqual(seen.map((s) => s.brain), seen.map((_, u) => (u % 5 < 3 ? "ddpg" : "ppo")), "D D D P P, over and over");
  let hindsight = 0;
  seen.forEach((s, u) => {
    assert.ok(Object.values(s.losses).every(Number.isFinite), `update ${u}: ${JSON.stringify(s.losses)}`);
    assert.equal(s.rows, s.brain === "ddpg" ? 6 : 10, `update ${u} (${s.brain}): rows`);
    for (let i = 0; i < s.rows; i++) {
      const lived = s.obs[2 * i + 1] === -5;
      if (s.brain === "ddpg") {
        if (!lived) hindsight++;
        continue;
      }
      const age = storedAt[u]! - Math.floor(s.obs[2 * i]! / 100);
      assert.ok(lived, `update ${u} (ppo) row ${i}: a hindsight goal ${s.obs[2 * i + 1]}`);
      assert.ok(age >= 1 && age <= 4, `update ${u} (ppo) row ${i}: ${age} steps old, the newest 8 of 2 envs are 4 steps`);
    }
  });
  assert.ok(hindsight > 0, "the DDPG brain's batches are relabelled");
  agent.dispose();
});
