/**
 * GAHIL — Generative Adversarial Hindsight Imitation Learning: a reward learned
 * online for black-box environments (rezer0dai, "Research Notes on Reinforcement
 * Learning", GAHIL section; the author's code: rezer0dai/bnpo `utils/gahil.py`).
 *
 * A real robot gives no reward function that can be queried; while the agent
 * acts it can only report whether the goal was reached. GAHIL trains a
 * discriminator D on the transitions the agent lived through, and during
 * self-play (replay with hindsight-relabelled goals) the learner asks D, never
 * the environment, for rewards.
 *
 *     const gahil = new Gahil({ goalSize: 2, obsSize: 6, actionSize: 2 });
 *     her.rewardModel = gahil;                       // HER scores every sample with D
 *     gahil.addReal(realSteps, isSuccess);           // successes → targets, failures → others
 *     gahil.addAchievedPositives(realSteps);         // each step with goal := the goal it reached
 *     const sample = her.sample(256, rng);
 *     gahil.addRelabelledNegatives(sample);          // its relabelled transitions → others
 *     const { trained, loss } = gahil.maybeTrain();  // a round every `trainEvery` negatives
 *
 * ## The discriminator
 * D(x) is a 400-300 ReLU MLP with a linear scalar head (Adam, lr 3e-3) on
 *
 *     x = [norm_g(desired goal), norm_g(judged goal), norm_s(s), norm_s(s'), a]
 *
 * with running mean/std normalisers (clip ±5) of its own for goals and states,
 * updated from every row it is fed (never from rows it only scores). The judged
 * goal is the goal achieved after the step (`nextAchievedGoal`, the one the
 * RewardModel contract says a reward judges). The author's D reads
 * `[goal, s, s', action]` only: in Unity's Reacher the state holds the hand
 * position. Here the tasks keep it in `achieved_goal` (ReacherGoal-v0's
 * observation has joint angles only), so D reads it too; both goals share one
 * normaliser, so "desired − achieved" stays a linear feature.
 * `judgedGoal: false` gives the author's exact input.
 *
 * ## Pools and what goes in them (`gahil-pools.ts`)
 * *targets* (positives, 40k rows) and *others* (negatives, 100k rows), FIFO
 * ring buffers of raw rows. Positives: real transitions whose interaction-time
 * success was true under their own goal, and real transitions relabelled with
 * the goal they reached (the blog version's "achieved goals → +1").
 * Negatives: the relabelled transitions of every HER sample (as the author's
 * `register_other_with_reward`) and real failures. Some relabelled negatives
 * are in fact successes (FUTURE goals reached a step later): that label noise
 * is the author's design; D then ranks near-goal transitions in between.
 *
 * ## Loss (`loss` option), real = D(targets), fake = D(others)
 * - `"relativistic"` (the author's code, relativistic-average least squares):
 *   `L = 0.5·MSE(fake − mean(real), −2) + 1.0·MSE(real − mean(fake), +2) + 0.1·MSE(real, 0.1)`.
 *   Its fixed point for separable data is real = 0.1, fake = −1.9.
 * - `"label"`: least squares to ±1 labels, each class weighted ½ whatever the
 *   batch sizes: `L = ½·MSE(real, +1) + ½·MSE(fake, −1)`.
 * Default `"relativistic"`: it ranked better in every run of the experiment
 * below, and its levels stay where the anchor puts them even though some
 * "negatives" are real successes, whereas the ±1 form is pulled to the middle.
 *
 * The experiment (random smoothed actions, 640 training episodes fed as the
 * loop would — per env step of 16 envs: `addReal`, `addAchievedPositives`, and
 * 205 FUTURE-relabelled negatives; a round every 4000 negatives; 30 rounds of
 * 6 × 4096 with the default 400-300 net), scored on 10 000 held-out
 * transitions of 160 other episodes (8000 FUTURE-relabelled + 2000 with their
 * real goals) labelled by the task's true success (‖g' − g‖ < 0.05).
 * AUROC / Spearman with −distance, raw D, two init seeds:
 *
 * | task           | label (±1)                | relativistic              |
 * |----------------|---------------------------|---------------------------|
 * | PointReach-v0  | 0.959 / 0.947, 0.843 / 0.806 | 0.993 / 0.907, 0.992 / 0.914 |
 * | ReacherGoal-v0 | 0.971 / 0.867, 0.945 / 0.891 | 0.983 / 0.734, 0.985 / 0.765 |
 *
 * The ±1 form ranks far-off goals more smoothly (higher Spearman on Reacher),
 * but separates reached from not reached worse and varies more with the seed.
 * Without the judged goal in D's input (`judgedGoal: false`, seed 1) Reacher
 * gives 0.958 / 0.867 (label) and 0.969 / 0.831 (relativistic).
 * One round (6 steps × 4096 + 4096 rows, 400-300, 18 inputs) takes ≈ 1.8 s on
 * wasm (SIMD, 1 thread) on a loaded 2-core machine; scoring 256 rows ≈ 2 ms.
 *
 * ## Schedule (`maybeTrain`)
 * After every `trainEvery` new negatives (default capacity/3, as the author's
 * code), `stepsPerRound` Adam steps (default 6, the author's 3 target × 2
 * other draws) on min(batchSize, pool size) targets and as many others drawn
 * uniformly with replacement — but only once `minPositives` targets exist
 * (default 4096); until then negatives keep counting and the round runs as
 * soon as enough positives arrive. `ready` turns true after the first round.
 *
 * ## Rewards
 * `rewards(batch, out)`: one batched forward pass; `out = clip(rewardScale·D +
 * rewardOffset)`. The defaults map D's two target levels onto the sparse env
 * convention (reached 0, not reached −1): scale 1/(pos − neg) = 0.5, offset
 * −pos/(pos − neg) (relativistic: −0.05; label: −0.5), clipped to [−1, 0], so a
 * TD3 critic sees rewards on the scale it would see from the env and a D that
 * extrapolates wildly on unseen inputs cannot hand out unbounded reward. In
 * the experiment the clip costs at most 0.002 AUROC. The author's notebooks
 * divide by 100 instead (rewards within ±0.02); here the rewards keep the scale
 * of the env's own sparse reward, which the learners' defaults are tuned for.
 * Before `ready`: the constant `unreadyReward` (−1, "not reached").
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../core/rng.js";
import { Adam } from "../nn/adam.js";
import { Mlp } from "../nn/mlp.js";
import type { CheckpointContents } from "../nn/save-load.js";
import { SimbridgeError } from "../core/errors.js";
import { packArrays, unpackArrays } from "../replay/bytes.js";
import type { HerSample } from "../replay/her-buffer.js";
import { Normalizer } from "../replay/normalizer.js";
import type { NormalizerState } from "../replay/normalizer.js";
import { batchRows, TransitionPool, writeRow } from "./gahil-pools.js";
import type { PoolLayout } from "./gahil-pools.js";
import { judgedGoal } from "./reward-model.js";
import type { RewardBatch, RewardModel } from "./reward-model.js";

// ---------------------------------------------------------------- options

/** Which discriminator loss to train with (see the file header). */
export type GahilLoss = "relativistic" | "label";

