/**
 * The two-layer replay of seed 000 ("Replay Buffer Recalculation"; facts in
 * ALGORITHMS.md): a *full memory* of whole episodes and a *fast memory* of
 * ready transitions (credit already assigned).
 *
 *     const replay = new TwoLayerReplay({ sampler, fastCapacity: 100_000, recalcDelay: 3, recalcEpisodes: 4 });
 *     replay.episodeEnded(env, rng);       // credit the episode that just ended, push it to fast memory
 *     const batch = replay.sample(256, rng);
 *
 * - Every episode is credited once when it ends (its lane's last episode in
 *   the full memory) and its windows go to the fast memory.
 * - Each `sample` first decides, with probability 1/(rd+1) (rd = recalc
 *   delay), to *recalculate*: `recalcEpisodes` whole episodes drawn from the
 *   full memory get credit again — fresh floating n, fresh hindsight goals,
 *   GAE with the current target critic, rewards from the reward model as it
 *   is now — and their windows join the fast memory. Then it samples the fast
 *   memory uniformly. rd = Infinity never recalculates: every transition keeps
 *   the credit of its first pass (the ablation for stale learned rewards).
 * - Fast-memory rows keep their first step's reward as it was scored
 *   (`reward`), so `staleness(model)` can say how far a learned reward has
 *   drifted since: mean |stored − current| over a sample.
 *
 * A narrowed sample (`SampleOptions`, a learner's BatchRequest) that the
 * fast memory cannot answer is credited fresh from the full memory instead,
 * as a one-layer replay would (`CreditSampler.sample`; no recalculation is
 * drawn, the fast memory is neither read nor fed):
 * - `recent`: the fast memory's newest rows are not the newest transitions —
 *   an episode enters it only when it ends, and every recalculation pushes
 *   windows of old episodes drawn from the whole full memory — so the windows
 *   start at the full memory's most recent steps (episodes in progress
 *   included), with fresh credit;
 * - `relabel: false` while hindsight goals are on: the fast memory's rows
 *   carry the goals drawn when they were credited, so lived-goal windows
 *   are credited fresh from the whole full memory. Without hindsight goals
 *   every fast row has its lived goal and the fast memory answers as usual.
 *
 * Rows of a sample come with relabelled windows last (as HerReplayBuffer's),
 * so GAHIL can take its negatives from them.
 *
 * The full memory's extras (EpisodeBuffer) ride along: each window keeps its
 * first step's, in fast-memory fields named `extraField(NAME)` (`extra:NAME`,
 * never a built-in field's name), reordered with their rows and returned as
 * the sample's `extras`.
 */
import { Rng } from "../core/rng.js";
import type { RewardModel } from "../reward/reward-model.js";
import { packArrays, unpackArrays } from "./bytes.js";
import type { CreditSample, CreditSampler } from "./credit-sampler.js";
import type { SampleOptions } from "./her-buffer.js";
import { extraField, TransitionRef } from "./episode-buffer.js";
import { ReplayBuffer, type Batch } from "./replay-buffer.js";

export interface TwoLayerReplayOptions {
  /** Assigns credit over the full memory (its `episodes`). */
  readonly sampler: CreditSampler;
  /** Ready transitions the fast memory holds. */
  readonly fastCapacity: number;
  /** rd: a sample recalculates with probability 1/(rd+1); Infinity never does. */
  readonly recalcDelay: number;
  /** Whole episodes credited again per recalculation. */
  readonly recalcEpisodes: number;
}

/** A fast-memory sample: the credit sampler's fields, rows relabelled-last. */
export type FastSample = Omit<CreditSample, "rows"> & { readonly rows: number };

export class TwoLayerReplay {
  readonly sampler: CreditSampler;
  readonly fast: ReplayBuffer;
  readonly recalcDelay: number;
  readonly recalcEpisodes: number;
  /** Recalculations so far, and the wall time they took. */
  recalculations = 0;
  recalcSeconds = 0;
  private readonly ref = new TransitionRef();
  /** Per lane: the first step of the last episode pushed, so an episode is never pushed twice. */
  private readonly pushed: Float64Array;
  private readonly fastFields: Readonly<Record<string, number>>;
  /** Per extra: its name and its fast-memory field. */
  private readonly extraFields: ReadonlyArray<readonly [name: string, field: string]>;

