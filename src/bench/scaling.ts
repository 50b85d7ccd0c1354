/**
 * `simbridge bench scaling`: how throughput and update time scale, with the
 * physical limit measured in the same run (issue 15).
 *
 * Env curve: env steps/s of random stepping at each count of envs per request,
 * in-process and through a loopback `simbridge serve` process (bridge.ts's
 * `throughput`, the same work on both sides), their ratio, and as the limit
 * native MuJoCo's raw mj_step rate on the same model, one env on one core,
 * turned into env steps/s by the frame skip (physics.ts).
 *
 * Update curve: one critic Adam step (update.ts's `criticStepMs`) at each batch
 * size (hidden fixed) and at each hidden size (batch fixed), and the same step
 * in PyTorch at each point when python3-torch is installed, both timed back to
 * back in each repeat; GFLOP/s from the matmul FLOPs make "still linear"
 * visible as a flat line.
 *
 * Rates are medians over `repeats`; in-process and gRPC alternate which goes
 * first, so a change of the machine's load hits both. The load average before
 * and after goes into the report: absolute figures on a shared machine mean
 * little without it.
 */
import { loadavg } from "node:os";
import { builtinRegistry } from "../../sims/catalog.js";
import { mujocoTaskFactories } from "../../sims/mujoco/index.js";
import { RemoteVectorEnv } from "../client/remote-vector-env.js";
import { SimbridgeError } from "../core/errors.js";
import { LocalVectorEnv } from "../env/local-vector-env.js";
import { selectBackend, type BackendName } from "../nn/backend.js";
import { renderLinePlot, type Series } from "../train/svg-plot.js";
import { throughput } from "./bridge.js";
import { startServeProcess } from "./child-process.js";
import { measureNativePhysics, openMujocoTask } from "./physics.js";
import { pytorchCriticStep, type PytorchCriticStep } from "./pytorch-critic-step.js";
import { SCALING_DEFAULTS, type ScalingCurve } from "./scaling-defaults.js";
import { criticStepMs, warmupFor } from "./update.js";

export type { ScalingCurve };

export interface ScalingBenchOptions {
  readonly curve?: ScalingCurve;
  /** The env curve's task. */
  readonly task?: string;
  /** Envs per request, one point each. */
  readonly envs?: readonly number[];
  /** Seconds of stepping per side, point and repeat. */
  readonly seconds?: number;
  /** Measurements per side and point, env and update curves (median reported). */
  readonly repeats?: number;
  /** Batch sizes of the batch curve, at `hiddenForBatches` hidden units. */
  readonly batches?: readonly number[];
  readonly hiddenForBatches?: number;
  /** Hidden sizes of the hidden curve, at `batchForHiddens` rows. */
  readonly hiddens?: readonly number[];
  readonly batchForHiddens?: number;
  /** Critic input size (obs + action; bench update's 32 + 8). */
  readonly inDim?: number;
  /** Timed critic steps per point (median reported). */
  readonly iters?: number;
  /** Seconds of native MuJoCo stepping for the limit. */
  readonly nativeSeconds?: number;
  readonly backend?: BackendName;
  /** Progress lines (the CLI passes stderr); none by default. */
  readonly log?: (line: string) => void;
}

export interface EnvPoint {
  envs_per_request: number;
  in_process_steps_per_s: number;
  grpc_steps_per_s: number;
  /** grpc / in-process. */
  ratio: number;
}

export type PhysicalLimit =
  | {
      available: true;
      what: string;
      native_mujoco_version: string;
      native_mj_steps_per_s: number;
      frame_skip: number;
      /** native_mj_steps_per_s / frame_skip. */
      env_steps_per_s: number;
      note: string;
    }
  | { available: false; reason: string };

export interface EnvCurve {
  task: string;
  seconds: number;
  repeats: number;
  points: EnvPoint[];
  physical_limit: PhysicalLimit;
}

export interface UpdatePoint {
  batch: number;
  hidden: number;
  simbridge_ms: number;
  /** 3 × the forward pass's matmul FLOPs per step / time. */
  simbridge_gflop_per_s: number;
  pytorch_ms?: number;
  pytorch_gflop_per_s?: number;
  /** simbridge_ms / pytorch_ms. */
  simbridge_over_pytorch?: number;
}

export interface UpdateCurve {
  backend: string;
  in_dim: number;
  iters: number;
  pytorch: { available: true; torch_version: string; threads: number; blas: string; openblas_coretype: string } | { available: false; reason: string };
  batch_curve: { hidden: number; points: UpdatePoint[] };
  hidden_curve: { batch: number; points: UpdatePoint[] };
}