export interface GahilOptions {
  /** Elements of a goal (desired and achieved). */
  readonly goalSize: number;
  /** Elements of an observation; 0: D reads no states. */
  readonly obsSize: number;
  /** Elements of an action; 0: D reads no actions. */
  readonly actionSize: number;
  /** D also reads the judged goal (achieved after the step). Default true; false is the author's input. */
  readonly judgedGoal?: boolean;
  /** Hidden layer sizes of D. Default [400, 300]. */
  readonly hidden?: readonly number[];
  /** Adam step size. Default 3e-3. */
  readonly learningRate?: number;
  /** Discriminator loss. Default "relativistic" (see the file header). */
  readonly loss?: GahilLoss;
  /** Rows of the targets pool (positives). Default 40 000. */
  readonly positiveCapacity?: number;
  /** Rows of the others pool (negatives). Default 100 000. */
  readonly negativeCapacity?: number;
  /**
   * What a HER sample contributes to the negatives (the robot's own failures
   * always go there too, through `addReal`):
   * - "relabelled" (the author's code): its relabelled transitions. Label
   *   noise grows as the policy improves: once the agent reaches goals and
   *   stays, most FUTURE relabels are successes pushed as negatives (measured
   *   on ReacherGoal-v0, seed 0: AUROC peaked at 0.95 at 7.5k steps, then fell
   *   to 0.72 by 20k, and success from 0.75 to 0.55).
   * - "mismatched": every transition with the desired goal of another row of
   *   the sample (the batch's goals rotated by a random offset) — goals the
   *   step almost surely did not reach, drawn from the same goal distribution.
   * - "none": nothing (failures only).
   */
  readonly negatives?: "relabelled" | "mismatched" | "none";
  /** A training round is due after this many new negatives. Default floor(negativeCapacity / 3), 1000 with negatives "none". */
  readonly trainEvery?: number;
  /** Adam steps per round. Default 6. */
  readonly stepsPerRound?: number;
  /** Rows per class per step (capped by the pool sizes). Default 4096. */
  readonly batchSize?: number;
  /** No round before this many positives are pooled. Default 4096. */
  readonly minPositives?: number;
  /** reward = clip(rewardScale·D + rewardOffset). Default 1 / (pos − neg) of the loss's target levels (0.5). */
  readonly rewardScale?: number;
  /** Default −pos·rewardScale, so D's positive level maps to 0 and its negative level to −1. */
  readonly rewardOffset?: number;
  /** [low, high] of the rewards, or null for none. Default [−1, 0]. */
  readonly rewardClip?: readonly [number, number] | null;
  /** Reward of every transition before the first round. Default −1 ("not reached"). */
  readonly unreadyReward?: number;
  /** Seed of D's initial weights and of the batch draws. Default 0. */
  readonly seed?: number;
}

