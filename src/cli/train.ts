/**
 * `simbridge train` and `simbridge eval`.
 */
import { BACKEND_NAMES, type BackendName } from "../nn/backend.js";
import { ALGO_NAMES, checkOverrides, describeAlgos } from "../algos/registry.js";
import type { OptionValue } from "../env/task.js";
import { RunFolder } from "../train/run-folder.js";
import { checkRewardArgs, evalRun, readRunArgs, trainArgs, trainRun, TRAIN_DEFAULTS, type TrainArgs } from "../train/train-run.js";
import { CLIENT_FLAGS, connectOptionsFrom, intFlag, numberFlag, parse, UsageError } from "./args.js";

export const TRAIN_USAGE = `usage: simbridge train --algo ${ALGO_NAMES.join("|")} --task ReacherGoal-v0 [--her] [--her-goals achieved|sampled] [--reward auto|env|known|gahil] [--black-box]
                      --steps N --seed S --out runs/NAME
                      [--server HOST:PORT] [--token T] [--tls-ca FILE] [--envs 1] [--backend auto|tensorflow-gpu|tensorflow|wasm|cpu]
                      [--batch-size 256] [--buffer-size 1000000] [--learning-starts 1000] [--updates-per-step 1]
                      [--her-k 4] [--no-normalize] [--eval-every 0] [--eval-episodes 20] [--final-eval-episodes 100]
                      [--checkpoint-every 5000] [--save-replay] [--log-every 1000] [--probe-episodes 20]
                      [--option NAME=VALUE ...] [--set NAME=VALUE ...] [--reward-set NAME=VALUE ...]
       simbridge train --resume runs/NAME [--steps N]
  Without --server, the embedded MuJoCo server starts on loopback (as black boxes with --black-box) and
  training goes over gRPC. --reward gahil learns the reward online (GAHIL): env rewards are never read, so it
  trains black-box tasks; --reward known uses the task's white-box computeReward (the default with --her): with
  --server, the server's own (compute_reward) when it offers it, else a built-in task's.
  --her-goals sampled is PPO's restricted relabelling (goals the env sampled in the rollout); PPO refuses plain --her.
  simbridge train --algo list prints the algorithms with their kind; --set NAME=VALUE takes the hyper-parameters
  of the chosen algorithm (for PPO e.g. rolloutSteps=256, epochs=10, learningRate=3e-4).
  --option sets a task make option (e.g. use_contact_forces=true); --set an algorithm hyper-parameter
  (e.g. gamma=0.98, hidden=64,64, explorationNoise=0.2); --reward-set a GAHIL option (minPositives=1024, trainEvery=5000).
  Writes runs/NAME/{args.json, versions.json, metrics.jsonl, checkpoint/, eval.json, curves.svg}.`;

export const EVAL_USAGE = `usage: simbridge eval --run runs/NAME [--episodes 100] [--server HOST:PORT] [--token T] [--tls-ca FILE] [--json]
  Evaluates the run's latest checkpoint with the deterministic policy.`;

function parseValue(text: string): OptionValue {
  if (text === "true" || text === "false") return text === "true";
  const n = Number(text);
  return text.trim() !== "" && Number.isFinite(n) ? n : text;
}

function pairs(list: string[] | undefined, flag: string): Array<[string, string]> {
  return (list ?? []).map((item) => {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new UsageError(`--${flag}: expected NAME=VALUE, got '${item}'`);
    return [item.slice(0, eq), item.slice(eq + 1)];
  });
}

/**
 * NAME=VALUE settings whose values are numbers or comma-separated lists
 * (`hidden` is always a list); with `words`, a value that is not a number is
 * kept as a word (e.g. negatives=relabelled), true and false as booleans.
 */
