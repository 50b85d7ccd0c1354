/**
 * RolloutBuffer: on-policy storage for `steps` steps of `envs` parallel envs, with
 * generalised advantage estimation (after Stable-Baselines3 `common/buffers.py`,
 * `RolloutBuffer`, and CleanRL `ppo_continuous_action.py`).
 *
 *     const rb = new RolloutBuffer({ envs: 8, steps: 256, fields: { input: 11, action: 2, logProb: 1 } });
 *     while (!rb.full) {
 *       // input [8×11], action [8×2], logProb [8], value V(s_t) [8], reward [8], status [8]
 *       rb.add({ input, action, logProb }, value, reward, status, finalValue);
 *     }
 *     rb.computeAdvantages(lastValue, 0.99, 0.95);  // lastValue: V(current observation) [8]
 *     for (let epoch = 0; epoch < 10; epoch++) {
 *       for (const mb of rb.minibatches(64, rng)) { ... mb.input, mb.action, mb.logProb, mb.advantages, mb.returns, mb.values ... }
 *     }
 *     rb.clear();
 *
 * Contract:
 * - Storage is step-major: row `t*envs + e` holds step t of env e. Every field is one
 *   preallocated Float32Array `[steps*envs × size]` (`field(name)`); `rewards`,
 *   `values`, `bootstrapValues`, `advantages`, `returns` are Float32Array and
 *   `status` a Uint8Array, each `[steps*envs]`. All are writable (a learned reward
 *   fills `rewards` after collection); only rows `< position*envs` are meaningful.
 * - `add` stores one step of every env: the observation-time data (fields and V(s_t)),
 *   the reward and the status of the transition that followed. Reward may be NaN until
 *   a learned reward fills it; `computeAdvantages` refuses NaN rewards. It copies,
 *   allocates nothing, checks every length before writing anything, and throws
 *   when the buffer is full.
 * - Status per env is StepStatus (src/env/task.ts): RUNNING (1), TERMINATED (2) —
 *   the episode ended in an absorbing state, nothing to bootstrap — or TRUNCATED (3)
 *   — it was cut (time limit, lost server): bootstrap from V(final observation),
 *   given as `bootstrapValue`. The step after an ended step is the next episode's first.
 * - GAE, per env, backwards over the stored steps t (Schulman et al. 2016):
 *     RUNNING     δ = r + γ·V' − V,  A = δ + γλ·A_{t+1}   (V' = values at t+1 of the same
 *                 env; at the last stored step V' = lastValue[env] and A_{t+1} = 0)
 *     TERMINATED  δ = r − V,                 A = δ
 *     TRUNCATED   δ = r + γ·bootstrap − V,   A = δ
 *   returns = advantages + values (the critic's target; SB3's "returns").
 *   On a buffer that is not full it works over the `position` steps stored so far.
 *   SB3 folds γ·V(final observation) into the reward of a truncated step; the result is
 *   the same. CleanRL's PPO does not bootstrap truncation (it treats it as TERMINATED).
 * - `minibatches(size, rng)` is one epoch: a fresh permutation of all stored rows
 *   from the caller's seeded Rng, cut into consecutive chunks of `size` (the last chunk
 *   is smaller when size does not divide the row count; none is dropped). Each chunk is
 *   a named object of new arrays: every field gathered, `advantages`, `returns`,
 *   `values` (as stored: the old values for value clipping) and `rows`, the buffer rows.
 *   Advantages are not normalised here (PPO normalises per minibatch).
 * - `serialize` / `restore` checkpoint everything, including `position` and whether the
 *   advantages are computed.
 */
import type { Rng } from "../core/rng.js";
import { SimbridgeError } from "../core/errors.js";
import { StepStatus } from "../env/task.js";
import { packArrays, unpackArrays } from "./bytes.js";
import type { StoredArray } from "./bytes.js";
import { permutation } from "./random-index.js";
import type { FieldSizes } from "./replay-buffer.js";

export interface RolloutBufferOptions<F extends FieldSizes = FieldSizes> {
  /** Number of parallel envs; every `add` stores one step of each. */
  envs: number;
  /** Steps per env in one rollout (the buffer holds steps × envs rows). */
  steps: number;
  /** Per-step named data and its size per env, e.g. `{ input: 11, action: 2, logProb: 1 }`. */
  fields: F;
}

/** One step of every env: each declared field as `[envs × size]` (env-major). Other keys are ignored. */
export type RolloutStep<F extends FieldSizes = FieldSizes> = { readonly [K in keyof F]: ArrayLike<number> };

