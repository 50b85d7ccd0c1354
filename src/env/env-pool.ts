/**
 * EnvPool: the envs of one owner (a server session, or an in-process vector
 * env), addressed by id. It is the single place where requests are checked
 * before they reach a task — ids, episode state, action shape, dtype and
 * finiteness, option names and types — so that an in-process env and a remote
 * one fail the same way with the same messages. Every check happens before any
 * env is touched: a failed call changes nothing.
 */
import { SimbridgeError } from "../core/errors.js";
import { clip, quote } from "../core/quote.js";
import type { DType, NumericArray } from "./spec.js";
import { sizeOf, validateArray } from "./spec.js";
import type { OptionSpec, OptionValue, Options, Task, TaskSpec } from "./task.js";
import { StepStatus, statusName } from "./task.js";
import type { TaskRegistry } from "./task-registry.js";

export interface PoolStep {
  readonly spec: TaskSpec;
  readonly envIds: readonly number[];
  readonly observations: Float32Array[];
  readonly reward: Float64Array | undefined;
  readonly status: Uint8Array;
  readonly isSuccess: Uint8Array;
  readonly info: Float64Array;
}

export interface PoolReset {
  readonly envId: number;
  /** An integer in [0, 2^53); a server passes a larger wire seed as an exact bigint, to be refused naming it. */
  readonly seed?: number | bigint;
  readonly options?: Options;
}

export interface EnvPoolLimits {
  /** Most envs open at once. */
  readonly maxEnvs: number;
}

export interface Slot {
  readonly task: Task;
  /** Envs whose spec key is equal may be stepped in one batch. */
  readonly specKey: string;
  /** 0 until the first reset, then the status of the last reset/step. */
  status: number;
  /** Episodes begun (1 after the first reset). */
  episode: number;
  /** Steps since the last reset. */
  episodeStep: number;
}

/** Where an env is in its life, for watchers and real-time stats. */
export interface EnvProgress {
  readonly spec: TaskSpec;
  readonly episode: number;
  readonly episodeStep: number;
}

