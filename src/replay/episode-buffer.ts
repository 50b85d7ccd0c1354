/**
 * EpisodeBuffer: goal-conditioned transitions kept as whole episodes, the
 * storage under hindsight replay (HER) and, later, per-episode credit
 * assignment (floating n-step, GAE).
 *
 * Layout (as Stable-Baselines3's HER buffer): one ring per env ("lane") of
 * `capacityPerEnv = floor(capacity / numEnvs)` slots, preallocated Float32Arrays
 * per field. Each env writes its steps in order into its own lane, so an
 * episode always occupies consecutive slots (modulo wrap-around) and steps of
 * different envs never interleave.
 *
 * Contract:
 * - `add(step, env)` appends one complete step (s, a, s') of `env`'s current
 *   episode and allocates nothing. A step with `terminated` or `truncated` ends
 *   the episode; `endEpisode(env)` ends it without such a step (e.g. the agent
 *   resets an env early). The next `add` for that env starts a new episode.
 * - `reward` and `isSuccess` are stored as the env reported them at interaction
 *   time (the reward may be NaN for a black box). Samplers decide whether they
 *   may ever reach a learner; HER never uses them for relabelled goals.
 * - `terminated` is stored as given: 1 only for TERMINATED (no bootstrapping
 *   after it); TRUNCATED only ends the episode.
 * - When a lane wraps, the episode whose first step is overwritten is dropped
 *   whole: none of its remaining steps is sampled again (they would have lost
 *   their past, and FINAL/EPISODE goals would be wrong). An episode longer than
 *   a lane is never sampled.
 * - `pick` draws one stored step uniformly over the steps of complete episodes
 *   and, when asked, the steps already stored of episodes still in progress. It
 *   reports the step's episode position: `step` t and `length` T (for an
 *   episode in progress, T = steps stored so far).
 * - `pickRecent` draws the same way among the `recent` most recently stored
 *   steps only (a BatchRequest's `recent`, src/algos/agent.ts). The window is
 *   per lane: lane ℓ of E contributes its newest ⌊recent/E⌋ lane positions,
 *   one more when ℓ ≥ E − (recent mod E) (so the quotas sum to `recent`; when
 *   the envs step together and each step is added env 0 first, as the learner
 *   does, that is exactly the newest `recent` steps overall), minus those
 *   not sampleable — steps of dropped episodes, and of the episode in progress
 *   unless asked. A lane with fewer stored gives what it has; no lane makes up
 *   for another. `countRecent` is the window's fill.
 * - Extras (`extras` in the options: name → values per step): what the agent's
 *   `act` returned with the step's action (e.g. the behaviour policy's mean,
 *   std and log-prob), one Float32Array column each, stored as given (NaN
 *   included). A buffer that declares them takes only steps that carry every
 *   one at its size, and nothing else; a buffer without them takes no extras.
 *   They belong to the step, not to its goal: relabelling never changes them.
 */
import type { Rng } from "../core/rng.js";
import { SimbridgeError } from "../core/errors.js";
import { packArrays, unpackArrays } from "./bytes.js";
import type { StoredArray } from "./bytes.js";
import { randomIndex } from "./random-index.js";

/**
 * The stored name of extra `name` wherever extras sit beside built-in fields
 * (checkpoint arrays, the replay ring's fields): `extra:NAME`, which no
 * built-in name starts with, so an extra called "obs" or "reward" is safe.
 */
export function extraField(name: string): string {
  return `extra:${name}`;
}

/** Element counts of one step's tensors. Achieved and desired goals have the same size. */
export interface GoalSizes {
  readonly obs: number;
  readonly goal: number;
  readonly action: number;
}

/** One step of a goal-conditioned episode, as lived at interaction time. */
export interface GoalTransition {
  /** `observation` before the step. */
  readonly obs: ArrayLike<number>;
  /** `achieved_goal` before the step. */
  readonly achievedGoal: ArrayLike<number>;
  /** `desired_goal` the step was taken for. */
  readonly desiredGoal: ArrayLike<number>;
  readonly action: ArrayLike<number>;
  /** `observation` after the step. */
  readonly nextObs: ArrayLike<number>;
  /** `achieved_goal` after the step. */
  readonly nextAchievedGoal: ArrayLike<number>;
  /** Reward the env reported for this step (NaN when it reports none). Never used for relabelled goals. */
  readonly reward: number;
  /** Success flag the env reported for this step. */
  readonly isSuccess: boolean;
  /** Status TERMINATED: the episode ended and the value after it is zero. */
  readonly terminated: boolean;
  /** Status TRUNCATED: the episode ended by a time limit; bootstrapping continues. */
  readonly truncated?: boolean;
  /** The buffer's declared extras for this step (name → its values); required when the buffer has extras. */
  readonly extras?: Readonly<Record<string, ArrayLike<number>>>;
}

