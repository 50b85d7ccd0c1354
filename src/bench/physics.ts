/**
 * `simbridge bench physics`: what the task layer costs on top of the physics.
 *
 * On one MuJoCo task, measured in the same process and interleaved in rounds:
 * - raw: random controls written straight into `ctrl` and `frame_skip` raw
 *   `mj_step` calls per control step (reset only when the model leaves its
 *   healthy states, e.g. a fallen Ant) — the baseline;
 * - env: `Task.step` with the same random actions (clipping, observation,
 *   reward, episode bookkeeping), resetting when an episode ends.
 * Rates are medians over the rounds; `env_over_raw_overhead` is
 * raw control-step rate / env step rate − 1 (0.05 = the task layer adds 5 %).
 *
 * Optional native baseline: when gcc and native MuJoCo (Debian `libmujoco-dev`)
 * are present, `sims/mujoco/native/bench.c` is compiled into a temp dir and
 * times mj_step on the same MJCF text. Otherwise `native_note` says why.
 * Native MuJoCo from Debian is 2.2, the WASM build is 3.x: the ratio compares
 * builds, not only WASM vs native code.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Rng } from "../core/rng.js";
import { StepStatus } from "../env/task.js";
import { SimbridgeError } from "../core/errors.js";
import { mujocoTaskFactories } from "../../sims/mujoco/index.js";
import { MujocoTask } from "../../sims/mujoco/mujoco-task.js";

export interface PhysicsBenchOptions {
  /** A MuJoCo task name, e.g. "Ant-v5". */
  readonly task: string;
  /** Total seconds of timed stepping in WASM (split over rounds, raw and env); default 3. */
  readonly seconds?: number;
  /** Seed of the task and of the random actions; default 0. */
  readonly seed?: number;
}

export interface PhysicsBenchResult {
  task: string;
  frame_skip: number;
  seconds: number;
  seed: number;
  rounds: number;
  mujoco_version: string;
  /** Raw mj_step calls per second (median over rounds). */
  mj_steps_per_s: number;
  /** Task.step calls per second (median over rounds). */
  env_steps_per_s: number;
  /** mj_step calls per second implied by env_steps_per_s (× frame_skip). */
  env_mj_steps_per_s: number;
  /** raw control steps per second / env steps per second − 1. */
  env_over_raw_overhead: number;
  /** Native MuJoCo mj_step per second on the same model (median), when available. */
  native_mj_steps_per_s?: number;
  native_mujoco_version?: string;
  /** mj_steps_per_s / native_mj_steps_per_s. */
  wasm_over_native?: number;
  /** Why there is no native baseline, or a caveat about it. */
  native_note?: string;
}

const ROUNDS = 5;
/** Control steps between clock reads. */
const CHUNK = 32;

export async function benchPhysics(opts: PhysicsBenchOptions): Promise<PhysicsBenchResult> {
  const seconds = opts.seconds ?? 3;
  const seed = opts.seed ?? 0;
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw SimbridgeError.invalidArgument(`seconds must be positive, got ${seconds}`, "seconds");
  if (!Number.isSafeInteger(seed) || seed < 0) throw SimbridgeError.invalidArgument(`seed must be a non-negative integer, got ${seed}`, "seed");
  const task = await openMujocoTask(opts.task, "bench physics");
  try {
    const result = measureWasm(task, seconds, seed);
    return { ...result, ...nativeBaseline(task, seconds, seed, result.mj_steps_per_s) };
  } finally {
    task.close();
  }
}

/** A MuJoCo task by name, with its default options; `who` names the caller in the error for an unknown name. */
export async function openMujocoTask(name: string, who: string): Promise<MujocoTask> {
  const factory = mujocoTaskFactories.find((f) => f.name === name);
  if (factory === undefined) {
    throw SimbridgeError.notFound(`${who}: no MuJoCo task "${name}" (known: ${mujocoTaskFactories.map((f) => f.name).join(", ")})`, "task");
  }
  const task = await factory.create({});
  if (!(task instanceof MujocoTask)) {
    task.close();
    throw new Error(`${name} is not a MuJoCo task`);
  }
  return task;
}

