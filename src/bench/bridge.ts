/**
 * `simbridge bench bridge`: the cost of the bridge. The same work — random
 * actions on `envs` envs of a task, one batched request per step — in-process
 * and through a `simbridge serve` child process on loopback, plus the round
 * trip of a single small step and, as the baseline measured in the same run,
 * a bare grpc-js bidirectional ping-pong between the same two processes.
 *
 * Both sides are warmed up first (V8 tiers the MuJoCo wasm and the server's
 * JavaScript up over the first seconds: a cold server stepped ~20 % slower in
 * its first 3 s), then measured in `rounds` that alternate which side goes
 * first; the ratio is the median of the rounds' ratios. On this shared 2-core
 * VM the rate moves by up to ±30 % from one minute to the next, and a single
 * in-process-then-gRPC pair measured that drift as much as the bridge.
 */
import { builtinRegistry } from "../../sims/catalog.js";
import { RemoteVectorEnv } from "../client/remote-vector-env.js";
import { LocalVectorEnv } from "../env/local-vector-env.js";
import { Rng } from "../core/rng.js";
import { sizeOf } from "../env/spec.js";
import { StepStatus } from "../env/task.js";
import type { VectorEnv } from "../env/vector-env.js";
import * as grpc from "@grpc/grpc-js";
import { startChild, startServeProcess } from "./child-process.js";

export interface BridgeBenchOptions {
  readonly task: string;
  readonly envs: number;
  /** Seconds of stepping per side and round. */
  readonly seconds: number;
  /** Rounds of in-process and gRPC stepping, alternating which goes first (default 5). */
  readonly rounds?: number;
  /** Seconds of untimed stepping per side before the first round (default 2). */
  readonly warmupSeconds?: number;
  /** Round trips timed for the latency figures. */
  readonly pings: number;
}

export interface BridgeBenchResult {
  task: string;
  envs: number;
  in_process_steps_per_s: number;
  grpc_steps_per_s: number;
  /** Median over the rounds of gRPC ÷ in-process (each round's pair measured back to back). */
  ratio: number;
  /** Each round: [in-process, gRPC] env steps/s. */
  rounds: [number, number][];
  rtt_us_p50: number;
  rtt_us_p99: number;
  rtt_task: string;
  baseline_pingpong_us_p50: number;
  baseline_pingpong_us_p99: number;
  /**
   * The limit this machine puts on `ratio`, measured in the same run: a bare
   * grpc-js echo whose server computes (busy-waits) for as long as one
   * in-process batch took, `batch_us`. Its round trip p50 less the compute is
   * the transport a batch cannot avoid — on this VM it exceeds the back-to-back
   * ping-pong because the waiting side goes idle and takes ~0.1–0.3 ms to wake —
   * and `batch_us / baseline_busy_echo_us_p50` the ratio a zero-cost protocol
   * would reach.
   */
  batch_us: number;
  baseline_busy_echo_us_p50: number;
  baseline_ratio: number;
}

/** Env steps per second (envs × requests) of random stepping for `seconds`. */
export async function throughput(env: VectorEnv, seconds: number, seed: number): Promise<number> {
  const rng = new Rng(seed);
  const n = env.numEnvs;
  const actions = new Float32Array(n * sizeOf(env.spec.action.shape));
  await env.reset(Array.from({ length: n }, (_, i) => ({ index: i, seed: seed + i })));
  const stepOnce = async () => {
    for (let i = 0; i < actions.length; i++) actions[i] = rng.uniformRange(-1, 1);
    const s = await env.step(actions);
    const ended: number[] = [];
    for (let i = 0; i < n; i++) if (s.status[i] !== StepStatus.RUNNING) ended.push(i);
    if (ended.length) await env.reset(ended.map((index) => ({ index })));
  };
  for (let i = 0; i < 50; i++) await stepOnce(); // warm-up
  let steps = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    await stepOnce();
    steps += n;
  }
  return steps / ((performance.now() - start) / 1000);
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function stepLatencies(env: VectorEnv, count: number): Promise<Float64Array> {
  const us = new Float64Array(count);
  const action = new Float32Array(sizeOf(env.spec.action.shape));
  await env.reset([{ index: 0, seed: 1 }]);
  for (let i = -100; i < count; i++) {
    const t0 = process.hrtime.bigint();
    const s = await env.step(action);
    const t1 = process.hrtime.bigint();
    if (i >= 0) us[i] = Number(t1 - t0) / 1000;
    if (s.status[0] !== StepStatus.RUNNING) await env.reset([{ index: 0 }]);
  }
  return us.sort();
}

/** Echoes each message; a message's first 4 bytes (uint32 LE) say how many µs to compute (busy-wait) first. */
const ECHO_SERVER = `
import * as grpc from "@grpc/grpc-js";
const s = new grpc.Server();
const busy = (us) => { const end = performance.now() + us / 1000; while (performance.now() < end); };
s.register("/bench.Echo/Ping", (call) => { call.on("data", (b) => { busy(b.readUInt32LE(0)); call.write(b); }); call.on("end", () => call.end()); },
  (b) => b, (b) => b, "bidi");
s.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => { if (e) throw e; console.log("echo listening on " + p); });
`;

