/**
 * `simbridge bench load`: one server process under load, read through its
 * Status RPC as well as from the outside.
 *
 * Default mode: many concurrent sessions. Each makes its envs and steps them
 * as fast as the server answers — one batched request per step, or with
 * `pipeline` each env by its own request, all of a session's envs in flight at
 * once (more than the server's flow-control bound when envs > 32, so sessions
 * are paused and resumed). Every step must be answered. Reports steps/s,
 * per-request latency, errors, the server's resident memory after each round,
 * its counts after each round (sessions, envs, pending and unsent back to 0)
 * and the highest number of requests + answers one session held.
 *
 * `--non-reader` mode: a client that sends requests on its Session stream and
 * never reads the answers (a child process) runs for `seconds` next to a
 * well-behaved client that steps one env and times each round trip. Reports
 * the server's RSS at the start, its peak, at the end of the run and after the
 * non-reader is killed (a dropped connection), the server's counts, and the
 * well-behaved client's p50/p99 round trip against the same client alone,
 * measured first in the same run (the baseline).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { RemoteVectorEnv } from "../client/remote-vector-env.js";
import { fetchServerStatus, type ServerStatus } from "../client/server-status.js";
import { Code, SimbridgeError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import { sizeOf } from "../env/spec.js";
import { StepStatus } from "../env/task.js";
import { loadProtocol, PROTOCOL_VERSION } from "../protocol/service-definition.js";
import type { SessionResponse__Output } from "../protocol/generated/simbridge/v1/SessionResponse.js";
import { startChild, startServeProcess } from "./child-process.js";

export interface LoadBenchOptions {
  readonly task: string;
  readonly sessions: number;
  readonly envsPerSession: number;
  /** Steps per env per round. */
  readonly steps: number;
  readonly rounds: number;
  /** Each env stepped by its own request, a session's envs all in flight at once (default: one batched request). */
  readonly pipeline?: boolean;
}

/** The server's counts once a round's clients have closed. */
export interface CountsAfterRound {
  sessions: number;
  envs: number;
  pending_requests: number;
  queued_responses: number;
  paused_sessions: number;
}

export interface LoadBenchResult {
  task: string;
  sessions: number;
  envs_per_session: number;
  steps_per_session_per_round: number;
  rounds: number;
  pipeline: boolean;
  /** Step requests answered / sent over all rounds. */
  answered: number;
  sent: number;
  /** Requests that failed (any error ends its session's round), and the first messages. */
  errors: number;
  first_errors: string[];
  env_steps_per_s: number;
  latency_us_p50: number;
  latency_us_p99: number;
  /** Server RSS (MiB) after each round. */
  server_rss_mib: number[];
  /** The server's counts after each round, once its clients closed (all 0 unless something leaked; null: no Status RPC). */
  counts_after_round: Array<CountsAfterRound | null>;
  /** Most sessions seen paused by flow control at once (sampled during the rounds). */
  paused_sessions_seen: number;
  /** The highest requests + answers one session held, and the server's bound on it. */
  peak_in_flight_per_session: number;
  max_in_flight_per_session: number;
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

function percentile(sorted: readonly number[], p: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN);
}

/** Calls `fn` every `ms` until the returned function is called (which waits for a call in progress). */
function every(ms: number, fn: () => Promise<void>): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    if (stopped) return;
    running = running.then(fn).catch(() => undefined);
  }, ms);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}

/** The server's counts; undefined from a server without the Status RPC (older than it: benchmarks run against those too). */
async function tryStatus(address: string): Promise<ServerStatus | undefined> {
  try {
    return await fetchServerStatus(address);
  } catch (e) {
    if (e instanceof SimbridgeError && e.code === Code.UNIMPLEMENTED) return undefined;
    throw e;
  }
}

/** Polls Status until `done` holds or `timeoutMs` passes; returns the last counts. */
async function statusWhen(address: string, done: (s: ServerStatus) => boolean, timeoutMs = 10_000): Promise<ServerStatus | undefined> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const s = await tryStatus(address);
    if (!s || done(s) || performance.now() > end) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function countsOf(s: ServerStatus | undefined): CountsAfterRound | null {
  return s ? { sessions: s.sessions, envs: s.envs, pending_requests: s.pendingRequests, queued_responses: s.queuedResponses, paused_sessions: s.pausedSessions } : null;
}

interface SessionOutcome {
  sent: number;
  answered: number;
  error?: string;
}

