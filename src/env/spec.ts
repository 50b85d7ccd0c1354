/**
 * Specs: what an environment's tensors look like (after dm_env's `specs.py`).
 *
 * A spec names a tensor, fixes its dtype and shape, and may bound every element.
 * `validateArray` is the one place inputs are checked; its messages name the
 * field and the offending value ("action: expected shape [2] but got [3]").
 */
import { SimbridgeError } from "../core/errors.js";
import { listText } from "../core/quote.js";

/** Element types that travel on the wire (little-endian). */
export type DType = "float32" | "float64" | "int32" | "int64" | "uint8" | "bool";

/** Any typed array a tensor can be held in. */
export type NumericArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export interface ArraySpec {
  /** Field name, used in error messages ("action", "observation", ...). */
  readonly name: string;
  readonly dtype: DType;
  /** Shape of one env's tensor (no batch dimension). */
  readonly shape: readonly number[];
  /** Per-element lower bounds (length = product of shape), or undefined when unbounded. */
  readonly minimum?: Float64Array;
  /** Per-element upper bounds (length = product of shape), or undefined when unbounded. */
  readonly maximum?: Float64Array;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function boundedSpec(
  name: string,
  shape: readonly number[],
  low: number | readonly number[],
  high: number | readonly number[],
  dtype: DType = "float32",
): ArraySpec {
  const n = sizeOf(shape);
  const fill = (v: number | readonly number[]) => {
    if (typeof v === "number") return new Float64Array(n).fill(v);
    if (v.length !== n) throw new Error(`${name}: bounds have ${v.length} elements, shape needs ${n}`);
    return Float64Array.from(v);
  };
  return { name, dtype, shape: [...shape], minimum: fill(low), maximum: fill(high) };
}

export function unboundedSpec(name: string, shape: readonly number[], dtype: DType = "float32"): ArraySpec {
  return { name, dtype, shape: [...shape] };
}

/** `[2, 3]`; a shape a client sent may be long, so at most 32 dimensions are shown. */
export function shapeString(shape: readonly number[]): string {
  return listText(shape);
}

/**
 * Checks a batch of `batch` tensors (shape [batch, ...spec.shape]) against a
 * spec: shape, element count, finiteness (float dtypes).
 * Bounds are not enforced here: actions are clipped by the task (documented per task).
 * Throws INVALID_ARGUMENT naming the field, env index and value.
 */
export function validateArray(
  spec: ArraySpec,
  data: NumericArray,
  shape: readonly number[],
  batch: number,
): void {
  const expected = [batch, ...spec.shape];
  if (shape.length !== expected.length || shape.some((d, i) => d !== expected[i])) {
    throw SimbridgeError.invalidArgument(
      `${spec.name}: expected shape ${shapeString(expected)} but got ${shapeString(shape)}`,
      spec.name,
    );
  }
  if (data.length !== sizeOf(expected)) {
    throw SimbridgeError.invalidArgument(
      `${spec.name}: expected ${sizeOf(expected)} elements for shape ${shapeString(expected)} but got ${data.length}`,
      spec.name,
    );
  }
  if (data instanceof Float32Array || data instanceof Float64Array) {
    const per = sizeOf(spec.shape);
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (!Number.isFinite(v)) {
        throw SimbridgeError.invalidArgument(
          `${spec.name}: element ${i % per} of env ${Math.floor(i / per)} is ${v}; values must be finite`,
          spec.name,
        );
      }
    }
  }
}
