/**
 * Spec and option codecs: `TaskSpec` / `Options` <-> their protocol messages.
 */
import type { ArraySpec } from "../env/spec.js";
import type { OptionSpec, OptionValue, Options, TaskSpec } from "../env/task.js";
import { SimbridgeError } from "../core/errors.js";
import { clip } from "../core/quote.js";
import { dtypeFromWire, decodeTensor, encodeTensor, WireDType } from "./tensor-codec.js";
import type { ArraySpec as WireArraySpec, ArraySpec__Output } from "./generated/simbridge/v1/ArraySpec.js";
import type { OptionSpec as WireOptionSpec, OptionSpec__Output } from "./generated/simbridge/v1/OptionSpec.js";
import type { TaskSpec as WireTaskSpec, TaskSpec__Output } from "./generated/simbridge/v1/TaskSpec.js";
import type { Value, Value__Output } from "./generated/simbridge/v1/Value.js";

export function encodeArraySpec(spec: ArraySpec): WireArraySpec {
  return {
    name: spec.name,
    dtype: WireDType[spec.dtype],
    shape: [...spec.shape],
    minimum: spec.minimum ? Array.from(spec.minimum) : [],
    maximum: spec.maximum ? Array.from(spec.maximum) : [],
  };
}

export function decodeArraySpec(wire: ArraySpec__Output | null | undefined, field: string): ArraySpec {
  if (!wire) throw SimbridgeError.invalidArgument(`${field}: missing spec`, field);
  return {
    name: wire.name,
    dtype: dtypeFromWire(wire.dtype as number, `${field}.dtype`),
    shape: wire.shape.map(Number),
    ...(wire.minimum.length ? { minimum: Float64Array.from(wire.minimum) } : {}),
    ...(wire.maximum.length ? { maximum: Float64Array.from(wire.maximum) } : {}),
  };
}

export function encodeValue(value: OptionValue): Value {
  if (typeof value === "number") return { number: value };
  if (typeof value === "boolean") return { flag: value };
  if (typeof value === "string") return { text: value };
  return { tensor: encodeTensor(value, [value.length]) };
}

export function decodeValue(value: Value__Output, field: string): OptionValue {
  switch (value.kind) {
    case "number":
      return value.number!;
    case "flag":
      return value.flag!;
    case "text":
      return value.text!;
    case "tensor": {
      const t = decodeTensor(value.tensor, field);
      return t.data instanceof Float64Array ? t.data : Float64Array.from(t.data);
    }
    default:
      throw SimbridgeError.invalidArgument(`${field}: option value has no kind set`, field);
  }
}

/**
 * Option maps are plain dictionaries both ways: objects without prototype, so
 * that every name — `__proto__` and `constructor` too — is an ordinary key
 * that travels and is checked like any other (`obj["__proto__"] = v` on a
 * `{}` would set its prototype and lose the entry).
 */
export function encodeOptions(options: Options | undefined): Record<string, Value> {
  const out = Object.create(null) as Record<string, Value>;
  for (const [k, v] of Object.entries(options ?? {})) out[k] = encodeValue(v);
  return out;
}

export function decodeOptions(wire: Record<string, Value__Output> | undefined, field: string): Options {
  const out = Object.create(null) as Record<string, OptionValue>;
  for (const k of Object.keys(wire ?? {})) out[k] = decodeValue(wire![k]!, `${field}.${clip(k)}`);
  return out;
}

function encodeOptionSpec(o: OptionSpec): WireOptionSpec {
  return {
    name: o.name,
    type: o.type,
    doc: o.doc,
    ...(o.default !== undefined ? { default_value: encodeValue(o.default) } : {}),
  };
}

function decodeOptionSpec(o: OptionSpec__Output): OptionSpec {
  const d = o.default_value ? decodeValue(o.default_value, `option ${o.name}`) : undefined;
  return {
    name: o.name,
    type: o.type as OptionSpec["type"],
    doc: o.doc,
    ...(d !== undefined && !(d instanceof Float64Array) ? { default: d } : {}),
  };
}

export function encodeTaskSpec(spec: TaskSpec): WireTaskSpec {
  return {
    name: spec.name,
    description: spec.description,
    observations: spec.observations.map(encodeArraySpec),
    action: encodeArraySpec(spec.action),
    has_reward: spec.hasReward,
    goal_conditioned: spec.goalConditioned,
    black_box: spec.blackBox,
    has_reward_function: spec.hasRewardFunction === true,
    max_episode_steps: spec.maxEpisodeSteps,
    control_dt: spec.controlDt,
    info_keys: [...spec.infoKeys],
    make_options: spec.makeOptions.map(encodeOptionSpec),
    reset_options: spec.resetOptions.map(encodeOptionSpec),
  };
}

export function decodeTaskSpec(wire: TaskSpec__Output | null | undefined): TaskSpec {
  if (!wire) throw SimbridgeError.invalidArgument("spec: missing task spec", "spec");
  return {
    name: wire.name,
    description: wire.description,
    observations: wire.observations.map((o, i) => decodeArraySpec(o, `spec.observations[${i}]`)),
    action: decodeArraySpec(wire.action, "spec.action"),
    hasReward: wire.has_reward,
    goalConditioned: wire.goal_conditioned,
    blackBox: wire.black_box,
    // Present only when true, like the built-in specs (absent means false).
    ...(wire.has_reward_function ? { hasRewardFunction: true } : {}),
    maxEpisodeSteps: wire.max_episode_steps,
    controlDt: wire.control_dt,
    infoKeys: [...wire.info_keys],
    makeOptions: wire.make_options.map(decodeOptionSpec),
    resetOptions: wire.reset_options.map(decodeOptionSpec),
  };
}
