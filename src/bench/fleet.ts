/**
 * `simbridge bench fleet`: env steps/s of one client stepping `envs` envs
 * spread over 1, 2, 4, … `simbridge serve` processes (a fleet on 127.0.0.2,
 * 127.0.0.3, …), against two baselines measured in the same run: the same
 * envs in-process, and on one server reached as HOST:PORT (the plain
 * RemoteVectorEnv). The fan-out's own cost per request is the one-backend
 * fleet's request time minus the plain client's, on the same server.
 *
 * Every server process is single-threaded: on a machine with C cores the
 * curve can rise only while servers + client ≤ C (BENCHMARKS.md models what
 * more machines would give).
 */
import { cpus } from "node:os";
import type { ChildProcess } from "node:child_process";
import { builtinRegistry } from "../../sims/catalog.js";
import { FleetVectorEnv } from "../client/fleet-vector-env.js";
import { RemoteVectorEnv } from "../client/remote-vector-env.js";
import { LocalVectorEnv } from "../env/local-vector-env.js";
import { throughput } from "./bridge.js";
import { startServeProcess } from "./child-process.js";

export interface FleetBenchOptions {
  readonly task: string;
  readonly envs: number;
  /** Fleet sizes to measure, e.g. [1, 2, 4]. */
  readonly servers: readonly number[];
  /** Seconds of stepping per measurement. */
  readonly seconds: number;
}

export interface FleetBenchResult {
  task: string;
  envs: number;
  cores: number;
  in_process_steps_per_s: number;
  one_server_steps_per_s: number;
  fleet: Array<{ servers: number; steps_per_s: number; vs_one_server: number; envs_per_server: number[] }>;
  fanout_overhead_us_per_request: number;
}

export async function benchFleet(opts: FleetBenchOptions): Promise<FleetBenchResult> {
  const registry = builtinRegistry();
  registry.get(opts.task); // fail early on an unknown task
  if (opts.servers.some((n) => !(Number.isInteger(n) && n >= 1 && n <= 250))) throw new RangeError(`servers: fleet sizes are integers in 1..250, got ${opts.servers.join(",")}`);
  const local = await LocalVectorEnv.make(registry, opts.task, opts.envs);
  const inProcess = await throughput(local, opts.seconds, 1000);
  await local.close();

  const most = Math.max(...opts.servers);
  const children: ChildProcess[] = [];
  try {
    const started = await Promise.all(
      Array.from({ length: most }, (_, i) => startServeProcess(["--task", opts.task, "--host", `127.0.0.${i + 2}`, "--port", "0", "--max-envs", String(opts.envs)])),
    );
    children.push(...started.map((s) => s.child));
    const addresses = started.map((s) => s.address);
    const single = await RemoteVectorEnv.connect(addresses[0]!, opts.task, opts.envs);
    const oneServer = await throughput(single, opts.seconds, 1000);
    await single.close();
    const fleet: FleetBenchResult["fleet"] = [];
    for (const n of opts.servers) {
      const env = await FleetVectorEnv.connect(`ipv4:${addresses.slice(0, n).join(",")}`, opts.task, opts.envs);
      const rate = await throughput(env, opts.seconds, 1000);
      fleet.push({ servers: n, steps_per_s: Math.round(rate), vs_one_server: Number((rate / oneServer).toFixed(3)), envs_per_server: env.placement().map((p) => p.envs) });
      await env.close();
    }
    // Request time = envs / rate; the one-backend fleet and the plain client step the same server.
    const oneBackend = fleet.find((f) => f.servers === 1);
    const overheadUs = oneBackend ? (opts.envs / oneBackend.steps_per_s - opts.envs / oneServer) * 1e6 : Number.NaN;
    return {
      task: opts.task,
      envs: opts.envs,
      cores: cpus().length,
      in_process_steps_per_s: Math.round(inProcess),
      one_server_steps_per_s: Math.round(oneServer),
      fleet,
      fanout_overhead_us_per_request: Math.round(overheadUs),
    };
  } finally {
    for (const c of children) c.kill("SIGKILL");
  }
}
