/**
 * `simbridge collect`: records demonstrations ("play") into a file for the
 * learners that imitate (`simbridge train --algo relay --demos FILE`).
 *
 * Episodes are lived over the protocol, like training: the embedded server on
 * loopback unless --server. Who acts (--policy):
 * - `scripted`: the task's scripted demonstrator (sims/point/scripted.ts), for
 *   the tasks that have one;
 * - `random`: uniform actions in the action bounds;
 * - a run folder: that run's latest checkpoint, its deterministic policy (as
 *   `simbridge eval` plays it).
 * The file format is documented in src/replay/demonstrations.ts. Prints one
 * JSON summary: episodes, steps, the demonstrations' success rate, mean return.
 */
import { resolve } from "node:path";
import { builtinRegistry } from "../../sims/catalog.js";
import { pointMazeScripted, pointPushScripted } from "../../sims/point/scripted.js";
import { algoEntry, makeAgent } from "../algos/registry.js";
import { connectEnvs } from "../client/connect-envs.js";
import type { ConnectOptions } from "../client/connection.js";
import { Rng } from "../core/rng.js";
import { sizeOf, type ArraySpec } from "../env/spec.js";
import type { OptionValue, TaskSpec } from "../env/task.js";
import type { VectorEnv } from "../env/vector-env.js";
import { selectBackend } from "../nn/backend.js";
import { demoSpecOf, demoSummary, EpisodeRecorder, writeDemonstrations, type DemoEpisode, type Demonstrations } from "../replay/demonstrations.js";
import { startServer } from "../server/server.js";
import { toEnvActions } from "../train/action-scale.js";
import { gatherRows, type Policy } from "../train/evaluate.js";
import { InputEncoder } from "../train/input-encoder.js";
import { ObservationLayout } from "../train/observation-layout.js";
import { RunFolder } from "../train/run-folder.js";
import { readRunArgs } from "../train/train-run.js";
import { Trainer } from "../train/trainer.js";
import { clip, quote } from "../core/quote.js";
import { connectOptionsFrom, UsageError } from "./args.js";
import { CONNECTION_FLAGS, defineCommand } from "./flags.js";

/** A scripted demonstrator: raw observation and desired goal → an action in the task's bounds. */
type Scripted = typeof pointPushScripted;

/** The tasks with a scripted demonstrator (sims/point/scripted.ts). */
export const SCRIPTED: Readonly<Record<string, Scripted>> = Object.freeze({ "PointPush-v0": pointPushScripted, "PointMaze-v0": pointMazeScripted });

export const COLLECT = defineCommand({
  name: "collect",
  synopsis: ["--task NAME --policy scripted|random|RUN_DIR --episodes N --out FILE [--seed S] [--option K=V …] [--server HOST:PORT] [--envs E]"],
  about:
    "Records demonstrations (whole episodes: every observation, the final one included, and every action) into FILE, for the learners that imitate (relay: give FILE to simbridge train as its demonstrations). " +
    "Episodes are lived over the protocol: the embedded server on loopback unless --server. Prints a JSON summary (episodes, steps, success rate).",
  flags: {
    task: { type: "string", meta: "NAME", required: true, help: "the task (simbridge tasks lists them)" },
    policy: {
      type: "string",
      meta: "scripted|random|RUN_DIR",
      required: true,
      help: `who acts: scripted (the task's scripted demonstrator: ${Object.keys(SCRIPTED).join(", ")}), random (uniform actions), or a run folder (its checkpoint's deterministic policy)`,
    },
    episodes: { type: "int", min: 1, meta: "N", help: "episodes to record (required)" },
    out: { type: "string", meta: "FILE", required: true, help: "the demonstrations file to write (e.g. demos.sbd)" },
    seed: { type: "int", min: 0, default: 0, help: "seed of the episodes' resets (and of random actions)" },
    option: { type: "pairs", help: "a task make option (e.g. max_episode_steps=50)" },
    envs: { type: "int", min: 1, default: 1, help: "envs stepped together" },
    server: { type: "string", meta: "TARGET", group: "connection", defaultText: "the embedded server on loopback", help: "record on this simbridge server's task (HOST:PORT) or fleet (ipv4:A:PORT,B:PORT,… or dns:///NAME:PORT)" },
    ...CONNECTION_FLAGS,
  },
});

