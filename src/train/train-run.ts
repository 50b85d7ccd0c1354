/**
 * A whole training run as the CLI runs it: backend, environments (the embedded
 * MuJoCo server on loopback, or `server`), agent, reward model, trainer, run
 * folder, checkpoints, the final evaluation and the plots. Also `evalRun`,
 * which reloads a run folder and evaluates its policy.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { builtinRegistry } from "../../sims/catalog.js";
import { connectEnvs } from "../client/connect-envs.js";
import { startViewer } from "../viewer/viewer-server.js";
import type { ConnectOptions } from "../client/connection.js";
import type { Options, Task, TaskSpec } from "../env/task.js";
import { sizeOf } from "../env/spec.js";
import { selectBackend, type BackendName } from "../nn/backend.js";
import { algoEntry, makeAgent, type AlgoOverrides } from "../algos/registry.js";
import { bringsOwnLearner, type Agent, type OffPolicyAgent, type OnPolicyAgent } from "../algos/agent.js";
import type { VectorEnv } from "../env/vector-env.js";
import { Rng } from "../core/rng.js";
import { KnownReward } from "../reward/known-reward.js";
import { RemoteReward } from "../reward/remote-reward.js";
import { COMPUTE_REWARD_CAPABILITY } from "../server/compute-reward.js";
import { Gahil, GAHIL_OPTION_NAMES, type GahilOptions } from "../reward/gahil.js";
import { probeRewardModel, type RewardQuality } from "./reward-probe.js";
import type { RewardModel } from "../reward/reward-model.js";
import { PROTOCOL_VERSION, packageRoot } from "../protocol/service-definition.js";
import { startServer, type RunningServer } from "../server/server.js";
import { isOnlineRewardModel, type OnlineRewardModel } from "../reward/online-reward.js";
import { InputEncoder } from "./input-encoder.js";
import { ObservationLayout } from "./observation-layout.js";
import type { Learner } from "./learner.js";
import { OffPolicyLearner, ONE_STEP_CREDIT, type OffPolicySchedule } from "./off-policy-learner.js";
import { OnPolicyLearner } from "./on-policy-learner.js";
import { Trainer, type LoopConfig, type TimeSplit } from "./trainer.js";
import type { EvalResult } from "./evaluate.js";
import { ProgressBar } from "./progress.js";
import { RunFolder } from "./run-folder.js";

export interface TrainArgs extends LoopConfig, OffPolicySchedule {
  readonly algo: string;
  readonly seed: number;
  /** Normalise network inputs with running statistics. */
  readonly normalize: boolean;
  /**
   * Where hindsight goals come from: "achieved" (HER's FUTURE strategy, off-policy
   * learners) or "sampled" (only goals the env sampled in the rollout: PPO's
   * restricted relabelling, seed 002).
   */
  readonly herGoals: "achieved" | "sampled";
  readonly task: string;
  readonly taskOptions: Options;
  /** Demonstrations to imitate (a `simbridge collect` file), for the learners that do (relay); "" for none. */
  readonly demos: string;
  /** Make options of the evaluation envs, over `taskOptions` (e.g. a fixed evaluation goal: goal=8,8). */
  readonly evalTaskOptions: Options;
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
  /**
   * Where rewards come from: "env" (the steps' rewards; plain replay), "known"
   * (the task's white-box computeReward, for HER), "gahil" (learned online —
   * black-box capable; env rewards are never read). "auto": known with --her, else env.
   */
  readonly reward: "auto" | "env" | "known" | "gahil";
  /** Serve the embedded tasks as black boxes (ignored with `server`: the server decides). */
  readonly blackBox: boolean;
  /** Episodes of each reward-quality probe (learned rewards on built-in tasks only). */
  readonly probeEpisodes: number;
  /** Options of the learned reward model that differ from its defaults (GahilOptions: hidden, minPositives, trainEvery, batchSize, ...). */
  readonly rewardArgs: Readonly<Record<string, number | readonly number[] | string | boolean>>;
}