type Resolved = Required<Omit<GahilOptions, "rewardClip">> & { readonly rewardClip: readonly [number, number] | null };

/** Every option name, once (the type makes the list complete). */
const OPTION_NAMES: { readonly [K in keyof GahilOptions]-?: true } = {
  goalSize: true,
  obsSize: true,
  actionSize: true,
  judgedGoal: true,
  hidden: true,
  learningRate: true,
  loss: true,
  positiveCapacity: true,
  negativeCapacity: true,
  negatives: true,
  trainEvery: true,
  stepsPerRound: true,
  batchSize: true,
  minPositives: true,
  rewardScale: true,
  rewardOffset: true,
  rewardClip: true,
  unreadyReward: true,
  seed: true,
};

/** The names `GahilOptions` accepts; any other name is refused. */
export const GAHIL_OPTION_NAMES: readonly (keyof GahilOptions)[] = Object.freeze(Object.keys(OPTION_NAMES) as (keyof GahilOptions)[]);

/** Throws (INVALID_ARGUMENT) for an option name GahilOptions does not have, listing the ones it has. */
export function checkGahilOptionNames(options: object): void {
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(OPTION_NAMES, key)) {
      throw SimbridgeError.invalidArgument(`GAHIL has no option '${key.slice(0, 80)}'; it has: ${GAHIL_OPTION_NAMES.join(", ")}`, key.slice(0, 80));
    }
  }
}

/** The relativistic loss's constants (the author's code). */
export const RELATIVISTIC = { margin: 2, fakeWeight: 0.5, realWeight: 1, anchor: 0.1, anchorWeight: 0.1 } as const;

/** What D converges to on separable data, per loss: [positive level, negative level]. */
export const TARGET_LEVELS: Readonly<Record<GahilLoss, readonly [number, number]>> = {
  relativistic: [RELATIVISTIC.anchor, RELATIVISTIC.anchor - RELATIVISTIC.margin],
  label: [1, -1],
};

