/**
 * TransitionPool: a fixed-capacity ring buffer of raw discriminator rows, the
 * storage behind GAHIL's two pools (targets = positives, others = negatives;
 * the author's code uses two `deque(maxlen)`s of 40k and 100k).
 *
 *     const pool = new TransitionPool({ goal: 2, obs: 6, action: 2 }, 40_000);
 *     pool.add(batch);                         // n rows of a RewardBatch-like
 *     pool.sampleIndices(256, rng, idx);       // uniform over the filled rows
 *     pool.row(idx[0]);                        // [g, g', s, s', a] view
 *
 * Contract:
 * - One preallocated Float32Array of `capacity × rowSize`; adding never allocates.
 * - A row is stored *raw* (never normalised) in the layout of `PoolLayout`:
 *   `[desiredGoal, judgedGoal, obs, nextObs, action]` (segments of size 0 are
 *   absent), so normalisers may keep changing after a row was stored.
 *   The judged goal is `nextAchievedGoal`, or `achievedGoal` when that is
 *   absent (the RewardModel contract).
 * - When full, a new row overwrites the oldest (FIFO, as a deque with maxlen).
 *   Rows of one `add` larger than the capacity keep only the last `capacity`.
 * - `sampleIndices` draws with replacement, uniformly over the filled rows only.
 * - `serialize` / `restore` checkpoint the raw rows and the cursor.
 */
import type { Rng } from "../core/rng.js";
import { SimbridgeError } from "../core/errors.js";
import { packArrays, unpackArrays } from "../replay/bytes.js";
import { randomIndex } from "../replay/random-index.js";
import { judgedGoal } from "./reward-model.js";
import type { RewardBatch } from "./reward-model.js";

/** Element counts of one transition. `action` and `obs` may be 0 (not stored, not read). */
export interface PoolSizes {
  readonly goal: number;
  readonly obs: number;
  readonly action: number;
  /** Also store the judged (achieved-after-step) goal. Default true. */
  readonly judgedGoal?: boolean;
}

/** Offsets of the segments inside a row. A size-0 segment has its offset at the next one's. */
export interface PoolLayout {
  readonly goal: number;
  readonly obs: number;
  readonly action: number;
  readonly desiredGoalAt: number;
  /** −1 when judged goals are not stored. */
  readonly judgedGoalAt: number;
  readonly obsAt: number;
  readonly nextObsAt: number;
  readonly actionAt: number;
  readonly rowSize: number;
}

export function poolLayout(sizes: PoolSizes): PoolLayout {
  const { goal, obs, action } = sizes;
  for (const [name, v, min] of [["goal", goal, 1], ["obs", obs, 0], ["action", action, 0]] as const) {
    if (!Number.isSafeInteger(v) || v < min) {
      throw SimbridgeError.invalidArgument(`sizes.${name}: expected an integer ≥ ${min} but got ${v}`, `sizes.${name}`);
    }
  }
  const withJudged = sizes.judgedGoal ?? true;
  const desiredGoalAt = 0;
  const judgedGoalAt = withJudged ? goal : -1;
  const obsAt = withJudged ? 2 * goal : goal;
  const nextObsAt = obsAt + obs;
  const actionAt = nextObsAt + obs;
  return { goal, obs, action, desiredGoalAt, judgedGoalAt, obsAt, nextObsAt, actionAt, rowSize: actionAt + action };
}

/**
 * Number of rows of a RewardBatch-like and a check that every field the layout
 * reads is present with that many rows.
 */
export function batchRows(batch: RewardBatch, layout: PoolLayout, n?: number): number {
  const rows = n ?? batch.desiredGoal.length / layout.goal;
  if (!Number.isSafeInteger(rows) || rows < 0) {
    throw SimbridgeError.invalidArgument(`desiredGoal: expected a multiple of ${layout.goal} elements ([n × ${layout.goal}]) but got ${batch.desiredGoal.length}`, "desiredGoal");
  }
  const check = (name: string, a: Float32Array | undefined, size: number) => {
    if (size === 0) return;
    if (a === undefined) throw SimbridgeError.invalidArgument(`${name}: GAHIL's discriminator reads it, but the batch has none`, name);
    if (a.length !== rows * size) {
      throw SimbridgeError.invalidArgument(`${name}: expected ${rows} rows of ${size} (${rows * size} elements) but got ${a.length}`, name);
    }
  };
  check("desiredGoal", batch.desiredGoal, layout.goal);
  if (layout.judgedGoalAt >= 0) check(batch.nextAchievedGoal ? "nextAchievedGoal" : "achievedGoal", judgedGoal(batch), layout.goal);
  check("obs", batch.obs, layout.obs);
  check("nextObs", batch.nextObs, layout.obs);
  check("action", batch.action, layout.action);
  return rows;
}

/**
 * Writes row `i` of `batch` (raw) into `dst` at element `at`, in the layout's order.
 * The batch must have been checked with `batchRows`.
 */