/** The defaults of `simbridge train` (the CLI's flags override them). */
export const TRAIN_DEFAULTS: Omit<TrainArgs, "task"> = Object.freeze({
  algo: "td3",
  taskOptions: {},
  evalTaskOptions: {},
  demos: "",
  her: false,
  herGoals: "achieved",
  reward: "auto",
  blackBox: false,
  steps: 20_000,
  seed: 0,
  envs: 1,
  server: "",
  backend: "auto",
  batchSize: 256,
  bufferSize: 1_000_000,
  learningStarts: 1000,
  updatesPerStep: 1,
  herK: 4,
  ...ONE_STEP_CREDIT,
  normalize: true,
  evalEvery: 0,
  evalEpisodes: 20,
  finalEvalEpisodes: 100,
  probeEpisodes: 20,
  logEvery: 1000,
  stopAtSuccess: 0,
  stopAfterEvals: 2,
  checkpointEvery: 5000,
  saveReplay: false,
  algoArgs: {},
  rewardArgs: {},
});

/** GAHIL options the run sets itself (from the task's spec and `seed`): not for `rewardArgs`. */
const RUN_SET_REWARD_OPTIONS: readonly string[] = ["goalSize", "obsSize", "actionSize", "seed"];

/** The names `rewardArgs` (--reward-set) accepts: GahilOptions, less what the run sets itself. */
export const REWARD_ARG_NAMES: readonly string[] = GAHIL_OPTION_NAMES.filter((n) => !RUN_SET_REWARD_OPTIONS.includes(n));

/**
 * Throws for `rewardArgs` the learned reward would not use: a name GahilOptions
 * does not have (or one the run sets itself), or any at all when the reward is
 * not learned. The message lists the accepted names.
 */
export function checkRewardArgs(args: Pick<TrainArgs, "reward" | "rewardArgs">): void {
  const names = Object.keys(args.rewardArgs);
  if (names.length === 0) return;
  if (args.reward !== "gahil") throw new Error(`reward options (${names.join(", ")}) set the learned reward, but this run's reward is ${args.reward}: use --reward gahil`);
  for (const name of names) {
    if (!REWARD_ARG_NAMES.includes(name)) {
      const why = RUN_SET_REWARD_OPTIONS.includes(name) ? "is set by the run (from the task's spec and --seed)" : "is not a GAHIL option";
      throw new Error(`reward option '${name.slice(0, 80)}' ${why}; accepted: ${REWARD_ARG_NAMES.join(", ")}`);
    }
  }
}

/** Complete run arguments: the defaults, overridden. */
export function trainArgs(task: string, overrides: Partial<TrainArgs> = {}): TrainArgs {
  return { ...TRAIN_DEFAULTS, task, ...overrides };
}

export interface RunHandle {
  readonly folder: RunFolder;
  readonly eval: EvalResult;
  readonly wallSeconds: number;
  /** The final reward-quality probe, when the reward was learned. */
  readonly rewardQuality?: RewardQuality;
}

/**
 * The environments of a run: the embedded server unless `args.server` is set
 * (one HOST:PORT, or a fleet target: see src/client/fleet-target.ts).
 * They reconnect (or fail over) when a server is lost; `log` hears about it.
 */
async function connect(args: Pick<TrainArgs, "server" | "task" | "taskOptions" | "blackBox">, numEnvs: number, connectOptions: ConnectOptions, log: (line: string) => void) {
  let server: RunningServer | undefined;
  let address = args.server;
  if (!address) {
    const registry = builtinRegistry();
    server = await startServer({ registry: args.blackBox ? registry.asBlackBox() : registry, port: 0 });
    address = server.address;
  }
  try {
    const env = await connectEnvs(address, args.task, numEnvs, args.taskOptions, { connect: connectOptions, log });
    return { env, address, server };
  } catch (e) {
    await server?.close();
    throw e;
  }
}

/**
 * A built-in task made in this process for its white-box reward function. The
 * learner may use it only when the served task is not a black box ("known");
 * the evaluation harness uses it to judge a learned reward.
 */
async function whiteBoxTask(name: string, options: Options): Promise<Task | undefined> {
  const registry = builtinRegistry();
  if (!registry.names.includes(name)) return undefined;
  const task = await registry.get(name).create(options);
  if (task.computeReward) return task;
  task.close();
  return undefined;
}

/** A server the run does not embed (`--server`): where its reward function may come from. */
interface ExternalServer {
  readonly address: string;
  readonly connect: ConnectOptions;
  /** The handshake's capabilities. */
  readonly capabilities: readonly string[];
  readonly log: (line: string) => void;
}

/**
 * The reward model the learner uses (and owns), per `args.reward`. `external`:
 * the server when it is not the embedded one.
 */