function resolve(o: GahilOptions): Resolved {
  checkGahilOptionNames(o);
  const loss = o.loss ?? "relativistic";
  if (loss !== "relativistic" && loss !== "label") throw SimbridgeError.invalidArgument(`loss: expected "relativistic" or "label" but got ${String(loss)}`, "loss");
  const [pos, neg] = TARGET_LEVELS[loss];
  const negativeCapacity = o.negativeCapacity ?? 100_000;
  const rewardScale = o.rewardScale ?? 1 / (pos - neg);
  const r: Resolved = {
    goalSize: o.goalSize,
    obsSize: o.obsSize,
    actionSize: o.actionSize,
    judgedGoal: o.judgedGoal ?? true,
    hidden: [...(o.hidden ?? [400, 300])],
    learningRate: o.learningRate ?? 3e-3,
    loss,
    positiveCapacity: o.positiveCapacity ?? 40_000,
    negativeCapacity,
    negatives: o.negatives ?? "mismatched",
    trainEvery: o.trainEvery ?? ((o.negatives ?? "mismatched") === "none" ? 1000 : Math.max(1, Math.floor(negativeCapacity / 3))),
    stepsPerRound: o.stepsPerRound ?? 6,
    batchSize: o.batchSize ?? 4096,
    minPositives: o.minPositives ?? 4096,
    rewardScale,
    rewardOffset: o.rewardOffset ?? -pos * rewardScale,
    rewardClip: o.rewardClip === undefined ? [-1, 0] : o.rewardClip,
    unreadyReward: o.unreadyReward ?? -1,
    seed: o.seed ?? 0,
  };
  if (!["relabelled", "mismatched", "none"].includes(r.negatives)) {
    throw SimbridgeError.invalidArgument(`negatives: expected relabelled, mismatched or none but got ${String(r.negatives)}`, "negatives");
  }
  for (const key of ["trainEvery", "stepsPerRound", "batchSize"] as const) {
    if (!Number.isSafeInteger(r[key]) || r[key] < 1) throw SimbridgeError.invalidArgument(`${key}: expected a positive integer but got ${r[key]}`, key);
  }
  if (!Number.isSafeInteger(r.minPositives) || r.minPositives < 1) throw SimbridgeError.invalidArgument(`minPositives: expected a positive integer but got ${r.minPositives}`, "minPositives");
  if (r.hidden.some((h) => !Number.isSafeInteger(h) || h < 1)) throw SimbridgeError.invalidArgument(`hidden: expected positive integer sizes but got [${r.hidden.join(", ")}]`, "hidden");
  if (typeof r.judgedGoal !== "boolean") throw SimbridgeError.invalidArgument(`judgedGoal: expected true or false but got ${JSON.stringify(r.judgedGoal)}`, "judgedGoal");
  if (!(typeof r.learningRate === "number" && Number.isFinite(r.learningRate) && r.learningRate > 0)) {
    throw SimbridgeError.invalidArgument(`learningRate: expected a positive number but got ${String(r.learningRate)}`, "learningRate");
  }
  if (r.rewardClip !== null && !(Array.isArray(r.rewardClip) && r.rewardClip.length === 2 && r.rewardClip.every((v) => typeof v === "number"))) {
    throw SimbridgeError.invalidArgument(`rewardClip: expected [low, high] or null but got ${String(r.rewardClip)}`, "rewardClip");
  }
  for (const key of ["rewardScale", "rewardOffset", "unreadyReward"] as const) {
    if (!Number.isFinite(r[key])) throw SimbridgeError.invalidArgument(`${key}: expected a finite number but got ${r[key]}`, key);
  }
  if (r.rewardClip !== null && !(r.rewardClip[0] <= r.rewardClip[1])) {
    throw SimbridgeError.invalidArgument(`rewardClip: expected [low, high] with low ≤ high but got [${r.rewardClip.join(", ")}]`, "rewardClip");
  }
  return r;
}

// ---------------------------------------------------------------- losses

/**
 * Relativistic-average least squares (the author's code), on D's outputs for a
 * batch of targets (`real`) and others (`fake`), any lengths:
 * `0.5·mean((fake − mean(real) + 2)²) + 1.0·mean((real − mean(fake) − 2)²) + 0.1·mean((real − 0.1)²)`.
 */
export function relativisticLoss(real: tf.Tensor1D, fake: tf.Tensor1D): tf.Scalar {
  const { margin, fakeWeight, realWeight, anchor, anchorWeight } = RELATIVISTIC;
  return tf.tidy(() => {
    const fakeTerm = tf.mean(tf.square(tf.add(tf.sub(fake, tf.mean(real)), margin)));
    const realTerm = tf.mean(tf.square(tf.sub(tf.sub(real, tf.mean(fake)), margin)));
    const anchorTerm = tf.mean(tf.square(tf.sub(real, anchor)));
    return tf.addN([tf.mul(fakeTerm, fakeWeight), tf.mul(realTerm, realWeight), tf.mul(anchorTerm, anchorWeight)]) as tf.Scalar;
  });
}

/** Least squares to labels +1 (real) and −1 (fake), each class weighted ½: `½·mean((real − 1)²) + ½·mean((fake + 1)²)`. */
export function labelLoss(real: tf.Tensor1D, fake: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.add(tf.mean(tf.square(tf.sub(real, 1))), tf.mean(tf.square(tf.add(fake, 1)))), 0.5) as tf.Scalar);
}