async function session(address: string, o: LoadBenchOptions, seed: number, latencies: number[]): Promise<SessionOutcome> {
  const out: SessionOutcome = { sent: 0, answered: 0 };
  let env: RemoteVectorEnv | undefined;
  try {
    env = await RemoteVectorEnv.connect(address, o.task, o.envsPerSession, {}, {}, { reconnect: false });
    const e = env;
    const rng = new Rng(seed);
    const actionSize = sizeOf(e.spec.action.shape);
    await e.reset(Array.from({ length: o.envsPerSession }, (_, i) => ({ index: i, seed: seed * 1000 + i })));
    const stepEnvs = async (indices: readonly number[]) => {
      const actions = new Float32Array(indices.length * actionSize);
      for (let i = 0; i < actions.length; i++) actions[i] = rng.uniformRange(-1, 1);
      const t0 = process.hrtime.bigint();
      out.sent++;
      const s = await e.step(actions, indices);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
      if (s.indices.length === indices.length) out.answered++;
      const ended = indices.filter((_, row) => s.status[row] !== StepStatus.RUNNING);
      if (ended.length) await e.reset(ended.map((index) => ({ index })));
    };
    if (o.pipeline) {
      // One loop per env on the same stream: `envsPerSession` requests in flight.
      await Promise.all(
        Array.from({ length: o.envsPerSession }, async (_, i) => {
          for (let t = 0; t < o.steps; t++) await stepEnvs([i]);
        }),
      );
    } else {
      const all = Array.from({ length: o.envsPerSession }, (_, i) => i);
      for (let t = 0; t < o.steps; t++) await stepEnvs(all);
    }
  } catch (e) {
    out.error = e instanceof Error ? e.message : String(e);
  } finally {
    await env?.close().catch(() => undefined);
  }
  return out;
}

export async function benchLoad(o: LoadBenchOptions): Promise<LoadBenchResult> {
  const server = await startServeProcess(["--task", o.task, "--port", "0", "--max-envs", String(Math.max(64, o.envsPerSession))]);
  const address = server.address;
  const latencies: number[] = [];
  const rss: number[] = [];
  const countsAfterRound: Array<CountsAfterRound | null> = [];
  const firstErrors: string[] = [];
  let sent = 0;
  let answered = 0;
  let errors = 0;
  let pausedSeen = 0;
  let last: ServerStatus | undefined;
  const started = performance.now();
  try {
    for (let round = 0; round < o.rounds; round++) {
      const stopSampling = every(200, async () => {
        pausedSeen = Math.max(pausedSeen, (await tryStatus(address))?.pausedSessions ?? 0);
      });
      const results = await Promise.all(Array.from({ length: o.sessions }, (_, s) => session(address, o, round * o.sessions + s, latencies)));
      await stopSampling();
      for (const r of results) {
        sent += r.sent;
        answered += r.answered;
        if (r.error !== undefined) {
          errors++;
          if (firstErrors.length < 5) firstErrors.push(r.error);
        }
      }
      // Closing is asynchronous on the server: wait (bounded) until the round's sessions are gone.
      last = await statusWhen(address, (s) => s.sessions === 0 && s.envs === 0 && s.pendingRequests === 0 && s.queuedResponses === 0);
      countsAfterRound.push(countsOf(last));
      rss.push(rssMiB(server.child.pid!));
    }
  } finally {
    server.child.kill("SIGTERM");
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const envStepsPerRequest = o.pipeline ? 1 : o.envsPerSession;
  return {
    task: o.task,
    sessions: o.sessions,
    envs_per_session: o.envsPerSession,
    steps_per_session_per_round: o.steps,
    rounds: o.rounds,
    pipeline: o.pipeline ?? false,
    answered,
    sent,
    errors,
    first_errors: firstErrors,
    env_steps_per_s: Math.round((answered * envStepsPerRequest) / seconds),
    latency_us_p50: percentile(latencies, 0.5),
    latency_us_p99: percentile(latencies, 0.99),
    server_rss_mib: rss,
    counts_after_round: countsAfterRound,
    paused_sessions_seen: pausedSeen,
    peak_in_flight_per_session: last?.peakInFlightPerSession ?? NaN,
    max_in_flight_per_session: last?.maxInFlightPerSession ?? NaN,
  };
}

// ---------------------------------------------------------------------------
// --non-reader

export interface NonReaderBenchOptions {
  /** The well-behaved client's task (1 env); the non-reader makes `nonReaderEnvs` envs of it too. */
  readonly task: string;
  /** How long the non-reader runs (the well-behaved client steps all along). */
  readonly seconds: number;
  /** How long the well-behaved client runs alone first (the baseline). Default min(seconds, 10). */
  readonly baselineSeconds?: number;
  /** Envs of the non-reader: each of its requests resets them all, so each answer carries every env's observation. Default 64. */
  readonly nonReaderEnvs?: number;
}

export interface RoundTrips {
  steps: number;
  errors: number;
  rtt_us_p50: number;
  rtt_us_p99: number;
}

export interface NonReaderBenchResult {
  mode: "non-reader";
  task: string;
  seconds: number;
  baseline_seconds: number;
  non_reader_envs: number;
  /** Size of one answer to the non-reader's request (serialized). */
  non_reader_answer_bytes: number;
  /** Requests the non-reader's grpc-js took from it (the rest waited in its own buffer: the server pushed back). */
  non_reader_requests_written: number;
  /**
   * Server RSS: before and after the baseline (the well-behaved client alone:
   * what stepping alone does to it), before the non-reader, highest while it
   * ran, at the end of the run, after it was killed.
   */
  server_rss_mib: { alone_start: number; alone_end: number; start: number; peak: number; end: number; after_close: number };
  server_rss_growth_mib: number;
  /** Highest counts seen while the non-reader ran (Status, sampled), and the server's bound per session; null: no Status RPC. */
  server_counts_peak: {
    paused_sessions: number;
    pending_requests: number;
    queued_responses: number;
    /** Pending + queued over the whole server (both sessions) in one sample. */
    in_flight: number;
    peak_in_flight_per_session: number;
    max_in_flight_per_session: number;
  } | null;
  /** Counts once the non-reader was killed and the well-behaved client closed (all 0 unless something leaked). */
  server_counts_after: CountsAfterRound | null;
  well_behaved_alone: RoundTrips;
  well_behaved_with_non_reader: RoundTrips;
  /** with_non_reader / alone. */
  p50_ratio: number;
  p99_ratio: number;
}

/** Steps one env for `seconds`, timing each round trip. */
async function stepFor(env: RemoteVectorEnv, seconds: number): Promise<RoundTrips> {
  const us: number[] = [];
  let errors = 0;
  const action = new Float32Array(sizeOf(env.spec.action.shape));
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t0 = process.hrtime.bigint();
    try {
      const s = await env.step(action);
      us.push(Number(process.hrtime.bigint() - t0) / 1000);
      if (s.status[0] !== StepStatus.RUNNING) await env.reset([{ index: 0 }]);
    } catch {
      errors++;
      await env.reset([{ index: 0 }]).catch(() => undefined);
    }
  }
  us.sort((a, b) => a - b);
  return { steps: us.length, errors, rtt_us_p50: percentile(us, 0.5), rtt_us_p99: percentile(us, 0.99) };
}

