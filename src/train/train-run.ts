/**
 * A whole training run as the CLI runs it: backend, environments (the embedded
 * MuJoCo server on loopback, or `server`), agent, reward model, trainer, run
 * folder, checkpoints, the final evaluation and the plots. Also `evalRun`,
 * which reloads a run folder and evaluates its policy.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { builtinRegistry } from "../../sims/catalog.js";
import { RemoteVectorEnv } from "../client/remote-vector-env.js";
import type { ConnectOptions } from "../client/connection.js";
import type { Options, Task, TaskSpec } from "../env/task.js";
import { sizeOf } from "../env/spec.js";
import { selectBackend, type BackendName } from "../nn/backend.js";
import { makeAgent, type AlgoOverrides } from "../algos/registry.js";
import type { OffPolicyAgent } from "../algos/off-policy-agent.js";
import { KnownReward } from "../reward/known-reward.js";
import type { RewardModel } from "../reward/reward-model.js";
import { PROTOCOL_VERSION, packageRoot } from "../protocol/service-definition.js";
import { startServer, type RunningServer } from "../server/server.js";
import { OffPolicyTrainer, type TrainerConfig } from "./off-policy-trainer.js";
import type { EvalResult } from "./evaluate.js";
import { ProgressBar } from "./progress.js";
import { RunFolder } from "./run-folder.js";

export interface TrainArgs extends TrainerConfig {
  readonly algo: string;
  readonly task: string;
  readonly taskOptions: Options;
  /** HOST:PORT of a simbridge server; empty: the embedded server on loopback. */
  readonly server: string;
  readonly backend: BackendName;
  /** Checkpoint every this many env steps (and at the end). */
  readonly checkpointEvery: number;
  /** Save the replay buffer with checkpoints (bigger files; a resumed run keeps its data). */
  readonly saveReplay: boolean;
  /** Episodes of the final evaluation. */
  readonly finalEvalEpisodes: number;
  /** Algorithm hyper-parameters that differ from the algorithm's defaults. */
  readonly algoArgs: AlgoOverrides;
}

export interface RunHandle {
  readonly folder: RunFolder;
  readonly eval: EvalResult;
  readonly wallSeconds: number;
}

/**
 * The environments of a run: the embedded server unless `args.server` is set.
 * They reconnect when the server is lost; `log` hears about it.
 */
async function connect(args: Pick<TrainArgs, "server" | "task" | "taskOptions">, numEnvs: number, connectOptions: ConnectOptions, log: (line: string) => void) {
  let server: RunningServer | undefined;
  let address = args.server;
  if (!address) {
    server = await startServer({ registry: builtinRegistry(), port: 0 });
    address = server.address;
  }
  const reconnect = {
    onEvent: (e: { attempt: number; error?: Error; restored?: boolean }) =>
      log(e.restored ? `reconnected to ${address} (attempt ${e.attempt}); envs re-created` : `lost ${address} (${e.error?.message}); reconnecting, attempt ${e.attempt}`),
  };
  const env = await RemoteVectorEnv.connect(address, args.task, numEnvs, args.taskOptions, connectOptions, { reconnect });
  return { env, address, server, reconnect };
}

/** The white-box reward of a built-in goal task, computed in this process. */
async function knownRewardFor(spec: TaskSpec, options: Options): Promise<{ model: RewardModel; task: Task } | undefined> {
  if (spec.blackBox) return undefined;
  const registry = builtinRegistry();
  if (!registry.names.includes(spec.name)) return undefined;
  const task = await registry.get(spec.name).create(options);
  if (!task.computeReward) {
    task.close();
    return undefined;
  }
  return { model: KnownReward.fromTask(task), task };
}

function build(args: TrainArgs, spec: TaskSpec, reward: RewardModel | undefined, actingOnly = false): { agent: OffPolicyAgent; trainer: OffPolicyTrainer } {
  const obsDim = sizeOf(spec.observations[0]!.shape);
  const goalDim = spec.goalConditioned ? sizeOf(spec.observations[2]!.shape) : 0;
  const agent = makeAgent(args.algo, { inputDim: obsDim + goalDim, actDim: sizeOf(spec.action.shape), seed: args.seed }, args.algoArgs, args.her);
  // An acting-only trainer (for eval) needs the encoder, not the replay.
  const config = actingOnly ? { ...args, her: false, bufferSize: 1 } : args;
  return { agent, trainer: new OffPolicyTrainer(spec, agent, config, reward) };
}