/** One minibatch: every field `[n × size]`, and `advantages`, `returns`, `values`, `rows` `[n]`. */
export type RolloutMinibatch<F extends FieldSizes = FieldSizes> = { readonly [K in keyof F]: Float32Array } & {
  /** GAE advantages (not normalised). */
  readonly advantages: Float32Array;
  /** advantages + values: the value target. */
  readonly returns: Float32Array;
  /** V(s_t) as stored at collection (the "old" values). */
  readonly values: Float32Array;
  /** The buffer rows gathered (t*envs + e), e.g. to write something back per row. */
  readonly rows: Int32Array;
};

/** Names a field may not take: they are the built-in keys of a minibatch. */
const RESERVED = ["advantages", "returns", "values", "rows"];

export class RolloutBuffer<F extends FieldSizes = FieldSizes> {
  readonly fields: F;
  readonly envs: number;
  readonly steps: number;
  /** r_t per row `[steps*envs]`; writable (a learned reward fills it before computeAdvantages). */
  readonly rewards: Float32Array;
  /** V(s_t) per row, as given to `add`. */
  readonly values: Float32Array;
  /** StepStatus per row (0 where nothing is stored). Change it through `cut`. */
  readonly status: Uint8Array;
  /** V(final observation) per row; meaningful only where status is TRUNCATED (0 elsewhere). */
  readonly bootstrapValues: Float32Array;
  /** GAE advantages per row, after `computeAdvantages`. */
  readonly advantages: Float32Array;
  /** advantages + values per row, after `computeAdvantages`. */
  readonly returns: Float32Array;
  private readonly names: readonly (keyof F & string)[];
  private readonly storage: Record<string, Float32Array>;
  private stored = 0;
  private computed = false;

  constructor(options: RolloutBufferOptions<F>) {
    const { envs, steps, fields } = options;
    for (const [name, n] of [["envs", envs], ["steps", steps]] as const) {
      if (!Number.isSafeInteger(n) || n < 1) throw SimbridgeError.invalidArgument(`${name}: expected a positive integer but got ${n}`, name);
    }
    const names = Object.keys(fields) as (keyof F & string)[];
    for (const name of names) {
      if (RESERVED.includes(name)) throw SimbridgeError.invalidArgument(`fields.${name}: the name is reserved (minibatches carry ${RESERVED.join(", ")})`, "fields");
      const size = fields[name]!;
      if (!Number.isSafeInteger(size) || size < 1) {
        throw SimbridgeError.invalidArgument(`fields.${name}: expected a positive integer size but got ${size}`, "fields");
      }
    }
    this.fields = Object.freeze({ ...fields });
    this.envs = envs;
    this.steps = steps;
    this.names = names;
    const rows = steps * envs;
    this.storage = {};
    for (const name of names) this.storage[name] = new Float32Array(rows * fields[name]!);
    this.rewards = new Float32Array(rows);
    this.values = new Float32Array(rows);
    this.status = new Uint8Array(rows);
    this.bootstrapValues = new Float32Array(rows);
    this.advantages = new Float32Array(rows);
    this.returns = new Float32Array(rows);
  }

  /** Steps stored so far (per env), 0…steps. */
  get position(): number {
    return this.stored;
  }

  /** True when `steps` steps are stored: `add` throws until `clear`. */
  get full(): boolean {
    return this.stored === this.steps;
  }

  /**
   * Stores one step of every env at row block `position`.
   * @param fields every declared field, `[envs × size]`
   * @param value V(s_t) per env `[envs]`
   * @param reward r_t per env `[envs]`; NaN allowed until a learned reward fills `rewards`
   * @param status StepStatus per env `[envs]`: 1 RUNNING, 2 TERMINATED, 3 TRUNCATED
   * @param bootstrapValue V(final observation) per env `[envs]`; read only where status is
   *   TRUNCATED, and required when any env is
   */
  add(fields: RolloutStep<F>, value: ArrayLike<number>, reward: ArrayLike<number>, status: ArrayLike<number>, bootstrapValue?: ArrayLike<number>): void {
    if (this.full) {
      throw SimbridgeError.failedPrecondition(`rollout buffer is full (${this.steps} steps of ${this.envs} envs); computeAdvantages, train, then clear()`);
    }
    const envs = this.envs;
    for (const name of this.names) checkLength(name, (fields as Record<string, ArrayLike<number> | undefined>)[name], envs * this.fields[name]!);
    checkLength("value", value, envs);
    checkLength("reward", reward, envs);
    checkLength("status", status, envs);
    if (bootstrapValue !== undefined) checkLength("bootstrapValue", bootstrapValue, envs);
    for (let e = 0; e < envs; e++) {
      const s = status[e]!;
      if (s !== StepStatus.RUNNING && s !== StepStatus.TERMINATED && s !== StepStatus.TRUNCATED) {
        throw SimbridgeError.invalidArgument(`status[${e}]: expected 1 (RUNNING), 2 (TERMINATED) or 3 (TRUNCATED) but got ${s}`, "status");
      }
      if (s === StepStatus.TRUNCATED && bootstrapValue === undefined) {
        throw SimbridgeError.invalidArgument(`bootstrapValue: env ${e} is TRUNCATED, so V(final observation) is needed but none was given`, "bootstrapValue");
      }
    }
    const base = this.stored * envs;
    for (const name of this.names) this.storage[name]!.set(fields[name]!, base * this.fields[name]!);
    for (let e = 0; e < envs; e++) {
      const row = base + e;
      this.values[row] = value[e]!;
      this.rewards[row] = reward[e]!;
      this.status[row] = status[e]!;
      this.bootstrapValues[row] = status[e] === StepStatus.TRUNCATED ? bootstrapValue![e]! : 0;
    }
    this.stored++;
    this.computed = false;
  }

