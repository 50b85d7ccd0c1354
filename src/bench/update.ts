/**
 * `simbridge bench update`: how long one learner update takes on the selected TF.js
 * backend, against a naive baseline measured in the same run.
 *
 * `--algo td3` (the default, `benchUpdate`):
 *
 *   forward_ms        critic forward pass, (obsDim + actDim) → hidden → hidden → 1
 *   critic_step_ms    one Adam step of that critic (fast Dense layers, src/nn/adam.ts)
 *   td3_update_ms     one td3Update (twin critics, smoothing noise, actor every 2nd
 *                     call, Polyak τ = 0.005), averaged over the critic-only/actor pair
 *   baseline_transpose_flag_critic_step_ms
 *                     the same critic step written the naive way: plain tf.matMul + add
 *                     + relu, tfjs autodiff (whose matMul gradient uses the transpose
 *                     flags) and tf.train.adam
 *   pytorch           the same critic step in PyTorch (one thread, pytorch-critic-step.ts)
 *                     and critic_step_ms ÷ its time, when Debian's python3-torch is
 *                     installed; otherwise why not
 *
 * `--algo ppo` (`benchUpdatePpo`): one learning epoch of src/algos/ppo.ts at
 * CleanRL's sizes (64-64 tanh actor and critic, a rollout of 2048 rows cut into 32
 * minibatches of 64), see `BenchUpdatePpoResult`, against the same epoch written the
 * naive tfjs way in this file (`NaivePpo`).
 *
 * All numbers are medians over `iters` timed repetitions after a warm-up. Each timed
 * repetition ends by reading one number back, so asynchronous backends are timed fully.
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../nn/backend.js";
import type { BackendName } from "../nn/backend.js";
import { Mlp } from "../nn/mlp.js";
import { Adam } from "../nn/adam.js";
import { createTd3Model, disposeTd3Model, td3Update } from "../algos/td3.js";
import type { CriticBatch } from "../algos/critic-batch.js";
import { Rng } from "../core/rng.js";
import { permutation } from "../replay/random-index.js";
import { PPO_ARGS, Ppo } from "../algos/ppo.js";
import type { PpoArgs } from "../algos/ppo.js";
import type { RolloutMinibatch } from "../algos/agent.js";
import { pytorchCriticStep, type PytorchCriticStep } from "./pytorch-critic-step.js";

export interface BenchUpdateOptions {
  batch: number;
  hidden: number;
  /** Default 32 (critic input = obsDim + actDim = 40). */
  obsDim?: number;
  /** Default 8. */
  actDim?: number;
  /** Timed repetitions per measurement (median reported). Default 30. */
  iters?: number;
  /** Backend name (see selectBackend). Default auto. */
  backend?: string;
}

export interface BenchUpdateResult {
  backend: string;
  critic_step_ms: number;
  td3_update_ms: number;
  forward_ms: number;
  baseline_transpose_flag_critic_step_ms: number;
  /** The same critic step in PyTorch, measured in the same run, and critic_step_ms ÷ its ms; or why there is none. */
  pytorch: (PytorchCriticStep & { available: true; simbridge_over_pytorch: number }) | (PytorchCriticStep & { available: false });
}

