/**
 * `simbridge bench …`: measurements that print JSON on stdout. Each compares
 * against a baseline measured in the same run; BENCHMARKS.md records results
 * with the command that produced them.
 */
import { BACKEND_NAMES } from "../nn/backend.js";
import { quote } from "../core/quote.js";
import { UsageError } from "./args.js";
import { defineCommand } from "./flags.js";
import { SCALING_DEFAULTS } from "../bench/scaling-defaults.js";

const JSON_FLAG = { type: "boolean", help: "one line of JSON (default: indented)" } as const;

/** Defaults that differ by mode: one table for the flags' help and the code. */
const LOAD_ENVS = { load: 1, nonReader: 64 } as const;
const UPDATE_SIZES = { td3: { obsDim: 32, actDim: 8 }, ppo: { obsDim: 10, actDim: 2 }, gahil: { obsDim: 6, actDim: 2 } } as const;

export const BENCH_PHYSICS = defineCommand({
  name: "bench physics",
  synopsis: ["[--task NAME] [--seconds S] --json"],
  about: "Raw mj_step rate vs full env step rate in-process (+ native MuJoCo when libmujoco-dev is installed).",
  flags: {
    task: { type: "string", meta: "NAME", default: "Ant-v5", help: "a MuJoCo task" },
    seconds: { type: "number", above: 0, meta: "S", default: 3, help: "seconds of timed stepping in all (split over rounds, raw and env)" },
    json: JSON_FLAG,
  },
});

export const BENCH_BRIDGE = defineCommand({
  name: "bench bridge",
  synopsis: ["[--task NAME] [--envs N] [--seconds S] [--rounds N] [--pings N] --json"],
  about:
    "The same stepping in-process vs through a loopback server, after a warm-up of both, in rounds that alternate which side goes first " +
    "(ratio: the median of the rounds'); round-trip latency vs a bare grpc-js ping-pong.",
  flags: {
    task: { type: "string", meta: "NAME", default: "Ant-v5", help: "the task" },
    envs: { type: "int", min: 1, default: 8, help: "envs stepped together" },
    seconds: { type: "number", above: 0, meta: "S", default: 1.5, help: "seconds of stepping per side and round" },
    rounds: { type: "int", min: 1, default: 5, help: "rounds of in-process and gRPC stepping" },
    pings: { type: "int", min: 10, default: 2000, help: "round trips timed for the latency figures" },
    json: JSON_FLAG,
  },
});

export const BENCH_LOAD = defineCommand({
  name: "bench load",
  synopsis: ["[--task NAME] [--sessions N] [--envs N] [--steps N] [--rounds N] [--pipeline] --json", "--non-reader [--task NAME] [--seconds S] [--envs N] --json"],
  about:
    "Concurrent sessions on one server process: every step answered, errors, steps/s, latency, server memory and counts per round.\n\n" +
    "With --non-reader: a client that never reads its answers (its requests reset --envs envs) for --seconds next to a well-behaved client: " +
    "server RSS start/peak/end, counts, and the well-behaved p50/p99 round trip vs the same client alone.",
  flags: {
    task: { type: "string", meta: "NAME", default: "PointReach-v0", help: "the task" },
    sessions: { type: "int", min: 1, default: 64, help: "concurrent sessions (not with --non-reader)" },
    envs: { type: "int", min: 1, defaultText: `${LOAD_ENVS.load}, or ${LOAD_ENVS.nonReader} with --non-reader`, help: "envs per session; with --non-reader the non-reader's envs" },
    steps: { type: "int", min: 1, default: 200, help: "steps per env per round (not with --non-reader)" },
    rounds: { type: "int", min: 1, default: 3, help: "rounds (not with --non-reader)" },
    pipeline: { type: "boolean", help: "each env stepped by its own request, a session's envs all in flight at once (not with --non-reader)" },
    "non-reader": { type: "boolean", help: "measure a client that never reads its answers instead" },
    seconds: { type: "number", above: 0, meta: "S", default: 60, help: "how long the non-reader runs (only with --non-reader)" },
    json: JSON_FLAG,
  },
});