export interface ScalingBenchResult {
  /** os.loadavg() (1, 5, 15 min) when the bench started and ended. */
  load_average_start: number[];
  load_average_end: number[];
  envs?: EnvCurve;
  update?: UpdateCurve;
}

export async function benchScaling(opts: ScalingBenchOptions = {}): Promise<ScalingBenchResult> {
  const o = resolve(opts);
  const log = opts.log ?? (() => {});
  const result: ScalingBenchResult = { load_average_start: loadAverage(), load_average_end: [] };
  if (o.curve !== "update") result.envs = await envCurve(o, log);
  if (o.curve !== "envs") result.update = await updateCurve(o, log);
  result.load_average_end = loadAverage();
  return result;
}

type Resolved = Required<Omit<ScalingBenchOptions, "log">>;

/** The options with their defaults, checked: a bad value is an INVALID_ARGUMENT naming the option. */
function resolve(opts: ScalingBenchOptions): Resolved {
  const d = SCALING_DEFAULTS;
  const o: Resolved = {
    curve: opts.curve ?? d.curve,
    task: opts.task ?? d.task,
    envs: opts.envs ?? d.envs,
    seconds: opts.seconds ?? d.seconds,
    repeats: opts.repeats ?? d.repeats,
    batches: opts.batches ?? d.batches,
    hiddenForBatches: opts.hiddenForBatches ?? d.hiddenForBatches,
    hiddens: opts.hiddens ?? d.hiddens,
    batchForHiddens: opts.batchForHiddens ?? d.batchForHiddens,
    inDim: opts.inDim ?? d.inDim,
    iters: opts.iters ?? d.iters,
    nativeSeconds: opts.nativeSeconds ?? d.nativeSeconds,
    backend: opts.backend ?? "auto",
  };
  if (!["envs", "update", "all"].includes(o.curve)) throw SimbridgeError.invalidArgument(`bench scaling: curve must be envs, update or all, got ${o.curve}`, "curve");
  for (const [name, list] of Object.entries({ envs: o.envs, batches: o.batches, hiddens: o.hiddens })) positiveInts(name, list);
  for (const [name, n] of Object.entries({ repeats: o.repeats, hiddenForBatches: o.hiddenForBatches, batchForHiddens: o.batchForHiddens, inDim: o.inDim, iters: o.iters })) {
    positiveInts(name, [n]);
  }
  for (const [name, s] of Object.entries({ seconds: o.seconds, nativeSeconds: o.nativeSeconds })) {
    if (!(Number.isFinite(s) && s > 0)) throw SimbridgeError.invalidArgument(`bench scaling: ${name} must be a positive number, got ${s}`, name);
  }
  return o;
}

async function envCurve(o: Resolved, log: (line: string) => void): Promise<EnvCurve> {
  const registry = builtinRegistry();
  registry.get(o.task); // fail early on an unknown task
  const physical_limit = await physicalLimit(o.task, o.nativeSeconds);
  log(`physical limit: ${physical_limit.available ? `${physical_limit.env_steps_per_s} env steps/s (native MuJoCo, 1 env)` : physical_limit.reason}`);
  const maxEnvs = Math.max(...o.envs);
  const server = await startServeProcess(["--task", o.task, "--port", "0", "--max-envs", String(Math.max(64, maxEnvs))]);
  try {
    // Untimed: the first envs of each side pay for compiling the WASM module and the JIT.
    for (const make of [() => LocalVectorEnv.make(registry, o.task, 1), () => RemoteVectorEnv.connect(server.address, o.task, 1)]) {
      const env = await make();
      await throughput(env, Math.min(1, o.seconds), 999).finally(() => env.close());
    }
    const points: EnvPoint[] = [];
    for (const n of o.envs) {
      const local: number[] = [];
      const grpc: number[] = [];
      for (let r = 0; r < o.repeats; r++) {
        const inProcess = async () => {
          const env = await LocalVectorEnv.make(registry, o.task, n);
          local.push(await throughput(env, o.seconds, 1000 + r).finally(() => env.close()));
        };
        const overGrpc = async () => {
          const env = await RemoteVectorEnv.connect(server.address, o.task, n);
          grpc.push(await throughput(env, o.seconds, 1000 + r).finally(() => env.close()));
        };
        for (const side of r % 2 === 0 ? [inProcess, overGrpc] : [overGrpc, inProcess]) await side();
      }
      const point: EnvPoint = {
        envs_per_request: n,
        in_process_steps_per_s: Math.round(median(local)),
        grpc_steps_per_s: Math.round(median(grpc)),
        ratio: Number((median(grpc) / median(local)).toFixed(3)),
      };
      points.push(point);
      log(`envs ${n}: in-process ${point.in_process_steps_per_s}/s, gRPC ${point.grpc_steps_per_s}/s, ratio ${point.ratio}`);
    }
    return { task: o.task, seconds: o.seconds, repeats: o.repeats, points, physical_limit };
  } finally {
    server.child.kill("SIGTERM");
  }
}