export interface EpisodeBufferOptions {
  readonly sizes: GoalSizes;
  /** Total steps stored, over all envs. */
  readonly capacity: number;
  /** Number of envs adding steps concurrently (default 1). */
  readonly numEnvs?: number;
  /** Extras stored with every step: name → values per step (default none). */
  readonly extras?: Readonly<Record<string, number>>;
}

/** Where a picked step lives; filled in place by `EpisodeBuffer.pick`. */
export class TransitionRef {
  /** Storage row of the step (index into the buffer's columns). */
  slot = 0;
  /** Env (lane) the step came from. */
  lane = 0;
  /** Position t of the step in its episode (0-based). */
  step = 0;
  /** Episode length T (steps stored so far when the episode is in progress). */
  length = 0;
  /** Lane position of the episode's first step: `slotAt(lane, episodeStart + k)` is step k's row. */
  episodeStart = 0;
  /** False while the episode is still in progress. */
  complete = false;
}

export class EpisodeBuffer {
  readonly sizes: GoalSizes;
  readonly numEnvs: number;
  readonly capacityPerEnv: number;
  /** Extra name → values per step ({} when the buffer stores none). */
  readonly extraSizes: Readonly<Record<string, number>>;

  // Columns, `numEnvs × capacityPerEnv` rows each. Read by samplers in this folder; written only by `add`.
  readonly obs: Float32Array;
  readonly achievedGoal: Float32Array;
  readonly desiredGoal: Float32Array;
  readonly action: Float32Array;
  readonly nextObs: Float32Array;
  readonly nextAchievedGoal: Float32Array;
  readonly reward: Float32Array;
  readonly isSuccess: Uint8Array;
  readonly terminated: Uint8Array;
  /** One column per declared extra, `rows × extraSizes[name]`. */
  readonly extras: Readonly<Record<string, Float32Array>>;
  // The extras as parallel lists (indexed loops in `add`, which allocates nothing).
  private readonly extraNames: readonly string[];
  private readonly extraSizeList: readonly number[];
  private readonly extraColumns: readonly Float32Array[];
  /** `extras.NAME`, for messages. */
  private readonly extraLabels: readonly string[];

  // Per row: lane positions (monotonic step counters, exact in float64) of its episode's first step
  // and one past its last step (-1 while the episode is in progress).
  private readonly epStart: Float64Array;
  private readonly epEnd: Float64Array;
  // Per lane: steps ever written; first step of the open episode (= written when none is open);
  // first step of the oldest episode still whole in the ring (Infinity while the open episode has overflowed).
  private readonly written: Float64Array;
  private readonly openStart: Float64Array;
  private readonly firstValid: Float64Array;
  private completed = 0;

  constructor(options: EpisodeBufferOptions) {
    const { sizes, capacity } = options;
    const numEnvs = options.numEnvs ?? 1;
    for (const [k, v] of Object.entries({ "sizes.obs": sizes.obs, "sizes.goal": sizes.goal, "sizes.action": sizes.action, numEnvs })) {
      if (!Number.isSafeInteger(v) || v < 1) throw SimbridgeError.invalidArgument(`${k}: expected a positive integer but got ${v}`, k);
    }
    if (!Number.isSafeInteger(capacity) || capacity < numEnvs) {
      throw SimbridgeError.invalidArgument(`capacity: expected an integer ≥ numEnvs (${numEnvs}) but got ${capacity}`, "capacity");
    }
    const extraSizes = options.extras ?? {};
    for (const [name, size] of Object.entries(extraSizes)) {
      if (name === "") throw SimbridgeError.invalidArgument("extras: an extra needs a name", "extras");
      if (!Number.isSafeInteger(size) || size < 1) throw SimbridgeError.invalidArgument(`extras.${name}: expected a positive integer size but got ${size}`, "extras");
    }
    this.sizes = Object.freeze({ obs: sizes.obs, goal: sizes.goal, action: sizes.action });
    this.extraSizes = Object.freeze({ ...extraSizes });
    this.numEnvs = numEnvs;
    this.capacityPerEnv = Math.floor(capacity / numEnvs);
    const rows = this.numEnvs * this.capacityPerEnv;
    this.obs = new Float32Array(rows * sizes.obs);
    this.achievedGoal = new Float32Array(rows * sizes.goal);
    this.desiredGoal = new Float32Array(rows * sizes.goal);
    this.action = new Float32Array(rows * sizes.action);
    this.nextObs = new Float32Array(rows * sizes.obs);
    this.nextAchievedGoal = new Float32Array(rows * sizes.goal);
    this.reward = new Float32Array(rows);
    this.isSuccess = new Uint8Array(rows);
    this.terminated = new Uint8Array(rows);
    this.extraNames = Object.keys(this.extraSizes);
    this.extraSizeList = this.extraNames.map((n) => this.extraSizes[n]!);
    this.extraColumns = this.extraSizeList.map((size) => new Float32Array(rows * size));
    this.extraLabels = this.extraNames.map((n) => `extras.${n}`);
    this.extras = Object.freeze(Object.fromEntries(this.extraNames.map((n, k) => [n, this.extraColumns[k]!])));
    this.epStart = new Float64Array(rows);
    this.epEnd = new Float64Array(rows).fill(-1);
    this.written = new Float64Array(numEnvs);
    this.openStart = new Float64Array(numEnvs);
    this.firstValid = new Float64Array(numEnvs);
  }

