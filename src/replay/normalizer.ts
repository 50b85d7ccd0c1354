/**
 * Normalizer: running per-element mean and standard deviation, as used by HER
 * (openai/baselines `her/normalizer.py`: observations and goals are normalised
 * before they enter the networks) and by GAHIL's discriminator.
 *
 *     const norm = new Normalizer(10);             // eps 1e-2, clip ±5
 *     norm.update(obsBatch);                       // [n × 10]
 *     norm.normalize(obsBatch, out);               // out = clip((x − mean) / std, −5, 5)
 *
 * Contract:
 * - Statistics are kept in float64 with Welford's update (per element, one
 *   shared count); `merge` combines two normalisers exactly (Chan et al.), so
 *   statistics gathered by several workers can be pooled.
 * - std = max(sqrt(population variance), eps) with eps = 1e-2 (baselines uses
 *   sqrt(max(eps², var))): a constant element is not blown up. Before any
 *   update mean = 0 and std = 1, so normalising is the identity (then clipped).
 * - `normalize` and `denormalize` work on batch-major arrays `[n × size]`, write
 *   into `out` (which may be the input) and allocate nothing.
 * - `state` / `load` give a JSON-friendly snapshot for checkpoints.
 */
import { SimbridgeError } from "../core/errors.js";

export interface NormalizerOptions {
  /** Lower bound on the std. Default 1e-2. */
  readonly eps?: number;
  /** Default clip range of `normalize`: outputs lie in [−clip, clip]. Default 5. */
  readonly clipRange?: number;
}

/** JSON-friendly snapshot of a normaliser's statistics. */
export interface NormalizerState {
  readonly size: number;
  readonly count: number;
  readonly mean: readonly number[];
  /** Sum of squared deviations from the mean (Welford's M2), per element. */
  readonly m2: readonly number[];
}

export class Normalizer {
  readonly size: number;
  readonly eps: number;
  readonly clipRange: number;
  private n = 0;
  private readonly meanF64: Float64Array;
  private readonly m2: Float64Array;
  private readonly stdF64: Float64Array;
  private stdStale = false;

  constructor(size: number, options: NormalizerOptions = {}) {
    if (!Number.isSafeInteger(size) || size < 1) throw SimbridgeError.invalidArgument(`size: expected a positive integer but got ${size}`, "size");
    this.size = size;
    this.eps = options.eps ?? 1e-2;
    this.clipRange = options.clipRange ?? 5;
    if (!(this.eps > 0)) throw SimbridgeError.invalidArgument(`eps: expected a positive number but got ${this.eps}`, "eps");
    if (!(this.clipRange > 0)) throw SimbridgeError.invalidArgument(`clipRange: expected a positive number but got ${this.clipRange}`, "clipRange");
    this.meanF64 = new Float64Array(size);
    this.m2 = new Float64Array(size);
    this.stdF64 = new Float64Array(size).fill(1);
  }

  /** Number of rows seen. */
  get count(): number {
    return this.n;
  }

  /** Running mean per element (a live view; do not write). */
  get mean(): Float64Array {
    return this.meanF64;
  }

  /** max(sqrt(variance), eps) per element, or 1 before any update (a live view; do not write). */
  get std(): Float64Array {
    if (this.stdStale) {
      for (let j = 0; j < this.size; j++) this.stdF64[j] = Math.max(Math.sqrt(this.m2[j]! / this.n), this.eps);
      this.stdStale = false;
    }
    return this.stdF64;
  }

  /** Adds the rows of a batch-major `[n × size]` array to the statistics. Non-finite values are an error. */
  update(batch: ArrayLike<number>): void {
    const rows = this.rowsOf(batch, "batch");
    for (let r = 0; r < rows; r++) {
      const base = r * this.size;
      for (let j = 0; j < this.size; j++) {
        if (!Number.isFinite(batch[base + j]!)) {
          throw SimbridgeError.invalidArgument(`batch: row ${r} element ${j} is ${batch[base + j]}; normaliser statistics need finite values`, "batch");
        }
      }
    }
    for (let r = 0; r < rows; r++) {
      const base = r * this.size;
      const n = ++this.n;
      for (let j = 0; j < this.size; j++) {
        const x = batch[base + j]!;
        const delta = x - this.meanF64[j]!;
        const mean = this.meanF64[j]! + delta / n;
        this.meanF64[j] = mean;
        this.m2[j] = this.m2[j]! + delta * (x - mean);
      }
    }
    if (rows > 0) this.stdStale = true;
  }