function numberSettings(list: string[] | undefined, flag: string, words = false): Record<string, number | number[] | string | boolean> {
  const out: Record<string, number | number[] | string | boolean> = {};
  for (const [k, v] of pairs(list, flag)) {
    const nums = v.split(",").map(Number);
    if (nums.some((x) => !Number.isFinite(x))) {
      if (words && /^[a-z][a-z_-]*$/i.test(v)) {
        out[k] = v === "true" ? true : v === "false" ? false : v;
        continue;
      }
      throw new UsageError(`--${flag} ${k}: expected a number or a comma-separated list of numbers, got '${v}'`);
    }
    out[k] = nums.length === 1 && k !== "hidden" ? nums[0]! : nums;
  }
  return out;
}

export async function trainCommand(argv: string[]): Promise<void> {
  const { values } = parse(
    argv,
    {
      algo: { type: "string" },
      task: { type: "string" },
      her: { type: "boolean" },
      "her-goals": { type: "string" },
      reward: { type: "string" },
      "black-box": { type: "boolean" },
      "probe-episodes": { type: "string" },
      steps: { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
      resume: { type: "string" },
      server: { type: "string" },
      ...CLIENT_FLAGS,
      envs: { type: "string" },
      backend: { type: "string" },
      "batch-size": { type: "string" },
      "buffer-size": { type: "string" },
      "learning-starts": { type: "string" },
      "updates-per-step": { type: "string" },
      "her-k": { type: "string" },
      "no-normalize": { type: "boolean" },
      "eval-every": { type: "string" },
      "eval-episodes": { type: "string" },
      "final-eval-episodes": { type: "string" },
      "checkpoint-every": { type: "string" },
      "save-replay": { type: "boolean" },
      "log-every": { type: "string" },
      option: { type: "string", multiple: true },
      set: { type: "string", multiple: true },
      "reward-set": { type: "string", multiple: true },
    },
    TRAIN_USAGE,
  );
  const connect = connectOptionsFrom(values);
  if (values.resume) {
    const folder = new RunFolder(values.resume);
    const saved = readRunArgs(folder);
    const args: TrainArgs = { ...saved, steps: intFlag(values.steps, "steps", saved.steps, 1) };
    if (args.steps !== saved.steps) folder.writeJson("args.json", args);
    await report(await trainRun(args, values.resume, { resume: true, connect }));
    return;
  }
  if (values.algo === "list") {
    console.log(`algorithms (--algo NAME):\n${describeAlgos()}`);
    return;
  }
  if (!values.task) throw new UsageError(`--task is required\n\n${TRAIN_USAGE}`);
  if (!values.out) throw new UsageError(`--out is required (the run folder, e.g. runs/reacher-td3)\n\n${TRAIN_USAGE}`);
  if (RunFolder.exists(values.out)) throw new UsageError(`--out: ${values.out} already holds a run; use --resume ${values.out} to continue it, or another folder`);
  const algo = values.algo ?? "td3";
  if (!ALGO_NAMES.includes(algo)) throw new UsageError(`--algo: unknown algorithm '${algo}'; available:\n${describeAlgos()}`);
  const herGoals = values["her-goals"] ?? "achieved";
  if (herGoals !== "achieved" && herGoals !== "sampled") throw new UsageError(`--her-goals: expected achieved or sampled, got '${herGoals}'`);
  if (values["her-goals"] !== undefined && !values.her) throw new UsageError("--her-goals chooses how --her relabels: give --her too");
  const backend = (values.backend ?? "auto") as BackendName;
  if (!BACKEND_NAMES.includes(backend)) throw new UsageError(`--backend: expected one of ${BACKEND_NAMES.join(", ")}, got '${backend}'`);
  const steps = intFlag(values.steps, "steps", TRAIN_DEFAULTS.steps, 1);
  const algoArgs = numberSettings(values.set, "set") as Record<string, number | number[]>;
  try {
    checkOverrides(algo, algoArgs);
  } catch (e) {
    throw new UsageError(`--set: ${(e as Error).message}`);
  }
  const rewardArgs = numberSettings(values["reward-set"], "reward-set", true);
  const reward = values.reward ?? "auto";
  if (!["auto", "env", "known", "gahil"].includes(reward)) throw new UsageError(`--reward: expected auto, env, known or gahil, got '${reward}'`);
  try {
    checkRewardArgs({ reward: reward as TrainArgs["reward"], rewardArgs });
  } catch (e) {
    throw new UsageError(`--reward-set: ${(e as Error).message}`);
  }
  const d = TRAIN_DEFAULTS;
  const args = trainArgs(values.task, {
    algo,
    taskOptions: Object.fromEntries(pairs(values.option, "option").map(([k, v]) => [k, parseValue(v)])),
    her: values.her ?? false,
    herGoals,
    reward: reward as TrainArgs["reward"],
    blackBox: values["black-box"] ?? false,
    steps,
    seed: intFlag(values.seed, "seed", d.seed),
    envs: intFlag(values.envs, "envs", d.envs, 1),
    server: values.server ?? "",
    backend,
    batchSize: intFlag(values["batch-size"], "batch-size", d.batchSize, 1),
    bufferSize: intFlag(values["buffer-size"], "buffer-size", d.bufferSize, 1),
    learningStarts: intFlag(values["learning-starts"], "learning-starts", d.learningStarts, 0),
    updatesPerStep: numberFlag(values["updates-per-step"], "updates-per-step", d.updatesPerStep),
    herK: intFlag(values["her-k"], "her-k", d.herK, 0),
    normalize: !(values["no-normalize"] ?? false),
    evalEvery: intFlag(values["eval-every"], "eval-every", d.evalEvery, 0),
    evalEpisodes: intFlag(values["eval-episodes"], "eval-episodes", d.evalEpisodes, 1),
    finalEvalEpisodes: intFlag(values["final-eval-episodes"], "final-eval-episodes", d.finalEvalEpisodes, 1),
    probeEpisodes: intFlag(values["probe-episodes"], "probe-episodes", d.probeEpisodes, 0),
    logEvery: intFlag(values["log-every"], "log-every", d.logEvery, 1),
    checkpointEvery: intFlag(values["checkpoint-every"], "checkpoint-every", d.checkpointEvery, 0),
    saveReplay: values["save-replay"] ?? false,
    algoArgs,
    rewardArgs,
  });
  await report(await trainRun(args, values.out, { resume: false, connect }));
}

async function report(run: Awaited<ReturnType<typeof trainRun>>): Promise<void> {
  const e = run.eval;
  const parts = [
    ...(Number.isNaN(e.success_rate) ? [] : [`success ${e.success_rate.toFixed(3)}`]),
    ...(Number.isNaN(e.return_mean) ? [] : [`return ${e.return_mean.toFixed(2)} ± ${e.return_std.toFixed(2)}`]),
    ...(run.rewardQuality ? [`learned reward AUROC ${run.rewardQuality.auroc.toFixed(3)}, Spearman ${run.rewardQuality.spearman.toFixed(3)}`] : []),
  ];
  console.log(`final evaluation over ${e.episodes} episodes: ${parts.join(", ")}; wall time ${Math.round(run.wallSeconds)} s`);
  console.log(`run folder: ${run.folder.dir} (metrics.jsonl, eval.json, curves.svg)`);
}

export async function evalCommand(argv: string[]): Promise<void> {
  const { values } = parse(
    argv,
    { run: { type: "string" }, episodes: { type: "string" }, server: { type: "string" }, json: { type: "boolean" }, ...CLIENT_FLAGS },
    EVAL_USAGE,
  );
  if (!values.run) throw new UsageError(`--run is required\n\n${EVAL_USAGE}`);
  const r = await evalRun(values.run, intFlag(values.episodes, "episodes", 100, 1), { ...(values.server ? { server: values.server } : {}), connect: connectOptionsFrom(values) });
  const orNull = (v: number) => (Number.isNaN(v) ? null : v);
  const out = { task: r.task, episodes: r.episodes, success_rate: orNull(r.success_rate), return_mean: orNull(r.return_mean), return_std: orNull(r.return_std) };
  console.log(values.json ? JSON.stringify(out) : JSON.stringify(out, null, 2));
}