  /** Rows of storage over all lanes. */
  get capacity(): number {
    return this.numEnvs * this.capacityPerEnv;
  }

  /** Steps that can be sampled: those of complete episodes plus those stored of episodes in progress. */
  get size(): number {
    return this.countSampleable(true);
  }

  /** Episodes completed since construction (including ones since overwritten). */
  get episodesCompleted(): number {
    return this.completed;
  }

  /** Sampleable steps; only those of complete episodes unless `includeInProgress`. */
  countSampleable(includeInProgress: boolean): number {
    let n = 0;
    for (let lane = 0; lane < this.numEnvs; lane++) {
      n += this.completeCount(lane);
      if (includeInProgress) n += this.openCount(lane);
    }
    return n;
  }

  /** Appends one step of `env`'s current episode. Allocates nothing. */
  add(step: GoalTransition, env = 0): void {
    this.checkEnv(env);
    const { obs: so, goal: sg, action: sa } = this.sizes;
    checkLength("obs", step.obs, so);
    checkLength("achievedGoal", step.achievedGoal, sg);
    checkLength("desiredGoal", step.desiredGoal, sg);
    checkLength("action", step.action, sa);
    checkLength("nextObs", step.nextObs, so);
    checkLength("nextAchievedGoal", step.nextAchievedGoal, sg);
    this.checkExtras(step.extras);

    const cap = this.capacityPerEnv;
    const pos = this.written[env]!;
    const row = this.slotAt(env, pos);
    // Overwriting the first step of the oldest whole episode drops that episode.
    if (pos >= cap && pos - cap === this.firstValid[env]) {
      const end = this.epEnd[row]!;
      this.firstValid[env] = end >= 0 ? end : Infinity; // the open episode itself has outgrown the lane
    }
    copyRow(step.obs, this.obs, row, so);
    copyRow(step.achievedGoal, this.achievedGoal, row, sg);
    copyRow(step.desiredGoal, this.desiredGoal, row, sg);
    copyRow(step.action, this.action, row, sa);
    copyRow(step.nextObs, this.nextObs, row, so);
    copyRow(step.nextAchievedGoal, this.nextAchievedGoal, row, sg);
    this.reward[row] = step.reward;
    this.isSuccess[row] = step.isSuccess ? 1 : 0;
    this.terminated[row] = step.terminated ? 1 : 0;
    for (let k = 0; k < this.extraNames.length; k++) copyRow(step.extras![this.extraNames[k]!]!, this.extraColumns[k]!, row, this.extraSizeList[k]!);
    this.epStart[row] = this.openStart[env]!;
    this.epEnd[row] = -1;
    this.written[env] = pos + 1;
    if (step.terminated || step.truncated === true) this.endEpisode(env);
  }

  /** Ends `env`'s current episode (a no-op when it has no steps). */
  endEpisode(env = 0): void {
    this.checkEnv(env);
    const start = this.openStart[env]!;
    const end = this.written[env]!;
    if (end === start) return;
    for (let pos = Math.max(start, end - this.capacityPerEnv); pos < end; pos++) this.epEnd[this.slotAt(env, pos)] = end;
    if (this.firstValid[env] === Infinity) this.firstValid[env] = end;
    this.openStart[env] = end;
    this.completed++;
  }

  /** Storage row of lane position `pos` in `lane`. */
  slotAt(lane: number, pos: number): number {
    return lane * this.capacityPerEnv + (pos % this.capacityPerEnv);
  }