export async function benchNonReader(o: NonReaderBenchOptions): Promise<NonReaderBenchResult> {
  const baselineSeconds = o.baselineSeconds ?? Math.min(o.seconds, 10);
  const envs = o.nonReaderEnvs ?? 64;
  const server = await startServeProcess(["--task", o.task, "--port", "0", "--max-envs", String(Math.max(64, envs))]);
  const address = server.address;
  const pid = server.child.pid!;
  let nonReader: Awaited<ReturnType<typeof startChild>> | undefined;
  let good: RemoteVectorEnv | undefined;
  try {
    good = await RemoteVectorEnv.connect(address, o.task, 1, {}, {}, { reconnect: false });
    await good.reset([{ index: 0, seed: 1 }]);
    await stepFor(good, Math.min(1, baselineSeconds)); // warm-up (JIT, buffers)
    const rssAloneStart = rssMiB(pid);
    const alone = await stepFor(good, baselineSeconds);
    const rssAloneEnd = rssMiB(pid);

    const rssStart = rssMiB(pid);
    // Ends by itself a while after the run, should this process die first.
    nonReader = await startChild([fileURLToPath(import.meta.url), NON_READER_FLAG, address, o.task, String(envs), String(o.seconds + 30)], /^non-reader ready (\d+)/);
    const answerBytes = Number(nonReader.match[1]);
    let written = 0;
    nonReader.child.stdout!.on("data", (b: Buffer) => {
      const m = /written (\d+)\s*$/.exec(b.toString());
      if (m) written = Number(m[1]);
    });
    let rssPeak = rssStart;
    const peak = { paused_sessions: 0, pending_requests: 0, queued_responses: 0, in_flight: 0 };
    const stopRss = every(100, async () => {
      rssPeak = Math.max(rssPeak, rssMiB(pid));
    });
    const stopCounts = every(500, async () => {
      const s = await tryStatus(address);
      if (!s) return;
      peak.paused_sessions = Math.max(peak.paused_sessions, s.pausedSessions);
      peak.pending_requests = Math.max(peak.pending_requests, s.pendingRequests);
      peak.queued_responses = Math.max(peak.queued_responses, s.queuedResponses);
      peak.in_flight = Math.max(peak.in_flight, s.pendingRequests + s.queuedResponses);
    });
    const withNonReader = await stepFor(good, o.seconds);
    await stopRss();
    await stopCounts();
    const rssEnd = rssMiB(pid);
    rssPeak = Math.max(rssPeak, rssEnd);
    const during = await tryStatus(address);

    // The non-reader's process dies: its connection drops with its answers unsent.
    nonReader.child.kill("SIGKILL");
    if (!(await statusWhen(address, (s) => s.sessions === 1 && s.pendingRequests === 0 && s.queuedResponses === 0))) {
      await new Promise((r) => setTimeout(r, 2000)); // no counts to wait for
    }
    const rssAfterClose = rssMiB(pid);
    await good.close();
    good = undefined;
    const after = await statusWhen(address, (s) => s.sessions === 0 && s.envs === 0 && s.pendingRequests === 0 && s.queuedResponses === 0);
    return {
      mode: "non-reader",
      task: o.task,
      seconds: o.seconds,
      baseline_seconds: baselineSeconds,
      non_reader_envs: envs,
      non_reader_answer_bytes: answerBytes,
      non_reader_requests_written: written,
      server_rss_mib: { alone_start: rssAloneStart, alone_end: rssAloneEnd, start: rssStart, peak: rssPeak, end: rssEnd, after_close: rssAfterClose },
      server_rss_growth_mib: Math.round((rssPeak - rssStart) * 10) / 10,
      server_counts_peak: during ? { ...peak, peak_in_flight_per_session: during.peakInFlightPerSession, max_in_flight_per_session: during.maxInFlightPerSession } : null,
      server_counts_after: countsOf(after),
      well_behaved_alone: alone,
      well_behaved_with_non_reader: withNonReader,
      p50_ratio: Number((withNonReader.rtt_us_p50 / alone.rtt_us_p50).toFixed(2)),
      p99_ratio: Number((withNonReader.rtt_us_p99 / alone.rtt_us_p99).toFixed(2)),
    };
  } finally {
    await good?.close().catch(() => undefined);
    nonReader?.child.kill("SIGKILL");
    server.child.kill("SIGTERM");
  }
}