/** Native MuJoCo on the task's model, one env on one core, as env steps/s; or why not. */
async function physicalLimit(taskName: string, nativeSeconds: number): Promise<PhysicalLimit> {
  if (!mujocoTaskFactories.some((f) => f.name === taskName)) return { available: false, reason: `${taskName} is not a MuJoCo task: no native baseline` };
  const task = await openMujocoTask(taskName, "bench scaling");
  try {
    const native = measureNativePhysics(task, nativeSeconds, 0);
    if (!native.available) return native;
    return {
      available: true,
      what: "native MuJoCo mj_step with random controls on the same model: one env, one core, no task layer, no bridge",
      native_mujoco_version: native.mujoco_version,
      native_mj_steps_per_s: native.mj_steps_per_s,
      frame_skip: task.frameSkip,
      env_steps_per_s: Math.round(native.mj_steps_per_s / task.frameSkip),
      note: native.note,
    };
  } finally {
    task.close();
  }
}

async function updateCurve(o: Resolved, log: (line: string) => void): Promise<UpdateCurve> {
  const backend = await selectBackend(o.backend);
  let pytorch: UpdateCurve["pytorch"] | undefined;
  // Each repeat times both sides back to back, in alternating order; medians over the repeats.
  const point = (batch: number, hidden: number): UpdatePoint => {
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let r = 0; r < o.repeats; r++) {
      const simbridge = () => ours.push(criticStepMs({ batch, hidden, inDim: o.inDim, iters: o.iters }));
      const torch = () => {
        // Once PyTorch is known to be missing, do not ask again.
        if (pytorch !== undefined && !pytorch.available) return;
        const t: PytorchCriticStep = pytorchCriticStep({ batch, hidden, inDim: o.inDim, warmup: warmupFor(o.iters), iters: o.iters });
        pytorch = t.available ? { available: true, torch_version: t.torch_version, threads: t.threads, blas: t.blas, openblas_coretype: t.openblas_coretype } : t;
        if (t.available) theirs.push(t.ms);
      };
      for (const side of r % 2 === 0 ? [simbridge, torch] : [torch, simbridge]) side();
    }
    const flop = criticStepFlop(batch, hidden, o.inDim);
    const ms = round3(median(ours));
    const p: UpdatePoint = { batch, hidden, simbridge_ms: ms, simbridge_gflop_per_s: gflops(flop, ms) };
    if (theirs.length === o.repeats) {
      const torchMs = round3(median(theirs));
      p.pytorch_ms = torchMs;
      p.pytorch_gflop_per_s = gflops(flop, torchMs);
      p.simbridge_over_pytorch = Number((ms / torchMs).toFixed(3));
    }
    log(`batch ${batch} hidden ${hidden}: ${ms} ms${p.pytorch_ms !== undefined ? `, PyTorch ${p.pytorch_ms} ms` : ""}`);
    return p;
  };
  const batchPoints = o.batches.map((b) => point(b, o.hiddenForBatches));
  const hiddenPoints = o.hiddens.map((h) => point(o.batchForHiddens, h));
  return {
    backend: backend.detail,
    in_dim: o.inDim,
    iters: o.iters,
    pytorch: pytorch!,
    batch_curve: { hidden: o.hiddenForBatches, points: batchPoints },
    hidden_curve: { batch: o.batchForHiddens, points: hiddenPoints },
  };
}

/** Matmul FLOPs of one critic step: the forward's 2·B·(in·h + h·h + h), × 3 for the backward's two products per layer. */
export function criticStepFlop(batch: number, hidden: number, inDim: number): number {
  return 3 * 2 * batch * (inDim * hidden + hidden * hidden + hidden);
}

function gflops(flop: number, ms: number): number {
  return Number((flop / (ms * 1e6)).toPrecision(3));
}