/** Round trips (µs, sorted) of a 64-byte message to the echo server, which computes `busyUs` before answering. */
async function pingPong(address: string, count: number, busyUs = 0): Promise<Float64Array> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const call = client.makeBidiStreamRequest("/bench.Echo/Ping", (b: Buffer) => b, (b: Buffer) => b);
  const payload = Buffer.alloc(64, 1);
  payload.writeUInt32LE(Math.round(busyUs), 0);
  const us = new Float64Array(count);
  let pending: (() => void) | undefined;
  call.on("data", () => pending?.());
  for (let i = -100; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      pending = resolve;
      call.write(payload);
    });
    if (i >= 0) us[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  await new Promise<void>((resolve) => {
    call.on("error", () => resolve()); // the status arrives as an error event when the echo server ends first
    call.on("end", () => resolve());
    call.end();
  });
  client.close();
  return us.sort();
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function benchBridge(opts: BridgeBenchOptions): Promise<BridgeBenchResult> {
  const registry = builtinRegistry();
  registry.get(opts.task); // fail early on an unknown task
  const roundCount = opts.rounds ?? 5;
  if (!(Number.isInteger(roundCount) && roundCount >= 1)) throw new RangeError(`rounds must be an integer ≥ 1, got ${roundCount}`);
  const warmup = opts.warmupSeconds ?? 2;

  const rttTask = "PointReach-v0";
  const tasks = [...new Set([opts.task, rttTask])].flatMap((t) => ["--task", t]);
  const server = await startServeProcess([...tasks, "--port", "0"]);
  const echo = await startChild(["--input-type=module", "-e", ECHO_SERVER], /echo listening on (\d+)/).catch((e: unknown) => {
    server.child.kill("SIGTERM");
    throw e;
  });
  const envs: VectorEnv[] = [];
  try {
    const address = server.address;
    const local = await LocalVectorEnv.make(registry, opts.task, opts.envs);
    envs.push(local);
    const remote = await RemoteVectorEnv.connect(address, opts.task, opts.envs);
    envs.push(remote);
    if (warmup > 0) {
      await throughput(local, warmup, 999);
      await throughput(remote, warmup, 999);
    }
    const rounds: [number, number][] = [];
    for (let r = 0; r < roundCount; r++) {
      // The same seed on both sides of a round: the same random actions and episodes.
      const seed = 1000 + r;
      if (r % 2 === 0) {
        const a = await throughput(local, opts.seconds, seed);
        rounds.push([a, await throughput(remote, opts.seconds, seed)]);
      } else {
        const b = await throughput(remote, opts.seconds, seed);
        rounds.push([await throughput(local, opts.seconds, seed), b]);
      }
    }
    await remote.close();
    await local.close();
    envs.length = 0;
    const small = await RemoteVectorEnv.connect(address, rttTask, 1);
    const rtt = await stepLatencies(small, opts.pings);
    await small.close();
    const echoAddress = `127.0.0.1:${echo.match[1]}`;
    const base = await pingPong(echoAddress, opts.pings);
    const inProcessRate = median(rounds.map(([a]) => a));
    const batchUs = (opts.envs / inProcessRate) * 1e6;
    // Enough round trips for a stable median, within about `seconds`.
    const busyPings = Math.max(20, Math.min(opts.pings, Math.round((opts.seconds * 1e6) / batchUs)));
    const busyEcho = percentile(await pingPong(echoAddress, busyPings, batchUs), 0.5);
    return {
      task: opts.task,
      envs: opts.envs,
      in_process_steps_per_s: Math.round(inProcessRate),
      grpc_steps_per_s: Math.round(median(rounds.map(([, b]) => b))),
      ratio: Number(median(rounds.map(([a, b]) => b / a)).toFixed(3)),
      rounds: rounds.map(([a, b]) => [Math.round(a), Math.round(b)]),
      rtt_us_p50: Math.round(percentile(rtt, 0.5)),
      rtt_us_p99: Math.round(percentile(rtt, 0.99)),
      rtt_task: `${rttTask}, 1 env`,
      baseline_pingpong_us_p50: Math.round(percentile(base, 0.5)),
      baseline_pingpong_us_p99: Math.round(percentile(base, 0.99)),
      batch_us: Math.round(batchUs),
      baseline_busy_echo_us_p50: Math.round(busyEcho),
      baseline_ratio: Number((batchUs / busyEcho).toFixed(3)),
    };
  } finally {
    await Promise.allSettled(envs.map((e) => e.close()));
    server.child.kill("SIGTERM");
    echo.child.kill("SIGTERM");
  }
}
