/**
 * Checkpoints of named networks and their optimisers, as plain files any language can
 * read (no tfjs-node file IO):
 *
 *   <dir>/manifest.json   format, every tensor's name, shape, byte offset and length,
 *                         optimiser hyperparameters and step counts, caller metadata
 *   <dir>/weights.bin     the tensors back to back, float32 little-endian
 *
 * Tensor names: `networks/<net>/<i>` for the i-th trainable variable of a network
 * (kernel, bias per layer for an Mlp) and `optimizers/<opt>/m/<i>`, `.../v/<i>` for
 * Adam's moments. Loading writes into networks and optimisers the caller has already
 * built with the same shapes; values are restored bit for bit, so outputs and the next
 * Adam step are identical to those of the saved process.
 *
 * Files are written to temporary names and renamed (weights first, manifest last), so
 * a crash mid-save leaves the previous checkpoint readable.
 */
import * as tf from "@tensorflow/tfjs";
import { readFileSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Adam } from "./adam.js";

export const CHECKPOINT_FORMAT = "simbridge-nn";
export const CHECKPOINT_VERSION = 1;

/** Anything whose weights are a fixed, ordered list of variables (Mlp, Dense, …). */
export interface HasVariables {
  readonly trainableVariables: tf.Variable[];
}

export interface TensorEntry {
  name: string;
  shape: number[];
  /** Byte offset into weights.bin. */
  offset: number;
  /** Byte length (4 × size). */
  bytes: number;
}

export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  dtype: "float32";
  byteOrder: "little";
  tensors: TensorEntry[];
  networks: Record<string, { variables: number }>;
  optimizers: Record<string, { kind: "adam"; step: number; learningRate: number; beta1: number; beta2: number; epsilon: number; variables: number }>;
  /** Free-form JSON the caller stored (step counters, args, normaliser stats, …). */
  meta?: unknown;
}

export interface CheckpointContents {
  networks: Record<string, HasVariables>;
  optimizers?: Record<string, Adam>;
  meta?: unknown;
}

/** Writes networks, optimiser states and metadata to `dir` (created if needed). */
export async function saveCheckpoint(dir: string, contents: CheckpointContents): Promise<CheckpointManifest> {
  const tensors: TensorEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const add = async (name: string, t: tf.Tensor) => {
    if (t.dtype !== "float32") throw new Error(`Tensor ${name} has dtype ${t.dtype}; checkpoints hold float32 only`);
    const bytes = toLittleEndian((await t.data()) as Float32Array);
    tensors.push({ name, shape: [...t.shape], offset, bytes: bytes.byteLength });
    chunks.push(bytes);
    offset += bytes.byteLength;
  };

  const networks: CheckpointManifest["networks"] = {};
  for (const [net, value] of Object.entries(contents.networks)) {
    checkName(net);
    const vars = value.trainableVariables;
    networks[net] = { variables: vars.length };
    for (let i = 0; i < vars.length; i++) await add(`networks/${net}/${i}`, vars[i]!);
  }
  const optimizers: CheckpointManifest["optimizers"] = {};
  for (const [name, opt] of Object.entries(contents.optimizers ?? {})) {
    checkName(name);
    const state = opt.getState();
    try {
      optimizers[name] = { kind: "adam", step: state.step, learningRate: opt.learningRate, beta1: opt.beta1, beta2: opt.beta2, epsilon: opt.epsilon, variables: state.m.length };
      for (let i = 0; i < state.m.length; i++) await add(`optimizers/${name}/m/${i}`, state.m[i]!);
      for (let i = 0; i < state.v.length; i++) await add(`optimizers/${name}/v/${i}`, state.v[i]!);
    } finally {
      tf.dispose([...state.m, ...state.v]);
    }
  }

  const manifest: CheckpointManifest = { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, dtype: "float32", byteOrder: "little", tensors, networks, optimizers };
  if (contents.meta !== undefined) manifest.meta = contents.meta;

  await mkdir(dir, { recursive: true });
  const suffix = `.tmp-${process.pid}-${Date.now()}`;
  const weightsPath = path.join(dir, "weights.bin");
  const manifestPath = path.join(dir, "manifest.json");
  await writeFile(weightsPath + suffix, Buffer.concat(chunks));
  await writeFile(manifestPath + suffix, JSON.stringify(manifest, null, 2) + "\n");
  await rename(weightsPath + suffix, weightsPath);
  await rename(manifestPath + suffix, manifestPath);
  return manifest;
}

/** Reads `dir/manifest.json` (validated) without touching any tensors. */
export async function readManifest(dir: string): Promise<CheckpointManifest> {
  const file = path.join(dir, "manifest.json");
  return parseManifest(file, () => readFile(file, "utf8"));
}

/** `readManifest`, synchronously (for constructors that load weights, e.g. a frozen low level). */
export function readManifestSync(dir: string): CheckpointManifest {
  const file = path.join(dir, "manifest.json");
  return parseManifest(file, () => readFileSync(file, "utf8"));
}