async function rewardModelFor(args: TrainArgs, spec: TaskSpec, external?: ExternalServer): Promise<{ model: RewardModel | undefined; dispose(): void }> {
  const kind = args.reward === "auto" ? (args.her ? "known" : "env") : args.reward;
  if (kind === "env") {
    if (args.her) throw new Error("--her scores hindsight goals with a reward model: use --reward known or --reward gahil");
    return { model: undefined, dispose: () => undefined };
  }
  // Off-policy learners use a reward model only for hindsight goals; an on-policy one also scores the lived steps.
  if (!args.her && algoEntry(args.algo).kind === "off-policy") throw new Error(`--reward ${kind} scores hindsight goals: it needs --her`);
  if (!spec.goalConditioned) throw new Error(`--her needs a goal-conditioned task (observation, achieved_goal, desired_goal); ${spec.name} is not`);
  const layout = ObservationLayout.of(spec);
  if (kind === "known") {
    // The server's own reward function when it offers it (an external goal task); the embedded
    // server's tasks are this process's, so theirs is called in-process (a RemoteReward blocks
    // its thread while it waits, and that thread would be the embedded server's).
    if (external && !spec.blackBox && spec.hasRewardFunction && external.capabilities.includes(COMPUTE_REWARD_CAPABILITY)) {
      const remote = await RemoteReward.connect(external.address, spec.name, { options: args.taskOptions, connect: external.connect });
      external.log(`reward: ${spec.name}'s own reward function on ${remote.serverName} at ${external.address} (compute_reward, one request per sampled batch)`);
      return {
        model: remote,
        dispose: async () => {
          await remote.close();
          external.log(`compute_reward: ${remote.requests} requests, ${remote.pairs} pairs scored by ${remote.serverName}${remote.reconnects ? `, ${remote.reconnects} reconnect${remote.reconnects === 1 ? "" : "s"}` : ""}`);
        },
      };
    }
    const task = spec.blackBox ? undefined : await whiteBoxTask(spec.name, args.taskOptions);
    if (!task) {
      const why = spec.blackBox ? "it is served as a black box" : "not a built-in task, and the server does not offer its reward function (capability compute_reward)";
      throw new Error(`--reward known needs the task's reward function, and ${spec.name} offers none here (${why}): use --reward gahil`);
    }
    return { model: KnownReward.fromTask(task), dispose: () => task.close() };
  }
  const gahil = new Gahil(gahilOptionsFor(args, layout, sizeOf(spec.action.shape)));
  return { model: gahil, dispose: () => gahil.dispose() };
}

/**
 * GAHIL's options for a run: the user's (--reward-set) over the run's. A
 * learner that brings its own storage (HIRO, HAC) feeds GAHIL no relabelled
 * negatives, only the real failures every step brings: its rounds are then
 * due every 1000 of those (GAHIL's `negatives: "none"`), not every third of
 * the negative pool, which real failures alone take ~33k steps to fill (a
 * 30k-step HIRO run on PointMaze-v0 trained GAHIL not once).
 */
export function gahilOptionsFor(args: Pick<TrainArgs, "algo" | "rewardArgs" | "seed">, layout: { goalSize: number; obsSize: number }, actionSize: number): GahilOptions {
  const ownLearner = algoEntry(args.algo).kind === "hierarchical" || algoEntry(args.algo).kind === "skills";
  return {
    ...(ownLearner ? { negatives: "none" as const } : {}),
    ...(args.rewardArgs as Partial<GahilOptions>),
    goalSize: layout.goalSize,
    obsSize: layout.obsSize,
    actionSize,
    seed: args.seed,
  };
}

/** Why PPO refuses ordinary HER (seed 002). */
const PPO_HER_REFUSAL =
  "HER relabels with goals the agent happened to reach, which changes the distribution PPO's policy gradient is an expectation over " +
  "(its importance ratio assumes the data came from the current policy under the goal it is trained on). Use --her-goals sampled: " +
  "relabelling only with goals the environment itself sampled in the rollout, with log-probabilities recomputed under the new goal (seed 002's restricted HER).";

/**
 * Agent, input encoder, storage + schedule (the learner) and the loop, for
 * `args`. `actingOnly` (evaluation): no learner.
 */