  /** The whole storage of a field, `[steps*envs × size]`, row `t*envs + e`; writable. */
  field(name: keyof F & string): Float32Array {
    const data = this.storage[name];
    if (data === undefined) throw SimbridgeError.invalidArgument(`field "${name}": expected one of ${this.names.join(", ")}`, "name");
    return data;
  }

  /**
   * The episode in flight in `env` was cut (server lost, run resumed): its last stored
   * step becomes TRUNCATED, bootstrapping from `bootstrapValue` (V of the last observation
   * seen, or 0 when unknown). No-op when nothing is stored or that step already ended.
   */
  cut(env: number, bootstrapValue: number): void {
    if (!Number.isInteger(env) || env < 0 || env >= this.envs) {
      throw SimbridgeError.invalidArgument(`env: expected an integer in [0, ${this.envs}) but got ${env}`, "env");
    }
    if (this.stored === 0) return;
    const row = (this.stored - 1) * this.envs + env;
    if (this.status[row] !== StepStatus.RUNNING) return;
    this.status[row] = StepStatus.TRUNCATED;
    this.bootstrapValues[row] = bootstrapValue;
    this.computed = false;
  }

  /**
   * Fills `advantages` and `returns` for the stored steps by GAE (see the file header).
   * @param lastValue V(current observation) per env `[envs]`, used for envs whose last
   *   stored step is RUNNING
   * @param gamma discount γ in [0, 1]
   * @param lambda GAE λ in [0, 1] (1: Monte Carlo returns, 0: one-step TD)
   */
  computeAdvantages(lastValue: ArrayLike<number>, gamma: number, lambda: number): void {
    checkLength("lastValue", lastValue, this.envs);
    if (!(gamma >= 0 && gamma <= 1)) throw SimbridgeError.invalidArgument(`gamma: expected a number in [0, 1] but got ${gamma}`, "gamma");
    if (!(lambda >= 0 && lambda <= 1)) throw SimbridgeError.invalidArgument(`lambda: expected a number in [0, 1] but got ${lambda}`, "lambda");
    const n = this.stored;
    if (n === 0) throw SimbridgeError.failedPrecondition("computeAdvantages: the rollout buffer is empty");
    const envs = this.envs;
    for (let row = 0; row < n * envs; row++) {
      if (Number.isNaN(this.rewards[row])) {
        throw SimbridgeError.failedPrecondition(`computeAdvantages: reward of step ${Math.floor(row / envs)}, env ${row % envs} is NaN (fill learned rewards first)`);
      }
    }
    const gl = gamma * lambda;
    for (let e = 0; e < envs; e++) {
      let next = 0; // A_{t+1} (float64 through the recursion)
      for (let t = n - 1; t >= 0; t--) {
        const row = t * envs + e;
        const r = this.rewards[row]!;
        const v = this.values[row]!;
        const s = this.status[row];
        let a: number;
        if (s === StepStatus.TERMINATED) a = r - v;
        else if (s === StepStatus.TRUNCATED) a = r + gamma * this.bootstrapValues[row]! - v;
        else if (t === n - 1) a = r + gamma * lastValue[e]! - v;
        else a = r + gamma * this.values[row + envs]! - v + gl * next;
        this.advantages[row] = a;
        this.returns[row] = a + v;
        next = a;
      }
    }
    this.computed = true;
  }

