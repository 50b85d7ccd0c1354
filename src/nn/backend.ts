/**
 * Chooses the TF.js backend every network in the process runs on.
 *
 *   auto            tfjs-node-gpu if it is installed and finds a GPU, else tfjs-node if
 *                   installed, else WebAssembly (always available: a dependency).
 *   tensorflow-gpu  @tensorflow/tfjs-node-gpu (libtensorflow with CUDA).
 *   tensorflow      @tensorflow/tfjs-node (libtensorflow on the CPU, multithreaded).
 *   wasm            @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD).
 *   cpu             plain JavaScript kernels (slow; a reference for tests).
 *
 * The native packages are optional: they are not in package.json because their
 * install downloads libtensorflow. They are detected with a dynamic import.
 *
 * Threads: tfjs-backend-wasm 4.22 hard-codes "no multithreading" under Node
 * (WASM_HAS_MULTITHREAD_SUPPORT is false when IS_NODE, tfjs issue #3830), and
 * forcing the flag fails because its pthread workers are blob: URLs, which Node's
 * Worker rejects. So wasm runs XNNPACK on one thread here and `setThreadsCount` has no
 * effect; SIMD is detected and used. For multicore speed install tfjs-node.
 * Tried (issue 15, BENCHMARKS.md "Learner speed"): with the blob: files written
 * to disk and os.cpus() inflated (the build caps its pool at logical cores / 2,
 * i.e. 1 here) the threaded build runs in Node with 2 threads; the critic step
 * at batch 256 did not get faster (its GEMMs are too small to pay for waking a
 * second thread) and only the 1024-row step did (1.3×), so it is not wired in.
 */
import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import path from "node:path";

/** What the CLI accepts for --backend. */
export type BackendName = "auto" | "tensorflow-gpu" | "tensorflow" | "wasm" | "cpu";

export const BACKEND_NAMES: readonly BackendName[] = ["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"];

/** The backend in use: tfjs's name for it and a one-line human description. */
export interface BackendInfo {
  /** tf.getBackend(): "tensorflow", "wasm" or "cpu". */
  name: string;
  /** e.g. "wasm (SIMD, 1 thread)" or "tensorflow (@tensorflow/tfjs-node-gpu, GPU)". */
  detail: string;
}

/** Raised when an explicitly requested backend is not installed or cannot start. */
export class BackendUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BackendUnavailableError";
  }
}

const NODE_PKG = "@tensorflow/tfjs-node";
const GPU_PKG = "@tensorflow/tfjs-node-gpu";

/** Loads an optional package; tests replace it to simulate a missing package. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;
// A variable specifier keeps TypeScript from resolving the optional packages.
const defaultImporter: ModuleImporter = (specifier) => import(specifier);
let importer: ModuleImporter = defaultImporter;

/** Replaces how optional native packages are imported (tests only); no argument restores it. */
export function setModuleImporterForTests(fn?: ModuleImporter): void {
  importer = fn ?? defaultImporter;
  resolved.clear();
}

const resolved = new Map<BackendName, BackendInfo>();
let current: BackendInfo | undefined;
let pending: Promise<BackendInfo> = Promise.resolve({ name: "", detail: "" });

/**
 * Selects (and initialises) a backend; returns what is now in use. Idempotent: asking
 * again for the same name returns the same answer without re-initialising; calls are
 * serialised, so concurrent calls are safe.
 */
export function selectBackend(name: BackendName = "auto"): Promise<BackendInfo> {
  if (!BACKEND_NAMES.includes(name)) {
    return Promise.reject(new RangeError(`Unknown backend "${name}"; expected one of ${BACKEND_NAMES.join(", ")}`));
  }
  const run = async () => {
    const known = resolved.get(name);
    if (known !== undefined && current !== undefined && known.name === current.name && tf.getBackend() === current.name) return known;
    const info = await select(name);
    resolved.set(name, info);
    current = info;
    return info;
  };
  pending = pending.then(run, run);
  return pending;
}