function measureWasm(task: MujocoTask, seconds: number, seed: number) {
  const sim = task.sim;
  const frameSkip = task.frameSkip;
  const nu = task.spec.action.shape[0]!;
  const low = task.spec.action.minimum!;
  const high = task.spec.action.maximum!;
  // A pool of random actions drawn up front, shared by both loops, so that
  // neither pays for random numbers inside the timing.
  const rng = new Rng(seed);
  const pool = Array.from({ length: 1024 }, () => Float32Array.from({ length: nu }, (_, i) => rng.uniformRange(low[i]!, high[i]!)));
  let next = 0;
  const resetSeed = new Rng(seed + 1);

  task.reset(seed, {});
  const raw = (n: number) => {
    const mj = sim.mj;
    const step = mj.mj_step;
    const m = sim.model;
    const d = sim.data;
    for (let s = 0; s < n; s++) {
      sim.refresh();
      const ctrl = sim.ctrl;
      const a = pool[next++ & 1023]!;
      for (let i = 0; i < nu; i++) ctrl[i] = a[i]!;
      for (let k = 0; k < frameSkip; k++) step(m, d);
      if (task.needsReset()) task.reset(resetSeed.nextSeed(), {});
    }
  };
  const env = (n: number) => {
    const out = task.out;
    for (let s = 0; s < n; s++) {
      task.step(pool[next++ & 1023]!);
      if (out.status !== StepStatus.RUNNING) task.reset(resetSeed.nextSeed(), {});
    }
  };
  /** Control steps per second of `loop` over `ms` milliseconds. */
  const timed = (loop: (n: number) => void, ms: number) => {
    let steps = 0;
    const start = performance.now();
    let now = start;
    do {
      loop(CHUNK);
      steps += CHUNK;
      now = performance.now();
    } while (now - start < ms);
    return (steps * 1000) / (now - start);
  };

  const perLoopMs = (seconds * 1000) / (2 * ROUNDS);
  // Warm-up: let the JIT compile both loops before timing.
  timed(raw, Math.min(200, perLoopMs));
  timed(env, Math.min(200, perLoopMs));
  const rawRates: number[] = [];
  const envRates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    task.reset(seed + r, {});
    rawRates.push(timed(raw, perLoopMs));
    task.reset(seed + r, {});
    envRates.push(timed(env, perLoopMs));
  }
  const rawControl = median(rawRates);
  const envRate = median(envRates);
  return {
    task: task.spec.name,
    frame_skip: frameSkip,
    seconds,
    seed,
    rounds: ROUNDS,
    mujoco_version: sim.mj.mj_versionString(),
    mj_steps_per_s: round(rawControl * frameSkip),
    env_steps_per_s: round(envRate),
    env_mj_steps_per_s: round(envRate * frameSkip),
    env_over_raw_overhead: Math.round((rawControl / envRate - 1) * 1e4) / 1e4,
  };
}

/** Native MuJoCo's mj_step rate on a task's model (median over rounds), or why there is none. */
export type NativePhysics =
  | { available: true; mj_steps_per_s: number; mujoco_version: string; note: string }
  | { available: false; reason: string };

/** Maps the native measurement onto bench physics' report fields. */
function nativeBaseline(
  task: MujocoTask,
  seconds: number,
  seed: number,
  wasmRate: number,
): Pick<PhysicsBenchResult, "native_mj_steps_per_s" | "native_mujoco_version" | "wasm_over_native" | "native_note"> {
  const native = measureNativePhysics(task, seconds / 2, seed);
  if (!native.available) return { native_note: native.reason };
  return {
    native_mj_steps_per_s: native.mj_steps_per_s,
    native_mujoco_version: native.mujoco_version,
    wasm_over_native: Math.round((wasmRate / native.mj_steps_per_s) * 1e4) / 1e4,
    native_note: native.note,
  };
}

/**
 * Compiles and runs sims/mujoco/native/bench.c when gcc and libmujoco-dev are
 * there: raw mj_step with random controls on the task's MJCF for
 * `nativeSeconds` in all (split over rounds).
 */
export function measureNativePhysics(task: MujocoTask, nativeSeconds: number, seed: number): NativePhysics {
  const unavailable = (reason: string): NativePhysics => ({ available: false, reason });
  const source = findNativeSource();
  if (source === undefined) return unavailable("sims/mujoco/native/bench.c not found next to the installed package");
  if (!commandWorks("gcc", ["--version"])) return unavailable("gcc not found: install gcc to get the native baseline");
  if (!existsSync("/usr/include/mujoco/mujoco.h")) {
    return unavailable("native MuJoCo not installed (Debian package libmujoco-dev): no native baseline");
  }
  const dir = mkdtempSync(join(tmpdir(), "simbridge-native-bench-"));
  try {
    const exe = join(dir, "bench");
    const cc = spawnSync("gcc", ["-O2", "-o", exe, source, "-lmujoco", "-lm"], { encoding: "utf8", timeout: 120_000 });
    if (cc.status !== 0) return unavailable(`gcc failed to build the native baseline: ${firstLine(cc.stderr || String(cc.error))}`);
    const xmlPath = join(dir, "model.xml");
    // MuJoCo 2.2 does not know <size memory="..."/> (MuJoCo 3's arena size); its defaults do.
    writeFileSync(xmlPath, task.sim.xml.replace(/<size\s+memory="[^"]*"\s*\/>/g, ""));
    const z = task.healthyZRange();
    const args = [xmlPath, String(nativeSeconds), String(task.frameSkip), String(ROUNDS), String(seed), ...(z ? [String(z[0]), String(z[1])] : [])];
    const run = spawnSync(exe, args, { encoding: "utf8", timeout: nativeSeconds * 1000 + 60_000 });
    if (run.status !== 0) return unavailable(`native baseline failed: ${firstLine(run.stderr || String(run.error))}`);
    const parsed = JSON.parse(run.stdout) as { mujoco_version: number; rates: number[] };
    const v = parsed.mujoco_version;
    return {
      available: true,
      mj_steps_per_s: round(median(parsed.rates)),
      mujoco_version: `${Math.floor(v / 100)}.${Math.floor(v / 10) % 10}.${v % 10}`,
      note: "native MuJoCo is the system library (Debian ships 2.2), the WASM build is newer: the ratio compares builds too",
    };
  } catch (e) {
    return unavailable(`native baseline failed: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** bench.c from the source tree: walks up from this module (src/bench or dist/src/bench). */
function findNativeSource(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "sims", "mujoco", "native", "bench.c");
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const fromCwd = join(process.cwd(), "sims", "mujoco", "native", "bench.c");
  return existsSync(fromCwd) ? fromCwd : undefined;
}

function commandWorks(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: "ignore", timeout: 10_000 });
  return r.status === 0;
}

function firstLine(s: string): string {
  return s.trim().split("\n")[0] ?? "";
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function round(x: number): number {
  return Math.round(x);
}