function build(args: TrainArgs, spec: TaskSpec, reward: RewardModel | undefined, actingOnly = false): { agent: Agent; trainer: Trainer } {
  const encoder = new InputEncoder(spec, args.normalize && !algoEntry(args.algo).rawInput);
  const agent = makeAgent(args.algo, { inputDim: encoder.inputDim, actDim: sizeOf(spec.action.shape), seed: args.seed, goalDim: encoder.goalDim }, args.algoArgs, args.her);
  const rng = new Rng(args.seed + 7);
  const online = isOnlineRewardModel(reward) ? reward : undefined;
  let learner: Learner | undefined;
  if (!actingOnly) {
    try {
      learner =
        agent.kind === "on-policy"
          ? onPolicyLearner(args, spec, agent as OnPolicyAgent, encoder, rng, reward, online)
          : bringsOwnLearner(agent)
            ? agent.makeLearner({ spec, encoder, schedule: args, rng, envs: args.envs, rewardModel: reward, onlineReward: online, demos: args.demos })
            : offPolicyLearner(args, spec, agent as OffPolicyAgent, encoder, rng, reward, online);
    } catch (e) {
      agent.dispose();
      throw e;
    }
  }
  return { agent, trainer: new Trainer(spec, agent, encoder, learner, args, rng, online) };
}

function offPolicyLearner(args: TrainArgs, spec: TaskSpec, agent: OffPolicyAgent, encoder: InputEncoder, rng: Rng, reward: RewardModel | undefined, online: OnlineRewardModel | undefined): Learner {
  if (args.her && args.herGoals !== "achieved") throw new Error(`--her-goals ${args.herGoals} is PPO's restricted relabelling; ${args.algo} uses HER's achieved goals (--her-goals achieved)`);
  return new OffPolicyLearner(spec, agent, encoder, args, rng, args.envs, reward, online);
}

function onPolicyLearner(args: TrainArgs, spec: TaskSpec, agent: OnPolicyAgent, encoder: InputEncoder, rng: Rng, reward: RewardModel | undefined, online: OnlineRewardModel | undefined): Learner {
  if (args.her && args.herGoals !== "sampled") throw new Error(`${args.algo} refuses --her with achieved goals: ${PPO_HER_REFUSAL}`);
  if (args.credit !== "one" || args.replay !== "one-layer") {
    throw new Error(`${args.algo} assigns credit with GAE over its own rollouts: --credit and --replay are for off-policy learners`);
  }
  return new OnPolicyLearner(spec, agent, encoder, rng, args.envs, reward, online, { her: args.her ? "sampled" : "none", herK: args.herK });
}

/** "td3+HER", "ppo+HER(sampled goals)", "td3+HER+floating(10)+two-layer(rd 3)": for logs and plot titles. */
export function runLabel(args: TrainArgs): string {
  const her = args.her ? (args.herGoals === "sampled" ? "+HER(sampled goals)" : "+HER") : "";
  const credit = args.credit === "one" ? "" : args.credit === "gae" ? `+gae(${args.creditN}, λ ${args.creditLambda})` : `+${args.credit}(${args.creditN})`;
  const replay = args.replay === "two-layer" ? `+two-layer(rd ${args.recalcDelay})` : "";
  return `${args.algo}${her}${credit}${replay}`;
}

function versions(backend: string): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string };
  return { simbridge: pkg.version, protocol: PROTOCOL_VERSION, node: process.version, tfjs_backend: backend };
}

/** The evaluation envs' make options: the run's, with --eval-option on top. */
function evalOptions(args: Pick<TrainArgs, "taskOptions" | "evalTaskOptions">): Options {
  return { ...args.taskOptions, ...args.evalTaskOptions };
}

/** A run folder's arguments; fields added since it was written take their defaults. */
export function readRunArgs(folder: RunFolder): TrainArgs {
  return { ...TRAIN_DEFAULTS, ...folder.readJson<TrainArgs>("args.json") };
}

/** Refuses a stopping rule that could never fire or is not a rate. */
function checkStopArgs(args: TrainArgs): void {
  const s = args.stopAtSuccess ?? 0;
  if (!(s >= 0 && s <= 1)) throw new Error(`--stop-at-success: expected a success rate in (0, 1], got ${s}`);
  if (s > 0 && args.evalEvery <= 0) throw new Error("--stop-at-success stops after evaluations: give --eval-every N too");
  const n = args.stopAfterEvals ?? 2;
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`stopAfterEvals: expected an integer ≥ 1, got ${n}`);
}

/**
 * One line: where the run's time went, and what each side alone would allow —
 * the env's steps/s if learning were free, the learner's if stepping were.
 */
