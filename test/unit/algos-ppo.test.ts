import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/nn/backend.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/nn/save-load.js";
import { explainedVariance, gaussianLogProb, Ppo, PPO_ARGS, ppoLoss } from "../../src/algos/ppo.js";
import type { PpoArgs } from "../../src/algos/ppo.js";
import type { RolloutMinibatch } from "../../src/algos/agent.js";
import { Rng } from "../../src/core/rng.js";
import { StepStatus } from "../../src/env/task.js";
import { RolloutBuffer } from "../../src/replay/rollout-buffer.js";

await selectBackend("wasm");

const close = (got: number, want: number, tol: number, what: string) => assert.ok(Math.abs(got - want) <= tol, `${what}: ${got} vs ${want}`);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI); // 0.9189385
const clip1 = (x: number) => Math.max(-1, Math.min(1, x));

test("gaussianLogProb: Σ_j log N(a_j; μ_j, σ_j) per row, by hand", () => {
  // Row 0: a = [0.5, −1], μ = [0, 0], log σ = [0, log 2]
  //   j=0: −½·0.5² − 0 − 0.9189385 = −1.0439385
  //   j=1: z = −1/2;  −½·0.25 − 0.6931472 − 0.9189385 = −1.7370857      Σ = −2.7810242
  // Row 1: a = [1, 1], μ = [0.5, 2], log σ = [log ½, 0]
  //   j=0: z = 0.5/0.5 = 1;  −½ + 0.6931472 − 0.9189385 = −0.7257913
  //   j=1: z = −1;           −½ − 0 − 0.9189385 = −1.4189385          Σ = −2.1447298
  const got = tf.tidy(() =>
    gaussianLogProb(tf.tensor2d([[0.5, -1], [1, 1]]), tf.tensor2d([[0, 0], [0.5, 2]]), tf.tensor2d([[0, Math.log(2)], [Math.log(0.5), 0]])).arraySync(),
  );
  assert.equal(got.length, 2);
  close(got[0]!, -2.7810242, 1e-5, "row 0");
  close(got[1]!, -2.1447298, 1e-5, "row 1");
});

// The minibatch of the ppoLoss tests, ε = 0.2. Ratios r = exp(new − old) are chosen to hit every case:
//   row  r     Â raw  Â norm   −Â·r     −Â·clip(r)   max (the pessimistic term)
//   0    1.5    3      1      −1.5     −1.2         −1.2    above 1+ε, Â > 0: clipped
//   1    0.5    0     −0.5     0.25     0.4          0.4    below 1−ε, Â < 0: clipped
//   2    1.25  −2     −1.5     1.875    1.8          1.875  above 1+ε, Â < 0: unclipped
//   3    0.6    2      0.5    −0.3     −0.4         −0.3    below 1−ε, Â > 0: unclipped
//   4    1.1    2      0.5    −0.55    −0.55        −0.55   inside the clip range
// Raw advantages [3, 0, −2, 2, 2]: mean 1, squared deviations 4 + 1 + 9 + 1 + 1 = 16, unbiased
// variance 16/4 = 4, std 2 (the population std √3.2 = 1.789 would give other numbers);
// Â = (A − 1)/(2 + 1e−8).   L_clip = (−1.2 + 0.4 + 1.875 − 0.3 − 0.55)/5 = 0.225/5 = 0.045.
// Without normalisation (Â = A): (−3.6 + 0 + 2.5 − 1.2 − 2.2)/5 = −0.9.
const RATIOS = [1.5, 0.5, 1.25, 0.6, 1.1];
const OLD_LOG_PROB = [-1.2, -0.7, -2.0, -0.9, -1.5];
const ADVANTAGES = [3, 0, -2, 2, 2];
// Values, ε = 0.2; returns = A + V_old = [4, 0, 0, 1, 2.5]:
//   row  V_old  V_new  R     (V_new − R)²   V_old + clip(V_new − V_old, ±ε)   (… − R)²   max
//   0    1      1.5    4     6.25           1.2                                7.84       7.84
//   1    0     −0.1    0     0.01          −0.1                                0.01       0.01
//   2    2      1.0    0     1              1.8                                3.24       3.24
//   3   −1     −1.5    1     6.25          −1.2                                4.84       6.25
//   4    0.5    0.6    2.5   3.61           0.6                                3.61       3.61
// clipVloss: ½·(7.84 + 0.01 + 3.24 + 6.25 + 3.61)/5 = ½·20.95/5 = 2.095
// plain:     ½·(6.25 + 0.01 + 1 + 6.25 + 3.61)/5   = ½·17.12/5 = 1.712
const OLD_VALUE = [1, 0, 2, -1, 0.5];
const NEW_VALUE = [1.5, -0.1, 1.0, -1.5, 0.6];
const RETURNS = [4, 0, 0, 1, 2.5];
// approx KL = mean((r − 1) − log r):
//   0.0945349 + 0.1931472 + 0.0268564 + 0.1108256 + 0.0046898 = 0.4300539, /5 = 0.0860108
// clip fraction: |r − 1| > 0.2 for rows 0–3: 4/5 = 0.8
const ENTROPY = 1.3;