export const BENCH_UPDATE = defineCommand({
  name: "bench update",
  synopsis: [
    "[--algo td3] [--batch N] [--hidden N] [--obs-dim N] [--act-dim N] [--iters N] [--backend NAME] --json",
    "--algo ppo [--rows N] [--obs-dim N] [--act-dim N] [--iters N] [--backend NAME] --json",
    "--algo gahil [--batch N] [--obs-dim N] [--act-dim N] [--iters N] [--backend NAME] --json",
  ],
  about:
    "TD3: one critic Adam step and one full TD3 update vs the naive transposed-matMul baseline. " +
    "PPO: one PPO epoch (CleanRL sizes: 64-64 tanh, 32 minibatches) and one 8-row act vs the same written naively in tfjs. " +
    "GAHIL: one discriminator round (6 Adam steps of the 400-300 D on --batch rows per class, ReacherGoal-v0's sizes). " +
    "TD3 and GAHIL also time the same step in PyTorch (one thread) when python3-torch is installed.",
  flags: {
    algo: { type: "enum", values: ["td3", "ppo", "gahil"], default: "td3", help: "the update to time" },
    batch: { type: "int", min: 1, defaultText: "256, or 1024 rows per class with --algo gahil", help: "minibatch rows (td3, gahil)" },
    hidden: { type: "int", min: 1, default: 256, help: "hidden units per layer (td3)" },
    rows: { type: "int", min: 1, default: 2048, help: "rollout rows (ppo)" },
    "obs-dim": { type: "int", min: 1, defaultText: `${UPDATE_SIZES.td3.obsDim}; ${UPDATE_SIZES.ppo.obsDim} with --algo ppo, ${UPDATE_SIZES.gahil.obsDim} with gahil`, help: "observation size" },
    "act-dim": { type: "int", min: 1, defaultText: `${UPDATE_SIZES.td3.actDim}; ${UPDATE_SIZES.ppo.actDim} with --algo ppo or gahil`, help: "action size" },
    iters: { type: "int", min: 1, default: 30, help: "timed repetitions per measurement (median reported)" },
    backend: { type: "enum", values: BACKEND_NAMES, default: "auto", meta: "NAME", help: "the tensor backend" },
    json: JSON_FLAG,
  },
});

export const BENCH_FLEET = defineCommand({
  name: "bench fleet",
  synopsis: ["[--servers 1,2,4] [--envs N] [--task NAME] [--seconds S] --json"],
  about:
    "Env steps/s of one client stepping --envs envs spread over fleets of `simbridge serve` processes (127.0.0.2, .3, …), " +
    "against the same envs in-process and on one server as HOST:PORT; and the fan-out's cost per request.",
  flags: {
    servers: { type: "list", of: "int", split: true, min: 1, meta: "N,…", defaultText: "1,2,4", help: "fleet sizes to measure (server processes, at most 250)" },
    envs: { type: "int", min: 1, default: 32, help: "envs stepped together, spread over the fleet" },
    task: { type: "string", meta: "NAME", default: "Ant-v5", help: "the task" },
    seconds: { type: "number", above: 0, meta: "S", default: 3, help: "seconds of stepping per measurement" },
    json: JSON_FLAG,
  },
});