export const COLLECT_USAGE = COLLECT.usage;

function parseValue(text: string): OptionValue {
  if (text === "true" || text === "false") return text === "true";
  const n = Number(text);
  return text.trim() !== "" && Number.isFinite(n) ? n : text;
}

/** Env-unit actions (the task's bounds) as policy units [−1, 1]: the inverse of toEnvActions. */
function toPolicyActions(spec: ArraySpec, actions: Float32Array): Float32Array {
  const lo = spec.minimum;
  const hi = spec.maximum;
  if (!lo || !hi) return actions;
  const per = lo.length;
  return actions.map((a, i) => {
    const l = lo[i % per]!;
    const h = hi[i % per]!;
    return Number.isFinite(l) && Number.isFinite(h) ? Math.max(-1, Math.min(1, (2 * (a - l)) / (h - l) - 1)) : a;
  });
}

/** The scripted demonstrator of `spec`'s task as a Policy; throws listing the tasks that have one. */
export function scriptedPolicy(spec: TaskSpec): Policy {
  const script = Object.hasOwn(SCRIPTED, spec.name) ? SCRIPTED[spec.name] : undefined;
  if (!script) throw new UsageError(`--policy scripted: ${spec.name} has no scripted demonstrator; tasks with one: ${Object.keys(SCRIPTED).join(", ")} (or use --policy random, or a trained run's folder)`);
  const layout = ObservationLayout.of(spec);
  const actDim = sizeOf(spec.action.shape);
  return (observations, rows) => {
    const obs = layout.observation(observations);
    const goal = layout.desiredGoal(observations);
    const out = new Float32Array(rows * actDim);
    for (let r = 0; r < rows; r++) {
      script(obs.subarray(r * layout.obsSize, (r + 1) * layout.obsSize), goal.subarray(r * layout.goalSize, (r + 1) * layout.goalSize), out.subarray(r * actDim, (r + 1) * actDim));
    }
    return toPolicyActions(spec.action, out);
  };
}

/** Uniform actions in [−1, 1] (the task's bounds, once rescaled). */
export function randomPolicy(spec: TaskSpec, seed: number): Policy {
  const rng = new Rng(seed);
  const actDim = sizeOf(spec.action.shape);
  return (_obs, rows) => Float32Array.from({ length: rows * actDim }, () => rng.uniformRange(-1, 1));
}

/**
 * A trained run's deterministic policy on `spec` (the run's latest
 * checkpoint, built as `simbridge eval` builds it); `dispose` frees its networks.
 */
export async function runPolicy(dir: string, spec: TaskSpec): Promise<{ policy: Policy; dispose(): void }> {
  if (!RunFolder.exists(dir)) throw new UsageError(`--policy ${quote(dir, 120)}: expected scripted, random or a run folder, and ${clip(dir, 120)} holds no run (no args.json)`);
  const folder = new RunFolder(dir);
  const args = readRunArgs(folder);
  if (args.task !== spec.name) throw new UsageError(`--policy ${clip(dir, 120)}: that run trained on ${args.task}, not on ${spec.name}`);
  if (!folder.hasCheckpoint) throw new Error(`${clip(dir, 120)} has no checkpoint yet`);
  const encoder = new InputEncoder(spec, args.normalize && !algoEntry(args.algo).rawInput);
  const agent = makeAgent(args.algo, { inputDim: encoder.inputDim, actDim: sizeOf(spec.action.shape), seed: args.seed, goalDim: encoder.goalDim }, args.algoArgs, args.her);
  try {
    const trainer = new Trainer(spec, agent, encoder, undefined, args, new Rng(args.seed + 7), undefined);
    await folder.loadCheckpoint(agent, trainer, false);
    return { policy: trainer.policy("deterministic"), dispose: () => agent.dispose() };
  } catch (e) {
    agent.dispose();
    throw e;
  }
}

/**
 * Lives `episodes` whole episodes with `policy` on `env` (its envs side by
 * side) and returns them in the order they ended. Episode resets are seeded
 * from `seed`'s stream: the same seed, envs and policy give the same episodes.
 */