const LOSSES: Readonly<Record<GahilLoss, (real: tf.Tensor1D, fake: tf.Tensor1D) => tf.Scalar>> = {
  relativistic: relativisticLoss,
  label: labelLoss,
};

// ---------------------------------------------------------------- the model

/** What `maybeTrain` did. */
export interface TrainResult {
  /** Whether a round ran. */
  readonly trained: boolean;
  /** Loss of the round's last step (NaN when no round ran). */
  readonly loss: number;
}

/** The JSON `meta` of a GAHIL checkpoint. */
export interface GahilMeta {
  readonly format: "simbridge.gahil";
  readonly version: 1;
  readonly loss: GahilLoss;
  readonly inputSize: number;
  readonly ready: boolean;
  readonly rounds: number;
  readonly pendingNegatives: number;
  readonly lastLoss: number | null;
  readonly goalNorm: NormalizerState;
  readonly obsNorm: NormalizerState | null;
  readonly rng: Array<number | null>;
}

export class Gahil implements RewardModel {
  readonly name = "gahil";
  readonly isLearned = true;
  readonly options: Readonly<Resolved>;
  /** The discriminator D. */
  readonly net: Mlp;
  readonly optimizer: Adam;
  readonly goalNorm: Normalizer;
  /** Null when `obsSize` is 0. */
  readonly obsNorm: Normalizer | null;
  /** Positives. */
  readonly targets: TransitionPool;
  /** Negatives. */
  readonly others: TransitionPool;
  readonly layout: PoolLayout;
  private readonly rng: Rng;
  private readonly lossFn: (real: tf.Tensor1D, fake: tf.Tensor1D) => tf.Scalar;
  private isReady = false;
  private roundCount = 0;
  private pending = 0;
  private mismatched = new Float32Array(0);
  private lastLoss = NaN;
  // Per input column: mean, 1/std and clip of its normaliser (action columns: 0, 1, ∞).
  private readonly colMean: Float64Array;
  private readonly colInvStd: Float64Array;
  private readonly colClip: Float64Array;
  private scratch = new Float32Array(0);
  private indices = new Uint32Array(0);

  constructor(options: GahilOptions) {
    const o = resolve(options);
    this.options = o;
    this.targets = new TransitionPool({ goal: o.goalSize, obs: o.obsSize, action: o.actionSize, judgedGoal: o.judgedGoal }, o.positiveCapacity);
    this.others = new TransitionPool({ goal: o.goalSize, obs: o.obsSize, action: o.actionSize, judgedGoal: o.judgedGoal }, o.negativeCapacity);
    this.layout = this.targets.layout;
    this.goalNorm = new Normalizer(o.goalSize);
    this.obsNorm = o.obsSize > 0 ? new Normalizer(o.obsSize) : null;
    const rng = new Rng(o.seed);
    this.net = new Mlp({ sizes: [this.layout.rowSize, ...o.hidden, 1], seed: rng.nextSeed() });
    this.optimizer = new Adam(this.net.trainableVariables, { learningRate: o.learningRate });
    this.rng = rng;
    this.lossFn = LOSSES[o.loss];
    const n = this.layout.rowSize;
    this.colMean = new Float64Array(n);
    this.colInvStd = new Float64Array(n).fill(1);
    this.colClip = new Float64Array(n).fill(Infinity);
  }

  /** Input width of D. */
  get inputSize(): number {
    return this.layout.rowSize;
  }

  /** False until the first training round; before it `rewards` returns `unreadyReward`. */
  get ready(): boolean {
    return this.isReady;
  }

  /** Training rounds run so far. */
  get rounds(): number {
    return this.roundCount;
  }

  /** Loss of the last round's last step (NaN before the first round): for metrics. */
  get lastRoundLoss(): number {
    return this.lastLoss;
  }

  /** New negatives since the last round. */
  get pendingNegatives(): number {
    return this.pending;
  }

  // ------------------------------------------------------------ feeding

  /** Adds every row of `batch` to the targets (positives). Returns the row count. */
  addPositives(batch: RewardBatch): number {
    this.updateNormalizers(batch);
    return this.targets.add(batch);
  }