export async function benchUpdate(opts: BenchUpdateOptions): Promise<BenchUpdateResult> {
  const backend = await selectBackend((opts.backend ?? "auto") as BackendName);
  const batch = opts.batch;
  const hidden = opts.hidden;
  const obsDim = opts.obsDim ?? 32;
  const actDim = opts.actDim ?? 8;
  const iters = Math.max(1, opts.iters ?? 30);
  const warmup = warmupFor(iters);
  const inDim = obsDim + actDim;
  const rng = new Rng(1);
  const randn = (shape: [number, number], scale = 1) => {
    const data = new Float32Array(shape[0] * shape[1]);
    for (let i = 0; i < data.length; i++) data[i] = scale * rng.normal();
    return tf.tensor2d(data, shape);
  };

  const x = randn([batch, inDim]);
  const target = randn([batch, 1]);

  const { forwardMs, criticStepMs } = timeFastCritic(x, target, hidden, warmup, iters);

  // Naive critic: same shapes, tfjs autodiff through tf.matMul, tf.train.adam.
  const naive = new Mlp({ sizes: [inDim, hidden, hidden, 1], seed: 1 });
  const [w1, b1, w2, b2, w3, b3] = naive.trainableVariables as [tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  const naiveApply = (input: tf.Tensor2D) => {
    const h1 = tf.relu(tf.add(tf.matMul(input, w1 as tf.Tensor2D), b1));
    const h2 = tf.relu(tf.add(tf.matMul(h1 as tf.Tensor2D, w2 as tf.Tensor2D), b2));
    return tf.add(tf.matMul(h2 as tf.Tensor2D, w3 as tf.Tensor2D), b3);
  };
  const tfAdam = tf.train.adam(3e-4);
  const baselineMs = median(Math.min(warmup, 3), Math.max(3, Math.ceil(iters / 3)), () =>
    tf.tidy(() => tfAdam.minimize(() => tf.mean(tf.square(tf.sub(naiveApply(x), target))) as tf.Scalar, true)!.dataSync()[0]!),
  );
  naive.dispose();
  tfAdam.dispose();

  // TD3 update.
  const model = createTd3Model({ obsDim, actDim, hidden: [hidden, hidden], seed: 2 });
  const data: CriticBatch = {
    obs: randn([batch, obsDim]),
    action: tf.tidy(() => tf.clipByValue(randn([batch, actDim], 0.5), -1, 1)) as tf.Tensor2D,
    reward: tf.tidy(() => tf.reshape(randn([batch, 1]), [batch])),
    nextObs: randn([batch, obsDim]),
    discount: tf.fill([batch], 0.99),
  };
  // Each repetition is one critic-only call and one call that also updates the actor.
  const pairMs = median(warmup, iters, () => {
    td3Update(model, data, undefined, { readLosses: false });
    return td3Update(model, data).criticLoss;
  });
  disposeTd3Model(model);
  tf.dispose([x, target, data.obs, data.action, data.reward, data.nextObs, data.discount!]);

  const torch = pytorchCriticStep({ batch, hidden, inDim, warmup, iters });
  return {
    backend: backend.detail,
    critic_step_ms: round(criticStepMs),
    td3_update_ms: round(pairMs / 2),
    forward_ms: round(forwardMs),
    baseline_transpose_flag_critic_step_ms: round(baselineMs),
    pytorch: torch.available ? { ...torch, simbridge_over_pytorch: round(criticStepMs / torch.ms) } : torch,
  };
}

/**
 * Median ms of the fast critic's forward pass and of one Adam step of it (MSE
 * against `target`), x.shape[1] → hidden → hidden → 1, each after `warmup` untimed calls.
 */
export function timeFastCritic(x: tf.Tensor2D, target: tf.Tensor2D, hidden: number, warmup: number, iters: number): { forwardMs: number; criticStepMs: number } {
  const critic = new Mlp({ sizes: [x.shape[1], hidden, hidden, 1], seed: 1 });
  const adam = new Adam(critic.trainableVariables, { learningRate: 3e-4 });
  try {
    const forwardMs = median(warmup, iters, () => tf.tidy(() => critic.apply(x).dataSync()[0]!));
    const criticStepMs = median(warmup, iters, () =>
      tf.tidy(() => adam.minimize(() => tf.mean(tf.square(tf.sub(critic.apply(x, { inputGrad: false }), target)))).dataSync()[0]!),
    );
    return { forwardMs, criticStepMs };
  } finally {
    critic.dispose();
    adam.dispose();
  }
}

/** Untimed calls before the timed ones, for `iters` timed ones (as benchUpdate). */
export function warmupFor(iters: number): number {
  return Math.max(2, Math.min(10, Math.ceil(iters / 3)));
}

export interface CriticStepOptions {
  batch: number;
  hidden: number;
  /** Critic input size (obs + action). Default 40, benchUpdate's. */
  inDim?: number;
  /** Timed repetitions (median reported). Default 30. */
  iters?: number;
}

/**
 * One critic Adam step alone, on random N(0, 1) inputs and targets, in ms (median), on
 * the backend already selected: the `critic_step_ms` of benchUpdate without its baselines.
 */
export function criticStepMs(opts: CriticStepOptions): number {
  const inDim = opts.inDim ?? 40;
  const iters = Math.max(1, opts.iters ?? 30);
  const rng = new Rng(1);
  const normals = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const x = tf.tensor2d(normals(opts.batch * inDim), [opts.batch, inDim]);
  const target = tf.tensor2d(normals(opts.batch), [opts.batch, 1]);
  try {
    return round(timeFastCritic(x, target, opts.hidden, warmupFor(iters), iters).criticStepMs);
  } finally {
    tf.dispose([x, target]);
  }
}

export interface BenchUpdatePpoOptions {
  /** Rollout rows, rolloutSteps × envs. Default 2048 (CleanRL: 2048 steps × 1 env). */
  rows?: number;
  /** Input size. Default 10 (Reacher-v5's observation). */
  obsDim?: number;
  /** Action size. Default 2 (Reacher-v5). */
  actDim?: number;
  /** Rows of the timed `act` call (one step of a vector env). Default 8. */
  actRows?: number;
  /** Timed epochs per measurement (median reported); `act` is timed 20× as often. Default 30. */
  iters?: number;
  /** Backend name (see selectBackend). Default auto. */
  backend?: string;
}

export interface BenchUpdatePpoResult {
  algo: "ppo";
  backend: string;
  rows: number;
  obs_dim: number;
  act_dim: number;
  /** Hidden sizes of actor and critic (PPO_ARGS: 64-64 tanh). */
  hidden: number[];
  /** Minibatches per epoch and rows per minibatch (the on-policy learner's ceil(rows / 32)). */
  minibatches: number;
  minibatch: number;
  /** One epoch through `Ppo.learn` with epochs = 1: shuffle, then one gradient step per minibatch. */
  epoch_ms: number;
  /** epoch_ms / minibatches. */
  minibatch_step_ms: number;
  /** The same epoch written naively (`NaivePpo`), on the same minibatches. */
  baseline_naive_tfjs_epoch_ms: number;
  /** baseline_naive_tfjs_epoch_ms / epoch_ms. */
  speedup: number;
  act_rows: number;
  /** One `Ppo.act` (explore) of act_rows rows: actor and critic forward, sample, log-prob, read back. */
  act_ms: number;
  baseline_naive_tfjs_act_ms: number;
  /** baseline_naive_tfjs_act_ms / act_ms. */
  act_speedup: number;
  /**
   * Both learners start from the same weights and learn one epoch on the same minibatches
   * before the timing: the largest |θ_ppo − θ_naive| after it, and the largest change of
   * a weight in that epoch. A diff far below the change shows both compute the same update.
   */
  baseline_max_weight_diff: number;
  max_weight_change: number;
}

/**
 * One PPO epoch (`Ppo.learn` with `{ ...PPO_ARGS, epochs: 1 }`) and one `act` against
 * the same written naively in tfjs, timed interleaved in one run (see the file header).
 *
 * The rollout is random but shaped like a real one: inputs and actions N(0, 1) from a
 * seeded Rng, advantages N(0, 1), and the old log-probs and values from the initial
 * policy, so the probability ratios start near 1 (returns = advantages + values, as GAE).
 * Each epoch draws a fresh permutation and cuts it into minibatches, as the on-policy
 * learner does; both learners draw the same permutations. The learning rate is not
 * annealed (progress 0). Leaves no tensors behind.
 */
export async function benchUpdatePpo(opts: BenchUpdatePpoOptions = {}): Promise<BenchUpdatePpoResult> {
  const backend = await selectBackend((opts.backend ?? "auto") as BackendName);
  const args: PpoArgs = { ...PPO_ARGS, epochs: 1 };
  const rows = opts.rows ?? args.rolloutSteps;
  const obsDim = opts.obsDim ?? 10;
  const actDim = opts.actDim ?? 2;
  const actRows = opts.actRows ?? 8;
  for (const [name, n] of Object.entries({ rows, obsDim, actDim, actRows })) {
    if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`${name} must be a positive integer, got ${n}`);
  }
  const iters = Math.max(1, opts.iters ?? 30);
  const warmup = Math.max(2, Math.min(10, Math.ceil(iters / 3)));
  const size = Math.max(1, Math.ceil(rows / args.minibatches));

  const rng = new Rng(1);
  const normals = (n: number) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = rng.normal();
    return out;
  };
  // In a tidy: Ppo's constructor leaves the tf.fill its log-std variable was made from
  // undisposed (one tensor per agent); the tidy disposes it, the variable keeps its data.
  let agent!: Ppo;
  tf.tidy(() => {
    agent = new Ppo({ inputDim: obsDim, actDim, seed: 1 }, args);
  });
  let naive: NaivePpo | undefined;
  try {
    naive = new NaivePpo(agent, args, 3);
    const input = normals(rows * obsDim);
    const action = normals(rows * actDim);
    const advantages = normals(rows);
    const values = agent.value(input, rows);
    const rollout: Rollout = {
      input,
      action,
      logProb: agent.logProb(input, action, rows),
      values,
      advantages,
      returns: advantages.map((a, i) => a + values[i]!),
      inputDim: obsDim,
      actDim,
    };
    const fastShuffle = new Rng(2);
    const naiveShuffle = new Rng(2);
    const fastEpoch = () => agent.learn(() => shuffledEpoch(rollout, size, fastShuffle), 0)["value_loss"]!;
    const naiveEpoch = () => naive!.epoch(() => shuffledEpoch(rollout, size, naiveShuffle));

    // The same first epoch from the same weights: the two must end (nearly) equal.
    const fastVars = agentVariables(agent);
    const initial = readAll(fastVars);
    fastEpoch();
    naiveEpoch();
    const learned = readAll(fastVars);
    const weightDiff = maxAbsDiff(learned, readAll(naive.variables));
    const weightChange = maxAbsDiff(learned, initial);

    const [epochMs, naiveEpochMs] = medians(warmup, iters, [fastEpoch, naiveEpoch]) as [number, number];
    const actInput = normals(actRows * obsDim);
    const [actMs, naiveActMs] = medians(warmup * 20, iters * 20, [
      () => agent.act(actInput, actRows, "explore").actions[0]!,
      () => naive!.act(actInput, actRows)[0]!,
    ]) as [number, number];

    return {
      algo: "ppo",
      backend: backend.detail,
      rows,
      obs_dim: obsDim,
      act_dim: actDim,
      hidden: [...args.hidden],
      minibatches: Math.ceil(rows / size),
      minibatch: size,
      epoch_ms: round(epochMs),
      minibatch_step_ms: round(epochMs / Math.ceil(rows / size)),
      baseline_naive_tfjs_epoch_ms: round(naiveEpochMs),
      speedup: Math.round((naiveEpochMs / epochMs) * 100) / 100,
      act_rows: actRows,
      act_ms: round(actMs),
      baseline_naive_tfjs_act_ms: round(naiveActMs),
      act_speedup: Math.round((naiveActMs / actMs) * 100) / 100,
      baseline_max_weight_diff: Number(weightDiff.toPrecision(3)),
      max_weight_change: Number(weightChange.toPrecision(3)),
    };
  } finally {
    agent.dispose();
    naive?.dispose();
  }
}