export async function collectDemonstrations(env: VectorEnv, policy: Policy, episodes: number, seed: number): Promise<DemoEpisode[]> {
  const n = Math.min(env.numEnvs, episodes);
  const seeds = new Rng(seed);
  const sizes = env.spec.observations.map((o) => sizeOf(o.shape));
  const actDim = sizeOf(env.spec.action.shape);
  const recorder = new EpisodeRecorder(n);
  const current = sizes.map((size) => new Float32Array(n * size));
  const done: DemoEpisode[] = [];
  let begun = 0;
  const begin = async (indices: number[]) => {
    begun += indices.length;
    const r = await env.reset(indices.map((index) => ({ index, seed: seeds.nextU32() })));
    r.indices.forEach((i, row) => {
      current.forEach((o, k) => o.set(r.observations[k]!.subarray(row * sizes[k]!, (row + 1) * sizes[k]!), i * sizes[k]!));
      recorder.begin(i, current.map((o, k) => o.subarray(i * sizes[k]!, (i + 1) * sizes[k]!)));
      policy.startEpisode?.(i);
    });
  };
  let active = Array.from({ length: n }, (_, i) => i);
  await begin(active);
  while (active.length > 0) {
    const actions = policy(current.map((o, k) => gatherRows(o, sizes[k]!, active)), active.length, active);
    const s = await env.step(toEnvActions(env.spec.action, actions), active);
    const next: number[] = [];
    const restart: number[] = [];
    s.indices.forEach((i, row) => {
      const after = s.observations.map((o, k) => o.subarray(row * sizes[k]!, (row + 1) * sizes[k]!));
      current.forEach((o, k) => o.set(after[k]!, i * sizes[k]!));
      const ended = recorder.step(i, actions.subarray(row * actDim, (row + 1) * actDim), after, s.reward?.[row], s.isSuccess[row] === 1, s.status[row] as DemoEpisode["status"]);
      if (!ended) next.push(i);
      else {
        done.push(ended);
        if (begun + restart.length < episodes) restart.push(i);
      }
    });
    if (restart.length) await begin(restart);
    active = [...next, ...restart].sort((a, b) => a - b);
  }
  return done;
}

export async function collectCommand(argv: string[]): Promise<void> {
  const { values: v } = COLLECT.parse(argv);
  if (v.episodes === undefined) throw COLLECT.usageError("--episodes is required");
  const connect: ConnectOptions = connectOptionsFrom(v);
  const options = Object.fromEntries(v.option.map(([k, value]) => [k, parseValue(value)]));
  const started = performance.now();
  const server = v.server ? undefined : await startServer({ registry: builtinRegistry(), port: 0 });
  const address = v.server ?? server!.address;
  const release: Array<() => unknown> = [() => server?.close()];
  try {
    const env = await connectEnvs(address, v.task, Math.min(v.envs, v.episodes), options, { connect });
    release.push(() => env.close());
    let policy: Policy;
    let name = v.policy;
    if (v.policy === "scripted") policy = scriptedPolicy(env.spec);
    else if (v.policy === "random") policy = randomPolicy(env.spec, v.seed + 1_000_003);
    else {
      await selectBackend("auto");
      const run = await runPolicy(v.policy, env.spec);
      release.push(() => run.dispose());
      policy = run.policy;
      name = resolve(v.policy);
    }
    const episodes = await collectDemonstrations(env, policy, v.episodes, v.seed);
    const demos: Demonstrations = { task: env.spec.name, policy: name, seed: v.seed, spec: demoSpecOf(env.spec), episodes };
    writeDemonstrations(v.out, demos);
    const s = demoSummary(demos);
    const orNull = (x: number) => (Number.isNaN(x) ? null : x);
    console.log(
      JSON.stringify({
        task: demos.task,
        policy: name,
        episodes: s.episodes,
        steps: s.steps,
        success_rate: orNull(s.success_rate),
        return_mean: orNull(s.return_mean),
        out: v.out,
        seconds: Math.round((performance.now() - started) / 100) / 10,
      }),
    );
  } finally {
    for (const free of release.reverse()) await free();
  }
}