  /**
   * Adds every row of `batch` as a positive whose desired goal is its own judged
   * goal (the goal it certainly reached: `desiredGoal := nextAchievedGoal`).
   */
  addAchievedPositives(batch: RewardBatch): number {
    return this.addPositives({ ...batch, desiredGoal: judgedGoal(batch) });
  }

  /** Adds every row of `batch` to the others (negatives); they count towards `trainEvery`. */
  addNegatives(batch: RewardBatch): number {
    this.updateNormalizers(batch);
    const n = this.others.add(batch);
    this.pending += n;
    return n;
  }

  /**
   * Negatives from a HER sample, per the `negatives` option: its relabelled
   * rows (which `HerReplayBuffer.sample` puts last), or all its rows with
   * mismatched goals, or none. Returns the row count.
   */
  addRelabelledNegatives(sample: HerSample): number {
    const mode = this.options.negatives;
    if (mode === "none") return 0;
    const n = sample.relabelled.length;
    const { goal, obs, action } = this.layout;
    if (mode === "mismatched") {
      if (n < 2) return 0;
      // Rotate the desired goals by 1..n−1 rows: each transition gets another row's goal.
      const shift = 1 + Math.floor(this.rng.uniform() * (n - 1));
      if (this.mismatched.length < n * goal) this.mismatched = new Float32Array(n * goal);
      const rotated = this.mismatched.subarray(0, n * goal);
      rotated.set(sample.desiredGoal.subarray(shift * goal, n * goal));
      rotated.set(sample.desiredGoal.subarray(0, shift * goal), (n - shift) * goal);
      return this.addNegatives({ ...sample, desiredGoal: rotated });
    }
    let first = n;
    while (first > 0 && sample.relabelled[first - 1] === 1) first--;
    for (let i = 0; i < first; i++) {
      if (sample.relabelled[i] === 1) throw SimbridgeError.invalidArgument(`sample: relabelled row ${i} comes before real row ${first - 1}; expected relabelled rows last`, "sample");
    }
    if (first === n) return 0;
    return this.addNegatives({
      achievedGoal: sample.achievedGoal.subarray(first * goal),
      desiredGoal: sample.desiredGoal.subarray(first * goal),
      nextAchievedGoal: sample.nextAchievedGoal.subarray(first * goal),
      obs: sample.obs.subarray(first * obs),
      nextObs: sample.nextObs.subarray(first * obs),
      action: sample.action.subarray(first * action),
    });
  }

  /**
   * Real transitions under their own goals: row i goes to the targets when
   * `isSuccess[i]` is truthy, else to the others. Returns [positives, negatives].
   */
  addReal(batch: RewardBatch, isSuccess: ArrayLike<number | boolean>): [number, number] {
    const n = batchRows(batch, this.layout);
    if (isSuccess.length !== n) throw SimbridgeError.invalidArgument(`isSuccess: expected ${n} flags (one per row) but got ${isSuccess.length}`, "isSuccess");
    this.updateNormalizers(batch);
    let positives = 0;
    for (let i = 0; i < n; i++) {
      if (isSuccess[i]) {
        this.targets.addRow(batch, i);
        positives++;
      } else {
        this.others.addRow(batch, i);
      }
    }
    this.pending += n - positives;
    return [positives, n - positives];
  }

  private updateNormalizers(batch: RewardBatch): void {
    batchRows(batch, this.layout); // validates before anything changes
    this.goalNorm.update(batch.desiredGoal);
    if (this.layout.judgedGoalAt >= 0) this.goalNorm.update(judgedGoal(batch));
    if (this.obsNorm) {
      this.obsNorm.update(batch.obs!);
      this.obsNorm.update(batch.nextObs!);
    }
  }

  // ------------------------------------------------------------ training

  /** Runs a round when one is due (see the schedule in the file header). */
  maybeTrain(): TrainResult {
    if (this.pending < this.options.trainEvery || this.targets.size < this.options.minPositives || this.others.size === 0) {
      return { trained: false, loss: NaN };
    }
    return { trained: true, loss: this.trainRound() };
  }

