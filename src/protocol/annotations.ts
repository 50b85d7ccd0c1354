/**
 * Agent annotations: named per-env float vectors an agent attaches to a step
 * for the watchers of the server — what a hierarchical agent is heading for
 * (`subgoal_target`, an absolute x, y), and later anything else worth drawing
 * beside an env (protocol: `StepRequest.annotations`, relayed row by row in
 * `WatchFrame.annotations`, capability "agent_annotations").
 *
 * The task never sees them and they never change a step. The limits keep the
 * server's check cheap and a frame small, whatever a client sends:
 *   - at most 8 names per request (a handful of things to draw, not a log);
 *   - names ^[a-z][a-z0-9_]{0,63}$ (snake_case like the protocol's own names:
 *     `__proto__` is refused, and maps are prototype-free anyway, so that
 *     `constructor` is an ordinary name);
 *   - FLOAT32, 1 to 8 dimensions, the first = the envs stepped;
 *   - at most 256 values per env (a 16 × 16 heat map, or a path of 128
 *     points; a frame of 8 such is 8 KiB);
 *   - finite values (a watcher draws them; NaN would draw nothing, silently).
 *
 *   client:  encodeAnnotations({ subgoal_target }, rows)   → StepRequest.annotations
 *   server:  decodeAnnotations(step.annotations, rows)     → checked; rowTensors(i) for env i's frame
 *   watcher: decodeFrameAnnotations(frame.annotations)     → { subgoal_target: Float32Array [2] }
 */
import { SimbridgeError } from "../core/errors.js";
import { listText, quote } from "../core/quote.js";
import type { Annotations } from "../env/vector-env.js";
import type { Tensor, Tensor__Output } from "./generated/simbridge/v1/Tensor.js";
import { decodeTensor, dtypeFromWire, encodeTensor } from "./tensor-codec.js";

/** The handshake capability of a server that takes `StepRequest.annotations` and relays them to watchers. */
export const AGENT_ANNOTATIONS_CAPABILITY = "agent_annotations";
/** Most annotations one step request may carry. */
export const MAX_ANNOTATIONS = 8;
/** Most values one annotation may hold per env. */
export const MAX_ANNOTATION_VALUES = 256;
/** Most dimensions of an annotation tensor, the env dimension included. */
export const MAX_ANNOTATION_DIMS = 8;
/** What an annotation's name must match. */
export const ANNOTATION_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** Throws INVALID_ARGUMENT unless `name` is an allowed annotation name. */
function checkName(name: string): void {
  if (!ANNOTATION_NAME.test(name)) {
    throw SimbridgeError.invalidArgument(`annotations: name ${quote(name)} is not allowed (names match ${ANNOTATION_NAME.source})`, "annotations");
  }
}

/** Checks the dimensions of annotation `name` of `rows` envs; returns its values per env. */
function checkShape(name: string, shape: readonly number[], rows: number): number {
  const field = `annotations.${name}`;
  if (shape.length < 1 || shape.length > MAX_ANNOTATION_DIMS || shape[0] !== rows) {
    throw SimbridgeError.invalidArgument(
      `${field}: expected shape [${rows}, ...] (one row per env stepped, at most ${MAX_ANNOTATION_DIMS} dimensions) but got ${listText(shape)}`,
      field,
    );
  }
  let per = 1;
  for (let d = 1; d < shape.length; d++) per *= shape[d]!; // at most 7 uint32 factors: finite
  if (per > MAX_ANNOTATION_VALUES) {
    const count = Number.isSafeInteger(per) ? String(per) : "more than 2^53";
    throw SimbridgeError.invalidArgument(`${field}: shape ${listText(shape)} holds ${count} values per env; at most ${MAX_ANNOTATION_VALUES} are allowed`, field);
  }
  return per;
}

/** Checks that every value of annotation `name` ([rows × per]) is finite. */
function checkValues(name: string, data: Float32Array, per: number): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) {
      const field = `annotations.${name}`;
      throw SimbridgeError.invalidArgument(`${field}: element ${i % per} of row ${Math.floor(i / per)} is ${v}; values must be finite`, field);
    }
  }
}

/**
 * Whether a server with the capability takes `annotations` for `rows` envs
 * as `encodeAnnotations` sends them (each [rows, length / rows]): the same
 * checks, for a sender that would rather leave an annotation out than fail
 * its step (the collector).
 */
