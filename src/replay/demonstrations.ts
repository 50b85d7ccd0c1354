/**
 * Demonstrations ("play"): whole episodes some policy lived — a scripted
 * demonstrator, a trained run, random actions — recorded by `simbridge
 * collect` and read by the learners that imitate (relay policy learning,
 * `--algo relay --demos FILE`).
 *
 * ## The file (`.sbd`)
 * One byte array written by bytes.ts's `packArrays` (magic "SBRP", format
 * version, a JSON header, then raw little-endian arrays, each padded to 8
 * bytes). The header:
 *
 * | field       | contents                                                                  |
 * |-------------|---------------------------------------------------------------------------|
 * | `format`    | "simbridge.Demonstrations"                                                |
 * | `version`   | 1                                                                         |
 * | `task`      | the task the episodes were lived on, e.g. "PointPush-v0"                  |
 * | `policy`    | who acted: "scripted", "random", or the run folder of a trained policy    |
 * | `seed`      | the seed of the episodes' resets (and of random actions)                   |
 * | `spec`      | the observation tensors (name, shape) in spec order, the action (name, shape, bounds) |
 * | `lengths`   | steps T of each episode, in episode order                                  |
 * | `statuses`  | how each episode ended: "TRUNCATED" or "TERMINATED"                         |
 * | `hasReward` | whether the steps carried env rewards (a black box may withhold them)      |
 *
 * and the arrays, every episode one after another:
 *
 * | array        | dtype   | shape              | contents                                                  |
 * |--------------|---------|--------------------|-----------------------------------------------------------|
 * | `obs/NAME`   | float32 | [Σ(T+1) × size]    | per observation tensor: the reset's observation, then the one after every step (the final one included) |
 * | `action`     | float32 | [ΣT × actDim]      | the actions in policy units [−1, 1] (the env received them rescaled to its bounds: `toEnvActions`) |
 * | `reward`     | float64 | [ΣT]               | the env's reward per step (only with `hasReward`)         |
 * | `success`    | uint8   | [ΣT]               | the env's success flag after each step                    |
 *
 * Reading refuses, with a message saying what the file is instead: a file
 * that is not a simbridge byte file, another simbridge file (a replay
 * checkpoint), a later version, arrays that do not add up to the header's
 * lengths; `checkDemonstrations` refuses demonstrations of another task or
 * with other tensor shapes than the run's.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { sizeOf } from "../env/spec.js";
import { StepStatus, statusName, type TaskSpec } from "../env/task.js";
import { clip, quote } from "../core/quote.js";
import { packArrays, unpackArrays, type StoredArray } from "./bytes.js";

export const DEMONSTRATIONS_FORMAT = "simbridge.Demonstrations";
export const DEMONSTRATIONS_VERSION = 1;

/** What the file says about the task's tensors (enough to refuse a mismatched run). */
export interface DemoSpec {
  readonly observations: ReadonlyArray<{ readonly name: string; readonly shape: readonly number[] }>;
  readonly action: { readonly name: string; readonly shape: readonly number[]; readonly minimum?: readonly number[]; readonly maximum?: readonly number[] };
}

/** One recorded episode of T steps. */
export interface DemoEpisode {
  /** T, the steps taken. */
  readonly length: number;
  /** Per observation tensor (spec order), [(T + 1) × size]: s_0 (the reset's) … s_T (the final one). */
  readonly observations: readonly Float32Array[];
  /** a_0 … a_{T−1} in policy units [−1, 1], [T × actDim]. */
  readonly actions: Float32Array;
  /** The env's reward per step, [T]; undefined when the env withheld it. */
  readonly rewards: Float64Array | undefined;
  /** The env's success flag after each step, [T]. */
  readonly success: Uint8Array;
  /** How the episode ended: TRUNCATED or TERMINATED. */
  readonly status: StepStatus;
}

export interface Demonstrations {
  readonly task: string;
  /** "scripted", "random", or the run folder of the policy that acted. */
  readonly policy: string;
  readonly seed: number;
  readonly spec: DemoSpec;
  readonly episodes: readonly DemoEpisode[];
}

/** The part of a task's spec a demonstrations file records. */
export function demoSpecOf(spec: TaskSpec): DemoSpec {
  const a = spec.action;
  return {
    observations: spec.observations.map((o) => ({ name: o.name, shape: [...o.shape] })),
    action: { name: a.name, shape: [...a.shape], ...(a.minimum ? { minimum: [...a.minimum] } : {}), ...(a.maximum ? { maximum: [...a.maximum] } : {}) },
  };
}

/** Episodes, steps, the share of episodes whose last step succeeded, the mean return (NaN without rewards). */
export function demoSummary(d: Demonstrations): { episodes: number; steps: number; success_rate: number; return_mean: number } {
  const steps = d.episodes.reduce((n, e) => n + e.length, 0);
  const successes = d.episodes.filter((e) => e.length > 0 && e.success[e.length - 1] === 1).length;
  const returns = d.episodes.map((e) => (e.rewards ? e.rewards.reduce((a, b) => a + b, 0) : NaN));
  return {
    episodes: d.episodes.length,
    steps,
    success_rate: d.episodes.length ? successes / d.episodes.length : NaN,
    return_mean: returns.length ? returns.reduce((a, b) => a + b, 0) / returns.length : NaN,
  };
}

