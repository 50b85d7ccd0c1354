/**
 * Tensor codec: typed arrays <-> `simbridge.v1.Tensor` (raw little-endian bytes,
 * dtype, shape). Encoding shares memory with the typed array (no copy); decoding
 * copies only when the received bytes are not aligned for the element type.
 */
import { endianness } from "node:os";
import type { DType, NumericArray } from "../env/spec.js";
import { sizeOf, shapeString } from "../env/spec.js";
import { SimbridgeError } from "../core/errors.js";
import type { Tensor } from "./generated/simbridge/v1/Tensor.js";
import { DType as GeneratedDType } from "./generated/simbridge/v1/DType.js";

if (endianness() !== "LE") {
  // Raw bytes map straight onto typed arrays only on little-endian hosts.
  throw new Error("simbridge needs a little-endian host (the wire format is little-endian)");
}

/** Wire enum values of `simbridge.v1.DType`, taken from the generated code. */
export const WireDType: Record<DType, 1 | 2 | 3 | 4 | 5 | 6> = {
  float32: GeneratedDType.FLOAT32,
  float64: GeneratedDType.FLOAT64,
  int32: GeneratedDType.INT32,
  int64: GeneratedDType.INT64,
  uint8: GeneratedDType.UINT8,
  bool: GeneratedDType.BOOL,
};
const dtypeOfWire: Record<number, DType> = Object.fromEntries(
  Object.entries(WireDType).map(([k, v]) => [v, k as DType]),
);

export function dtypeFromWire(value: number | string | undefined | null, field: string): DType {
  const d = typeof value === "number" ? dtypeOfWire[value] : undefined;
  if (!d) throw SimbridgeError.invalidArgument(`${field}: unknown or missing dtype ${String(value)}`, field);
  return d;
}

export function bytesPerElement(dtype: DType): number {
  switch (dtype) {
    case "float32":
    case "int32":
      return 4;
    case "float64":
    case "int64":
      return 8;
    case "uint8":
    case "bool":
      return 1;
  }
}

export function dtypeOf(array: NumericArray | BigInt64Array): DType {
  if (array instanceof Float32Array) return "float32";
  if (array instanceof Float64Array) return "float64";
  if (array instanceof Int32Array) return "int32";
  if (array instanceof BigInt64Array) return "int64";
  return "uint8";
}

/** Encodes a typed array as a Tensor without copying its bytes. */
export function encodeTensor(array: NumericArray, shape: readonly number[], dtype: DType = dtypeOf(array)): Tensor {
  if (sizeOf(shape) !== array.length) {
    throw new Error(`encodeTensor: shape ${shapeString(shape)} needs ${sizeOf(shape)} elements, array has ${array.length}`);
  }
  return {
    dtype: WireDType[dtype],
    shape: shape as number[],
    data: Buffer.from(array.buffer, array.byteOffset, array.byteLength),
  };
}

export interface DecodedTensor {
  dtype: DType;
  shape: number[];
  data: NumericArray;
}

/**
 * Decodes a Tensor into a typed array of its dtype, checking that the byte
 * length matches shape × element size. `field` names the tensor in errors.
 * INT64 tensors are not decodable into NumericArray and are refused.
 */
export function decodeTensor(tensor: Tensor | null | undefined, field: string): DecodedTensor {
  if (!tensor) throw SimbridgeError.invalidArgument(`${field}: missing tensor`, field);
  const dtype = dtypeFromWire(tensor.dtype as number, field);
  const shape = (tensor.shape ?? []).map(Number);
  const bytes = tensor.data ?? Buffer.alloc(0);
  const width = bytesPerElement(dtype);
  const n = sizeOf(shape);
  if (bytes.length !== n * width) {
    throw SimbridgeError.invalidArgument(
      `${field}: shape ${shapeString(shape)} of ${dtype} needs ${n * width} bytes but got ${bytes.length}`,
      field,
    );
  }
  const buf = bytes as Uint8Array;
  // Typed arrays need aligned offsets; protobuf hands out slices at any offset.
  const aligned = buf.byteOffset % width === 0;
  const source = aligned ? buf : new Uint8Array(buf); // a copy (Buffer#slice would not copy)
  switch (dtype) {
    case "float32":
      return { dtype, shape, data: new Float32Array(source.buffer, source.byteOffset, n) };
    case "float64":
      return { dtype, shape, data: new Float64Array(source.buffer, source.byteOffset, n) };
    case "int32":
      return { dtype, shape, data: new Int32Array(source.buffer, source.byteOffset, n) };
    case "uint8":
    case "bool":
      return { dtype, shape, data: new Uint8Array(source.buffer, source.byteOffset, n) };
    case "int64":
      throw SimbridgeError.invalidArgument(`${field}: INT64 tensors are not accepted here`, field);
  }
}