export function writeRow(batch: RewardBatch, i: number, layout: PoolLayout, dst: Float32Array, at: number): void {
  const { goal, obs, action } = layout;
  copyRow(batch.desiredGoal, i, goal, dst, at + layout.desiredGoalAt);
  if (layout.judgedGoalAt >= 0) copyRow(judgedGoal(batch), i, goal, dst, at + layout.judgedGoalAt);
  if (obs > 0) {
    copyRow(batch.obs!, i, obs, dst, at + layout.obsAt);
    copyRow(batch.nextObs!, i, obs, dst, at + layout.nextObsAt);
  }
  if (action > 0) copyRow(batch.action!, i, action, dst, at + layout.actionAt);
}

function copyRow(src: Float32Array, i: number, size: number, dst: Float32Array, at: number): void {
  const base = i * size;
  for (let j = 0; j < size; j++) dst[at + j] = src[base + j]!;
}

export class TransitionPool {
  readonly layout: PoolLayout;
  readonly capacity: number;
  /** `[capacity × rowSize]` raw rows; only the first `size` rows (in storage order) are filled. */
  readonly data: Float32Array;
  private next = 0;
  private stored = 0;
  private total = 0;

  constructor(sizes: PoolSizes, capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw SimbridgeError.invalidArgument(`capacity: expected a positive integer but got ${capacity}`, "capacity");
    }
    this.layout = poolLayout(sizes);
    this.capacity = capacity;
    this.data = new Float32Array(capacity * this.layout.rowSize);
  }

  /** Rows held now (≤ capacity). */
  get size(): number {
    return this.stored;
  }

  /** Rows ever added (including overwritten ones). */
  get added(): number {
    return this.total;
  }

  /** Appends the `n` rows of `batch` (n from `desiredGoal` when omitted), overwriting the oldest when full. Returns n. */
  add(batch: RewardBatch, n?: number): number {
    const layout = this.layout;
    const rows = batchRows(batch, layout, n);
    const first = Math.max(0, rows - this.capacity); // rows that would be overwritten within this call
    for (let i = first; i < rows; i++) {
      writeRow(batch, i, layout, this.data, this.next * layout.rowSize);
      this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    }
    this.stored = Math.min(this.capacity, this.stored + rows);
    this.total += rows;
    return rows;
  }

  /** Fills `out` with row indices drawn uniformly (with replacement) from the filled rows. */
  sampleIndices(count: number, rng: Rng, out: Uint32Array): Uint32Array {
    if (this.stored === 0) throw SimbridgeError.failedPrecondition("cannot sample an empty pool");
    if (out.length < count) throw SimbridgeError.invalidArgument(`out: expected room for ${count} indices but got ${out.length}`, "out");
    for (let k = 0; k < count; k++) out[k] = randomIndex(rng, this.stored);
    return out;
  }

  /** A live view of storage row `index` (0 ≤ index < size). */
  row(index: number): Float32Array {
    if (!(index >= 0 && index < this.stored)) throw SimbridgeError.invalidArgument(`index: expected a row in [0, ${this.stored}) but got ${index}`, "index");
    const r = this.layout.rowSize;
    return this.data.subarray(index * r, (index + 1) * r);
  }

  /** The filled rows from oldest to newest, copied (for tests and inspection). */
  rowsInOrder(): Float32Array {
    const r = this.layout.rowSize;
    const out = new Float32Array(this.stored * r);
    const start = this.stored < this.capacity ? 0 : this.next;
    for (let k = 0; k < this.stored; k++) {
      const src = (start + k) % this.capacity;
      out.set(this.data.subarray(src * r, (src + 1) * r), k * r);
    }
    return out;
  }

  /** Appends row `i` of `batch` (checked with `batchRows` by the caller), overwriting the oldest when full. */
  addRow(batch: RewardBatch, i: number): void {
    writeRow(batch, i, this.layout, this.data, this.next * this.layout.rowSize);
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    if (this.stored < this.capacity) this.stored++;
    this.total++;
  }

  /** Forgets every row. */
  clear(): void {
    this.next = 0;
    this.stored = 0;
    this.total = 0;
  }

  /** Raw bytes of the filled rows and the cursor. */
  serialize(): Uint8Array {
    const { goal, obs, action, rowSize } = this.layout;
    return packArrays(
      { kind: "GahilPool", goal, obs, action, rowSize, capacity: this.capacity, next: this.next, stored: this.stored, added: this.total },
      { data: this.data.subarray(0, this.stored * rowSize) },
    );
  }

  /** Loads what `serialize` wrote for a pool of the same layout and capacity. */
  restore(bytes: Uint8Array): void {
    const { header, arrays } = unpackArrays(bytes);
    const { rowSize } = this.layout;
    if (header["kind"] !== "GahilPool" || header["rowSize"] !== rowSize || header["capacity"] !== this.capacity) {
      throw SimbridgeError.invalidArgument(
        `pool checkpoint: expected a GahilPool of capacity ${this.capacity} and row size ${rowSize} but got ${String(header["kind"])} of ${String(header["capacity"])} × ${String(header["rowSize"])}`,
      );
    }
    const stored = header["stored"] as number;
    const data = arrays["data"];
    if (!(data instanceof Float32Array) || data.length !== stored * rowSize) throw SimbridgeError.invalidArgument("pool checkpoint: row data does not match its header");
    this.data.set(data);
    this.stored = stored;
    this.next = header["next"] as number;
    this.total = header["added"] as number;
  }
}
