/**
 * CreditSampler: ready critic transitions from whole stored episodes, with
 * n-step, floating n-step or n-step GAE credit (credit.ts) and hindsight goals.
 *
 *     const sampler = new CreditSampler({ episodes, credit: { mode: "floating", n: 10, gamma: 0.98, lambda: 0.95 },
 *                                         rewardModel, rewardSource: "model", relabelProbability: 0.8 });
 *     const batch = sampler.sample(256, rng);          // windows at uniformly drawn steps (one-layer replay)
 *     const all = sampler.episode(ref, rng);            // one window per step of one episode (two-layer replay)
 *
 * Per window, starting at stored step t of an episode with T steps stored:
 * 1. The goal: with probability `relabelProbability` a hindsight goal, the
 *    goal achieved after a step t' uniform in [t, T−1] (HER's FUTURE), else
 *    the goal the step was lived for. Relabelled windows come last, as in
 *    `HerReplayBuffer.sample`, so GAHIL takes its negatives from the same rows.
 * 2. The length m (fixed n, a fresh n ~ U{1..N} for floating, cut at T − t).
 * 3. The rewards of the m steps *for that goal*: from the reward model for
 *    relabelled windows (and for every window with rewardSource "model", the
 *    black-box case), else as the env reported them. A learned model scores
 *    with its current weights, so re-sampling an episode refreshes them.
 * 4. For GAE, V(s_t..s_{t+m}) under the goal from `values` (the agent's target
 *    critic at its target policy's action).
 * 5. credit, discount and the bootstrap state s_{t+m} (credit.ts).
 *
 * `sample` may be narrowed as `HerReplayBuffer.sample` (`SampleOptions`):
 * `recent` starts windows only at the most recently stored steps
 * (`EpisodeBuffer.pickRecent`; the window still runs on through the steps
 * after its start, all of them newer), `relabel: false` skips step 1's
 * hindsight goal (and its random draw): every window keeps its lived goal,
 * rewarded as in step 3.
 *
 * The output extends HerSample: its fields describe the window's first step
 * (reward = r_t for the goal), so reward models and staleness checks read it
 * as one-step data; `credit`, `discount` and `bootstrapObs` are what the
 * critic trains on. The episode buffer's extras come with each window, those
 * of its first step (the step whose action the critic is asked about), as
 * stored: a hindsight goal does not change them. They draw no random numbers.
 */
import type { Rng } from "../core/rng.js";
import { SimbridgeError } from "../core/errors.js";
import type { RewardModel } from "../reward/reward-model.js";
import { checkCreditOptions, gaeCredit, nStepCredit, windowSteps, type CreditOptions, type WindowCredit } from "./credit.js";
import { TransitionRef, type EpisodeBuffer } from "./episode-buffer.js";
import type { HerSample, RewardSource, SampleOptions } from "./her-buffer.js";
import { randomIndex } from "./random-index.js";

/** Windows as the critic takes them: y = credit + discount · V'(bootstrapObs). */
export interface CreditSample extends HerSample {
  readonly rows: number;
  /** [rows]: the window's credit (credit.ts). */
  readonly credit: Float32Array;
  /** [rows]: the bootstrap multiplier; 0 when the episode TERMINATED inside the window. */
  readonly discount: Float32Array;
  /** [rows × obs]: s_{t+m}, the state the critic bootstraps from. */
  readonly bootstrapObs: Float32Array;
  /** [rows]: 1 when the window ends with a TERMINATED step. */
  readonly endsTerminated: Float32Array;
  /** [rows]: m, the window's length. */
  readonly steps: Float32Array;
}

/** V'(s) for `rows` observations with their goals (raw, not normalised), [rows]. */
export type ValueFunction = (obs: Float32Array, goal: Float32Array, rows: number) => Float32Array;

