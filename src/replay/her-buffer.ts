/**
 * HerReplayBuffer: Hindsight Experience Replay as a replay buffer
 * (Andrychowicz et al. 2017, "Hindsight Experience Replay"; after
 * Stable-Baselines3 `her/her_replay_buffer.py`, online sampling).
 *
 * Whole episodes are stored once (`EpisodeBuffer`); goals are relabelled when a
 * batch is sampled, so every sample sees fresh hindsight goals:
 *
 *     const her = new HerReplayBuffer({ sizes: { obs: 10, goal: 2, action: 2 }, capacity: 1_000_000,
 *                                       rewardModel: KnownReward.fromTask(task) });
 *     her.add({ obs, achievedGoal, desiredGoal, action, nextObs, nextAchievedGoal, reward, isSuccess, terminated, truncated });
 *     const batch = her.sample(256, rng);   // { obs, achievedGoal, desiredGoal, action, reward, nextObs, nextAchievedGoal, terminated, relabelled }
 *
 * Sampling, per transition of the batch:
 * 1. A stored step (s_t, a_t, s_{t+1}) of an episode of length T is drawn
 *    uniformly over all sampleable steps (`EpisodeBuffer.pick`).
 * 2. With probability k/(k+1) (k = `nSampledGoal`, 4 → 0.8) its desired goal is
 *    replaced by a goal achieved in the same episode, the achieved goal after
 *    step t' (`nextAchievedGoal` of t'), where t' is
 *    - FUTURE (default): uniform in [t, T−1] — a goal reached at or after this step;
 *    - FINAL: T−1 — the goal reached at the end of the episode;
 *    - EPISODE: uniform in [0, T−1] — any goal reached in the episode.
 *    Relabelled transitions come last in the batch; `relabelled` is 1 for them.
 * 3. Rewards: relabelled transitions are ALWAYS scored by the `RewardModel`
 *    (judging `nextAchievedGoal` against the new `desiredGoal`); stored env
 *    rewards never describe a relabelled goal and are never used for one.
 *    With `rewardSource: "model"` (default) the real transitions are scored by
 *    the model too, so env rewards never reach the learner (black-box
 *    training, GAHIL). With `"stored"` real transitions carry the reward the env
 *    reported at interaction time (NaN there is an error, not a reward).
 *
 * A sample may be narrowed (`SampleOptions`, a learner's BatchRequest):
 * `recent` draws step 1 only among the most recently stored steps
 * (`EpisodeBuffer.pickRecent`), and `relabel: false` skips step 2 — every row
 * keeps the goal it was lived for and is rewarded as such rows are in 3 (no
 * random number is drawn for the skipped choice). Without options, sampling
 * draws exactly what it always did.
 *
 * Episodes still in progress are sampled by default (`sampleInProgress`): their
 * stored steps are complete transitions, and their T is the steps stored so
 * far, so FUTURE/FINAL only use goals already reached. Set it to false to
 * sample only finished episodes, as Stable-Baselines3 does.
 *
 * Extras (`extras` in the options, see `EpisodeBuffer`) come with every sampled
 * row, copied from the same stored step as its action: for a relabelled row
 * they are still those computed under the goal lived, not the hindsight goal.
 * Sampling draws the same random numbers with or without them.
 *
 * `terminated` is the env's flag as stored: relabelling does not change it.
 * This is right for tasks whose termination does not depend on the goal (the
 * usual goal-conditioned tasks never terminate); a task that terminates on
 * success would need the reward model to decide termination too.
 */
import type { Rng } from "../core/rng.js";
import { SimbridgeError } from "../core/errors.js";
import type { RewardModel } from "../reward/reward-model.js";
import { EpisodeBuffer, TransitionRef } from "./episode-buffer.js";
import type { EpisodeBufferOptions, GoalTransition } from "./episode-buffer.js";
import { randomIndex } from "./random-index.js";

