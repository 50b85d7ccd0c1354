/**
 * Raw-byte checkpoints for replay storage.
 *
 * Layout: magic "SBRP", format version (u32), header length (u32), a UTF-8 JSON
 * header, zero padding to an 8-byte boundary, then every array's raw bytes in
 * header order, each padded to 8 bytes. Numbers are little-endian (the wire
 * format of the protocol); a big-endian host is refused rather than silently
 * writing a checkpoint nobody else can read.
 *
 * Used by the ring buffer, the episode buffer and the HER buffer; not part of
 * the public replay API.
 */
import { SimbridgeError } from "../core/errors.js";

const MAGIC = 0x50524253; // "SBRP" read as a little-endian u32
const VERSION = 1;

export type StoredArray = Float32Array | Float64Array | Uint8Array;
type DTypeName = "float32" | "float64" | "uint8";

interface ArrayEntry {
  readonly name: string;
  readonly dtype: DTypeName;
  readonly length: number;
}

function dtypeOf(a: StoredArray): DTypeName {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  return "uint8";
}

function checkLittleEndian(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw SimbridgeError.failedPrecondition("replay checkpoints are little-endian; this host is big-endian");
  }
}

const pad8 = (n: number) => (n + 7) & ~7;

/** Packs a JSON header and named typed arrays into one byte array. */
export function packArrays(header: Record<string, unknown>, arrays: Readonly<Record<string, StoredArray>>): Uint8Array {
  checkLittleEndian();
  const entries: ArrayEntry[] = Object.entries(arrays).map(([name, a]) => ({ name, dtype: dtypeOf(a), length: a.length }));
  const json = new TextEncoder().encode(JSON.stringify({ ...header, arrays: entries }));
  let total = pad8(12 + json.length);
  for (const a of Object.values(arrays)) total += pad8(a.byteLength);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, json.length, true);
  bytes.set(json, 12);
  let offset = pad8(12 + json.length);
  for (const a of Object.values(arrays)) {
    bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offset);
    offset += pad8(a.byteLength);
  }
  return bytes;
}

/** Unpacks what `packArrays` wrote. The arrays are fresh copies (8-byte aligned). */
export function unpackArrays(bytes: Uint8Array): { header: Record<string, unknown>; arrays: Record<string, StoredArray> } {
  checkLittleEndian();
  if (bytes.byteLength < 12) throw SimbridgeError.invalidArgument(`replay checkpoint: expected at least 12 bytes but got ${bytes.byteLength}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw SimbridgeError.invalidArgument("replay checkpoint: bad magic (not a simbridge replay checkpoint)");
  const version = view.getUint32(4, true);
  if (version !== VERSION) throw SimbridgeError.invalidArgument(`replay checkpoint: expected format version ${VERSION} but got ${version}`);
  const jsonLength = view.getUint32(8, true);
  if (12 + jsonLength > bytes.byteLength) throw SimbridgeError.invalidArgument("replay checkpoint: truncated header");
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + jsonLength))) as Record<string, unknown>;
  const entries = header["arrays"] as ArrayEntry[];
  const arrays: Record<string, StoredArray> = {};
  let offset = pad8(12 + jsonLength);
  for (const e of entries) {
    const Ctor = e.dtype === "float32" ? Float32Array : e.dtype === "float64" ? Float64Array : Uint8Array;
    const byteLength = e.length * Ctor.BYTES_PER_ELEMENT;
    if (offset + byteLength > bytes.byteLength) throw SimbridgeError.invalidArgument(`replay checkpoint: truncated array "${e.name}"`);
    const out = new Ctor(e.length);
    new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + byteLength));
    arrays[e.name] = out;
    offset += pad8(byteLength);
  }
  delete header["arrays"];
  return { header, arrays };
}

/** Base64 of a byte array (for JSON checkpoints). */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

export function fromBase64(text: string): Uint8Array {
  const b = Buffer.from(text, "base64");
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

