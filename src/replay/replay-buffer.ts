/**
 * ReplayBuffer: a fixed-capacity ring of transitions with named fields
 * (after Stable-Baselines3 `common/buffers.py`, `ReplayBuffer`).
 *
 * Fields and their sizes are declared once:
 *
 *     const rb = new ReplayBuffer({ obs: 10, action: 2, reward: 1, nextObs: 10, terminated: 1 }, 100_000);
 *     rb.add({ obs, action, reward: r, nextObs, terminated: status === StepStatus.TERMINATED ? 1 : 0 });
 *     const batch = rb.sample(256, rng);          // { obs: Float32Array(256*10), action: ..., ... }
 *     rb.sample(256, rng, batch);                 // refills the same arrays
 *
 * Contract:
 * - Storage is one preallocated Float32Array per field (`capacity × size`).
 *   `add` copies into it and allocates nothing; once full, the oldest
 *   transition is overwritten.
 * - A field of size 1 may be given as a number or a one-element array; any other
 *   field must be an array of exactly its size.
 * - `sample` draws indices uniformly with replacement from the stored
 *   transitions, using the caller's seeded `Rng`, and returns a named object of
 *   contiguous batch-major arrays (`[batch × size]`). Passing a previous sample as
 *   `out` refills its arrays instead of allocating new ones.
 * - What the fields mean is the caller's business. By convention `terminated`
 *   is 1 only for TERMINATED steps: a TRUNCATED step still bootstraps.
 * - `serialize` / `restore` (and `toJSON`) checkpoint the raw bytes: a restored
 *   buffer gives the same samples for the same rng seed.
 */
import type { Rng } from "../core/rng.js";
import { SimbridgeError } from "../core/errors.js";
import { fromBase64, packArrays, toBase64, unpackArrays } from "./bytes.js";
import { randomIndex } from "./random-index.js";

/** Field name → number of float32 elements per transition. */
export type FieldSizes = Readonly<Record<string, number>>;

/** One transition to add: every declared field, as an array (or a number for size-1 fields). */
export type Transition<F extends FieldSizes> = { readonly [K in keyof F]: ArrayLike<number> | number };

/** A sampled batch: every declared field as a `[batch × size]` Float32Array. */
export type Batch<F extends FieldSizes> = { [K in keyof F]: Float32Array };

/** JSON form of a checkpoint (`JSON.stringify(buffer)`); `restore` accepts it. */
export interface ReplayBufferJSON {
  readonly format: "simbridge.ReplayBuffer";
  readonly fields: FieldSizes;
  readonly capacity: number;
  readonly size: number;
  /** Base64 of `serialize()`. */
  readonly bytes: string;
}

export class ReplayBuffer<F extends FieldSizes = FieldSizes> {
  readonly fields: F;
  readonly capacity: number;
  private readonly names: readonly (keyof F & string)[];
  private readonly storage: Record<string, Float32Array>;
  /** Per field in `names` order: its size and storage (indexed loops in the hot paths). */
  private readonly sizes: number[];
  private readonly columns: Float32Array[];
  private next = 0;
  private stored = 0;
  private added = 0;