/** Where hindsight goals come from (Andrychowicz et al. 2017, section 4.5). */
export const GoalSelectionStrategy = {
  FUTURE: "future",
  FINAL: "final",
  EPISODE: "episode",
} as const;
export type GoalSelectionStrategy = (typeof GoalSelectionStrategy)[keyof typeof GoalSelectionStrategy];

/** Where the rewards of non-relabelled transitions come from. Relabelled ones always use the model. */
export type RewardSource = "model" | "stored";

/** A sampled batch. Every field is a batch-major Float32Array (`[batch × size]`). */
export interface HerSample {
  /** Observation before the step, `[batch × obs]`. */
  readonly obs: Float32Array;
  /** Achieved goal before the step, `[batch × goal]`. */
  readonly achievedGoal: Float32Array;
  /** Goal the transition is trained for (relabelled or original), `[batch × goal]`. */
  readonly desiredGoal: Float32Array;
  readonly action: Float32Array;
  /** Reward for `desiredGoal`, `[batch]`. */
  readonly reward: Float32Array;
  readonly nextObs: Float32Array;
  readonly nextAchievedGoal: Float32Array;
  /** 1 when the step was TERMINATED (no bootstrapping), else 0. `[batch]` */
  readonly terminated: Float32Array;
  /** 1 when `desiredGoal` is a hindsight goal, else 0. `[batch]` */
  readonly relabelled: Float32Array;
  /** The buffer's extras of the sampled step, `[batch × size]` each; present when the buffer has extras. */
  readonly extras?: Readonly<Record<string, Float32Array>>;
}

/** What one sample may be narrowed to (the module comment); absent fields: the buffer's usual sampling. */
export interface SampleOptions {
  /** Draw only among the `recent` most recently stored steps (`EpisodeBuffer.pickRecent`). */
  readonly recent?: number;
  /** false: no hindsight goals in this sample. */
  readonly relabel?: boolean;
}

export interface HerReplayBufferOptions extends EpisodeBufferOptions {
  /** Scores relabelled goals (and real ones with `rewardSource: "model"`). */
  readonly rewardModel: RewardModel;
  /** Hindsight goal strategy. Default FUTURE. */
  readonly goalSelection?: GoalSelectionStrategy;
  /** k: relabelled transitions per real one; relabel probability k/(k+1). Default 4 (0.8). */
  readonly nSampledGoal?: number;
  /** Reward of non-relabelled transitions: the model's ("model", default) or the env's as stored ("stored"). */
  readonly rewardSource?: RewardSource;
  /** Also sample the stored steps of episodes still in progress. Default true. */
  readonly sampleInProgress?: boolean;
}

export class HerReplayBuffer {
  readonly episodes: EpisodeBuffer;
  readonly goalSelection: GoalSelectionStrategy;
  readonly nSampledGoal: number;
  /** k/(k+1). */
  readonly relabelProbability: number;
  readonly rewardSource: RewardSource;
  readonly sampleInProgress: boolean;
  /** The reward model; may be replaced (e.g. once a learned reward is ready). */
  rewardModel: RewardModel;
  private readonly ref = new TransitionRef();

  constructor(options: HerReplayBufferOptions) {
    this.episodes = new EpisodeBuffer(options);
    this.goalSelection = options.goalSelection ?? GoalSelectionStrategy.FUTURE;
    if (!Object.values(GoalSelectionStrategy).includes(this.goalSelection)) {
      throw SimbridgeError.invalidArgument(`goalSelection: expected one of future, final, episode but got ${String(this.goalSelection)}`, "goalSelection");
    }
    this.nSampledGoal = options.nSampledGoal ?? 4;
    if (!Number.isSafeInteger(this.nSampledGoal) || this.nSampledGoal < 0) {
      throw SimbridgeError.invalidArgument(`nSampledGoal: expected a non-negative integer but got ${this.nSampledGoal}`, "nSampledGoal");
    }
    this.relabelProbability = this.nSampledGoal / (this.nSampledGoal + 1);
    this.rewardSource = options.rewardSource ?? "model";
    if (this.rewardSource !== "model" && this.rewardSource !== "stored") {
      throw SimbridgeError.invalidArgument(`rewardSource: expected "model" or "stored" but got ${String(this.rewardSource)}`, "rewardSource");
    }
    this.sampleInProgress = options.sampleInProgress ?? true;
    this.rewardModel = options.rewardModel;
  }