export function describeTimeSplit(s: TimeSplit, steps: number): string {
  const total = s.env + s.act + s.learn + s.eval;
  const pct = (x: number) => `${total > 0 ? Math.round((100 * x) / total) : 0} %`;
  const rate = (x: number) => (x > 0 ? `${Math.round(steps / x)} steps/s` : "—");
  return (
    `time: env ${s.env.toFixed(1)} s (${pct(s.env)}), acting ${s.act.toFixed(1)} s (${pct(s.act)}), learning ${s.learn.toFixed(1)} s (${pct(s.learn)}), ` +
    `evaluation ${s.eval.toFixed(1)} s (${pct(s.eval)}); the env alone would give ${rate(s.env)}, the learner alone ${rate(s.learn)}`
  );
}

/** Trains (or resumes, when the folder has a checkpoint and `resume` is set) and evaluates. */
export async function trainRun(
  args: TrainArgs,
  dir: string,
  /** `viewPort`: also serve the browser viewer of the run's envs and curves on this port (0: a free one). */
  options: { resume: boolean; connect?: ConnectOptions; log?: (line: string) => void; progress?: boolean; viewPort?: number },
): Promise<RunHandle> {
  const log = options.log ?? ((l: string) => console.error(l));
  checkRewardArgs(args);
  checkStopArgs(args);
  const backend = await selectBackend(args.backend);
  log(`TF.js backend: ${backend.detail}`);
  const folder = new RunFolder(dir);
  const connectOptions: ConnectOptions = options.connect ?? {};
  // Everything acquired is released in reverse order, whatever fails on the way.
  const release: Array<() => unknown> = [];
  try {
    const { env, address, server } = await connect(args, args.envs, connectOptions, log);
    release.push(() => server?.close(), () => env.close());
    if (options.viewPort !== undefined) {
      const viewer = await startViewer({ target: address, port: options.viewPort, runDir: dir, ...(connectOptions.token ? { token: connectOptions.token } : {}), ...(connectOptions.tls ? { tls: connectOptions.tls } : {}) });
      release.push(() => viewer.close());
      log(`simbridge view on ${viewer.url}`);
    }
    log(
      `training ${runLabel(args)} on ${args.task}${env.spec.blackBox ? " (black box)" : ""} through ${server ? "the embedded server" : "the server"} at ${address}, ${args.envs} env(s), reward: ${args.reward}`,
    );
    if ((args.stopAtSuccess ?? 0) > 0 && !env.spec.goalConditioned) throw new Error(`--stop-at-success stops on evaluation success, but ${args.task} has no goals (no success): give --steps only`);
    const evalEnv = await connectEnvs(address, args.task, Math.min(10, args.finalEvalEpisodes), evalOptions(args), { connect: connectOptions, log });
    release.push(() => evalEnv.close());
    const reward = await rewardModelFor(args, env.spec, server ? undefined : { address, connect: connectOptions, capabilities: env.capabilities, log });
    release.push(() => reward.dispose());
    const { agent, trainer } = build(args, env.spec, reward.model);
    release.push(() => agent.dispose());
    // The harness's truth for judging a learned reward; the learner never sees it.
    const judgeTask = trainer.onlineReward && args.probeEpisodes > 0 ? await whiteBoxTask(args.task, args.taskOptions) : undefined;
    release.push(() => judgeTask?.close());
    const probe = async (step: number, final = false) => {
      if (!judgeTask || !trainer.onlineReward?.ready) return undefined;
      const q = await probeRewardModel(evalEnv, trainer.policy("explore"), trainer.onlineReward, judgeTask.computeReward!.bind(judgeTask), {
        episodes: args.probeEpisodes,
        relabels: 4,
        seed: 7_000_000 + step,
      });
      folder.metrics.write({ kind: "reward_quality", step, ...q, ...(final ? { final: true } : {}) });
      return q;
    };
    const started = performance.now();
    if (options.resume && folder.hasCheckpoint) {
      const step = await folder.loadCheckpoint(agent, trainer);
      folder.metrics.truncateAfter(step);
      log(`resumed from the checkpoint at step ${step}`);
    } else {
      folder.writeJson("args.json", args);
      folder.writeJson("versions.json", versions(backend.name));
    }
    const startStep = trainer.currentStep;
    const bar = options.progress === false ? undefined : new ProgressBar();
    let stepsPerSecond = 0;
    const { stoppedEarly } = await trainer.train(
      env,
      {
        metric: (r) => folder.metrics.write(r),
        progress: (p) => {
          stepsPerSecond = p.stepsPerSecond;
          bar?.update({
            step: p.step,
            total: args.steps,
            stepsPerSecond: p.stepsPerSecond,
            recentReturn: p.recentReturn,
            recentSuccess: p.recentSuccess,
            extra: p.losses["critic_loss"] !== undefined ? `critic ${p.losses["critic_loss"].toFixed(3)}` : "",
          });
        },
        checkpoint: (step) => folder.saveCheckpoint(agent, trainer, args.saveReplay).then(() => log(`\ncheckpoint at step ${step}`)),
        checkpointEvery: args.checkpointEvery,
        afterEval: async (step) => {
          await probe(step);
        },
      },
      args.evalEvery > 0 ? evalEnv : undefined,
    );
    bar?.done({ step: trainer.currentStep, total: args.steps, stepsPerSecond });
    if (stoppedEarly) log(`stopped at step ${trainer.currentStep} of ${args.steps}: ${args.stopAfterEvals ?? 2} evaluations in a row reached success ≥ ${args.stopAtSuccess} (--stop-at-success)`);
    const finalEval = performance.now();
    const result = await trainer.evaluate(evalEnv, args.finalEvalEpisodes);
    const quality = await probe(trainer.currentStep, true);
    trainer.addEvalSeconds((performance.now() - finalEval) / 1000);
    const wallSeconds = (performance.now() - started) / 1000;
    const split = trainer.timeSplit;
    log(describeTimeSplit(split, trainer.currentStep - startStep));
    folder.writeJson("eval.json", {
      ...result,
      seed: args.seed,
      steps: trainer.currentStep,
      wall_seconds: Math.round(wallSeconds),
      ...(stoppedEarly ? { stopped_early: true } : {}),
      time_split_s: Object.fromEntries(Object.entries(split).map(([k, v]) => [k, Math.round(v * 10) / 10])),
      reward: trainer.onlineReward ? trainer.onlineReward.name : reward.model ? "known" : "env",
      ...(quality ? { reward_auroc: quality.auroc, reward_spearman: quality.spearman } : {}),
    });
    folder.metrics.write({ kind: "eval", step: trainer.currentStep, episodes: result.episodes, success_rate: result.success_rate, return_mean: result.return_mean, return_std: result.return_std, final: true });
    folder.writeCurves(`${runLabel(args)} on ${args.task}, seed ${args.seed}`);
    return { folder, eval: result, wallSeconds, ...(quality ? { rewardQuality: quality } : {}) };
  } finally {
    for (const free of release.reverse()) await free();
  }
}