export function annotationsFit(annotations: Annotations, rows: number): boolean {
  const names = Object.keys(annotations);
  if (names.length > MAX_ANNOTATIONS || rows < 1) return false;
  try {
    for (const name of names) {
      const values = annotations[name]!;
      if (values.length % rows !== 0) return false;
      checkName(name);
      checkValues(name, values, checkShape(name, [rows, values.length / rows], rows));
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * `annotations` as the request field: each [rows, size] FLOAT32 (size =
 * length / rows), or [length] when the length is not a multiple of `rows`, so
 * that the server names the mismatch. Sent as they are (no copy); the map has
 * no prototype, so every name travels as an ordinary key.
 */
export function encodeAnnotations(annotations: Annotations, rows: number): Record<string, Tensor> {
  const out = Object.create(null) as Record<string, Tensor>;
  for (const name of Object.keys(annotations)) {
    const values = annotations[name]!;
    const shape = rows > 0 && values.length % rows === 0 ? [rows, values.length / rows] : [values.length];
    out[name] = encodeTensor(values, shape, "float32");
  }
  return out;
}

/** One checked annotation of a step request. */
interface Checked {
  readonly name: string;
  /** [rows × per]. */
  readonly data: Float32Array;
  readonly per: number;
  /** The per-env shape: the tensor's shape without its first dimension. */
  readonly shape: readonly number[];
}

/** A step request's annotations after every check: each row as a frame's annotations, on demand. */
export class CheckedAnnotations {
  constructor(private readonly list: readonly Checked[]) {}

  get names(): string[] {
    return this.list.map((a) => a.name);
  }

  /** Row `row` of every annotation, as WatchFrame.annotations (copies, prototype-free). */
  rowTensors(row: number): Record<string, Tensor> {
    const out = Object.create(null) as Record<string, Tensor>;
    for (const a of this.list) out[a.name] = encodeTensor(a.data.slice(row * a.per, (row + 1) * a.per), a.shape, "float32");
    return out;
  }
}

/**
 * Checks a step request's annotations for `rows` envs (the rules are in the
 * header) and returns them, or undefined when there are none. Throws
 * INVALID_ARGUMENT naming the annotation at the first problem. Cheap whatever
 * was sent: the count is checked before any name, a name before its tensor,
 * the dtype and shape before any byte is read.
 */
export function decodeAnnotations(wire: Readonly<Record<string, Tensor__Output>> | null | undefined, rows: number): CheckedAnnotations | undefined {
  if (!wire) return undefined;
  const names = Object.keys(wire);
  if (names.length === 0) return undefined;
  if (names.length > MAX_ANNOTATIONS) {
    throw SimbridgeError.invalidArgument(
      `annotations: ${names.length} names (${names.slice(0, 3).map((n) => quote(n, 40)).join(", ")}, …); at most ${MAX_ANNOTATIONS} are allowed`,
      "annotations",
    );
  }
  const list: Checked[] = [];
  for (const name of names) {
    checkName(name);
    const field = `annotations.${name}`;
    const tensor = wire[name];
    const dtype = dtypeFromWire(tensor?.dtype as number | undefined, field);
    if (dtype !== "float32") throw SimbridgeError.invalidArgument(`${field}: expected dtype float32 but got ${dtype}`, field);
    const shape = (tensor!.shape ?? []).map(Number);
    const per = checkShape(name, shape, rows);
    const data = decodeTensor(tensor, field).data as Float32Array; // the byte count against the shape
    checkValues(name, data, per);
    list.push({ name, data, per, shape: shape.slice(1) });
  }
  return new CheckedAnnotations(list);
}

/** WatchFrame.annotations as Float32Arrays by name (prototype-free); an empty object when the frame has none. */
export function decodeFrameAnnotations(wire: Readonly<Record<string, Tensor__Output>> | null | undefined): Record<string, Float32Array> {
  const out = Object.create(null) as Record<string, Float32Array>;
  for (const name of Object.keys(wire ?? {})) {
    const d = decodeTensor(wire![name], `annotations.${name}`).data;
    out[name] = d instanceof Float32Array ? d : Float32Array.from(d);
  }
  return out;
}
