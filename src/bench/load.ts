/**
 * `simbridge bench load`: many concurrent sessions on one server process.
 * Each session makes its envs and steps them as fast as the server answers;
 * every step must be answered. Reports aggregate steps/s, per-request latency
 * and the server's resident memory after each round (flat = no leak).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RemoteVectorEnv } from "../client/remote-vector-env.js";
import { Rng } from "../core/rng.js";
import { sizeOf } from "../env/spec.js";
import { StepStatus } from "../env/task.js";
import { packageRoot } from "../protocol/service-definition.js";
import { startChild } from "./child-process.js";

export interface LoadBenchOptions {
  readonly task: string;
  readonly sessions: number;
  readonly envsPerSession: number;
  /** Steps per session per round. */
  readonly steps: number;
  readonly rounds: number;
}

export interface LoadBenchResult {
  task: string;
  sessions: number;
  envs_per_session: number;
  steps_per_session_per_round: number;
  rounds: number;
  /** Step requests answered / sent over all rounds. */
  answered: number;
  sent: number;
  env_steps_per_s: number;
  latency_us_p50: number;
  latency_us_p99: number;
  /** Server RSS (MiB) after each round. */
  server_rss_mib: number[];
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

async function session(address: string, o: LoadBenchOptions, seed: number, latencies: number[]): Promise<{ sent: number; answered: number }> {
  const env = await RemoteVectorEnv.connect(address, o.task, o.envsPerSession, {}, {}, { reconnect: false });
  const rng = new Rng(seed);
  const actions = new Float32Array(o.envsPerSession * sizeOf(env.spec.action.shape));
  let sent = 0;
  let answered = 0;
  try {
    await env.reset(Array.from({ length: o.envsPerSession }, (_, i) => ({ index: i, seed: seed * 1000 + i })));
    for (let t = 0; t < o.steps; t++) {
      for (let i = 0; i < actions.length; i++) actions[i] = rng.uniformRange(-1, 1);
      const t0 = process.hrtime.bigint();
      sent++;
      const s = await env.step(actions);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
      if (s.indices.length === o.envsPerSession) answered++;
      const ended = [...s.status].flatMap((st, i) => (st === StepStatus.RUNNING ? [] : [i]));
      if (ended.length) await env.reset(ended.map((index) => ({ index })));
    }
  } finally {
    await env.close();
  }
  return { sent, answered };
}

export async function benchLoad(o: LoadBenchOptions): Promise<LoadBenchResult> {
  const server = await startChild([join(packageRoot(), "bin", "simbridge.js"), "serve", "--task", o.task, "--port", "0", "--max-envs", String(Math.max(64, o.envsPerSession))], /listening on (\S+)/);
  const address = server.match[1]!;
  const latencies: number[] = [];
  const rss: number[] = [];
  let sent = 0;
  let answered = 0;
  const started = performance.now();
  try {
    for (let round = 0; round < o.rounds; round++) {
      const results = await Promise.all(Array.from({ length: o.sessions }, (_, s) => session(address, o, round * o.sessions + s, latencies)));
      for (const r of results) {
        sent += r.sent;
        answered += r.answered;
      }
      rss.push(rssMiB(server.child.pid!));
    }
  } finally {
    server.child.kill("SIGTERM");
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN);
  return {
    task: o.task,
    sessions: o.sessions,
    envs_per_session: o.envsPerSession,
    steps_per_session_per_round: o.steps,
    rounds: o.rounds,
    answered,
    sent,
    env_steps_per_s: Math.round((answered * o.envsPerSession) / seconds),
    latency_us_p50: pct(0.5),
    latency_us_p99: pct(0.99),
    server_rss_mib: rss,
  };
}