  /**
   * One round of `stepsPerRound` Adam steps, whether due or not (needs at least
   * one positive and one negative). Resets the negative count. Returns the last step's loss.
   */
  trainRound(): number {
    const { batchSize, stepsPerRound } = this.options;
    if (this.targets.size === 0 || this.others.size === 0) {
      throw SimbridgeError.failedPrecondition(`GAHIL needs positives and negatives to train, but has ${this.targets.size} and ${this.others.size}`);
    }
    const nr = Math.min(batchSize, this.targets.size);
    const nf = Math.min(batchSize, this.others.size);
    const width = this.layout.rowSize;
    const x = this.scratchFor(nr + nf);
    this.refreshColumns();
    let last = NaN;
    for (let step = 0; step < stepsPerRound; step++) {
      this.gather(this.targets, nr, x, 0);
      this.gather(this.others, nf, x, nr * width);
      this.encodeInPlace(x, nr + nf);
      const readLoss = step + 1 === stepsPerRound;
      tf.tidy(() => {
        const input = tf.tensor2d(x.subarray(0, (nr + nf) * width), [nr + nf, width]);
        const loss = this.optimizer.minimize(() => {
          const d = tf.reshape(this.net.apply(input, { inputGrad: false }), [nr + nf]);
          return this.lossFn(tf.slice(d, [0], [nr]) as tf.Tensor1D, tf.slice(d, [nr], [nf]) as tf.Tensor1D);
        });
        if (readLoss) last = loss.dataSync()[0]!;
      });
    }
    this.pending = 0;
    this.roundCount++;
    this.lastLoss = last;
    this.isReady = true;
    return last;
  }

  private gather(pool: TransitionPool, count: number, dst: Float32Array, at: number): void {
    if (this.indices.length < count) this.indices = new Uint32Array(count);
    const idx = pool.sampleIndices(count, this.rng, this.indices);
    const width = this.layout.rowSize;
    const data = pool.data;
    for (let k = 0; k < count; k++) {
      const src = idx[k]! * width;
      dst.set(data.subarray(src, src + width), at + k * width);
    }
  }

  // ------------------------------------------------------------ rewards

  /** D's raw outputs for the rows of `batch` (one forward pass), whatever `ready` says. */
  discriminate(batch: RewardBatch, out: Float32Array): void {
    const n = out.length;
    if (n === 0) return;
    batchRows(batch, this.layout, n);
    const width = this.layout.rowSize;
    const x = this.scratchFor(n);
    for (let i = 0; i < n; i++) writeRow(batch, i, this.layout, x, i * width);
    this.refreshColumns();
    this.encodeInPlace(x, n);
    const values = tf.tidy(() => this.net.apply(tf.tensor2d(x.subarray(0, n * width), [n, width])).dataSync());
    out.set(values.subarray(0, n));
  }

  /** See RewardModel and the file header: clip(rewardScale·D + rewardOffset), or `unreadyReward` before the first round. */
  rewards(batch: RewardBatch, out: Float32Array): void {
    const { unreadyReward, rewardScale, rewardOffset, rewardClip } = this.options;
    if (out.length === 0) return;
    if (!this.isReady) {
      batchRows(batch, this.layout, out.length);
      out.fill(unreadyReward);
      return;
    }
    this.discriminate(batch, out);
    const lo = rewardClip ? rewardClip[0] : -Infinity;
    const hi = rewardClip ? rewardClip[1] : Infinity;
    for (let i = 0; i < out.length; i++) {
      const r = rewardScale * out[i]! + rewardOffset;
      out[i] = r < lo ? lo : r > hi ? hi : r;
    }
  }

  // ------------------------------------------------------------ encoding

  private scratchFor(rows: number): Float32Array {
    const need = rows * this.layout.rowSize;
    if (this.scratch.length < need) this.scratch = new Float32Array(need);
    return this.scratch;
  }

  /** Copies the normalisers' statistics into per-column arrays for `encodeInPlace`. */
  private refreshColumns(): void {
    const { goal, obs, desiredGoalAt, judgedGoalAt, obsAt, nextObsAt } = this.layout;
    const put = (norm: Normalizer, at: number, size: number) => {
      const mean = norm.mean;
      const std = norm.std;
      for (let j = 0; j < size; j++) {
        this.colMean[at + j] = mean[j]!;
        this.colInvStd[at + j] = 1 / std[j]!;
        this.colClip[at + j] = norm.clipRange;
      }
    };
    put(this.goalNorm, desiredGoalAt, goal);
    if (judgedGoalAt >= 0) put(this.goalNorm, judgedGoalAt, goal);
    if (this.obsNorm) {
      put(this.obsNorm, obsAt, obs);
      put(this.obsNorm, nextObsAt, obs);
    }
  }