function lossOf(args: Pick<PpoArgs, "clipCoef" | "clipVloss" | "vfCoef" | "entCoef" | "normAdv">) {
  return tf.tidy(() => {
    const out = ppoLoss(
      {
        newLogProb: tf.tensor1d(OLD_LOG_PROB.map((o, i) => o + Math.log(RATIOS[i]!))),
        oldLogProb: tf.tensor1d(OLD_LOG_PROB),
        advantages: tf.tensor1d(ADVANTAGES),
        newValue: tf.tensor1d(NEW_VALUE),
        oldValue: tf.tensor1d(OLD_VALUE),
        returns: tf.tensor1d(RETURNS),
        entropy: tf.scalar(ENTROPY),
      },
      args,
    );
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.dataSync()[0]!])) as Record<keyof typeof out, number>;
  });
}

test("ppoLoss: every term against a hand computation (clipped and unclipped rows, both signs of Â)", () => {
  const args = { clipCoef: 0.2, clipVloss: 1, vfCoef: 0.5, entCoef: 0.01, normAdv: 1 };
  const before = tf.memory().numTensors;
  const r = lossOf(args);
  assert.equal(tf.memory().numTensors, before, "no tensors left behind");
  close(r.pgLoss, 0.045, 1e-5, "L_clip");
  close(r.vLoss, 2.095, 1e-5, "L_V clipped");
  close(r.approxKl, 0.0860108, 1e-5, "approx KL");
  close(r.clipFrac, 0.8, 1e-6, "clip fraction");
  // L = L_clip − c_ent·H + c_V·L_V = 0.045 − 0.01·1.3 + 0.5·2.095 = 1.0795
  close(r.loss, 1.0795, 1e-5, "loss");

  // Without value clipping: L_V = 1.712, L = 0.045 − 0.013 + 0.856 = 0.888.
  const plain = lossOf({ ...args, clipVloss: 0 });
  close(plain.vLoss, 1.712, 1e-5, "L_V plain");
  close(plain.loss, 0.888, 1e-5, "loss, plain L_V");
  close(plain.pgLoss, 0.045, 1e-5, "L_clip does not depend on clipVloss");

  // Without advantage normalisation: L_clip = −0.9, L = −0.9 − 0.013 + 1.0475 = 0.1345.
  const raw = lossOf({ ...args, normAdv: 0 });
  close(raw.pgLoss, -0.9, 1e-5, "L_clip, raw advantages");
  close(raw.loss, 0.1345, 1e-5, "loss, raw advantages");
  close(raw.approxKl, 0.0860108, 1e-5, "approx KL does not depend on the advantages");
  close(raw.clipFrac, 0.8, 1e-6, "clip fraction does not depend on the advantages");

  // Entropy enters with weight −c_ent: entCoef 0 adds 0.013 back.
  close(lossOf({ ...args, entCoef: 0 }).loss, 1.0925, 1e-5, "loss, entCoef 0");
});