// ---------------------------------------------------------------- bytes

/** The file's bytes (see the file header). */
export function encodeDemonstrations(d: Demonstrations): Uint8Array {
  const actDim = sizeOf(d.spec.action.shape);
  const sizes = d.spec.observations.map((o) => sizeOf(o.shape));
  const hasReward = d.episodes.length > 0 && d.episodes.every((e) => e.rewards !== undefined);
  d.episodes.forEach((e, i) => checkEpisode(e, sizes, actDim, `episode ${i}`));
  const concat = <T extends Float32Array | Float64Array | Uint8Array>(Ctor: new (n: number) => T, parts: readonly T[]): T => {
    const out = new Ctor(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  };
  const arrays: Record<string, StoredArray> = {};
  d.spec.observations.forEach((o, k) => (arrays[`obs/${o.name}`] = concat(Float32Array, d.episodes.map((e) => e.observations[k]!))));
  arrays["action"] = concat(Float32Array, d.episodes.map((e) => e.actions));
  if (hasReward) arrays["reward"] = concat(Float64Array, d.episodes.map((e) => e.rewards!));
  arrays["success"] = concat(Uint8Array, d.episodes.map((e) => e.success));
  return packArrays(
    {
      format: DEMONSTRATIONS_FORMAT,
      version: DEMONSTRATIONS_VERSION,
      task: d.task,
      policy: d.policy,
      seed: d.seed,
      spec: d.spec,
      lengths: d.episodes.map((e) => e.length),
      statuses: d.episodes.map((e) => statusName(e.status)),
      hasReward,
    },
    arrays,
  );
}

/** Reads what `encodeDemonstrations` wrote; `source` names the bytes in errors (e.g. the file's path). */
export function decodeDemonstrations(bytes: Uint8Array, source = "the demonstrations"): Demonstrations {
  const what = `${clip(source, 120)} is not a demonstrations file (write one with simbridge collect)`;
  let unpacked: ReturnType<typeof unpackArrays>;
  try {
    unpacked = unpackArrays(bytes);
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message.replace(/^replay checkpoint: /, "")}`);
  }
  const { header, arrays } = unpacked;
  if (header["format"] !== DEMONSTRATIONS_FORMAT) {
    const format = typeof header["format"] === "string" ? `a ${quote(header["format"], 60)} file` : "a simbridge file without a format name (a replay checkpoint)";
    throw new Error(`${what}: it is ${format}`);
  }
  if (header["version"] !== DEMONSTRATIONS_VERSION) throw new Error(`${clip(source, 120)}: demonstrations format version ${String(header["version"])}; this simbridge reads version ${DEMONSTRATIONS_VERSION}`);
  const spec = header["spec"] as DemoSpec;
  const lengths = header["lengths"] as number[];
  const statuses = header["statuses"] as string[];
  const hasReward = header["hasReward"] === true;
  const broken = (why: string) => new Error(`${clip(source, 120)}: damaged demonstrations file: ${why}`);
  if (!spec || !Array.isArray(spec.observations) || !spec.action || !Array.isArray(lengths) || !Array.isArray(statuses) || statuses.length !== lengths.length) {
    throw broken("the header lacks spec, lengths or statuses");
  }
  if (lengths.some((t) => !Number.isSafeInteger(t) || t < 0)) throw broken("episode lengths must be integers ≥ 0");
  const actDim = sizeOf(spec.action.shape);
  const steps = lengths.reduce((a, b) => a + b, 0);
  const states = steps + lengths.length;
  const need = (name: string, length: number): StoredArray => {
    const a = arrays[name];
    if (!a) throw broken(`no array '${name}'`);
    if (a.length !== length) throw broken(`array '${name}' holds ${a.length} values, the header's lengths make ${length}`);
    return a;
  };
  const obs = spec.observations.map((o) => need(`obs/${o.name}`, states * sizeOf(o.shape)) as Float32Array);
  const action = need("action", steps * actDim) as Float32Array;
  const reward = hasReward ? (need("reward", steps) as Float64Array) : undefined;
  const success = need("success", steps) as Uint8Array;
  const episodes: DemoEpisode[] = [];
  let t0 = 0;
  let s0 = 0;
  lengths.forEach((T, i) => {
    const status = statuses[i] === "TERMINATED" ? StepStatus.TERMINATED : StepStatus.TRUNCATED;
    episodes.push({
      length: T,
      observations: spec.observations.map((o, k) => obs[k]!.slice(s0 * sizeOf(o.shape), (s0 + T + 1) * sizeOf(o.shape))),
      actions: action.slice(t0 * actDim, (t0 + T) * actDim),
      rewards: reward?.slice(t0, t0 + T),
      success: success.slice(t0, t0 + T),
      status,
    });
    t0 += T;
    s0 += T + 1;
  });
  return { task: String(header["task"]), policy: String(header["policy"]), seed: Number(header["seed"]), spec, episodes };
}