/** A rollout as the on-policy storage holds it, row-major. */
interface Rollout {
  readonly input: Float32Array;
  readonly action: Float32Array;
  readonly logProb: Float32Array;
  readonly values: Float32Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  readonly inputDim: number;
  readonly actDim: number;
}

/** One epoch: a fresh permutation from `rng`, cut into minibatches of `size` rows (the last may be smaller). */
function* shuffledEpoch(r: Rollout, size: number, rng: Rng): Generator<RolloutMinibatch> {
  const n = r.values.length;
  const order = permutation(rng, n);
  const gather = (src: Float32Array, k: number, idx: Int32Array) => {
    const out = new Float32Array(idx.length * k);
    idx.forEach((row, i) => out.set(src.subarray(row * k, (row + 1) * k), i * k));
    return out;
  };
  for (let start = 0; start < n; start += size) {
    const idx = order.subarray(start, Math.min(start + size, n));
    yield {
      rows: idx.length,
      input: gather(r.input, r.inputDim, idx),
      action: gather(r.action, r.actDim, idx),
      logProb: gather(r.logProb, 1, idx),
      values: gather(r.values, 1, idx),
      advantages: gather(r.advantages, 1, idx),
      returns: gather(r.returns, 1, idx),
    };
  }
}

/** Ppo's weights in its optimiser's order: actor, log-std, critic. */
function agentVariables(agent: Ppo): tf.Variable[] {
  const n = agent.checkpointContents().networks;
  return [...n["actor"]!.trainableVariables, ...n["logStd"]!.trainableVariables, ...n["critic"]!.trainableVariables];
}