export const BENCH_SCALING = defineCommand({
  name: "bench scaling",
  synopsis: ["[--curve envs|update|all] [--task NAME] [--envs 1,2,…] [--seconds S] [--repeats N] [--batch 32,…] [--hidden 64,…] [--iters N] [--plots DIR] --json"],
  about:
    "Scaling curves. envs: env steps/s at each count of envs per request, in-process and through a loopback `simbridge serve` process, their ratio, " +
    "and native MuJoCo's single-env rate on the same model as the physical limit (when libmujoco-dev is installed). " +
    "update: ms per critic Adam step at each batch size (at --batch-hidden units) and each hidden size (at --hidden-batch rows), " +
    "and the same step in PyTorch in the same run (when python3-torch is installed). A table on stderr unless --json.",
  flags: {
    curve: { type: "enum", values: ["envs", "update", "all"], default: "all", help: "which curves to measure" },
    task: { type: "string", meta: "NAME", default: SCALING_DEFAULTS.task, help: "the env curve's task" },
    envs: { type: "list", of: "int", split: true, min: 1, meta: "N,…", defaultText: SCALING_DEFAULTS.envs.join(","), help: "envs per request, one point each" },
    seconds: { type: "number", above: 0, meta: "S", default: SCALING_DEFAULTS.seconds, help: "seconds of stepping per side, point and repeat" },
    repeats: { type: "int", min: 1, default: SCALING_DEFAULTS.repeats, help: "measurements per side and point, both curves (median reported)" },
    batch: { type: "list", of: "int", split: true, min: 1, meta: "N,…", defaultText: SCALING_DEFAULTS.batches.join(","), help: "batch sizes of the update's batch curve" },
    "batch-hidden": { type: "int", min: 1, default: SCALING_DEFAULTS.hiddenForBatches, help: "hidden units along the batch curve" },
    hidden: { type: "list", of: "int", split: true, min: 1, meta: "N,…", defaultText: SCALING_DEFAULTS.hiddens.join(","), help: "hidden sizes of the update's hidden curve" },
    "hidden-batch": { type: "int", min: 1, default: SCALING_DEFAULTS.batchForHiddens, help: "batch rows along the hidden curve" },
    iters: { type: "int", min: 1, default: SCALING_DEFAULTS.iters, help: "timed critic steps per point (median reported)" },
    backend: { type: "enum", values: BACKEND_NAMES, default: "auto", meta: "NAME", help: "the tensor backend" },
    plots: { type: "string", meta: "DIR", help: "also write the curves as SVG plots into DIR (scaling-envs.svg, scaling-batch.svg, scaling-hidden.svg)" },
    json: JSON_FLAG,
  },
});

export const BENCH_META = defineCommand({
  name: "bench meta",
  synopsis: ["[--episodes N] [--steps T] [--hidden N] [--iters N] [--backend NAME] --json"],
  about:
    "The MAML meta-gradient of one MAESN task (PointGoal-v0's shapes, synthetic episodes): ms exact (second order, through the inner step) vs the first-order approximation, " +
    "and how far apart they are (relative difference, cosine; all parameters, the policy's, the latent's).",
  flags: {
    episodes: { type: "int", min: 2, default: 10, help: "episodes per phase" },
    steps: { type: "int", min: 1, default: 30, help: "steps per episode" },
    hidden: { type: "int", min: 1, default: 64, help: "hidden units of the policy's two layers" },
    iters: { type: "int", min: 1, default: 20, help: "timed meta-gradients per side and round (median reported)" },
    backend: { type: "enum", values: BACKEND_NAMES, default: "auto", meta: "NAME", help: "the tensor backend" },
    json: JSON_FLAG,
  },
});

const BENCHES = { physics: BENCH_PHYSICS, bridge: BENCH_BRIDGE, load: BENCH_LOAD, update: BENCH_UPDATE, fleet: BENCH_FLEET, scaling: BENCH_SCALING, meta: BENCH_META };

export const BENCH_USAGE = Object.values(BENCHES)
  .map((b) => b.usage)
  .join("\n\n");