  /**
   * Draws one sampleable step uniformly and describes it in `ref`. Throws
   * FAILED_PRECONDITION when there is none.
   */
  pick(rng: Rng, includeInProgress: boolean, ref: TransitionRef): void {
    const total = this.countSampleable(includeInProgress);
    if (total === 0) {
      throw SimbridgeError.failedPrecondition(
        includeInProgress ? "cannot sample: the episode buffer is empty" : "cannot sample: no complete episode stored yet",
      );
    }
    let r = randomIndex(rng, total);
    for (let lane = 0; lane < this.numEnvs; lane++) {
      const complete = this.completeCount(lane);
      if (r < complete) return this.describe(lane, this.firstValid[lane]! + r, ref);
      r -= complete;
      if (includeInProgress) {
        const open = this.openCount(lane);
        if (r < open) return this.describe(lane, Math.max(this.openStart[lane]!, this.firstValid[lane]!) + r, ref);
        r -= open;
      }
    }
    throw new Error("unreachable: sample index past the stored steps");
  }

  /** Sampleable steps in the window of the `recent` newest (module comment): what `pickRecent` draws from. */
  countRecent(recent: number, includeInProgress: boolean): number {
    checkRecent(recent);
    let n = 0;
    for (let lane = 0; lane < this.numEnvs; lane++) n += this.recentCount(lane, recent, includeInProgress);
    return n;
  }

  /**
   * Draws one step uniformly among the sampleable steps of the window of the
   * `recent` newest (module comment) and describes it in `ref`. Throws
   * FAILED_PRECONDITION when the window holds none.
   */
  pickRecent(rng: Rng, recent: number, includeInProgress: boolean, ref: TransitionRef): void {
    const total = this.countRecent(recent, includeInProgress);
    if (total === 0) throw SimbridgeError.failedPrecondition(`cannot sample: no sampleable step among the ${recent} most recent`);
    let r = randomIndex(rng, total);
    for (let lane = 0; lane < this.numEnvs; lane++) {
      const n = this.recentCount(lane, recent, includeInProgress);
      if (r < n) return this.describe(lane, this.recentFrom(lane, recent) + r, ref);
      r -= n;
    }
    throw new Error("unreachable: sample index past the recent steps");
  }

  /**
   * Describes in `ref` the first step of `lane`'s most recently completed
   * episode; false when it has none still whole in the ring.
   */
  lastEpisode(lane: number, ref: TransitionRef): boolean {
    this.checkEnv(lane);
    const end = this.openStart[lane]!;
    if (end <= this.firstValid[lane]!) return false;
    const start = this.epStart[this.slotAt(lane, end - 1)]!;
    if (start < this.firstValid[lane]!) return false;
    this.describe(lane, start, ref);
    return true;
  }

  /** Forgets every step (storage is kept). */
  clear(): void {
    this.written.fill(0);
    this.openStart.fill(0);
    this.firstValid.fill(0);
    this.epEnd.fill(-1);
    this.completed = 0;
  }

  /**
   * Raw-byte checkpoint of the whole buffer, including episodes in progress.
   * Extras are arrays named `extraField(NAME)` (never a built-in name) with their
   * sizes in the header; a buffer without extras writes what it always did.
   */
  serialize(): Uint8Array {
    return packArrays(
      {
        kind: "EpisodeBuffer", sizes: this.sizes, numEnvs: this.numEnvs, capacityPerEnv: this.capacityPerEnv, completed: this.completed,
        ...(this.extraNames.length ? { extras: this.extraSizes } : {}),
      },
      this.arrays(),
    );
  }

  /** Loads a checkpoint of a buffer with the same sizes, numEnvs, capacity and extras. */
  restore(bytes: Uint8Array): void {
    const { header, arrays } = unpackArrays(bytes);
    if (header["kind"] !== "EpisodeBuffer") throw SimbridgeError.invalidArgument(`replay checkpoint: expected an EpisodeBuffer but got ${String(header["kind"])}`);
    const mine = JSON.stringify([this.sizes, this.numEnvs, this.capacityPerEnv]);
    const theirs = JSON.stringify([header["sizes"], header["numEnvs"], header["capacityPerEnv"]]);
    if (mine !== theirs) throw SimbridgeError.invalidArgument(`replay checkpoint: expected [sizes, numEnvs, capacityPerEnv] ${mine} but got ${theirs}`);
    const theirExtras = (header["extras"] ?? {}) as Record<string, unknown>;
    const sameExtras =
      Object.keys(theirExtras).length === this.extraNames.length && this.extraNames.every((n) => theirExtras[n] === this.extraSizes[n]);
    if (!sameExtras) {
      throw SimbridgeError.invalidArgument(`replay checkpoint: expected extras ${JSON.stringify(this.extraSizes)} but got ${JSON.stringify(theirExtras)}`);
    }
    const targets = this.arrays();
    for (const [name, target] of Object.entries(targets)) {
      const src = arrays[name];
      if (src === undefined || src.constructor !== target.constructor || src.length !== target.length) {
        throw SimbridgeError.invalidArgument(`replay checkpoint: array "${name}" is missing or has the wrong type or length`);
      }
    }
    for (const [name, target] of Object.entries(targets)) target.set(arrays[name] as never);
    this.completed = header["completed"] as number;
  }

