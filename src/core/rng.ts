/**
 * A small seeded random number generator (xoshiro128**, Blackman & Vigna 2018)
 * so that tasks are bit-identical for a given seed on every machine and in every
 * process. Math.random cannot be seeded; this can, uses only 32-bit integer ops
 * and allocates nothing per draw.
 */
export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;
  private spare = NaN;

  constructor(seed: number = Math.floor(Math.random() * 2 ** 52)) {
    this.seed(seed);
  }

  /** Restarts the stream from `seed` (a non-negative integer up to 2^53). */
  seed(seed: number): void {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
    // splitmix32 over both halves of the seed fills the 128-bit state.
    let s = (seed >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32), 0x9e3779b9);
    const next = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
    this.spare = NaN;
  }

  /** The generator's full state, to checkpoint a run and continue it bit-identically. */
  state(): [number, number, number, number, number] {
    return [this.a, this.b, this.c, this.d, this.spare];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 5) throw new RangeError(`Rng state has 5 numbers, got ${state.length}`);
    [this.a, this.b, this.c, this.d] = state.slice(0, 4).map((v) => v | 0) as [number, number, number, number];
    this.spare = state[4] ?? NaN;
  }

  /** Next 32 uniformly random bits. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  uniformRange(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Standard normal (Box–Muller, caching the second draw). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = NaN;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A fresh seed (53 bits) drawn from this stream, for seeding another stream. */
  nextSeed(): number {
    return (this.nextU32() >>> 11) * 4294967296 + this.nextU32();
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Rng states in JSON (NaN, the "no cached normal" marker, becomes null). */
export function rngStateToJson(state: readonly number[]): Array<number | null> {
  return state.map((v) => (Number.isNaN(v) ? null : v));
}

export function rngStateFromJson(state: ReadonlyArray<number | null>): number[] {
  return state.map((v) => v ?? Number.NaN);
}