function parseManifest(file: string, read: () => string): CheckpointManifest;
function parseManifest(file: string, read: () => Promise<string>): Promise<CheckpointManifest>;
function parseManifest(file: string, read: () => string | Promise<string>): CheckpointManifest | Promise<CheckpointManifest> {
  const parse = (text: string): CheckpointManifest => {
    let manifest: CheckpointManifest;
    try {
      manifest = JSON.parse(text) as CheckpointManifest;
    } catch (error) {
      throw new Error(`Cannot read checkpoint manifest ${file}: ${(error as Error).message}`, { cause: error });
    }
    if (manifest.format !== CHECKPOINT_FORMAT) throw new Error(`${file} is not a ${CHECKPOINT_FORMAT} checkpoint (format ${JSON.stringify(manifest.format)})`);
    if (manifest.version !== CHECKPOINT_VERSION) throw new Error(`${file} has checkpoint version ${manifest.version}; this build reads version ${CHECKPOINT_VERSION}`);
    return manifest;
  };
  const unreadable = (error: unknown): never => {
    throw new Error(`Cannot read checkpoint manifest ${file}: ${(error as Error).message}`, { cause: error });
  };
  let text: string | Promise<string>;
  try {
    text = read();
  } catch (error) {
    return unreadable(error);
  }
  return typeof text === "string" ? parse(text) : text.then(parse, unreadable);
}

/**
 * Restores the networks and optimisers named in `contents` from `dir` (each must be in
 * the checkpoint, with the same shapes) and returns the manifest (with `meta`).
 * Checkpoint entries not asked for are ignored.
 */
export async function loadCheckpoint(dir: string, contents: CheckpointContents): Promise<CheckpointManifest> {
  const manifest = await readManifest(dir);
  return restore(dir, manifest, await readFile(path.join(dir, "weights.bin")), contents);
}

/** `loadCheckpoint`, synchronously. */
export function loadCheckpointSync(dir: string, contents: CheckpointContents): CheckpointManifest {
  const manifest = readManifestSync(dir);
  return restore(dir, manifest, readFileSync(path.join(dir, "weights.bin")), contents);
}

function restore(dir: string, manifest: CheckpointManifest, blob: Uint8Array, contents: CheckpointContents): CheckpointManifest {
  const byName = new Map(manifest.tensors.map((t) => [t.name, t]));
  const read = (name: string, expectedShape: readonly number[]): Float32Array => {
    const entry = byName.get(name);
    if (entry === undefined) throw new Error(`Checkpoint ${dir} has no tensor ${name}`);
    if (entry.shape.length !== expectedShape.length || entry.shape.some((d, i) => d !== expectedShape[i])) {
      throw new Error(`Checkpoint tensor ${name}: expected shape [${expectedShape.join(", ")}] but got [${entry.shape.join(", ")}]`);
    }
    const size = entry.shape.reduce((a, b) => a * b, 1);
    if (entry.bytes !== 4 * size || entry.offset < 0 || entry.offset + entry.bytes > blob.byteLength) {
      throw new Error(`Checkpoint tensor ${name} lies outside weights.bin (offset ${entry.offset}, ${entry.bytes} bytes of ${blob.byteLength})`);
    }
    return fromLittleEndian(blob, entry.offset, size);
  };

  // Read and validate everything first, then assign: a bad checkpoint changes nothing.
  const assignments: Array<[tf.Variable, Float32Array]> = [];
  for (const [net, value] of Object.entries(contents.networks)) {
    const info = manifest.networks[net];
    if (info === undefined) throw new Error(`Checkpoint ${dir} has no network "${net}" (it has ${Object.keys(manifest.networks).join(", ") || "none"})`);
    const vars = value.trainableVariables;
    if (info.variables !== vars.length) throw new Error(`Network "${net}": checkpoint has ${info.variables} weight tensors but the network has ${vars.length}`);
    vars.forEach((v, i) => assignments.push([v, read(`networks/${net}/${i}`, v.shape)]));
  }
  const states: Array<[Adam, number, Float32Array[], Float32Array[]]> = [];
  for (const [name, opt] of Object.entries(contents.optimizers ?? {})) {
    const info = manifest.optimizers[name];
    if (info === undefined) throw new Error(`Checkpoint ${dir} has no optimizer "${name}"`);
    const vars = opt.variables;
    if (info.variables !== vars.length) throw new Error(`Optimizer "${name}": checkpoint has ${info.variables} variables but the optimizer has ${vars.length}`);
    const m = vars.map((v, i) => read(`optimizers/${name}/m/${i}`, v.shape));
    const v = vars.map((w, i) => read(`optimizers/${name}/v/${i}`, w.shape));
    states.push([opt, info.step, m, v]);
  }

  tf.tidy(() => {
    for (const [variable, data] of assignments) variable.assign(tf.tensor(data, variable.shape, "float32"));
  });
  for (const [opt, step, m, v] of states) {
    const mt = m.map((d, i) => tf.tensor(d, opt.variables[i]!.shape, "float32"));
    const vt = v.map((d, i) => tf.tensor(d, opt.variables[i]!.shape, "float32"));
    try {
      opt.setState({ step, m: mt, v: vt });
    } finally {
      tf.dispose([...mt, ...vt]);
    }
  }
  return manifest;
}

function checkName(name: string): void {
  if (name === "" || name.includes("/")) throw new Error(`Checkpoint entry names must be non-empty and contain no "/": ${JSON.stringify(name)}`);
}

const hostIsLittleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function toLittleEndian(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.byteLength);
  if (hostIsLittleEndian) {
    bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  } else {
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i]!, true);
  }
  return bytes;
}

function fromLittleEndian(blob: Uint8Array, offset: number, size: number): Float32Array {
  const out = new Float32Array(size);
  if (hostIsLittleEndian) {
    new Uint8Array(out.buffer).set(blob.subarray(offset, offset + 4 * size));
  } else {
    const view = new DataView(blob.buffer, blob.byteOffset + offset, 4 * size);
    for (let i = 0; i < size; i++) out[i] = view.getFloat32(4 * i, true);
  }
  return out;
}