test("explainedVariance: 1 − Var(R − V)/Var(R) by hand; NaN for constant or no returns", () => {
  // R = [1, 3, 2, 6]: mean 3, Var = (4 + 0 + 1 + 9)/4 = 3.5.
  // R − V with V = [1, 2, 3, 4]: [0, 1, −1, 2], mean 0.5, Var = (0.25 + 0.25 + 2.25 + 2.25)/4 = 1.25.
  // 1 − 1.25/3.5 = 9/14 = 0.6428571
  close(explainedVariance([1, 2, 3, 4], [1, 3, 2, 6]), 9 / 14, 1e-12, "hand example");
  close(explainedVariance([1, 3, 2, 6], [1, 3, 2, 6]), 1, 1e-12, "a perfect critic");
  close(explainedVariance([0, 0, 0, 0], [1, 3, 2, 6]), 0, 1e-12, "a constant critic");
  assert.ok(Number.isNaN(explainedVariance([1, 2, 3], [2, 2, 2])), "constant returns");
  assert.ok(Number.isNaN(explainedVariance([], [])), "no returns");
});

// ---- the agent ----

const FIELDS = { input: 1, action: 1, logProb: 1 };

/** One rollout minibatch of the buffer in the agent's shape. */
function toAgentMinibatch(mb: { rows: Int32Array; input: Float32Array; action: Float32Array; logProb: Float32Array; values: Float32Array; advantages: Float32Array; returns: Float32Array }): RolloutMinibatch {
  return { rows: mb.rows.length, input: mb.input, action: mb.action, logProb: mb.logProb, values: mb.values, advantages: mb.advantages, returns: mb.returns };
}

/**
 * One rollout of the bandit (constant input 1, reward −(a − 0.5)² of the clipped action,
 * every step TERMINATED so A = r − V): `envs` explored actions with their extras.
 */
function banditRollout(agent: Ppo, envs: number): RolloutBuffer<typeof FIELDS> {
  const rb = new RolloutBuffer({ envs, steps: 1, fields: FIELDS });
  const input = new Float32Array(envs).fill(1);
  const { actions, extras } = agent.act(input, envs, "explore");
  const reward = Float32Array.from(actions, (a) => -((a - 0.5) ** 2));
  rb.add({ input, action: extras!["unclippedAction"]!, logProb: extras!["logProb"]! }, extras!["value"]!, reward, new Array(envs).fill(StepStatus.TERMINATED));
  rb.computeAdvantages(new Float32Array(envs), agent.args.gamma, agent.args.gaeLambda);
  return rb;
}

/** An epoch of minibatches of `size` rows, in the agent's shape, shuffled by `rng`. */
const epochOf = (rb: RolloutBuffer<typeof FIELDS>, size: number, rng: Rng) => () => Array.from(rb.minibatches(size, rng), toAgentMinibatch);

const BANDIT: PpoArgs = { ...PPO_ARGS, learningRate: 3e-3, annealLr: 0, scaleRewards: 0, epochs: 4, minibatches: 4, rolloutSteps: 1 };

test("a one-step bandit: PPO moves the deterministic action from ~0 to 0.5", () => {
  const agent = new Ppo({ inputDim: 1, actDim: 1, seed: 3 }, BANDIT);
  try {
    const one = new Float32Array([1]);
    const start = agent.act(one, 1, "deterministic").actions[0]!;
    assert.ok(Math.abs(start) < 0.05, `starts near 0 (actor head gain 0.01): ${start}`);
    const rng = new Rng(1);
    const iterations = 40;
    for (let it = 0; it < iterations; it++) {
      const rb = banditRollout(agent, 64);
      const out = agent.learn(epochOf(rb, 16, rng), it / iterations);
      for (const [k, v] of Object.entries(out)) if (k !== "explained_variance") assert.ok(Number.isFinite(v), `${k} = ${v} at iteration ${it}`);
    }
    const final = agent.act(one, 1, "deterministic").actions[0]!;
    assert.ok(Math.abs(final - 0.5) < 0.1, `deterministic action ${final}`);
  } finally {
    agent.dispose();
  }
});

