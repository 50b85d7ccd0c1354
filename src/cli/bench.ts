/**
 * `simbridge bench …`: measurements that print JSON on stdout. Each compares
 * against a baseline measured in the same run; BENCHMARKS.md records results
 * with the command that produced them.
 */
import { intFlag, numberFlag, parse, UsageError } from "./args.js";

export const BENCH_USAGE = `usage:
  simbridge bench physics [--task Ant-v5] [--seconds 3] --json
      raw mj_step rate vs full env step rate in-process (+ native MuJoCo when libmujoco-dev is installed)
  simbridge bench bridge [--task Ant-v5] [--envs 8] [--seconds 3] [--pings 2000] --json
      the same stepping in-process vs through a loopback server; round-trip latency vs a bare grpc-js ping-pong
  simbridge bench load [--task PointReach-v0] [--sessions 64] [--envs 1] [--steps 200] [--rounds 3] [--pipeline] --json
      concurrent sessions on one server process: every step answered, errors, steps/s, latency, server memory and
      counts per round (--pipeline: each env by its own request, a session's envs all in flight at once)
  simbridge bench load --non-reader [--task PointReach-v0] [--seconds 60] [--envs 64] --json
      a client that never reads its answers (its requests reset --envs envs) for --seconds next to a well-behaved
      client: server RSS start/peak/end, counts, and the well-behaved p50/p99 round trip vs the same client alone
  simbridge bench update [--algo td3] [--batch 256] [--hidden 256] [--obs-dim 32] [--act-dim 8] [--iters 30] [--backend auto] --json
      one critic Adam step and one full TD3 update vs the naive transposed-matMul baseline
  simbridge bench update --algo ppo [--rows 2048] [--obs-dim 10] [--act-dim 2] [--iters 30] [--backend auto] --json
      one PPO epoch (CleanRL sizes: 64-64 tanh, 32 minibatches) and one 8-row act vs the same written naively in tfjs`;

export async function benchCommand(argv: string[]): Promise<void> {
  const [which, ...rest] = argv;
  const { values } = parse(
    rest,
    {
      task: { type: "string" },
      seconds: { type: "string" },
      envs: { type: "string" },
      pings: { type: "string" },
      sessions: { type: "string" },
      steps: { type: "string" },
      rounds: { type: "string" },
      pipeline: { type: "boolean" },
      "non-reader": { type: "boolean" },
      batch: { type: "string" },
      hidden: { type: "string" },
      algo: { type: "string" },
      rows: { type: "string" },
      "obs-dim": { type: "string" },
      "act-dim": { type: "string" },
      iters: { type: "string" },
      backend: { type: "string" },
      json: { type: "boolean" },
    },
    BENCH_USAGE,
  );
  let result: object;
  switch (which) {
    case "physics": {
      const { benchPhysics } = await import("../bench/physics.js");
      result = await benchPhysics({ task: values.task ?? "Ant-v5", seconds: numberFlag(values.seconds, "seconds", 3) });
      break;
    }
    case "bridge": {
      const { benchBridge } = await import("../bench/bridge.js");
      result = await benchBridge({
        task: values.task ?? "Ant-v5",
        envs: intFlag(values.envs, "envs", 8, 1),
        seconds: numberFlag(values.seconds, "seconds", 3),
        pings: intFlag(values.pings, "pings", 2000, 10),
      });
      break;
    }
    case "load": {
      const { benchLoad, benchNonReader } = await import("../bench/load.js");
      if (values["non-reader"]) {
        for (const f of ["sessions", "steps", "rounds", "pipeline"] as const) {
          if (values[f] !== undefined) throw new UsageError(`--${f} is not for --non-reader\n\n${BENCH_USAGE}`);
        }
        result = await benchNonReader({
          task: values.task ?? "PointReach-v0",
          seconds: numberFlag(values.seconds, "seconds", 60),
          nonReaderEnvs: intFlag(values.envs, "envs", 64, 1),
        });
        break;
      }
      if (values.seconds !== undefined) throw new UsageError(`--seconds is for --non-reader\n\n${BENCH_USAGE}`);
      result = await benchLoad({
        task: values.task ?? "PointReach-v0",
        sessions: intFlag(values.sessions, "sessions", 64, 1),
        envsPerSession: intFlag(values.envs, "envs", 1, 1),
        steps: intFlag(values.steps, "steps", 200, 1),
        rounds: intFlag(values.rounds, "rounds", 3, 1),
        pipeline: values.pipeline ?? false,
      });
      break;
    }
    case "update": {
      const { benchUpdate, benchUpdatePpo } = await import("../bench/update.js");
      const algo = values.algo ?? "td3";
      const only = (flags: Array<"batch" | "hidden" | "rows">, of: string) => {
        for (const f of flags) if (values[f] !== undefined) throw new UsageError(`--${f} is for --algo ${of}\n\n${BENCH_USAGE}`);
      };
      const common = {
        iters: intFlag(values.iters, "iters", 30, 1),
        ...(values.backend ? { backend: values.backend } : {}),
      };
      if (algo === "td3") {
        only(["rows"], "ppo");
        result = await benchUpdate({
          batch: intFlag(values.batch, "batch", 256, 1),
          hidden: intFlag(values.hidden, "hidden", 256, 1),
          obsDim: intFlag(values["obs-dim"], "obs-dim", 32, 1),
          actDim: intFlag(values["act-dim"], "act-dim", 8, 1),
          ...common,
        });
      } else if (algo === "ppo") {
        only(["batch", "hidden"], "td3");
        result = await benchUpdatePpo({
          rows: intFlag(values.rows, "rows", 2048, 1),
          obsDim: intFlag(values["obs-dim"], "obs-dim", 10, 1),
          actDim: intFlag(values["act-dim"], "act-dim", 2, 1),
          ...common,
        });
      } else {
        throw new UsageError(`--algo: expected td3 or ppo, got '${algo}'\n\n${BENCH_USAGE}`);
      }
      break;
    }
    default:
      throw new UsageError(`unknown benchmark '${which ?? ""}'\n\n${BENCH_USAGE}`);
  }
  console.log(values.json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
}