export interface CreditSamplerOptions {
  readonly episodes: EpisodeBuffer;
  readonly credit: CreditOptions;
  /** Scores relabelled windows, and every window with rewardSource "model". */
  readonly rewardModel?: RewardModel;
  /** Rewards of windows for their lived goal: the model's ("model") or the env's as stored ("stored"). */
  readonly rewardSource: RewardSource;
  /** Probability of a hindsight goal per window (k/(k+1) with HER; 0 without). */
  readonly relabelProbability: number;
  /** Values for GAE credit; required with mode "gae". */
  readonly values?: ValueFunction;
  /** Also sample the stored steps of episodes still in progress (one-layer replay). Default true. */
  readonly sampleInProgress?: boolean;
}

/** A window to assign credit to. */
interface Start {
  lane: number;
  episodeStart: number;
  step: number;
  length: number;
}

export class CreditSampler {
  readonly episodes: EpisodeBuffer;
  readonly credit: CreditOptions;
  readonly rewardSource: RewardSource;
  readonly relabelProbability: number;
  readonly sampleInProgress: boolean;
  /** The reward model; may be replaced (e.g. once a learned reward is ready). */
  rewardModel: RewardModel | undefined;
  private readonly values: ValueFunction | undefined;
  private readonly ref = new TransitionRef();
  private readonly window: WindowCredit = { credit: 0, discount: 0, steps: 0 };

  constructor(options: CreditSamplerOptions) {
    checkCreditOptions(options.credit);
    if (options.credit.mode === "gae" && !options.values) throw new Error("GAE credit needs a value function (the agent's target critic)");
    if (!(options.relabelProbability >= 0 && options.relabelProbability < 1)) {
      throw new Error(`relabelProbability: expected a number in [0, 1) but got ${options.relabelProbability}`);
    }
    if ((options.relabelProbability > 0 || options.rewardSource === "model") && !options.rewardModel) {
      throw new Error("hindsight goals and rewardSource \"model\" need a reward model");
    }
    this.episodes = options.episodes;
    this.credit = options.credit;
    this.rewardModel = options.rewardModel;
    this.rewardSource = options.rewardSource;
    this.relabelProbability = options.relabelProbability;
    this.values = options.values;
    this.sampleInProgress = options.sampleInProgress ?? true;
  }

  /** Steps that can start a window now. */
  get size(): number {
    return this.episodes.countSampleable(this.sampleInProgress);
  }

  /** Steps a sample with `recent` can start a window at now (`EpisodeBuffer.countRecent`). */
  countRecent(recent: number): number {
    return this.episodes.countRecent(recent, this.sampleInProgress);
  }

  /** `rows` windows starting at uniformly drawn stored steps; `options` narrows the draw (module comment). */
  sample(rows: number, rng: Rng, options: SampleOptions = {}): CreditSample {
    if (!Number.isSafeInteger(rows) || rows < 1) throw SimbridgeError.invalidArgument(`rows: expected a positive integer but got ${rows}`, "rows");
    const { recent } = options;
    const starts: Start[] = [];
    for (let r = 0; r < rows; r++) {
      if (recent === undefined) this.episodes.pick(rng, this.sampleInProgress, this.ref);
      else this.episodes.pickRecent(rng, recent, this.sampleInProgress, this.ref);
      const { lane, episodeStart, step, length } = this.ref;
      starts.push({ lane, episodeStart, step, length });
    }
    return this.assign(starts, rng, options.relabel === false ? 0 : this.relabelProbability);
  }

  /** One window per step of the episode `ref` describes (any of its steps), with fresh goals, n and values. */
  episode(ref: TransitionRef, rng: Rng): CreditSample {
    const starts: Start[] = [];
    for (let step = 0; step < ref.length; step++) starts.push({ lane: ref.lane, episodeStart: ref.episodeStart, step, length: ref.length });
    return this.assign(starts, rng, this.relabelProbability);
  }