test("learn: reported terms of the first step, the learning-rate anneal, epochs × minibatches steps and the KL stop", () => {
  const args: PpoArgs = { ...BANDIT, epochs: 1, minibatches: 1, annealLr: 1, learningRate: 1e-3, initLogStd: -0.5 };
  const agent = new Ppo({ inputDim: 1, actDim: 1, seed: 4 }, args);
  const adam = agent.checkpointContents().optimizers!["ppo"]!;
  try {
    const rb = banditRollout(agent, 32);
    const rows = Array.from(rb.minibatches(32, new Rng(0)), toAgentMinibatch);
    assert.equal(rows.length, 1);
    const mb = rows[0]!;
    const out = agent.learn(() => rows, 0.25);
    // One minibatch, one step, taken before any change: r = 1 everywhere, V = V_old.
    close(out["policy_loss"]!, 0, 1e-5, "L_clip = −mean(Â) = 0 with normalised Â");
    close(out["approx_kl"]!, 0, 1e-6, "KL at r = 1");
    assert.equal(out["clip_frac"], 0);
    const wantV = 0.5 * mb.advantages.reduce((s, a) => s + a * a, 0) / 32; // ½·mean((V − R)²), R − V = A
    close(out["value_loss"]!, wantV, 1e-5 * Math.max(1, wantV), "L_V");
    close(out["entropy"]!, 0.5 + LOG_SQRT_2PI - 0.5, 1e-5, "entropy ½ + ½·log 2π + log σ");
    close(out["learning_rate"]!, 0.75e-3, 1e-12, "annealed: (1 − 0.25)·lr");
    close(out["explained_variance"]!, explainedVariance(Array.from(mb.values), Array.from(mb.returns)), 1e-9, "explained variance of the rollout");
    assert.ok(out["grad_norm"]! > 0);
    assert.ok(out["log_std"]! !== -0.5 && Math.abs(out["log_std"]! + 0.5) < 0.01, `log σ after one step: ${out["log_std"]}`);
    assert.equal(adam.step, 1);
  } finally {
    agent.dispose();
  }

  // 3 epochs × 2 minibatches = 6 Adam steps; with a tiny target KL the first epoch's mean KL exceeds it: 2.
  for (const [targetKl, steps] of [[0, 6], [1e-9, 2]] as const) {
    const a = new Ppo({ inputDim: 1, actDim: 1, seed: 4 }, { ...args, epochs: 3, minibatches: 2, targetKl });
    try {
      const rb = banditRollout(a, 32);
      a.learn(epochOf(rb, 16, new Rng(0)), 0);
      assert.equal(a.checkpointContents().optimizers!["ppo"]!.step, steps, `targetKl ${targetKl}`);
    } finally {
      a.dispose();
    }
  }
});