  constructor(options: TwoLayerReplayOptions) {
    const { fastCapacity, recalcDelay, recalcEpisodes } = options;
    if (!Number.isSafeInteger(fastCapacity) || fastCapacity < 1) throw new Error(`fastCapacity: expected a positive integer but got ${fastCapacity}`);
    if (!(recalcDelay >= 0)) throw new Error(`recalc delay: expected a number ≥ 0 (or inf) but got ${recalcDelay}`);
    if (!Number.isSafeInteger(recalcEpisodes) || recalcEpisodes < 1) throw new Error(`recalc episodes: expected a positive integer but got ${recalcEpisodes}`);
    this.sampler = options.sampler;
    this.recalcDelay = recalcDelay;
    this.recalcEpisodes = recalcEpisodes;
    const { obs, goal, action } = this.sampler.episodes.sizes;
    const extraSizes = this.sampler.episodes.extraSizes;
    this.extraFields = Object.keys(extraSizes).map((name) => [name, extraField(name)] as const);
    this.fastFields = {
      obs, achievedGoal: goal, desiredGoal: goal, action, reward: 1, nextObs: obs, nextAchievedGoal: goal, terminated: 1,
      relabelled: 1, credit: 1, discount: 1, bootstrapObs: obs, endsTerminated: 1, steps: 1,
      ...Object.fromEntries(this.extraFields.map(([name, field]) => [field, extraSizes[name]!])),
    };
    this.fast = new ReplayBuffer(this.fastFields, fastCapacity);
    this.pushed = new Float64Array(this.sampler.episodes.numEnvs).fill(-1);
  }

  /** Transitions ready to sample. */
  get size(): number {
    return this.fast.size;
  }

  /** Credits `lane`'s episode that just ended and pushes its windows to the fast memory (once per episode). */
  episodeEnded(lane: number, rng: Rng): void {
    if (!this.sampler.episodes.lastEpisode(lane, this.ref) || this.pushed[lane] === this.ref.episodeStart) return;
    this.pushed[lane] = this.ref.episodeStart;
    this.push(this.sampler.episode(this.ref, rng));
  }

  /**
   * Transitions a sample with `options` draws from: the fast memory's, or for
   * one credited fresh (module comment) the full memory's sampleable steps
   * (in the `recent` window when given).
   */
  available(options: SampleOptions = {}): number {
    if (!this.fresh(options)) return this.fast.size;
    return options.recent === undefined ? this.sampler.size : this.sampler.countRecent(options.recent);
  }

  /**
   * Maybe recalculates (module comment), then `rows` transitions from the fast
   * memory, relabelled last; with `options` the fast memory cannot answer,
   * windows credited fresh from the full memory.
   */
  sample(rows: number, rng: Rng, options: SampleOptions = {}): FastSample {
    if (this.fresh(options)) return this.sampler.sample(rows, rng, options);
    if (this.recalcDelay !== Infinity && rng.uniform() * (this.recalcDelay + 1) < 1) this.recalculate(rng);
    return this.named(relabelledLast(this.fast.sample(rows, rng), rows, this.fastFields), rows);
  }

  /** Credits `recalcEpisodes` whole episodes of the full memory again (length-weighted draw). */
  recalculate(rng: Rng): void {
    const episodes = this.sampler.episodes;
    if (episodes.countSampleable(false) === 0) return;
    const started = performance.now();
    for (let e = 0; e < this.recalcEpisodes; e++) {
      episodes.pick(rng, false, this.ref);
      this.push(this.sampler.episode(this.ref, rng));
    }
    this.recalculations++;
    this.recalcSeconds += (performance.now() - started) / 1000;
  }