  /** Credits windows at `starts`, each with a hindsight goal with probability `relabelProbability`. */
  private assign(starts: readonly Start[], rng: Rng, relabelProbability: number): CreditSample {
    const eb = this.episodes;
    const { obs: so, goal: sg, action: sa } = eb.sizes;
    const rows = starts.length;
    const out = allocate(rows, so, sg, sa, eb.extraSizes);

    // Goals and window lengths; relabelled windows fill the batch from the back.
    const order = new Int32Array(rows); // output row → start
    const goalSlot = new Int32Array(rows); // output row → storage row of its goal (desired or achieved)
    let front = 0;
    let back = rows;
    for (let r = 0; r < rows; r++) {
      const s = starts[r]!;
      const relabel = relabelProbability > 0 && rng.uniform() < relabelProbability;
      const i = relabel ? --back : front++;
      order[i] = r;
      out.relabelled[i] = relabel ? 1 : 0;
      goalSlot[i] = relabel ? eb.slotAt(s.lane, s.episodeStart + s.step + randomIndex(rng, s.length - s.step)) : eb.slotAt(s.lane, s.episodeStart + s.step);
      out.steps[i] = windowSteps(this.credit, s.length - s.step, rng);
    }
    const firstRelabelled = front;

    // Every window step as a one-step transition for its window's goal: [Σm] rows, in output-row order.
    const offset = new Int32Array(rows + 1);
    for (let i = 0; i < rows; i++) offset[i + 1] = offset[i]! + out.steps[i]!;
    const total = offset[rows]!;
    const w = allocateWindowRows(total, so, sg, sa);
    for (let i = 0; i < rows; i++) {
      const s = starts[order[i]!]!;
      const relabelled = out.relabelled[i] === 1;
      for (let k = 0; k < out.steps[i]!; k++) {
        const slot = eb.slotAt(s.lane, s.episodeStart + s.step + k);
        const j = offset[i]! + k;
        copy(eb.obs, slot, w.obs, j, so);
        copy(eb.achievedGoal, slot, w.achievedGoal, j, sg);
        copy(relabelled ? eb.nextAchievedGoal : eb.desiredGoal, goalSlot[i]!, w.desiredGoal, j, sg);
        copy(eb.action, slot, w.action, j, sa);
        copy(eb.nextObs, slot, w.nextObs, j, so);
        copy(eb.nextAchievedGoal, slot, w.nextAchievedGoal, j, sg);
        w.terminated[j] = eb.terminated[slot]!;
        w.reward[j] = eb.reward[slot]!;
      }
    }
    this.scoreWindows(w, this.rewardSource === "model" ? 0 : offset[firstRelabelled]!, total);

    // GAE: V(s_t..s_{t+m}) under each window's goal, [Σ(m+1)] rows.
    let values: Float32Array | undefined;
    if (this.credit.mode === "gae") {
      const vObs = new Float32Array((total + rows) * so);
      const vGoal = new Float32Array((total + rows) * sg);
      for (let i = 0; i < rows; i++) {
        const m = out.steps[i]!;
        const base = offset[i]! + i; // each window has m + 1 value rows
        vObs.set(w.obs.subarray(offset[i]! * so, (offset[i]! + m) * so), base * so);
        copy(w.nextObs, offset[i]! + m - 1, vObs, base + m, so);
        for (let k = 0; k <= m; k++) copy(w.desiredGoal, offset[i]!, vGoal, base + k, sg);
      }
      values = this.values!(vObs, vGoal, total + rows);
      if (values.length !== total + rows) throw new Error(`value function: expected ${total + rows} values but got ${values.length}`);
    }

    // The windows' credit, and their first step as a one-step transition.
    const { gamma, lambda } = this.credit;
    for (let i = 0; i < rows; i++) {
      const m = out.steps[i]!;
      const first = offset[i]!;
      const last = first + m - 1;
      const terminal = w.terminated[last] === 1;
      const rewards = w.reward.subarray(first, first + m);
      const c = values ? gaeCredit(rewards, values.subarray(first + i, first + i + m + 1), m, gamma, lambda, terminal, this.window) : nStepCredit(rewards, m, gamma, terminal, this.window);
      out.credit[i] = c.credit;
      out.discount[i] = c.discount;
      out.endsTerminated[i] = terminal ? 1 : 0;
      copy(w.nextObs, last, out.bootstrapObs, i, so);
      copy(w.obs, first, out.obs, i, so);
      copy(w.achievedGoal, first, out.achievedGoal, i, sg);
      copy(w.desiredGoal, first, out.desiredGoal, i, sg);
      copy(w.action, first, out.action, i, sa);
      copy(w.nextObs, first, out.nextObs, i, so);
      copy(w.nextAchievedGoal, first, out.nextAchievedGoal, i, sg);
      out.reward[i] = w.reward[first]!;
      out.terminated[i] = w.terminated[first]!;
    }
    // The extras of each window's first step.
    const extras = Object.entries(out.extras ?? {});
    for (let i = 0; i < rows && extras.length > 0; i++) {
      const s = starts[order[i]!]!;
      const slot = eb.slotAt(s.lane, s.episodeStart + s.step);
      for (const [name, column] of extras) copy(eb.extras[name]!, slot, column, i, eb.extraSizes[name]!);
    }
    return out;
  }