test("act: explore samples N(μ, σ) and clips to [−1, 1] with consistent extras; deterministic is clip(μ); seeded", () => {
  const shape = { inputDim: 3, actDim: 2, seed: 21 };
  const agent = new Ppo(shape, { ...PPO_ARGS, initLogStd: 0.3 });
  const twin = new Ppo(shape, { ...PPO_ARGS, initLogStd: 0.3 });
  const other = new Ppo({ ...shape, seed: 22 }, { ...PPO_ARGS, initLogStd: 0.3 });
  try {
    // Push μ of the first action dimension beyond the bounds: the actor's output bias = [3, −0.2].
    for (const a of [agent, twin]) a.checkpointContents().networks["actor"]!.trainableVariables.at(-1)!.assign(tf.tensor([3, -0.2], [2]));
    const rows = 40;
    const rng = new Rng(8);
    const input = Float32Array.from({ length: rows * 3 }, () => rng.uniformRange(-1, 1));
    const { actions, extras } = agent.act(input, rows, "explore");
    assert.ok(extras);
    assert.equal(actions.length, rows * 2);
    assert.deepEqual(Object.keys(extras).sort(), ["logProb", "mean", "std", "unclippedAction", "value"]);
    const { unclippedAction: u, logProb, value, mean, std } = extras as Record<string, Float32Array>;
    assert.equal(u!.length, rows * 2);
    assert.equal(mean!.length, rows * 2);
    assert.equal(std!.length, rows * 2);
    assert.equal(logProb!.length, rows);
    assert.equal(value!.length, rows);
    let clipped = 0;
    for (let i = 0; i < rows * 2; i++) {
      assert.ok(actions[i]! >= -1 && actions[i]! <= 1, `action ${i} = ${actions[i]}`);
      assert.equal(actions[i], Math.fround(clip1(u![i]!)), `action ${i} is the clipped sample`);
      if (Math.abs(u![i]!) > 1) clipped++;
      close(std![i]!, Math.exp(0.3), 1e-6, `σ ${i}`);
    }
    assert.ok(clipped > rows / 2, `μ₁ ≈ 3 puts most samples beyond the bound (${clipped} clipped)`);
    for (let i = 0; i < rows; i++) {
      // log π of the unclipped sample, by hand from the extras' μ and σ.
      let want = 0;
      for (let j = 0; j < 2; j++) want += -0.5 * ((u![2 * i + j]! - mean![2 * i + j]!) / std![2 * i + j]!) ** 2 - Math.log(std![2 * i + j]!) - LOG_SQRT_2PI;
      close(logProb![i]!, want, 1e-4, `log π row ${i}`);
    }
    // logProb() and value() agree with act's extras; gaussianLogProb too.
    const again = agent.logProb(input, u!, rows);
    for (let i = 0; i < rows; i++) close(again[i]!, logProb![i]!, 1e-5, `logProb() row ${i}`);
    const v = agent.value(input, rows);
    for (let i = 0; i < rows; i++) close(v[i]!, value![i]!, 1e-6, `value() row ${i}`);
    const viaFn = tf.tidy(() => gaussianLogProb(tf.tensor2d(u!, [rows, 2]), tf.tensor2d(mean!, [rows, 2]), tf.fill([rows, 2], 0.3) as tf.Tensor2D).dataSync());
    for (let i = 0; i < rows; i++) close(viaFn[i]!, logProb![i]!, 1e-5, `gaussianLogProb row ${i}`);

    // Deterministic: clip(μ), no extras, no randomness used.
    const det = agent.act(input, rows, "deterministic");
    assert.equal(det.extras, undefined);
    for (let i = 0; i < rows * 2; i++) assert.equal(det.actions[i], Math.fround(clip1(mean![i]!)), `deterministic ${i}`);
    for (let i = 0; i < rows; i++) assert.equal(det.actions[2 * i], 1, "μ₁ ≈ 3 is clipped to 1");

    // Same seed → same exploring actions (the twin acts once to stay in step); another seed → others.
    twin.act(input, rows, "explore");
    twin.act(input, rows, "deterministic");
    assert.deepEqual(twin.act(input, rows, "explore"), agent.act(input, rows, "explore"));
    assert.notDeepEqual(other.act(input, rows, "explore").actions, agent.act(input, rows, "explore").actions);
    assert.throws(() => agent.act(new Float32Array(5), 2, "explore"), /Expected 2 × 3 = 6 input values but got 5/);
  } finally {
    agent.dispose();
    twin.dispose();
    other.dispose();
  }
});

test("no tensor leaks: building and disposing an agent leaves nothing behind", () => {
  const before = tf.memory().numTensors;
  new Ppo({ inputDim: 3, actDim: 2, seed: 1 }).dispose();
  assert.equal(tf.memory().numTensors, before);
});

test("no tensor leaks: tf.memory().numTensors flat across act, value, logProb and learn", () => {
  const agent = new Ppo({ inputDim: 1, actDim: 1, seed: 5 }, BANDIT);
  try {
    const rng = new Rng(2);
    const input = new Float32Array(8).fill(1);
    const step = () => {
      const rb = banditRollout(agent, 32);
      agent.learn(epochOf(rb, 8, rng), 0.5);
      const { extras } = agent.act(input, 8, "explore");
      agent.act(input, 8, "deterministic");
      agent.value(input, 8);
      agent.logProb(input, extras!["unclippedAction"]!, 8);
    };
    step(); // the first learn creates nothing lasting, but count after it anyway
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) step();
    assert.equal(tf.memory().numTensors, before);
  } finally {
    agent.dispose();
  }
});