/** Loads a run folder's latest checkpoint and evaluates the deterministic policy. */
/** A finished run's trained agent, loaded from its checkpoint, with envs of its task to act in. */
export interface OpenedRun {
  readonly args: TrainArgs;
  readonly agent: Agent;
  readonly trainer: Trainer;
  readonly env: VectorEnv;
  close(): Promise<void>;
}

/**
 * Loads the run in `dir` (its arguments and checkpoint) and connects `envs`
 * envs of its task: on `options.server`, the run's server, or the embedded
 * one; with the run's evaluation options under `options.taskOptions`.
 */
export async function openRun(dir: string, envs: number, options: { server?: string; connect?: ConnectOptions; backend?: BackendName; taskOptions?: Options } = {}): Promise<OpenedRun> {
  const folder = new RunFolder(dir);
  const args = readRunArgs(folder);
  if (!folder.hasCheckpoint) throw new Error(`${dir} has no checkpoint yet`);
  await selectBackend(options.backend ?? args.backend);
  const taskOptions = { ...evalOptions(args), ...options.taskOptions };
  const { env, server } = await connect({ ...args, taskOptions, server: options.server ?? args.server }, envs, options.connect ?? {}, () => undefined);
  const close = async () => {
    await env.close();
    await server?.close();
  };
  let built: { agent: Agent; trainer: Trainer } | undefined;
  try {
    built = build(args, env.spec, undefined, true);
    await folder.loadCheckpoint(built.agent, built.trainer, false);
  } catch (e) {
    built?.agent.dispose();
    await close();
    throw e;
  }
  const { agent, trainer } = built;
  return {
    args,
    agent,
    trainer,
    env,
    close: async () => {
      agent.dispose();
      await close();
    },
  };
}

/** `episodes` evaluation episodes of a finished run's deterministic policy. */
export async function evalRun(
  dir: string,
  episodes: number,
  /** `taskOptions`: make options over the run's evaluation options (e.g. another evaluation goal). */
  options: { server?: string; connect?: ConnectOptions; backend?: BackendName; taskOptions?: Options } = {},
): Promise<EvalResult> {
  const run = await openRun(dir, Math.min(10, episodes), options);
  try {
    return await run.trainer.evaluate(run.env, episodes);
  } finally {
    await run.close();
  }
}