  /** Rewards of window rows [from, to) from the model; the rows before keep the env's stored reward. */
  private scoreWindows(w: WindowRows, from: number, to: number): void {
    for (let j = 0; j < from; j++) {
      if (Number.isNaN(w.reward[j])) {
        throw SimbridgeError.failedPrecondition('rewardSource "stored": a stored step has no env reward (NaN); use rewardSource "model"', "rewardSource");
      }
    }
    if (from === to) return;
    const { obs: so, goal: sg, action: sa } = this.episodes.sizes;
    this.rewardModel!.rewards(
      {
        obs: w.obs.subarray(from * so, to * so),
        achievedGoal: w.achievedGoal.subarray(from * sg, to * sg),
        desiredGoal: w.desiredGoal.subarray(from * sg, to * sg),
        action: w.action.subarray(from * sa, to * sa),
        nextObs: w.nextObs.subarray(from * so, to * so),
        nextAchievedGoal: w.nextAchievedGoal.subarray(from * sg, to * sg),
      },
      w.reward.subarray(from, to),
    );
  }
}

interface WindowRows {
  obs: Float32Array;
  achievedGoal: Float32Array;
  desiredGoal: Float32Array;
  action: Float32Array;
  nextObs: Float32Array;
  nextAchievedGoal: Float32Array;
  reward: Float32Array;
  terminated: Float32Array;
}

function allocateWindowRows(rows: number, so: number, sg: number, sa: number): WindowRows {
  return {
    obs: new Float32Array(rows * so),
    achievedGoal: new Float32Array(rows * sg),
    desiredGoal: new Float32Array(rows * sg),
    action: new Float32Array(rows * sa),
    nextObs: new Float32Array(rows * so),
    nextAchievedGoal: new Float32Array(rows * sg),
    reward: new Float32Array(rows),
    terminated: new Float32Array(rows),
  };
}

function allocate(rows: number, so: number, sg: number, sa: number, extraSizes: Readonly<Record<string, number>>): CreditSample {
  const extras = Object.entries(extraSizes);
  return {
    rows,
    ...allocateWindowRows(rows, so, sg, sa),
    relabelled: new Float32Array(rows),
    credit: new Float32Array(rows),
    discount: new Float32Array(rows),
    bootstrapObs: new Float32Array(rows * so),
    endsTerminated: new Float32Array(rows),
    steps: new Float32Array(rows),
    ...(extras.length ? { extras: Object.fromEntries(extras.map(([name, size]) => [name, new Float32Array(rows * size)])) } : {}),
  };
}

function copy(src: Float32Array, srcRow: number, dst: Float32Array, dstRow: number, size: number): void {
  const s = srcRow * size;
  const d = dstRow * size;
  for (let j = 0; j < size; j++) dst[d + j] = src[s + j]!;
}