test("save → load into another seed: same deterministic and exploring actions (RNG state) and the same next learn (Adam state)", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "ppo-ckpt-"));
  const agents: Ppo[] = [];
  const make = (seed: number) => {
    const a = new Ppo({ inputDim: 1, actDim: 1, seed }, { ...BANDIT, annealLr: 1 });
    agents.push(a);
    return a;
  };
  try {
    const rng = new Rng(6);
    const saved = make(11);
    for (let i = 0; i < 3; i++) saved.learn(epochOf(banditRollout(saved, 32), 8, rng), i / 10);
    saved.act(new Float32Array([1]), 1, "explore"); // one normal draw: the Box–Muller spare is cached and must be carried
    await saveCheckpoint(dir, saved.checkpointContents());

    const loaded = make(99);
    const probe = Float32Array.from({ length: 8 }, (_, i) => i / 4 - 1);
    assert.notDeepEqual(loaded.act(probe, 8, "deterministic").actions, saved.act(probe, 8, "deterministic").actions);
    const manifest = await loadCheckpoint(dir, loaded.checkpointContents());
    loaded.restoreMeta(manifest.meta);
    // A third agent gets the weights but not the optimiser state.
    const weightsOnly = make(99);
    await loadCheckpoint(dir, { networks: weightsOnly.checkpointContents().networks });
    weightsOnly.restoreMeta(manifest.meta);

    assert.deepEqual(loaded.act(probe, 8, "deterministic").actions, saved.act(probe, 8, "deterministic").actions);
    assert.deepEqual(loaded.act(probe, 8, "explore"), saved.act(probe, 8, "explore"));
    assert.deepEqual(loaded.value(probe, 8), saved.value(probe, 8));

    // The same minibatches (collected by `saved`, given to each) → identical learning.
    const rb = banditRollout(saved, 32);
    // The loaded agent collects the same rollout (same weights, same RNG state), which keeps the two in step.
    assert.deepEqual(banditRollout(loaded, 32).field("action"), rb.field("action"));
    const epochs = [0, 1, 2, 3].map(() => Array.from(rb.minibatches(8, rng), toAgentMinibatch));
    // learn() asks for one epoch at a time: each learn replays epochs[0], epochs[1], … in order.
    const sameEpochs = () => {
      let k = 0;
      return () => epochs[k++ % epochs.length]!;
    };
    const losses = saved.learn(sameEpochs(), 0.3);
    assert.deepEqual(loaded.learn(sameEpochs(), 0.3), losses);
    assert.notDeepEqual(weightsOnly.learn(sameEpochs(), 0.3), losses, "without Adam's moments the step differs");
    assert.deepEqual(loaded.act(probe, 8, "deterministic").actions, saved.act(probe, 8, "deterministic").actions);
    assert.deepEqual(loaded.act(probe, 8, "explore"), saved.act(probe, 8, "explore"));
  } finally {
    for (const a of agents) a.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});

test("the constructor refuses bad hyper-parameters with clear messages", () => {
  const shape = { inputDim: 1, actDim: 1, seed: 0 };
  assert.throws(() => new Ppo(shape, { ...PPO_ARGS, rolloutSteps: 0 }), { name: "RangeError", message: "rolloutSteps must be a positive integer, got 0" });
  assert.throws(() => new Ppo(shape, { ...PPO_ARGS, minibatches: 1.5 }), { name: "RangeError", message: "minibatches must be a positive integer, got 1.5" });
  assert.throws(() => new Ppo(shape, { ...PPO_ARGS, epochs: -1 }), /epochs must be a positive integer, got -1/);
  assert.throws(() => new Ppo(shape, { ...PPO_ARGS, clipCoef: 0 }), { name: "RangeError", message: "clipCoef must be positive, got 0" });
  assert.throws(() => new Ppo(shape, { ...PPO_ARGS, clipCoef: NaN }), /clipCoef must be positive, got NaN/);
});

test("defaults are CleanRL ppo_continuous_action's and frozen", () => {
  assert.ok(Object.isFrozen(PPO_ARGS));
  const { hidden, ...rest } = PPO_ARGS;
  assert.deepEqual(hidden, [64, 64]);
  assert.deepEqual(rest, {
    learningRate: 3e-4, annealLr: 1, rolloutSteps: 2048, gamma: 0.99, gaeLambda: 0.95, minibatches: 32, epochs: 10,
    normAdv: 1, clipCoef: 0.2, clipVloss: 1, entCoef: 0, vfCoef: 0.5, maxGradNorm: 0.5, targetKl: 0, scaleRewards: 1, initLogStd: 0,
  });
  const agent = new Ppo({ inputDim: 2, actDim: 1, seed: 0 });
  try {
    assert.deepEqual(agent.schedule, { rolloutSteps: 2048, gamma: 0.99, gaeLambda: 0.95, scaleRewards: true, minibatches: 32 });
    assert.equal(agent.kind, "on-policy");
    const adam = agent.checkpointContents().optimizers!["ppo"]!;
    assert.equal(adam.epsilon, 1e-5, "CleanRL's Adam ε");
  } finally {
    agent.dispose();
  }
});