  /**
   * One epoch of minibatches (see the file header). The permutation is drawn from `rng`
   * when this is called. Requires `computeAdvantages` since the last change (add, cut,
   * clear, restore).
   */
  minibatches(size: number, rng: Rng): Generator<RolloutMinibatch<F>> {
    if (!Number.isSafeInteger(size) || size < 1) throw SimbridgeError.invalidArgument(`size: expected a positive integer but got ${size}`, "size");
    if (!this.computed) throw SimbridgeError.failedPrecondition("minibatches: call computeAdvantages first (after the last add, cut, clear or restore)");
    const n = this.stored * this.envs;
    return this.chunks(permutation(rng, n), size);
  }

  /** Forgets every step (storage is kept). */
  clear(): void {
    this.stored = 0;
    this.computed = false;
    this.status.fill(0);
  }

  /** Raw-byte checkpoint: sizes, position and every array. */
  serialize(): Uint8Array {
    return packArrays(
      { kind: "RolloutBuffer", envs: this.envs, steps: this.steps, fields: this.fields, position: this.stored, computed: this.computed },
      this.arrays(),
    );
  }

  /** Loads a checkpoint of a buffer with the same envs, steps and fields; changes nothing when it throws. */
  restore(bytes: Uint8Array): void {
    const { header, arrays } = unpackArrays(bytes);
    const bad = (what: string) => SimbridgeError.invalidArgument(`rollout checkpoint: ${what}`);
    if (header["kind"] !== "RolloutBuffer") throw bad(`expected a RolloutBuffer but got ${String(header["kind"])}`);
    if (header["envs"] !== this.envs) throw bad(`expected envs ${this.envs} but got ${String(header["envs"])}`);
    if (header["steps"] !== this.steps) throw bad(`expected steps ${this.steps} but got ${String(header["steps"])}`);
    const fields = (header["fields"] ?? {}) as FieldSizes;
    const same = Object.keys(fields).length === this.names.length && this.names.every((n) => fields[n] === this.fields[n]);
    if (!same) throw bad(`expected fields ${JSON.stringify(this.fields)} but got ${JSON.stringify(fields)}`);
    const position = header["position"];
    if (typeof position !== "number" || !Number.isInteger(position) || position < 0 || position > this.steps) {
      throw bad(`expected a position in [0, ${this.steps}] but got ${String(position)}`);
    }
    const mine = this.arrays();
    for (const [name, dst] of Object.entries(mine)) {
      const src = arrays[name];
      if (src === undefined || src.constructor !== dst.constructor || src.length !== dst.length) {
        const got = src === undefined ? "nothing" : `${src.constructor.name}(${src.length})`;
        throw bad(`array "${name}": expected ${dst.constructor.name}(${dst.length}) but got ${got}`);
      }
    }
    for (const [name, dst] of Object.entries(mine)) dst.set(arrays[name]!);
    this.stored = position;
    this.computed = header["computed"] === true;
  }

  private arrays(): Record<string, StoredArray> {
    const out: Record<string, StoredArray> = {};
    for (const name of this.names) out[`field.${name}`] = this.storage[name]!;
    out["rewards"] = this.rewards;
    out["values"] = this.values;
    out["status"] = this.status;
    out["bootstrapValues"] = this.bootstrapValues;
    out["advantages"] = this.advantages;
    out["returns"] = this.returns;
    return out;
  }

  private *chunks(order: Int32Array, size: number): Generator<RolloutMinibatch<F>> {
    for (let start = 0; start < order.length; start += size) {
      const rows = order.slice(start, Math.min(start + size, order.length));
      const m = rows.length;
      const batch: Record<string, Float32Array | Int32Array> = {};
      for (const name of this.names) {
        const k = this.fields[name]!;
        const src = this.storage[name]!;
        const dst = new Float32Array(m * k);
        for (let i = 0; i < m; i++) {
          const from = rows[i]! * k;
          for (let j = 0; j < k; j++) dst[i * k + j] = src[from + j]!;
        }
        batch[name] = dst;
      }
      const advantages = new Float32Array(m);
      const returns = new Float32Array(m);
      const values = new Float32Array(m);
      for (let i = 0; i < m; i++) {
        const row = rows[i]!;
        advantages[i] = this.advantages[row]!;
        returns[i] = this.returns[row]!;
        values[i] = this.values[row]!;
      }
      batch["advantages"] = advantages;
      batch["returns"] = returns;
      batch["values"] = values;
      batch["rows"] = rows;
      yield batch as unknown as RolloutMinibatch<F>;
    }
  }
}

function checkLength(name: string, data: ArrayLike<number> | undefined, expected: number): void {
  if (data === undefined || data === null || typeof data.length !== "number" || data.length !== expected) {
    const got = data === undefined || data === null ? "nothing" : String(data.length);
    throw SimbridgeError.invalidArgument(`${name}: expected ${expected} elements but got ${got}`, name);
  }
}