/** The report as short tables for a person (the CLI prints them on stderr). */
export function scalingTable(r: ScalingBenchResult): string {
  const row = (cells: ReadonlyArray<number | string>, widths: readonly number[]) => cells.map((c, i) => pad(c, widths[i]!)).join("  ");
  const lines: string[] = [`load average (1, 5, 15 min): ${r.load_average_start.join(" ")} at the start, ${r.load_average_end.join(" ")} at the end`];
  if (r.envs) {
    const lim = r.envs.physical_limit;
    const w = [13, 12, 8, 7];
    lines.push("", `${r.envs.task}, env steps/s:`, row(["envs/request", "in-process", "gRPC", "ratio"], w));
    for (const p of r.envs.points) lines.push(row([p.envs_per_request, p.in_process_steps_per_s, p.grpc_steps_per_s, p.ratio], w));
    lines.push(lim.available ? `physical limit: ${lim.env_steps_per_s} env steps/s (native MuJoCo ${lim.native_mujoco_version}, 1 env, 1 core)` : `physical limit: ${lim.reason}`);
  }
  if (r.update) {
    const u = r.update;
    const w = [6, 6, 12, 8, 10, 7];
    lines.push("", `critic Adam step (${u.backend}, input ${u.in_dim}), ms:`, row(["batch", "hidden", "simbridge", "GFLOP/s", "PyTorch", "ratio"], w));
    for (const p of [...u.batch_curve.points, ...u.hidden_curve.points]) {
      lines.push(row([p.batch, p.hidden, p.simbridge_ms, p.simbridge_gflop_per_s, p.pytorch_ms ?? "-", p.simbridge_over_pytorch ?? "-"], w));
    }
    lines.push(u.pytorch.available ? `PyTorch ${u.pytorch.torch_version}, ${u.pytorch.threads} thread, BLAS ${u.pytorch.blas} (OPENBLAS_CORETYPE ${u.pytorch.openblas_coretype}), same run` : `PyTorch: ${u.pytorch.reason}`);
  }
  return lines.join("\n") + "\n";
}

/** The curves as SVG line plots (file name → SVG): envs on a log2 axis, the limits as flat lines. */
export function scalingPlots(r: ScalingBenchResult): Record<string, string> {
  const plots: Record<string, string> = {};
  if (r.envs) {
    const pts = r.envs.points;
    const x = (n: number) => Math.log2(n);
    const series: Series[] = [
      { label: "in-process", points: pts.map((p) => [x(p.envs_per_request), p.in_process_steps_per_s]) },
      { label: "over gRPC (loopback serve process)", points: pts.map((p) => [x(p.envs_per_request), p.grpc_steps_per_s]) },
    ];
    const lim = r.envs.physical_limit;
    if (lim.available) {
      const xs = pts.map((p) => x(p.envs_per_request));
      series.push({ label: `native MuJoCo ${lim.native_mujoco_version}, 1 env, 1 core (limit)`, points: [[Math.min(...xs), lim.env_steps_per_s], [Math.max(...xs), lim.env_steps_per_s]] });
    }
    plots["scaling-envs.svg"] = renderLinePlot({ title: `${r.envs.task}: env steps/s vs envs per request`, xLabel: "log2(envs per request)", yLabel: "env steps/s", series, yRange: fromZero(series) });
  }
  if (r.update) {
    const u = r.update;
    const curve = (points: UpdatePoint[], along: "batch" | "hidden"): Series[] => [
      { label: `simbridge (${u.backend})`, points: points.map((p) => [p[along], p.simbridge_ms]) },
      ...(u.pytorch.available ? [{ label: `PyTorch ${u.pytorch.torch_version}, 1 thread`, points: points.map((p): [number, number] => [p[along], p.pytorch_ms!]) }] : []),
    ];
    plots["scaling-batch.svg"] = renderLinePlot({ title: `critic Adam step vs batch (hidden ${u.batch_curve.hidden})`, xLabel: "batch rows", yLabel: "ms per step", series: curve(u.batch_curve.points, "batch"), yRange: fromZero(curve(u.batch_curve.points, "batch")) });
    plots["scaling-hidden.svg"] = renderLinePlot({ title: `critic Adam step vs hidden size (batch ${u.hidden_curve.batch})`, xLabel: "hidden units per layer", yLabel: "ms per step", series: curve(u.hidden_curve.points, "hidden"), yRange: fromZero(curve(u.hidden_curve.points, "hidden")) });
  }
  return plots;
}

/** From 0 to 10 % above the highest point: differences read at their true size. */
function fromZero(series: readonly Series[]): [number, number] {
  return [0, 1.1 * Math.max(...series.flatMap((s) => s.points.map((p) => p[1])))];
}

function pad(v: number | string, width: number): string {
  return String(v).padStart(Math.max(width, 1));
}

function positiveInts(name: string, list: readonly number[]): void {
  if (list.length === 0) throw SimbridgeError.invalidArgument(`bench scaling: ${name} needs at least one point`, name);
  const bad = list.find((n) => !(Number.isSafeInteger(n) && n >= 1));
  if (bad !== undefined) throw SimbridgeError.invalidArgument(`bench scaling: ${name} must be positive integers, got ${list.join(",")}`, name);
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function loadAverage(): number[] {
  return loadavg().map((x) => Number(x.toFixed(2)));
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