  /** out = clip((x − mean) / std, −clip, clip), row by row. `out` may be `input`. Returns `out`. */
  normalize<T extends Float32Array | Float64Array>(input: ArrayLike<number>, out: T, clip: number = this.clipRange): T {
    const rows = this.rowsOf(input, "input");
    if (out.length !== input.length) throw SimbridgeError.invalidArgument(`out: expected ${input.length} elements but got ${out.length}`, "out");
    const std = this.std;
    for (let r = 0; r < rows; r++) {
      const base = r * this.size;
      for (let j = 0; j < this.size; j++) {
        const z = (input[base + j]! - this.meanF64[j]!) / std[j]!;
        out[base + j] = z < -clip ? -clip : z > clip ? clip : z;
      }
    }
    return out;
  }

  /** out = x · std + mean, row by row (the inverse of `normalize` inside the clip range). Returns `out`. */
  denormalize<T extends Float32Array | Float64Array>(input: ArrayLike<number>, out: T): T {
    const rows = this.rowsOf(input, "input");
    if (out.length !== input.length) throw SimbridgeError.invalidArgument(`out: expected ${input.length} elements but got ${out.length}`, "out");
    const std = this.std;
    for (let r = 0; r < rows; r++) {
      const base = r * this.size;
      for (let j = 0; j < this.size; j++) out[base + j] = input[base + j]! * std[j]! + this.meanF64[j]!;
    }
    return out;
  }

  /** Adds another normaliser's statistics to this one (exactly as if its rows had been updated here). */
  merge(other: Normalizer | NormalizerState): void {
    const state = other instanceof Normalizer ? other.state() : other;
    this.checkState(state);
    const nb = state.count;
    if (nb === 0) return;
    const na = this.n;
    const n = na + nb;
    for (let j = 0; j < this.size; j++) {
      const delta = state.mean[j]! - this.meanF64[j]!;
      this.meanF64[j] = this.meanF64[j]! + (delta * nb) / n;
      this.m2[j] = this.m2[j]! + state.m2[j]! + (delta * delta * na * nb) / n;
    }
    this.n = n;
    this.stdStale = true;
  }

  /** Snapshot of the statistics. */
  state(): NormalizerState {
    return { size: this.size, count: this.n, mean: Array.from(this.meanF64), m2: Array.from(this.m2) };
  }

  /** Replaces the statistics with a snapshot. */
  load(state: NormalizerState): void {
    this.checkState(state);
    this.n = state.count;
    this.meanF64.set(state.mean);
    this.m2.set(state.m2);
    if (this.n > 0) this.stdStale = true;
    else this.stdF64.fill(1);
  }

  /** A normaliser holding a snapshot. */
  static fromState(state: NormalizerState, options: NormalizerOptions = {}): Normalizer {
    const norm = new Normalizer(state.size, options);
    norm.load(state);
    return norm;
  }

  /** Forgets all statistics. */
  reset(): void {
    this.n = 0;
    this.meanF64.fill(0);
    this.m2.fill(0);
    this.stdF64.fill(1);
    this.stdStale = false;
  }

  private rowsOf(a: ArrayLike<number>, name: string): number {
    if (a.length % this.size !== 0) {
      throw SimbridgeError.invalidArgument(`${name}: expected a multiple of ${this.size} elements ([n × ${this.size}]) but got ${a.length}`, name);
    }
    return a.length / this.size;
  }

  private checkState(s: NormalizerState): void {
    if (s.size !== this.size || s.mean.length !== this.size || s.m2.length !== this.size) {
      throw SimbridgeError.invalidArgument(`normalizer state: expected size ${this.size} but got ${s.size} (mean ${s.mean.length}, m2 ${s.m2.length})`);
    }
    if (!Number.isSafeInteger(s.count) || s.count < 0) {
      throw SimbridgeError.invalidArgument(`normalizer state: expected a non-negative integer count but got ${s.count}`);
    }
  }
}