function versions(backend: string): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string };
  return { simbridge: pkg.version, protocol: PROTOCOL_VERSION, node: process.version, tfjs_backend: backend };
}

/** Trains (or resumes, when the folder has a checkpoint and `resume` is set) and evaluates. */
export async function trainRun(args: TrainArgs, dir: string, options: { resume: boolean; token?: string; log?: (line: string) => void }): Promise<RunHandle> {
  const log = options.log ?? ((l: string) => console.error(l));
  const backend = await selectBackend(args.backend);
  log(`TF.js backend: ${backend.name} (${backend.detail})`);
  const folder = new RunFolder(dir);
  const connectOptions: ConnectOptions = options.token ? { token: options.token } : {};
  const { env, address, server, reconnect } = await connect(args, args.envs, connectOptions, log);
  log(`training ${args.algo}${args.her ? "+HER" : ""} on ${args.task} through ${server ? "the embedded server" : "the server"} at ${address}, ${args.envs} env(s)`);
  const evalEnv = await RemoteVectorEnv.connect(address, args.task, Math.min(10, args.finalEvalEpisodes), args.taskOptions, connectOptions, { reconnect });
  const known = args.her ? await knownRewardFor(env.spec, args.taskOptions) : undefined;
  if (args.her && !known) {
    throw new Error(`--her needs the task's reward function, and ${args.task} offers none here (black box or not built in)`);
  }
  const { agent, trainer } = build(args, env.spec, known?.model);
  const started = performance.now();
  try {
    if (options.resume && folder.hasCheckpoint) {
      const step = await folder.loadCheckpoint(agent, trainer);
      folder.metrics.truncateAfter(step);
      log(`resumed from the checkpoint at step ${step}`);
    } else {
      folder.writeJson("args.json", args);
      folder.writeJson("versions.json", versions(backend.name));
    }
    const bar = new ProgressBar();
    await trainer.train(
      env,
      {
        metric: (r) => folder.metrics.write(r),
        progress: (p) =>
          bar.update({
            step: p.step,
            total: args.steps,
            stepsPerSecond: p.stepsPerSecond,
            recentReturn: p.recentReturn,
            recentSuccess: p.recentSuccess,
            extra: p.losses["critic_loss"] !== undefined ? `critic ${p.losses["critic_loss"].toFixed(3)}` : "",
          }),
        checkpoint: (step) => folder.saveCheckpoint(agent, trainer, args.saveReplay).then(() => log(`\ncheckpoint at step ${step}`)),
        checkpointEvery: args.checkpointEvery,
      },
      args.evalEvery > 0 ? evalEnv : undefined,
    );
    bar.done({ step: trainer.currentStep, total: args.steps, stepsPerSecond: 0 });
    const result = await trainer.evaluate(evalEnv, args.finalEvalEpisodes);
    const wallSeconds = (performance.now() - started) / 1000;
    folder.writeJson("eval.json", { ...result, seed: args.seed, steps: trainer.currentStep, wall_seconds: Math.round(wallSeconds) });
    folder.metrics.write({ kind: "eval", step: trainer.currentStep, episodes: result.episodes, success_rate: result.success_rate, return_mean: result.return_mean, return_std: result.return_std, final: true });
    folder.writeCurves(`${args.algo}${args.her ? "+HER" : ""} on ${args.task}, seed ${args.seed}`);
    return { folder, eval: result, wallSeconds };
  } finally {
    agent.dispose();
    known?.task.close();
    await evalEnv.close();
    await env.close();
    await server?.close();
  }
}

/** Loads a run folder's latest checkpoint and evaluates the deterministic policy. */
export async function evalRun(dir: string, episodes: number, options: { server?: string; token?: string; backend?: BackendName } = {}): Promise<EvalResult> {
  const folder = new RunFolder(dir);
  const args = folder.readJson<TrainArgs>("args.json");
  if (!folder.hasCheckpoint) throw new Error(`${dir} has no checkpoint yet`);
  await selectBackend(options.backend ?? args.backend);
  const { env, server } = await connect({ ...args, server: options.server ?? args.server }, Math.min(10, episodes), options.token ? { token: options.token } : {}, () => undefined);
  const { agent, trainer } = build(args, env.spec, undefined, true);
  try {
    await folder.loadCheckpoint(agent, trainer, false);
    return await trainer.evaluate(env, episodes);
  } finally {
    agent.dispose();
    await env.close();
    await server?.close();
  }
}