  private arrays(): Record<string, StoredArray> {
    return {
      obs: this.obs,
      achievedGoal: this.achievedGoal,
      desiredGoal: this.desiredGoal,
      action: this.action,
      nextObs: this.nextObs,
      nextAchievedGoal: this.nextAchievedGoal,
      reward: this.reward,
      isSuccess: this.isSuccess,
      terminated: this.terminated,
      epStart: this.epStart,
      epEnd: this.epEnd,
      written: this.written,
      openStart: this.openStart,
      firstValid: this.firstValid,
      ...Object.fromEntries(this.extraNames.map((n, k) => [extraField(n), this.extraColumns[k]!])),
    };
  }

  /** Every declared extra at its size, and no other (messages name the extra). */
  private checkExtras(extras: GoalTransition["extras"]): void {
    const names = this.extraNames;
    if (names.length === 0) {
      if (extras !== undefined) {
        for (const name in extras) throw SimbridgeError.invalidArgument(`extras.${name}: this buffer stores no extras`, `extras.${name}`);
      }
      return;
    }
    if (extras === undefined) {
      throw SimbridgeError.invalidArgument(`extras: expected ${names.map((n) => `${n} (${this.extraSizes[n]})`).join(", ")} but got none`, "extras");
    }
    for (let k = 0; k < names.length; k++) checkLength(this.extraLabels[k]!, extras[names[k]!]!, this.extraSizeList[k]!);
    for (const name in extras) {
      if (!Object.hasOwn(this.extraSizes, name)) throw SimbridgeError.invalidArgument(`extras.${name}: not one of this buffer's extras (${names.join(", ")})`, `extras.${name}`);
    }
  }

  private checkEnv(env: number): void {
    if (!Number.isInteger(env) || env < 0 || env >= this.numEnvs) {
      throw SimbridgeError.invalidArgument(`env: expected an integer in [0, ${this.numEnvs}) but got ${env}`, "env");
    }
  }

  private completeCount(lane: number): number {
    return Math.max(0, this.openStart[lane]! - this.firstValid[lane]!);
  }

  private openCount(lane: number): number {
    return Math.max(0, this.written[lane]! - Math.max(this.openStart[lane]!, this.firstValid[lane]!));
  }

  /** First lane position of `lane`'s recent window: its newest quota positions, none before the oldest whole episode. */
  private recentFrom(lane: number, recent: number): number {
    const quota = Math.floor(recent / this.numEnvs) + (lane >= this.numEnvs - (recent % this.numEnvs) ? 1 : 0);
    return Math.max(this.firstValid[lane]!, this.written[lane]! - quota);
  }

  /** Sampleable steps of `lane`'s recent window (the sampleable steps of a lane are contiguous: [firstValid, written)). */
  private recentCount(lane: number, recent: number, includeInProgress: boolean): number {
    const to = includeInProgress ? this.written[lane]! : this.openStart[lane]!;
    return Math.max(0, to - this.recentFrom(lane, recent));
  }

  private describe(lane: number, pos: number, ref: TransitionRef): void {
    const slot = this.slotAt(lane, pos);
    const start = this.epStart[slot]!;
    const end = this.epEnd[slot]!;
    ref.slot = slot;
    ref.lane = lane;
    ref.episodeStart = start;
    ref.step = pos - start;
    ref.complete = end >= 0;
    ref.length = (end >= 0 ? end : this.written[lane]!) - start;
  }
}

function checkRecent(recent: number): void {
  if (!Number.isSafeInteger(recent) || recent < 1) throw SimbridgeError.invalidArgument(`recent: expected a positive integer but got ${recent}`, "recent");
}

function checkLength(name: string, value: ArrayLike<number>, size: number): void {
  if (value === undefined || value.length !== size) {
    throw SimbridgeError.invalidArgument(`${name}: expected ${size} elements but got ${value === undefined ? "nothing" : value.length}`, name);
  }
}

function copyRow(src: ArrayLike<number>, dst: Float32Array, row: number, size: number): void {
  const base = row * size;
  for (let j = 0; j < size; j++) dst[base + j] = src[j]!;
}