const NON_READER_FLAG = "--simbridge-non-reader";

/**
 * The non-reading client (run as `node load.js --simbridge-non-reader ADDRESS
 * TASK ENVS SECONDS`): handshake, make ENVS envs, then, without ever reading
 * again, sends requests that reset them all for SECONDS. It writes whenever its
 * grpc-js stream takes more (as any grpc-js client does) and prints how many
 * requests it took; its own buffer stays small. Prints
 * `non-reader ready <answer bytes>` once its envs are made.
 */
async function nonReaderMain(address: string, task: string, envs: number, seconds: number): Promise<void> {
  const { proto } = loadProtocol();
  const def = proto.simbridge.v1.EnvironmentService.service.Session;
  const client = new proto.simbridge.v1.EnvironmentService(address, grpc.credentials.createInsecure());
  const stream = client.Session();
  stream.on("error", () => undefined);
  const next = () => new Promise<SessionResponse__Output>((resolve) => stream.once("data", resolve));
  stream.write({ id: 1, handshake: { protocol_version: PROTOCOL_VERSION, client_name: "non-reader" } });
  await next();
  stream.write({ id: 2, make_envs: { task, count: envs } });
  const made = await next();
  if (made.error) throw new Error(`make_envs: ${made.error.message}`);
  const request = { reset: { envs: made.make_envs!.env_ids.map((env_id) => ({ env_id })) } };
  stream.write({ id: 3, ...request });
  const answer = await next();
  stream.pause(); // from here on, nothing is read
  console.log(`non-reader ready ${def.responseSerialize(answer).length}`);
  let id = 4;
  let written = 0;
  const report = setInterval(() => console.log(`written ${written - stream.writableLength}`), 250);
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    written++;
    if (!stream.write({ id: id++, ...request })) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          stream.off("drain", done);
          resolve();
        };
        const t = setTimeout(done, 250);
        stream.once("drain", done);
      });
    } else {
      await new Promise((r) => setImmediate(r));
    }
  }
  clearInterval(report);
  stream.cancel();
  client.close();
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === NON_READER_FLAG) {
  const [address, task, envs, seconds] = process.argv.slice(3);
  nonReaderMain(address!, task!, Number(envs), Number(seconds)).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(`non-reader: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