  constructor(fields: F, capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw SimbridgeError.invalidArgument(`capacity: expected a positive integer but got ${capacity}`, "capacity");
    }
    const names = Object.keys(fields) as (keyof F & string)[];
    if (names.length === 0) throw SimbridgeError.invalidArgument("fields: expected at least one field", "fields");
    for (const name of names) {
      const size = fields[name]!;
      if (!Number.isSafeInteger(size) || size < 1) {
        throw SimbridgeError.invalidArgument(`fields.${name}: expected a positive integer size but got ${size}`, "fields");
      }
    }
    this.fields = Object.freeze({ ...fields });
    this.capacity = capacity;
    this.names = names;
    this.storage = {};
    for (const name of names) this.storage[name] = new Float32Array(capacity * fields[name]!);
    this.sizes = names.map((n) => fields[n]!);
    this.columns = names.map((n) => this.storage[n]!);
  }

  /** Number of transitions currently stored (≤ capacity). */
  get size(): number {
    return this.stored;
  }

  /** True once the ring has wrapped: every new transition overwrites the oldest. */
  get full(): boolean {
    return this.stored === this.capacity;
  }

  /** Transitions added since construction (or since the checkpoint's buffer was constructed). */
  get totalAdded(): number {
    return this.added;
  }

  /** Copies one transition into the ring. Allocates nothing. */
  add(transition: Transition<F>): void {
    const row = this.next;
    for (let f = 0; f < this.names.length; f++) {
      const name = this.names[f]!;
      const size = this.sizes[f]!;
      const dst = this.columns[f]!;
      const value = transition[name];
      const base = row * size;
      if (typeof value === "number") {
        if (size !== 1) throw SimbridgeError.invalidArgument(`${name}: expected ${size} elements but got a number`, name);
        dst[base] = value;
      } else {
        if (value === undefined || value.length !== size) {
          throw SimbridgeError.invalidArgument(`${name}: expected ${size} elements but got ${value === undefined ? "nothing" : value.length}`, name);
        }
        for (let j = 0; j < size; j++) dst[base + j] = value[j]!;
      }
    }
    this.next = row + 1 === this.capacity ? 0 : row + 1;
    if (this.stored < this.capacity) this.stored++;
    this.added++;
  }

  /** Fresh output arrays for `batchSize` transitions. */
  allocateBatch(batchSize: number): Batch<F> {
    checkBatchSize(batchSize);
    const out = {} as Record<string, Float32Array>;
    for (const name of this.names) out[name] = new Float32Array(batchSize * this.fields[name]!);
    return out as Batch<F>;
  }

  /**
   * Draws `batchSize` transitions uniformly with replacement. With `out` (a
   * previous sample of the same batch size) its arrays are refilled and returned.
   */
  sample(batchSize: number, rng: Rng, out?: Batch<F>): Batch<F> {
    checkBatchSize(batchSize);
    if (this.stored === 0) throw SimbridgeError.failedPrecondition("cannot sample from an empty replay buffer");
    const batch = out ?? this.allocateBatch(batchSize);
    this.checkOut(batch, batchSize);
    for (let i = 0; i < batchSize; i++) this.copyRow(randomIndex(rng, this.stored), batch, i);
    return batch;
  }

  /**
   * Copies the transitions at `indices` (0 = oldest stored, size − 1 = newest)
   * into a batch. For samplers built on top (prioritised, recent-window).
   */
  gather(indices: ArrayLike<number>, out?: Batch<F>): Batch<F> {
    const batch = out ?? this.allocateBatch(indices.length);
    this.checkOut(batch, indices.length);
    const oldest = this.stored < this.capacity ? 0 : this.next;
    for (let i = 0; i < indices.length; i++) {
      const k = indices[i]!;
      if (!Number.isInteger(k) || k < 0 || k >= this.stored) {
        throw SimbridgeError.invalidArgument(`indices[${i}]: expected an integer in [0, ${this.stored}) but got ${k}`, "indices");
      }
      this.copyRow((oldest + k) % this.capacity, batch, i);
    }
    return batch;
  }

  /** Forgets every transition (storage is kept). */
  clear(): void {
    this.next = 0;
    this.stored = 0;
  }

  /** Raw-byte checkpoint: fields, capacity, ring position and the stored arrays. */
  serialize(): Uint8Array {
    return packArrays(
      { kind: "ReplayBuffer", fields: this.fields, capacity: this.capacity, next: this.next, stored: this.stored, added: this.added },
      this.storage,
    );
  }

  toJSON(): ReplayBufferJSON {
    return { format: "simbridge.ReplayBuffer", fields: this.fields, capacity: this.capacity, size: this.stored, bytes: toBase64(this.serialize()) };
  }

  /** Loads a checkpoint of a buffer with the same fields and capacity. */
  restore(checkpoint: Uint8Array | ReplayBufferJSON): void {
    const bytes = checkpoint instanceof Uint8Array ? checkpoint : fromBase64(checkpoint.bytes);
    const { header, arrays } = unpackArrays(bytes);
    if (header["kind"] !== "ReplayBuffer") throw SimbridgeError.invalidArgument(`replay checkpoint: expected a ReplayBuffer but got ${String(header["kind"])}`);
    const fields = header["fields"] as FieldSizes;
    const same = Object.keys(fields).length === this.names.length && this.names.every((n) => fields[n] === this.fields[n]);
    if (!same) {
      throw SimbridgeError.invalidArgument(`replay checkpoint: expected fields ${JSON.stringify(this.fields)} but got ${JSON.stringify(fields)}`);
    }
    if (header["capacity"] !== this.capacity) {
      throw SimbridgeError.invalidArgument(`replay checkpoint: expected capacity ${this.capacity} but got ${String(header["capacity"])}`);
    }
    for (const name of this.names) {
      const data = arrays[name];
      if (!(data instanceof Float32Array) || data.length !== this.storage[name]!.length) {
        throw SimbridgeError.invalidArgument(`replay checkpoint: field "${name}" has the wrong length`);
      }
    }
    for (const name of this.names) this.storage[name]!.set(arrays[name]!);
    this.next = header["next"] as number;
    this.stored = header["stored"] as number;
    this.added = header["added"] as number;
  }

  /** A new buffer holding a checkpoint (fields and capacity come from it). */
  static fromCheckpoint(checkpoint: Uint8Array | ReplayBufferJSON): ReplayBuffer {
    const bytes = checkpoint instanceof Uint8Array ? checkpoint : fromBase64(checkpoint.bytes);
    const { header } = unpackArrays(bytes);
    const rb = new ReplayBuffer(header["fields"] as FieldSizes, header["capacity"] as number);
    rb.restore(bytes);
    return rb;
  }

  private copyRow(row: number, batch: Batch<F>, i: number): void {
    for (let f = 0; f < this.names.length; f++) {
      const size = this.sizes[f]!;
      const src = this.columns[f]!;
      const dst = batch[this.names[f]!];
      const s = row * size;
      const d = i * size;
      for (let j = 0; j < size; j++) dst[d + j] = src[s + j]!;
    }
  }

  private checkOut(batch: Batch<F>, batchSize: number): void {
    for (const name of this.names) {
      const want = batchSize * this.fields[name]!;
      const got = batch[name];
      if (!(got instanceof Float32Array) || got.length !== want) {
        throw SimbridgeError.invalidArgument(`out.${name}: expected a Float32Array of ${want} elements but got ${got instanceof Float32Array ? got.length : typeof got}`, "out");
      }
    }
  }
}

function checkBatchSize(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1) throw SimbridgeError.invalidArgument(`batchSize: expected a positive integer but got ${n}`, "batchSize");
}