  /** x[row, c] ← clip((x − mean_c) / std_c, ±clip_c) for the first `rows` rows. */
  private encodeInPlace(x: Float32Array, rows: number): void {
    const width = this.layout.rowSize;
    const mean = this.colMean;
    const inv = this.colInvStd;
    const clip = this.colClip;
    for (let r = 0; r < rows; r++) {
      const base = r * width;
      for (let c = 0; c < width; c++) {
        const z = (x[base + c]! - mean[c]!) * inv[c]!;
        const k = clip[c]!;
        x[base + c] = z < -k ? -k : z > k ? k : z;
      }
    }
  }

  // ------------------------------------------------------------ checkpoints

  /** D, its optimiser and (in `meta`) the normalisers and schedule; for `saveCheckpoint`. */
  checkpointContents(): CheckpointContents {
    const meta: GahilMeta = {
      format: "simbridge.gahil",
      version: 1,
      loss: this.options.loss,
      inputSize: this.inputSize,
      ready: this.isReady,
      rounds: this.roundCount,
      pendingNegatives: this.pending,
      lastLoss: Number.isNaN(this.lastLoss) ? null : this.lastLoss,
      goalNorm: this.goalNorm.state(),
      obsNorm: this.obsNorm ? this.obsNorm.state() : null,
      rng: this.rng.state().map((v) => (Number.isNaN(v) ? null : v)),
    };
    return { networks: { gahil: this.net }, optimizers: { gahil: this.optimizer }, meta };
  }

  /** Restores what `checkpointContents().meta` held (the weights are restored by `loadCheckpoint`). */
  restoreMeta(meta: unknown): void {
    const m = meta as Partial<GahilMeta> | null;
    if (m === null || typeof m !== "object" || m.format !== "simbridge.gahil" || m.version !== 1) {
      throw SimbridgeError.invalidArgument("GAHIL checkpoint: meta is not a simbridge.gahil version 1 record");
    }
    if (m.inputSize !== this.inputSize || m.loss !== this.options.loss) {
      throw SimbridgeError.invalidArgument(
        `GAHIL checkpoint: expected input size ${this.inputSize} and loss ${this.options.loss} but got ${String(m.inputSize)} and ${String(m.loss)}`,
      );
    }
    if ((m.obsNorm === null) !== (this.obsNorm === null)) throw SimbridgeError.invalidArgument("GAHIL checkpoint: observation normaliser does not match obsSize");
    this.goalNorm.load(m.goalNorm!);
    if (this.obsNorm) this.obsNorm.load(m.obsNorm!);
    this.isReady = m.ready === true;
    this.roundCount = m.rounds ?? 0;
    this.pending = m.pendingNegatives ?? 0;
    this.lastLoss = m.lastLoss ?? NaN;
    this.rng.setState(m.rng!.map((v) => v ?? NaN));
  }

  /** Raw bytes of both pools. */
  serializePools(): { targets: Uint8Array; others: Uint8Array } {
    return { targets: this.targets.serialize(), others: this.others.serialize() };
  }

  restorePools(pools: { targets: Uint8Array; others: Uint8Array }): void {
    this.targets.restore(pools.targets);
    this.others.restore(pools.others);
  }

  /**
   * Both pools in one byte array (the filled rows only: at most
   * (positiveCapacity + negativeCapacity) × inputSize floats), the part of a
   * checkpoint beside `checkpointContents()`: a resumed run keeps its positives
   * and negatives (OnlineRewardModel).
   */
  serializeStorage(): Uint8Array {
    const { targets, others } = this.serializePools();
    return packArrays({ kind: "GahilPools", version: 1 }, { targets, others });
  }

  /** Loads what `serializeStorage` wrote, for a model with the same layout and capacities. */
  restoreStorage(bytes: Uint8Array): void {
    const { header, arrays } = unpackArrays(bytes);
    const { targets, others } = arrays;
    if (header["kind"] !== "GahilPools" || header["version"] !== 1 || !(targets instanceof Uint8Array) || !(others instanceof Uint8Array)) {
      throw SimbridgeError.invalidArgument(`GAHIL checkpoint: expected the pools (GahilPools version 1) but got ${String(header["kind"])} version ${String(header["version"])}`);
    }
    this.restorePools({ targets, others });
  }

  dispose(): void {
    this.optimizer.dispose();
    this.net.dispose();
  }
}