export class EnvPool {
  private readonly slots = new Map<number, Slot>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly registry: TaskRegistry,
    private readonly limits: EnvPoolLimits = { maxEnvs: 1024 },
  ) {}

  get size(): number {
    return this.slots.size;
  }

  spec(envId: number): TaskSpec {
    return this.slot(envId, "env_id").task.spec;
  }

  /** Makes `count` envs of `taskName`; all or none. */
  /**
   * `batchKey`, when given, further separates envs that may be batched together
   * (real-time groups each run on their own clock).
   */
  async make(taskName: string, count: number, given: Options = {}, batchKey = ""): Promise<{ envIds: number[]; spec: TaskSpec }> {
    this.checkOpen();
    if (!this.registry.names.includes(taskName)) {
      throw SimbridgeError.notFound(`unknown task ${quote(taskName)}; this server has: ${this.registry.names.join(", ") || "(none)"}`, "task");
    }
    const factory = this.registry.get(taskName);
    const options = plainOptions(given);
    if (!Number.isInteger(count) || count < 1) {
      throw SimbridgeError.invalidArgument(`count: must be a positive integer, got ${count}`, "count");
    }
    if (this.slots.size + count > this.limits.maxEnvs) {
      throw SimbridgeError.resourceExhausted(
        `count: ${count} more envs would exceed this session's limit of ${this.limits.maxEnvs} (open: ${this.slots.size})`,
        "count",
      );
    }
    const defaults = factory.spec({});
    checkOptions(defaults.makeOptions, options, `${taskName} make option`, "options");
    const spec = factory.spec(options);
    const specKey = `${taskName}\u0000${canonicalOptions(options)}\u0000${batchKey}`;
    const tasks: Task[] = [];
    try {
      for (let i = 0; i < count; i++) tasks.push(await factory.create(options));
    } catch (e) {
      for (const t of tasks) t.close();
      throw e;
    }
    const envIds = tasks.map((task) => {
      const id = this.nextId++;
      this.slots.set(id, { task, specKey, status: 0, episode: 0, episodeStep: 0 });
      return id;
    });
    return { envIds, spec };
  }

  /**
   * Resets the listed envs, each with its own seed and options. Every entry is
   * checked before any env is reset; an error names the entry (`envs[i]`) and
   * its env id.
   */
  reset(entries: readonly PoolReset[]): PoolStep {
    this.checkOpen();
    if (entries.length === 0) throw SimbridgeError.invalidArgument("envs: no env to reset", "envs");
    const ids = entries.map((e) => e.envId);
    const slots = this.batchSlots(ids, "envs");
    const options = entries.map((e) => plainOptions(e.options ?? {}));
    const seeds = entries.map((e, i) => {
      try {
        const seed = e.seed;
        if (seed !== undefined && !(typeof seed === "number" ? Number.isSafeInteger(seed) && seed >= 0 : seed >= 0n && seed < 2n ** 53n)) {
          throw SimbridgeError.invalidArgument(`seed: must be an integer in [0, 2^53), got ${clip(String(seed))}`, "seed");
        }
        checkOptions(slots[i]!.task.spec.resetOptions, options[i]!, `${slots[i]!.task.spec.name} reset option`, "options");
        slots[i]!.task.validateResetOptions?.(options[i]!);
        return seed === undefined ? undefined : Number(seed);
      } catch (err) {
        throw inEntry(err, `envs[${i}]`, e.envId);
      }
    });
    entries.forEach((_, i) => {
      const slot = slots[i]!;
      slot.task.reset(seeds[i], options[i]!);
      slot.status = slot.task.out.status;
      slot.episode++;
      slot.episodeStep = 0;
    });
    return gather(ids, slots);
  }

  /**
   * Steps the listed envs with one row of `actions` each. `shape` is the
   * actions' shape as received ([ids.length, ...action shape]); `dtype` their
   * dtype as received (default: that of the typed array, but a BOOL tensor is
   * a Uint8Array too, so a server passes the wire dtype).
   */
  step(envIds: readonly number[], actions: NumericArray, shape: readonly number[], dtype?: DType): PoolStep {
    const slots = this.checkStep(envIds, actions, shape, true, dtype);
    const actionSpec = slots[0]!.task.spec.action;
    const per = sizeOf(actionSpec.shape);
    const f32 = actions as Float32Array;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      s.task.step(f32.subarray(i * per, (i + 1) * per));
      s.status = s.task.out.status;
      s.episodeStep++;
    }
    return gather(envIds, slots);
  }

  /**
   * Every check of `step` without stepping: ids, one spec, reset, action shape,
   * dtype and finiteness, and (when `running`) that every episode is RUNNING.
   * Real-time envs use it when an action arrives, before its tick.
   */
  checkStep(envIds: readonly number[], actions: NumericArray, shape: readonly number[], running: boolean, dtype: DType = dtypeOfArray(actions)): Slot[] {
    this.checkOpen();
    if (envIds.length === 0) throw SimbridgeError.invalidArgument("env_ids: no env to step", "env_ids");
    const slots = this.batchSlots(envIds, "env_ids");
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      if (s.status === 0) {
        throw SimbridgeError.failedPrecondition(`env ${envIds[i]} has not been reset; reset it before stepping`, "env_ids");
      }
      if (running && s.status !== StepStatus.RUNNING) {
        throw SimbridgeError.failedPrecondition(
          `env ${envIds[i]}'s episode is ${statusName(s.status)}; reset it before stepping again`,
          "env_ids",
        );
      }
    }
    const actionSpec = slots[0]!.task.spec.action;
    if (dtype !== actionSpec.dtype || (actionSpec.dtype === "float32" && !(actions instanceof Float32Array))) {
      throw SimbridgeError.invalidArgument(`actions: expected dtype ${actionSpec.dtype} but got ${dtype}`, "actions");
    }
    validateArray({ ...actionSpec, name: "actions" }, actions, shape, envIds.length);
    return slots;
  }

  /** Closes the listed envs; unknown ids fail before anything is closed. */
  close(envIds: readonly number[]): number[] {
    this.checkOpen();
    const slots = envIds.map((id, i) => this.slot(id, `env_ids[${i}]`));
    slots.forEach((s, i) => {
      s.task.close();
      this.slots.delete(envIds[i]!);
    });
    return [...envIds];
  }

  /** Closes every env; the pool is unusable afterwards. Safe to call twice. */
  closeAll(): void {
    for (const s of this.slots.values()) s.task.close();
    this.slots.clear();
    this.closed = true;
  }

  progress(envId: number): EnvProgress {
    const s = this.slot(envId, "env_id");
    return { spec: s.task.spec, episode: s.episode, episodeStep: s.episodeStep };
  }

  /** The white-box reward function of an env's task, when it has one. */
  computeReward(envId: number): Task["computeReward"] {
    const t = this.slot(envId, "env_id").task;
    return t.computeReward?.bind(t);
  }

  private checkOpen(): void {
    if (this.closed) throw SimbridgeError.failedPrecondition("these envs are closed");
  }

  /**
   * The slot of a live env. An env this pool made and then closed is
   * FAILED_PRECONDITION (as any call after close); an id it never made is
   * NOT_FOUND. Ids are handed out in order from 1, so the ids below `nextId`
   * that have no slot are exactly the closed ones.
   */
  private slot(id: number, field: string): Slot {
    const s = this.slots.get(id);
    if (s) return s;
    if (Number.isInteger(id) && id >= 1 && id < this.nextId) {
      throw SimbridgeError.failedPrecondition(`${field}: env ${id} was closed; make new envs`, field);
    }
    throw SimbridgeError.notFound(`${field}: env ${id} does not exist (never made)`, field);
  }

  private batchSlots(ids: readonly number[], field: string): Slot[] {
    const seen = new Set<number>();
    const slots = ids.map((id, i) => {
      if (seen.has(id)) throw SimbridgeError.invalidArgument(`${field}[${i}]: env ${id} is listed twice`, field);
      seen.add(id);
      return this.slot(id, `${field}[${i}]`);
    });
    const key = slots[0]!.specKey;
    slots.forEach((s, i) => {
      if (s.specKey !== key) {
        throw SimbridgeError.invalidArgument(
          `${field}[${i}]: env ${ids[i]} is a ${s.task.spec.name} with other options than env ${ids[0]} (${slots[0]!.task.spec.name}); one request batches envs of one spec`,
          field,
        );
      }
    });
    return slots;
  }
}