export async function benchCommand(argv: string[]): Promise<void> {
  const [which, ...rest] = argv;
  let result: object;
  let json: boolean;
  switch (which) {
    case "physics": {
      const { values } = BENCH_PHYSICS.parse(rest);
      json = values.json;
      const { benchPhysics } = await import("../bench/physics.js");
      result = await benchPhysics({ task: values.task, seconds: values.seconds });
      break;
    }
    case "bridge": {
      const { values } = BENCH_BRIDGE.parse(rest);
      json = values.json;
      const { benchBridge } = await import("../bench/bridge.js");
      result = await benchBridge({ task: values.task, envs: values.envs, seconds: values.seconds, rounds: values.rounds, pings: values.pings });
      break;
    }
    case "load": {
      const { values, given } = BENCH_LOAD.parse(rest);
      json = values.json;
      if (values["non-reader"]) {
        const other = (["sessions", "steps", "rounds", "pipeline"] as const).find((f) => given.has(f));
        if (other) throw BENCH_LOAD.usageError(`--${other} is not for --non-reader`);
      } else if (given.has("seconds")) {
        throw BENCH_LOAD.usageError("--seconds is for --non-reader");
      }
      const { benchLoad, benchNonReader } = await import("../bench/load.js");
      if (values["non-reader"]) {
        result = await benchNonReader({ task: values.task, seconds: values.seconds, nonReaderEnvs: values.envs ?? LOAD_ENVS.nonReader });
        break;
      }
      result = await benchLoad({
        task: values.task,
        sessions: values.sessions,
        envsPerSession: values.envs ?? LOAD_ENVS.load,
        steps: values.steps,
        rounds: values.rounds,
        pipeline: values.pipeline,
      });
      break;
    }
    case "update": {
      const { values, given } = BENCH_UPDATE.parse(rest);
      json = values.json;
      const algo = values.algo;
      const notFor = { td3: ["rows"], ppo: ["batch", "hidden"], gahil: ["rows", "hidden"] } as const;
      for (const f of notFor[algo]) {
        if (given.has(f)) throw BENCH_UPDATE.usageError(`--${f} is not for --algo ${algo}`);
      }
      const sizes = UPDATE_SIZES[algo];
      const common = { obsDim: values["obs-dim"] ?? sizes.obsDim, actDim: values["act-dim"] ?? sizes.actDim, iters: values.iters, backend: values.backend };
      if (algo === "gahil") {
        const { benchGahilRound } = await import("../bench/gahil-round.js");
        result = await benchGahilRound({ batch: values.batch ?? 1024, goalDim: 2, ...common });
        break;
      }
      const { benchUpdate, benchUpdatePpo } = await import("../bench/update.js");
      result = algo === "td3" ? await benchUpdate({ batch: values.batch ?? 256, hidden: values.hidden, ...common }) : await benchUpdatePpo({ rows: values.rows, ...common });
      break;
    }
    case "fleet": {
      const { values } = BENCH_FLEET.parse(rest);
      json = values.json;
      const servers = values.servers.length ? values.servers : [1, 2, 4];
      if (servers.some((n) => n > 250)) throw BENCH_FLEET.usageError(`--servers: at most 250 server processes (127.0.0.2–127.0.0.251), got ${servers.join(",")}`);
      const { benchFleet } = await import("../bench/fleet.js");
      result = await benchFleet({ task: values.task, envs: values.envs, servers, seconds: values.seconds });
      break;
    }
    case "meta": {
      const { values } = BENCH_META.parse(rest);
      const { benchMetaGradient } = await import("../bench/meta-gradient.js");
      const r = await benchMetaGradient({ episodes: values.episodes, steps: values.steps, hidden: values.hidden, iters: values.iters, backend: values.backend, seed: 0 });
      console.log(values.json ? JSON.stringify(r) : JSON.stringify(r, null, 2));
      return;
    }
    case "scaling": {
      const { values } = BENCH_SCALING.parse(rest);
      json = values.json;
      const { benchScaling, scalingPlots, scalingTable } = await import("../bench/scaling.js");
      const log = json ? undefined : (line: string) => process.stderr.write(`${line}\n`);
      const scaling = await benchScaling({
        curve: values.curve,
        task: values.task,
        envs: values.envs.length ? values.envs : undefined,
        seconds: values.seconds,
        repeats: values.repeats,
        batches: values.batch.length ? values.batch : undefined,
        hiddenForBatches: values["batch-hidden"],
        hiddens: values.hidden.length ? values.hidden : undefined,
        batchForHiddens: values["hidden-batch"],
        iters: values.iters,
        backend: values.backend,
        log,
      });
      if (!json) process.stderr.write(`\n${scalingTable(scaling)}\n`);
      if (values.plots !== undefined) {
        const { mkdirSync, writeFileSync } = await import("node:fs");
        const { join } = await import("node:path");
        mkdirSync(values.plots, { recursive: true });
        for (const [name, svg] of Object.entries(scalingPlots(scaling))) writeFileSync(join(values.plots, name), svg);
      }
      result = scaling;
      break;
    }
    default:
      throw new UsageError(`unknown benchmark ${quote(which ?? "")}; expected physics, bridge, load, update, fleet, scaling or meta\n\n${BENCH_USAGE}`);
  }
  console.log(json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
}