/** The backend selected last, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

async function select(name: BackendName): Promise<BackendInfo> {
  switch (name) {
    case "cpu":
      await setBackend("cpu");
      return { name: "cpu", detail: "cpu (plain JavaScript kernels)" };
    case "wasm":
      return useWasm();
    case "tensorflow":
      return useNative(NODE_PKG, false);
    case "tensorflow-gpu":
      return useNative(GPU_PKG, true);
    case "auto": {
      // Packages that are installed but fail to load are skipped, and said so in `detail`.
      const notes: string[] = [];
      for (const pkg of [GPU_PKG, NODE_PKG]) {
        const result = await tryImport(pkg);
        // tfjs-node-gpu without a visible GPU still runs on the CPU, like tfjs-node;
        // importing tfjs-node as well would load a second libtensorflow.
        if (result.ok) return useNative(pkg, false);
        if (!result.missing) notes.push(`${pkg} failed to load: ${errorMessage(result.error)}`);
      }
      const info = await useWasm();
      return notes.length === 0 ? info : { ...info, detail: `${info.detail}; ${notes.join("; ")}` };
    }
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function setBackend(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new BackendUnavailableError(`The TF.js backend "${name}" failed to initialise.`);
  await tf.ready();
}

let wasmConfigured = false;

async function useWasm(): Promise<BackendInfo> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  if (!wasmConfigured && tf.findBackend("wasm") === null) {
    // In Node the .wasm binaries must be located explicitly: the dist/ folder of the package.
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) + path.sep;
    wasm.setWasmPaths(dir);
  }
  wasmConfigured = true;
  await setBackend("wasm");
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const threads = wasm.getThreadsCount();
  return { name: "wasm", detail: `wasm (${simd ? "SIMD" : "no SIMD"}, ${threads} thread${threads === 1 ? "" : "s"})` };
}

interface ImportResult {
  ok: boolean;
  /** True when the package itself is absent (as opposed to failing to load). */
  missing: boolean;
  error?: unknown;
}

const imports = new Map<string, Promise<ImportResult>>();

function tryImport(pkg: string): Promise<ImportResult> {
  let p = imports.get(pkg);
  if (p === undefined || importer !== defaultImporter) {
    p = importer(pkg).then(
      () => ({ ok: true, missing: false }),
      (error: unknown) => ({ ok: false, missing: isModuleNotFound(error, pkg), error }),
    );
    if (importer === defaultImporter) imports.set(pkg, p);
  }
  return p;
}

function isModuleNotFound(error: unknown, pkg: string): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  const code = e?.code ?? "";
  return (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && (e?.message ?? "").includes(pkg);
}

async function useNative(pkg: string, requireGpu: boolean): Promise<BackendInfo> {
  const result = await tryImport(pkg);
  if (!result.ok) {
    const install = `npm install ${pkg}`;
    const why = result.missing
      ? `${pkg} is not installed.`
      : `${pkg} is installed but failed to load (${errorMessage(result.error)}).`;
    throw new BackendUnavailableError(
      `Backend "${pkg === GPU_PKG ? "tensorflow-gpu" : "tensorflow"}" is unavailable: ${why} ` +
        `Install it with \`${install}\` (it downloads libtensorflow${pkg === GPU_PKG ? " and needs CUDA" : ""}), ` +
        `or use --backend wasm, which needs nothing extra.`,
      { cause: result.error },
    );
  }
  await setBackend("tensorflow");
  const backend = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
  const gpu = backend.isUsingGpuDevice === true;
  if (requireGpu && !gpu) {
    throw new BackendUnavailableError(`Backend "tensorflow-gpu": ${pkg} loaded but found no GPU (check CUDA and the driver), use --backend tensorflow or auto.`);
  }
  return { name: "tensorflow", detail: `tensorflow (${pkg}, ${gpu ? "GPU" : "CPU"})` };
}