  /** Steps that can be sampled now. */
  get size(): number {
    return this.episodes.countSampleable(this.sampleInProgress);
  }

  /** Steps a sample with `recent` draws from now (`EpisodeBuffer.countRecent`). */
  countRecent(recent: number): number {
    return this.episodes.countRecent(recent, this.sampleInProgress);
  }

  /** Appends one step of `env`'s current episode (see `EpisodeBuffer.add`). Allocates nothing. */
  add(step: GoalTransition, env = 0): void {
    this.episodes.add(step, env);
  }

  /** Ends `env`'s current episode without a terminal step. */
  endEpisode(env = 0): void {
    this.episodes.endEpisode(env);
  }

  /** Fresh output arrays for `batchSize` transitions. */
  allocateSample(batchSize: number): HerSample {
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw SimbridgeError.invalidArgument(`batchSize: expected a positive integer but got ${batchSize}`, "batchSize");
    }
    const { obs, goal, action } = this.episodes.sizes;
    const extras = Object.entries(this.episodes.extraSizes);
    return {
      obs: new Float32Array(batchSize * obs),
      achievedGoal: new Float32Array(batchSize * goal),
      desiredGoal: new Float32Array(batchSize * goal),
      action: new Float32Array(batchSize * action),
      reward: new Float32Array(batchSize),
      nextObs: new Float32Array(batchSize * obs),
      nextAchievedGoal: new Float32Array(batchSize * goal),
      terminated: new Float32Array(batchSize),
      relabelled: new Float32Array(batchSize),
      ...(extras.length ? { extras: Object.fromEntries(extras.map(([name, size]) => [name, new Float32Array(batchSize * size)])) } : {}),
    };
  }

  /**
   * Draws `batchSize` transitions with hindsight relabelling (module comment).
   * With `out` (a previous sample of the same batch size) its arrays are
   * refilled and returned; `options` narrows the sample (module comment).
   */
  sample(batchSize: number, rng: Rng, out?: HerSample, options: SampleOptions = {}): HerSample {
    const batch = out ?? this.allocateSample(batchSize);
    this.checkOut(batch, batchSize);
    const { recent } = options;
    const hindsight = options.relabel !== false;
    const eb = this.episodes;
    const { obs: so, goal: sg, action: sa } = eb.sizes;
    const ref = this.ref;
    const stored = this.rewardSource === "stored";
    const extraNames = Object.keys(eb.extraSizes);
    let front = 0; // real transitions fill [0, front)
    let back = batchSize; // relabelled ones fill [back, batchSize)
    for (let k = 0; k < batchSize; k++) {
      if (recent === undefined) eb.pick(rng, this.sampleInProgress, ref);
      else eb.pickRecent(rng, recent, this.sampleInProgress, ref);
      const relabel = hindsight && rng.uniform() < this.relabelProbability;
      const i = relabel ? --back : front++;
      const row = ref.slot;
      copy(eb.obs, row, batch.obs, i, so);
      copy(eb.achievedGoal, row, batch.achievedGoal, i, sg);
      copy(eb.action, row, batch.action, i, sa);
      copy(eb.nextObs, row, batch.nextObs, i, so);
      copy(eb.nextAchievedGoal, row, batch.nextAchievedGoal, i, sg);
      batch.terminated[i] = eb.terminated[row]!;
      for (const name of extraNames) copy(eb.extras[name]!, row, batch.extras![name]!, i, eb.extraSizes[name]!);
      if (relabel) {
        copy(eb.nextAchievedGoal, this.goalRow(ref, rng), batch.desiredGoal, i, sg);
        batch.relabelled[i] = 1;
        batch.reward[i] = 0; // set by the model below
      } else {
        copy(eb.desiredGoal, row, batch.desiredGoal, i, sg);
        batch.relabelled[i] = 0;
        if (stored) {
          const r = eb.reward[row]!;
          if (Number.isNaN(r)) {
            throw SimbridgeError.failedPrecondition('rewardSource "stored": a stored step has no env reward (NaN); use rewardSource "model"', "rewardSource");
          }
          batch.reward[i] = r;
        } else {
          batch.reward[i] = 0; // set by the model below
        }
      }
    }
    if (!stored) {
      const { obs, achievedGoal, desiredGoal, action, nextObs, nextAchievedGoal } = batch;
      this.rewardModel.rewards({ obs, achievedGoal, desiredGoal, action, nextObs, nextAchievedGoal }, batch.reward);
    } else if (back < batchSize) {
      this.rewardModel.rewards(
        {
          obs: batch.obs.subarray(back * so),
          achievedGoal: batch.achievedGoal.subarray(back * sg),
          desiredGoal: batch.desiredGoal.subarray(back * sg),
          action: batch.action.subarray(back * sa),
          nextObs: batch.nextObs.subarray(back * so),
          nextAchievedGoal: batch.nextAchievedGoal.subarray(back * sg),
        },
        batch.reward.subarray(back),
      );
    }
    return batch;
  }

  /** Raw-byte checkpoint of the stored episodes (options are not included: they come from the constructor). */
  serialize(): Uint8Array {
    return this.episodes.serialize();
  }

  /** Loads a checkpoint made by `serialize` of a buffer with the same sizes, numEnvs and capacity. */
  restore(bytes: Uint8Array): void {
    this.episodes.restore(bytes);
  }

  /** Storage row of the hindsight goal for the picked step: `nextAchievedGoal` of step t'. */
  private goalRow(ref: TransitionRef, rng: Rng): number {
    let t: number;
    switch (this.goalSelection) {
      case GoalSelectionStrategy.FUTURE:
        t = ref.step + randomIndex(rng, ref.length - ref.step);
        break;
      case GoalSelectionStrategy.FINAL:
        t = ref.length - 1;
        break;
      case GoalSelectionStrategy.EPISODE:
        t = randomIndex(rng, ref.length);
        break;
    }
    return this.episodes.slotAt(ref.lane, ref.episodeStart + t);
  }

  private checkOut(batch: HerSample, batchSize: number): void {
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw SimbridgeError.invalidArgument(`batchSize: expected a positive integer but got ${batchSize}`, "batchSize");
    }
    const { obs, goal, action } = this.episodes.sizes;
    const want: Record<Exclude<keyof HerSample, "extras">, number> = {
      obs, achievedGoal: goal, desiredGoal: goal, action, reward: 1, nextObs: obs, nextAchievedGoal: goal, terminated: 1, relabelled: 1,
    };
    for (const [name, size] of Object.entries(want)) {
      const got = batch[name as keyof HerSample];
      if (!(got instanceof Float32Array) || got.length !== batchSize * size) {
        throw SimbridgeError.invalidArgument(`out.${name}: expected a Float32Array of ${batchSize * size} elements`, "out");
      }
    }
    for (const [name, size] of Object.entries(this.episodes.extraSizes)) {
      const got = batch.extras?.[name];
      if (!(got instanceof Float32Array) || got.length !== batchSize * size) {
        throw SimbridgeError.invalidArgument(`out.extras.${name}: expected a Float32Array of ${batchSize * size} elements`, "out");
      }
    }
  }
}

function copy(src: Float32Array, srcRow: number, dst: Float32Array, dstRow: number, size: number): void {
  const s = srcRow * size;
  const d = dstRow * size;
  for (let j = 0; j < size; j++) dst[d + j] = src[s + j]!;
}