  /**
   * How far the stored first-step rewards of `rows` fast-memory rows are from
   * what `model` gives them now: the mean |stored − current|, and for scale
   * the standard deviation of the current ones (drawn with a generator of its
   * own, so measuring never changes training).
   */
  staleness(model: RewardModel, rows: number, seed = 0): { meanAbsChange: number; currentStd: number } {
    if (this.fast.size === 0) return { meanAbsChange: NaN, currentStd: NaN };
    const s = this.fast.sample(rows, new Rng(seed)) as unknown as FastSample;
    const now = new Float32Array(rows);
    model.rewards(s, now);
    let change = 0;
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < rows; i++) {
      change += Math.abs(now[i]! - s.reward[i]!);
      sum += now[i]!;
      squares += now[i]! * now[i]!;
    }
    const mean = sum / rows;
    return { meanAbsChange: change / rows, currentStd: Math.sqrt(Math.max(0, squares / rows - mean * mean)) };
  }

  serialize(): Uint8Array {
    return packArrays({ kind: "TwoLayerReplay", recalculations: this.recalculations }, { full: this.sampler.episodes.serialize(), fast: this.fast.serialize() });
  }

  restore(bytes: Uint8Array): void {
    const { header, arrays } = unpackArrays(bytes);
    if (header["kind"] !== "TwoLayerReplay") throw new Error(`replay checkpoint: expected a TwoLayerReplay but got ${String(header["kind"])} (was the run started with another --replay?)`);
    const full = arrays["full"];
    const fast = arrays["fast"];
    if (!(full instanceof Uint8Array) || !(fast instanceof Uint8Array)) throw new Error("replay checkpoint: the two-layer replay's full or fast memory is missing");
    this.sampler.episodes.restore(full);
    this.fast.restore(fast);
    this.recalculations = Number(header["recalculations"]) || 0;
    // The checkpoint's finished episodes are in the fast memory already.
    for (let lane = 0; lane < this.pushed.length; lane++) this.pushed[lane] = this.sampler.episodes.lastEpisode(lane, this.ref) ? this.ref.episodeStart : -1;
  }

  /** Whether a sample with `options` is credited fresh from the full memory (module comment). */
  private fresh(options: SampleOptions): boolean {
    return options.recent !== undefined || (options.relabel === false && this.sampler.relabelProbability > 0);
  }

  private push(sample: CreditSample): void {
    const columns: Record<string, Float32Array> = { ...(sample as unknown as Record<string, Float32Array>) };
    for (const [name, field] of this.extraFields) columns[field] = sample.extras![name]!;
    const row: Record<string, Float32Array> = {};
    for (let i = 0; i < sample.rows; i++) {
      for (const [name, size] of Object.entries(this.fastFields)) row[name] = columns[name]!.subarray(i * size, (i + 1) * size);
      this.fast.add(row);
    }
  }

  /** Fast-memory fields as a sample: the extras' fields gathered under `extras`. */
  private named(fields: Record<string, Float32Array>, rows: number): FastSample {
    if (this.extraFields.length === 0) return { rows, ...fields } as unknown as FastSample;
    const out: Record<string, unknown> = { rows, ...fields };
    const extras: Record<string, Float32Array> = {};
    for (const [name, field] of this.extraFields) {
      extras[name] = fields[field]!;
      delete out[field];
    }
    out["extras"] = extras;
    return out as unknown as FastSample;
  }
}

/** A copy of `batch` reordered (stably) so that rows with `relabelled` = 1 come last: every field moves with its row. */
function relabelledLast(batch: Batch<Record<string, number>>, rows: number, fields: Readonly<Record<string, number>>): Record<string, Float32Array> {
  const order: number[] = [];
  const relabelled = batch["relabelled"]!;
  for (let i = 0; i < rows; i++) if (relabelled[i] !== 1) order.push(i);
  for (let i = 0; i < rows; i++) if (relabelled[i] === 1) order.push(i);
  const sorted: Record<string, Float32Array> = {};
  for (const [name, size] of Object.entries(fields)) {
    const src = batch[name]!;
    const dst = new Float32Array(src.length);
    for (let i = 0; i < rows; i++) dst.set(src.subarray(order[i]! * size, (order[i]! + 1) * size), i * size);
    sorted[name] = dst;
  }
  return sorted;
}