function gather(envIds: readonly number[], slots: readonly Slot[]): PoolStep {
  const spec = slots[0]!.task.spec;
  const n = slots.length;
  const observations = spec.observations.map((s) => new Float32Array(n * sizeOf(s.shape)));
  const reward = spec.hasReward ? new Float64Array(n) : undefined;
  const status = new Uint8Array(n);
  const isSuccess = new Uint8Array(n);
  const nInfo = spec.infoKeys.length;
  const info = new Float64Array(n * nInfo);
  for (let i = 0; i < n; i++) {
    const out = slots[i]!.task.out;
    for (let k = 0; k < observations.length; k++) {
      const o = out.observations[k]!;
      observations[k]!.set(o, i * o.length);
    }
    if (reward) reward[i] = out.reward;
    status[i] = out.status;
    isSuccess[i] = out.isSuccess ? 1 : 0;
    info.set(out.info, i * nInfo);
  }
  return { spec, envIds: [...envIds], observations, reward, status, isSuccess, info };
}

/**
 * Rejects unknown option names and values of the wrong type, naming both.
 * Only own keys count and names are compared as plain strings, so
 * `__proto__`, `constructor`, `toString`… are unknown names like any other.
 */
export function checkOptions(specs: readonly OptionSpec[], options: Options, what: string, field: string): void {
  for (const [name, value] of Object.entries(options)) {
    const spec = specs.find((s) => s.name === name);
    if (!spec) {
      const known = specs.map((s) => s.name).join(", ") || "none";
      throw SimbridgeError.invalidArgument(`${field}: unknown ${what} ${quote(name)} (accepted: ${known})`, `${field}.${clip(name)}`);
    }
    const type =
      typeof value === "number" ? "number" : typeof value === "boolean" ? "bool" : typeof value === "string" ? "string" : "tensor";
    if (type !== spec.type) {
      throw SimbridgeError.invalidArgument(`${field}.${name}: expected a ${spec.type} but got a ${type}`, `${field}.${name}`);
    }
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw SimbridgeError.invalidArgument(`${field}.${name}: must be finite, got ${value}`, `${field}.${name}`);
    }
    if (value instanceof Float64Array && value.some((v) => !Number.isFinite(v))) {
      throw SimbridgeError.invalidArgument(`${field}.${name}: every element must be finite`, `${field}.${name}`);
    }
  }
}

/**
 * Options as a plain dictionary: a copy of the own enumerable keys in an
 * object without prototype, so that no name (`__proto__`, `constructor`…)
 * reaches Object.prototype, and a task reading `options[name]` finds only
 * what was given.
 */
export function plainOptions(options: Options): Options {
  const out: Record<string, OptionValue> = Object.create(null) as Record<string, OptionValue>;
  for (const name of Object.keys(options)) {
    Object.defineProperty(out, name, { value: options[name], enumerable: true, writable: false, configurable: false });
  }
  return out;
}

/** An error about entry `at` of a batched request: its message and field name the entry and its env. */
function inEntry(err: unknown, at: string, envId: number): unknown {
  if (!(err instanceof SimbridgeError)) return err;
  const field = err.field ? (err.field.startsWith(at) ? err.field : `${at}.${err.field}`) : at;
  return new SimbridgeError(err.code, `${at} (env ${envId}): ${err.message}`, field);
}

function dtypeOfArray(a: NumericArray): DType {
  return a instanceof Float32Array ? "float32" : a instanceof Float64Array ? "float64" : a instanceof Int32Array ? "int32" : "uint8";
}

function canonicalOptions(options: Options): string {
  return JSON.stringify(
    Object.keys(options)
      .sort()
      .map((k) => [k, options[k] instanceof Float64Array ? Array.from(options[k] as Float64Array) : options[k]]),
  );
}