/** Writes the file (to a temporary name, then renamed: a crash leaves no half file). */
export function writeDemonstrations(path: string, d: Demonstrations): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, encodeDemonstrations(d));
  renameSync(tmp, path);
}

export function readDemonstrations(path: string): Demonstrations {
  if (!existsSync(path)) throw new Error(`demonstrations file ${clip(path, 120)} does not exist (write one with simbridge collect)`);
  return decodeDemonstrations(new Uint8Array(readFileSync(path)), path);
}

/**
 * Throws unless `d` was recorded on `spec`'s task with the same tensors (by
 * name and shape) and action: demonstrations of PointMaze-v0 cannot teach
 * PointPush-v0.
 */
export function checkDemonstrations(d: Demonstrations, spec: TaskSpec, source = "the demonstrations"): void {
  const from = clip(source, 120);
  if (d.task !== spec.name) throw new Error(`${from} were recorded on ${quote(d.task, 60)}, but this run's task is ${spec.name}: collect demonstrations of ${spec.name}`);
  const shape = (s: readonly number[]) => `[${s.join(", ")}]`;
  for (const o of spec.observations) {
    const theirs = d.spec.observations.find((x) => x.name === o.name);
    if (!theirs) throw new Error(`${from} have no observation '${o.name}' (they have ${d.spec.observations.map((x) => `'${x.name}'`).join(", ")})`);
    if (shape(theirs.shape) !== shape(o.shape)) throw new Error(`${from}: expected observation '${o.name}' of shape ${shape(o.shape)} but the file has ${shape(theirs.shape)}`);
  }
  if (shape(d.spec.action.shape) !== shape(spec.action.shape)) throw new Error(`${from}: expected actions of shape ${shape(spec.action.shape)} but the file has ${shape(d.spec.action.shape)}`);
}

/** The observation tensor `name` of an episode, [(T + 1) × size]. */
export function episodeTensor(d: Demonstrations, episode: DemoEpisode, name: string): Float32Array {
  const k = d.spec.observations.findIndex((o) => o.name === name);
  if (k < 0) throw new Error(`the demonstrations have no observation '${clip(name, 60)}'`);
  return episode.observations[k]!;
}

function checkEpisode(e: DemoEpisode, sizes: readonly number[], actDim: number, name: string): void {
  const T = e.length;
  if (!Number.isSafeInteger(T) || T < 0) throw new Error(`${name}: length must be an integer ≥ 0, got ${T}`);
  if (e.observations.length !== sizes.length) throw new Error(`${name}: expected ${sizes.length} observation tensors but got ${e.observations.length}`);
  e.observations.forEach((o, k) => {
    if (o.length !== (T + 1) * sizes[k]!) throw new Error(`${name}: observation ${k} holds ${o.length} values, expected (T + 1) × ${sizes[k]} = ${(T + 1) * sizes[k]!}`);
  });
  if (e.actions.length !== T * actDim) throw new Error(`${name}: expected ${T} × ${actDim} action values but got ${e.actions.length}`);
  if (e.success.length !== T) throw new Error(`${name}: expected ${T} success flags but got ${e.success.length}`);
  if (e.rewards && e.rewards.length !== T) throw new Error(`${name}: expected ${T} rewards but got ${e.rewards.length}`);
}

// ---------------------------------------------------------------- recording

/**
 * Builds episodes from vector steps, one env slot at a time: `begin` with the
 * reset's observation, `step` after every step; the step that ends an episode
 * returns it.
 */
export class EpisodeRecorder {
  private readonly open: Array<{ obs: number[][]; actions: number[]; rewards: number[]; success: number[] } | undefined>;

  constructor(envs: number) {
    this.open = Array.from({ length: envs }, () => undefined);
  }

  /** Env `env` starts an episode at these observations (one row per tensor). */
  begin(env: number, observation: readonly ArrayLike<number>[]): void {
    this.open[env] = { obs: observation.map((o) => Array.from(o)), actions: [], rewards: [], success: [] };
  }

  /** Env `env` took `action` (policy units) and got here; returns the episode when `status` ended it. */
  step(env: number, action: ArrayLike<number>, observation: readonly ArrayLike<number>[], reward: number | undefined, success: boolean, status: StepStatus): DemoEpisode | undefined {
    const e = this.open[env];
    if (!e) throw new Error(`env ${env}: step before begin`);
    observation.forEach((o, k) => e.obs[k]!.push(...Array.from(o)));
    e.actions.push(...Array.from(action));
    e.rewards.push(reward ?? NaN);
    e.success.push(success ? 1 : 0);
    if (status === StepStatus.RUNNING) return undefined;
    this.open[env] = undefined;
    const length = e.success.length;
    return {
      length,
      observations: e.obs.map((o) => Float32Array.from(o)),
      actions: Float32Array.from(e.actions),
      rewards: reward === undefined ? undefined : Float64Array.from(e.rewards),
      success: Uint8Array.from(e.success),
      status,
    };
  }
}