function readAll(vars: readonly tf.Variable[]): Float32Array[] {
  return vars.map((v) => (v.dataSync() as Float32Array).slice());
}

function maxAbsDiff(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let max = 0;
  a.forEach((x, i) => x.forEach((v, j) => (max = Math.max(max, Math.abs(v - b[i]![j]!)))));
  return max;
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * The PPO epoch written the naive tfjs way, as one would port CleanRL's
 * ppo_continuous_action: weights in plain tf.variables (copied from the agent's initial
 * ones), MLPs of tf.matMul + add + tanh differentiated by tfjs autodiff (whose matMul
 * gradient uses the transpose flags, see src/nn/dense.ts), broadcasting for the
 * log-std, the loss of src/algos/ppo.ts written out again, the global-norm clip in tf
 * ops and tf.train.adam(lr, 0.9, 0.999, 1e-5). It reads back the same loss terms per
 * minibatch as Ppo.learn does.
 */
class NaivePpo {
  readonly actor: tf.Variable[];
  readonly logStd: tf.Variable;
  readonly critic: tf.Variable[];
  /** actor, logStd, critic: the agent's optimiser order. */
  readonly variables: tf.Variable[];
  private readonly optimizer: tf.AdamOptimizer;
  private readonly rng: Rng;
  private readonly inputDim: number;
  private readonly actDim: number;

  constructor(agent: Ppo, private readonly args: PpoArgs, seed: number) {
    const copy = (v: tf.Variable) => tf.tidy(() => tf.variable(tf.clone(v), true));
    const n = agent.checkpointContents().networks;
    this.actor = n["actor"]!.trainableVariables.map(copy);
    this.logStd = copy(n["logStd"]!.trainableVariables[0]!);
    this.critic = n["critic"]!.trainableVariables.map(copy);
    this.variables = [...this.actor, this.logStd, ...this.critic];
    this.optimizer = tf.train.adam(args.learningRate, 0.9, 0.999, 1e-5);
    this.rng = new Rng(seed);
    this.inputDim = agent.inputDim;
    this.actDim = agent.actDim;
  }

  /** tanh hidden layers, linear output. */
  private mlp(weights: readonly tf.Variable[], x: tf.Tensor2D): tf.Tensor2D {
    let h = x;
    for (let i = 0; i < weights.length; i += 2) {
      const z = tf.add(tf.matMul(h, weights[i] as tf.Tensor2D), weights[i + 1]!) as tf.Tensor2D;
      h = i + 2 < weights.length ? tf.tanh(z) : z;
    }
    return h;
  }

  /** Σ_j log N(a_j; μ_j, σ_j) per row, σ = exp(logStd) broadcast over the rows (torch's Normal.log_prob). */
  private logProb(action: tf.Tensor2D, mean: tf.Tensor2D): tf.Tensor1D {
    const variance = tf.exp(tf.mul(this.logStd, 2));
    const perDim = tf.sub(tf.sub(tf.neg(tf.div(tf.square(tf.sub(action, mean)), tf.mul(variance, 2))), this.logStd), LOG_SQRT_2PI);
    return tf.sum(perDim, 1) as tf.Tensor1D;
  }

  /** One epoch; returns the sum of the value losses (a number to read back). */
  epoch(minibatches: () => Iterable<RolloutMinibatch>): number {
    let sum = 0;
    for (const mb of minibatches()) sum += this.step(mb)[1]!;
    return sum;
  }

  /** One minibatch step; returns [policy loss, value loss, entropy, approx KL, clip fraction, grad norm]. */
  private step(mb: RolloutMinibatch): number[] {
    const a = this.args;
    const b = mb.rows;
    let report: tf.Tensor[] = [];
    try {
      tf.tidy(() => {
        const x = tf.tensor2d(mb.input, [b, this.inputDim]);
        const action = tf.tensor2d(mb.action, [b, this.actDim]);
        const oldLogProb = tf.tensor1d(mb.logProb);
        const oldValue = tf.tensor1d(mb.values);
        const returns = tf.tensor1d(mb.returns);
        let adv: tf.Tensor = tf.tensor1d(mb.advantages);
        if (a.normAdv) {
          // torch's .std() is the unbiased estimate.
          const centred = tf.sub(adv, tf.mean(adv));
          adv = tf.div(centred, tf.add(tf.sqrt(tf.div(tf.sum(tf.square(centred)), Math.max(1, b - 1))), 1e-8));
        }
        const { value, grads } = tf.variableGrads(() => {
          const newLogProb = this.logProb(action, this.mlp(this.actor, x));
          const entropy = tf.sum(tf.add(this.logStd, 0.5 + LOG_SQRT_2PI));
          const logRatio = tf.sub(newLogProb, oldLogProb);
          const ratio = tf.exp(logRatio);
          const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio));
          const clipFrac = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), a.clipCoef), "float32"));
          const pgLoss = tf.mean(tf.maximum(tf.mul(tf.neg(adv), ratio), tf.mul(tf.neg(adv), tf.clipByValue(ratio, 1 - a.clipCoef, 1 + a.clipCoef))));
          const newValue = tf.reshape(this.mlp(this.critic, x), [b]);
          const vUnclipped = tf.square(tf.sub(newValue, returns));
          const vLoss = a.clipVloss
            ? tf.mul(tf.mean(tf.maximum(vUnclipped, tf.square(tf.sub(tf.add(oldValue, tf.clipByValue(tf.sub(newValue, oldValue), -a.clipCoef, a.clipCoef)), returns)))), 0.5)
            : tf.mul(tf.mean(vUnclipped), 0.5);
          report = [pgLoss, vLoss, entropy, approxKl, clipFrac].map((t) => tf.keep(t));
          return tf.add(tf.sub(pgLoss, tf.mul(entropy, a.entCoef)), tf.mul(vLoss, a.vfCoef)) as tf.Scalar;
        }, this.variables);
        value.dispose();
        // PyTorch's clip_grad_norm_: scale = min(1, max_norm / (norm + 1e-6)).
        const g = this.variables.map((v) => grads[v.name]!);
        const norm = tf.sqrt(tf.addN(g.map((t) => tf.sum(tf.square(t)))));
        const scale = tf.minimum(1, tf.div(a.maxGradNorm, tf.add(norm, 1e-6)));
        this.optimizer.applyGradients(this.variables.map((v, i) => ({ name: v.name, tensor: tf.mul(g[i]!, scale) })));
        report.push(tf.keep(norm));
      });
      return report.map((t) => t.dataSync()[0]!);
    } finally {
      tf.dispose(report);
    }
  }

  /** What Ppo.act(…, "explore") computes and reads back; returns the clipped actions. */
  act(input: Float32Array, rows: number): Float32Array {
    const noise = new Float32Array(rows * this.actDim);
    for (let i = 0; i < noise.length; i++) noise[i] = this.rng.normal();
    return tf.tidy(() => {
      const x = tf.tensor2d(input, [rows, this.inputDim]);
      const mean = this.mlp(this.actor, x);
      const std = tf.exp(this.logStd);
      const sample = tf.add(mean, tf.mul(std, tf.tensor2d(noise, [rows, this.actDim]))) as tf.Tensor2D;
      const actions = tf.clipByValue(sample, -1, 1).dataSync() as Float32Array;
      sample.dataSync();
      this.logProb(sample, mean).dataSync();
      tf.reshape(this.mlp(this.critic, x), [rows]).dataSync();
      mean.dataSync();
      std.dataSync();
      return actions;
    });
  }

  dispose(): void {
    tf.dispose(this.variables);
    this.optimizer.dispose();
  }
}

/**
 * Median wall times in ms of each of `runs`, interleaved: every repetition runs each
 * once (in alternating order), so a change of the machine's load hits all of them.
 */
function medians(warmup: number, iters: number, runs: ReadonlyArray<() => number>): number[] {
  let sink = 0;
  for (let i = 0; i < warmup; i++) for (const run of runs) sink += run();
  const times = runs.map(() => [] as number[]);
  for (let i = 0; i < iters; i++) {
    for (let k = 0; k < runs.length; k++) {
      const j = i % 2 === 0 ? k : runs.length - 1 - k;
      const t0 = performance.now();
      sink += runs[j]!();
      times[j]!.push(performance.now() - t0);
    }
  }
  if (Number.isNaN(sink)) throw new Error("benchmark produced NaN");
  return times.map(medianOf);
}

/** Median wall time in ms of `run` over `iters` calls after `warmup` untimed calls. */
export function median(warmup: number, iters: number, run: () => number): number {
  let sink = 0;
  for (let i = 0; i < warmup; i++) sink += run();
  const times: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    sink += run();
    times.push(performance.now() - t0);
  }
  if (Number.isNaN(sink)) throw new Error("benchmark produced NaN");
  return medianOf(times);
}

function medianOf(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
