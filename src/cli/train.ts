/**
 * `simbridge train` and `simbridge eval`.
 */
import { BACKEND_NAMES } from "../nn/backend.js";
import { ALGO_NAMES, algoEntry, checkOverrides, describeAlgos } from "../algos/registry.js";
import type { OptionValue } from "../env/task.js";
import { RunFolder } from "../train/run-folder.js";
import { checkRewardArgs, evalRun, readRunArgs, trainArgs, trainRun, TRAIN_DEFAULTS, type TrainArgs } from "../train/train-run.js";
import { skillsReport } from "../train/skills-report.js";
import { clip, quote } from "../core/quote.js";
import { CREDIT_MODES, type CreditMode } from "../replay/credit.js";
import { connectOptionsFrom, UsageError } from "./args.js";
import { CONNECTION_FLAGS, defineCommand } from "./flags.js";

const D = TRAIN_DEFAULTS;
const REWARDS = ["auto", "env", "known", "gahil"] as const satisfies ReadonlyArray<TrainArgs["reward"]>;
const HER_GOALS = ["achieved", "sampled"] as const satisfies ReadonlyArray<TrainArgs["herGoals"]>;
const REPLAYS = ["one-layer", "two-layer"] as const satisfies ReadonlyArray<TrainArgs["replay"]>;
/** --n when it is not given: the window of n-step and GAE credit, floating n-step's maximum N (seed 000: 10). */
const DEFAULT_N: Readonly<Record<CreditMode, number>> = { one: 1, nstep: 3, floating: 10, gae: 5 };

/** `simbridge train`: every flag once; defaults from TRAIN_DEFAULTS. */
export const TRAIN = defineCommand({
  name: "train",
  synopsis: [
    `--task NAME --out DIR [--algo ${ALGO_NAMES.join("|")}] [--her] [--reward ${REWARDS.join("|")}] [--steps N] [--seed S] [flags]`,
    "--resume DIR [--steps N] [--token T] [--tls-ca FILE]",
    "--algo list",
  ],
  about:
    "Trains an agent through the protocol. Without --server the embedded MuJoCo server starts on loopback (serving black boxes with --black-box). " +
    "Writes the run folder DIR: args.json, versions.json, metrics.jsonl, checkpoint/, eval.json, curves.svg. " +
    "With --resume a run continues from its last checkpoint; its args.json decides everything but --steps (and the connection's --token and --tls-ca).",
  flags: {
    task: { type: "string", meta: "NAME", group: "what to train", help: "the task (simbridge tasks lists them); required unless --resume" },
    algo: {
      type: "enum",
      values: [...ALGO_NAMES, "list"],
      meta: "NAME",
      default: D.algo,
      describe: describeAlgos,
      group: "what to train",
      help: "the learner; list prints the algorithms with their kind",
    },
    option: { type: "pairs", group: "what to train", help: "a task make option (e.g. use_contact_forces=true)" },
    "eval-option": { type: "pairs", group: "what to train", help: "a make option of the evaluation envs only, over --option (e.g. goal=8,8: evaluate at a fixed goal)" },
    set: {
      type: "pairs",
      group: "what to train",
      help: "a hyper-parameter of the chosen algorithm (e.g. gamma=0.98, hidden=64,64, explorationNoise=0.2; for PPO rolloutSteps=256, epochs=10, learningRate=3e-4; for BNPO brains=ddpg)",
    },
    her: { type: "boolean", group: "what to train", help: "hindsight relabelling (HER) of goal-conditioned tasks" },
    levels: { type: "int", min: 1, meta: "N", group: "what to train", help: "hac: levels of the hierarchy (as --set levels=N)" },
    horizon: { type: "int", min: 1, meta: "H", group: "what to train", help: "hac: attempts per level (as --set horizon=H)" },
    skills: { type: "int", min: 2, meta: "K", group: "what to train", help: "diayn: skills to learn (as --set skills=K)" },
    demos: { type: "string", meta: "FILE", group: "what to train", help: "relay: the demonstrations file to imitate (written by simbridge collect)" },
    "her-goals": {
      type: "enum",
      values: HER_GOALS,
      default: D.herGoals,
      group: "what to train",
      help: "where --her takes its goals: achieved (HER's future strategy, off-policy learners) or sampled (goals the env sampled in the rollout: PPO's restricted relabelling; PPO refuses plain --her)",
    },
    "her-k": { type: "int", min: 0, default: D.herK, group: "what to train", help: "HER relabels per real transition" },
    reward: {
      type: "enum",
      values: REWARDS,
      default: D.reward,
      group: "what to train",
      help:
        "where rewards come from: env (the steps' rewards); known (the task's white-box computeReward: with --server the server's compute_reward when it offers it, else a built-in task's); " +
        "gahil (learned online, GAHIL: env rewards are never read, so black boxes train); auto: known with --her, else env",
    },
    "reward-set": { type: "pairs", group: "what to train", help: "a GAHIL option (with --reward gahil; e.g. minPositives=1024, trainEvery=5000)" },
    "black-box": { type: "boolean", group: "what to train", help: "serve the embedded tasks as black boxes: no reward, no info, only success (ignored with --server)" },

    steps: { type: "int", min: 1, default: D.steps, group: "run", help: "env steps in all (summed over envs; with --resume the new total)" },
    seed: { type: "int", min: 0, default: D.seed, group: "run", help: "seed of the networks, exploration and env resets" },
    out: { type: "string", meta: "DIR", group: "run", help: "the run folder to create (e.g. runs/NAME); required unless --resume" },
    resume: { type: "string", meta: "DIR", group: "run", help: "continue the run in DIR from its last checkpoint" },
    envs: { type: "int", min: 1, default: D.envs, group: "run", help: "envs stepped together" },
    backend: { type: "enum", values: BACKEND_NAMES, default: D.backend, group: "run", help: "the tensor backend" },
    "checkpoint-every": { type: "int", min: 0, default: D.checkpointEvery, group: "run", help: "checkpoint every N env steps and at the end (0: only at the end)" },
    "save-replay": { type: "boolean", group: "run", help: "save the replay buffer with checkpoints (bigger files; a resumed run keeps its data)" },

    "batch-size": { type: "int", min: 1, default: D.batchSize, group: "off-policy learning", help: "transitions per update" },
    "buffer-size": { type: "int", min: 1, default: D.bufferSize, group: "off-policy learning", help: "replay capacity in transitions" },
    "learning-starts": { type: "int", min: 0, default: D.learningStarts, group: "off-policy learning", help: "env steps of uniform random actions before learning starts" },
    "updates-per-step": { type: "number", above: 0, default: D.updatesPerStep, group: "off-policy learning", help: "gradient updates per env step (fractions accumulate: 0.25 is one update every 4 steps)" },
    credit: {
      type: "enum",
      values: CREDIT_MODES,
      default: D.credit,
      group: "off-policy learning",
      help: "credit assignment: one (one-step TD), nstep (n-step returns), floating (a fresh n ~ U{1..N} each time an episode is sampled), gae (n-step GAE with the target critic's values)",
    },
    n: { type: "int", min: 1, group: "off-policy learning", defaultText: "nstep 3, floating 10, gae 5", help: "the window of --credit nstep and gae, the maximum N of floating" },
    lambda: { type: "number", min: 0, group: "off-policy learning", defaultText: String(D.creditLambda), help: "GAE λ of --credit gae, in [0, 1]" },
    replay: {
      type: "enum",
      values: REPLAYS,
      default: D.replay,
      group: "off-policy learning",
      help: "one-layer (credit assigned as each batch is sampled) or two-layer (a fast memory of credited transitions, refreshed from whole episodes: seed 000)",
    },
    "recalc-delay": {
      type: "string",
      meta: "RD",
      group: "off-policy learning",
      defaultText: String(D.recalcDelay),
      help: "two-layer replay: a batch recalculates credit (fresh n, goals, values and learned rewards) on whole episodes with probability 1/(RD+1); never: credit once per episode",
    },
    "recalc-episodes": { type: "int", min: 1, default: D.recalcEpisodes, group: "off-policy learning", help: "two-layer replay: whole episodes credited again per recalculation" },
    "no-normalize": { type: "boolean", group: "off-policy learning", help: "feed raw inputs to the networks (default: normalised with running statistics)" },

    "eval-every": { type: "int", min: 0, default: D.evalEvery, group: "evaluation and logging", help: "evaluate every N env steps (0: only the final evaluation)" },
    "eval-episodes": { type: "int", min: 1, default: D.evalEpisodes, group: "evaluation and logging", help: "episodes of each evaluation during training" },
    "final-eval-episodes": { type: "int", min: 1, default: D.finalEvalEpisodes, group: "evaluation and logging", help: "episodes of the final evaluation" },
    "probe-episodes": { type: "int", min: 0, default: D.probeEpisodes, group: "evaluation and logging", help: "episodes of each learned-reward quality probe (built-in tasks; 0: none)" },
    "log-every": { type: "int", min: 1, default: D.logEvery, group: "evaluation and logging", help: "a progress record every N env steps" },
    view: { type: "int", min: 0, max: 65535, meta: "PORT", group: "evaluation and logging", help: "also serve the browser viewer (simbridge view) of the run's envs and live curves on this loopback port (0: a free one)" },
    "stop-at-success": { type: "number", above: 0, meta: "S", defaultText: "off", group: "evaluation and logging", help: "stop early once two evaluations in a row (--eval-every) reach success ≥ S (goal tasks); the final evaluation follows as usual" },

    server: { type: "string", meta: "TARGET", group: "connection", defaultText: "the embedded server on loopback", help: "train on this simbridge server's task: HOST:PORT, or a fleet whose envs are spread over every backend: ipv4:A:PORT,B:PORT,… or dns:///NAME:PORT (all its addresses)" },
    ...CONNECTION_FLAGS,
  },
});

/** `simbridge eval`. */
export const EVAL = defineCommand({
  name: "eval",
  synopsis: ["--run DIR [--episodes N] [--option KEY=VALUE]... [--server HOST:PORT] [--json]"],
  about: "Evaluates the run's latest checkpoint with the deterministic policy.",
  flags: {
    run: { type: "string", meta: "DIR", required: true, help: "the run folder" },
    episodes: { type: "int", min: 1, default: 100, help: "episodes to evaluate" },
    option: { type: "pairs", help: "a make option of the evaluation envs, over the run's (e.g. goal=0,8: another evaluation goal)" },
    json: { type: "boolean", help: "one line of JSON (default: indented)" },
    server: { type: "string", meta: "TARGET", group: "connection", defaultText: "the run's server, or the embedded one", help: "evaluate on this server (HOST:PORT) or fleet (ipv4:A:PORT,B:PORT,… or dns:///NAME:PORT)" },
    ...CONNECTION_FLAGS,
  },
});

export const TRAIN_USAGE = TRAIN.usage;
export const EVAL_USAGE = EVAL.usage;

function parseValue(text: string): OptionValue {
  if (text === "true" || text === "false") return text === "true";
  const n = Number(text);
  return text.trim() !== "" && Number.isFinite(n) ? n : text;
}

/**
 * NAME=VALUE settings whose values are numbers or comma-separated lists
 * (`hidden` is always a list); with `words`, a value that is not a number is
 * kept as a word (e.g. negatives=relabelled), true and false as booleans.
 */
function numberSettings(pairs: ReadonlyArray<[string, string]>, flag: string, words = false): Record<string, number | number[] | string | boolean> {
  // No prototype: a name such as __proto__ becomes a key (and is refused as unknown), not a prototype.
  const out: Record<string, number | number[] | string | boolean> = Object.create(null);
  for (const [k, v] of pairs) {
    const nums = v.split(",").map(Number);
    if (nums.some((x) => !Number.isFinite(x))) {
      // A word, or a path (skill-hier's skillsRun=DIR).
      if (words && /^[a-z./~][\w./~-]*$/i.test(v)) {
        out[k] = v === "true" ? true : v === "false" ? false : v;
        continue;
      }
      throw new UsageError(`--${flag} ${clip(k, 60)}: expected a number or a comma-separated list of numbers, got ${quote(v)}`);
    }
    out[k] = nums.length === 1 && k !== "hidden" ? nums[0]! : nums;
  }
  return out;
}

/** The flags --resume takes; the run's args.json decides the rest. */
const RESUME_FLAGS: ReadonlyArray<string> = ["resume", "steps", "token", "tls-ca"];

export async function trainCommand(argv: string[]): Promise<void> {
  const { values: v, given } = TRAIN.parse(argv);
  const connect = connectOptionsFrom(v);
  if (v.resume !== undefined) {
    const other = [...given].filter((f) => !RESUME_FLAGS.includes(f));
    if (other.length) {
      throw TRAIN.usageError(`${other.map((f) => `--${f}`).join(", ")}: not with --resume (the run's args.json decides; --resume takes ${RESUME_FLAGS.slice(1).map((f) => `--${f}`).join(", ")})`);
    }
    const folder = new RunFolder(v.resume);
    const saved = readRunArgs(folder);
    const args: TrainArgs = { ...saved, steps: given.has("steps") ? v.steps : saved.steps };
    if (args.steps !== saved.steps) folder.writeJson("args.json", args);
    await report(await trainRun(args, v.resume, { resume: true, connect }));
    return;
  }
  if (v.algo === "list") {
    console.log(`algorithms (--algo NAME):\n${describeAlgos()}`);
    return;
  }
  if (!v.task) throw TRAIN.usageError("--task is required");
  if (!v.out) throw TRAIN.usageError("--out is required (the run folder, e.g. runs/reacher-td3)");
  if (RunFolder.exists(v.out)) throw new UsageError(`--out: ${v.out} already holds a run; use --resume ${v.out} to continue it, or another folder`);
  if (given.has("her-goals") && !v.her) throw new UsageError("--her-goals chooses how --her relabels: give --her too");
  // Words too (BNPO's brains=ddpg); checkOverrides refuses a word where a number is due.
  const algoArgs = numberSettings(v.set, "set", true);
  for (const flag of ["levels", "horizon", "skills"] as const) {
    if (v[flag] === undefined) continue;
    if (flag in algoArgs) throw new UsageError(`--${flag} and --set ${flag}= both given: give one`);
    if (!Object.hasOwn(algoEntry(v.algo).defaults, flag)) throw new UsageError(flag === "skills" ? `--skills sets the skills of --algo diayn; ${v.algo} has none` : `--${flag} sets a hierarchy's ${flag} (--algo hac); ${v.algo} has none`);
    algoArgs[flag] = v[flag];
  }
  try {
    checkOverrides(v.algo, algoArgs);
  } catch (e) {
    throw new UsageError(`--set: ${(e as Error).message}`);
  }
  if (v.demos !== undefined && v.algo !== "relay") throw new UsageError(`--demos is the demonstrations file of --algo relay; ${v.algo} does not imitate`);
  const rewardArgs = numberSettings(v["reward-set"], "reward-set", true);
  try {
    checkRewardArgs({ reward: v.reward, rewardArgs });
  } catch (e) {
    throw new UsageError(`--reward-set: ${(e as Error).message}`);
  }
  const credit = creditArgs(v, given);
  const args = trainArgs(v.task, {
    ...credit,
    algo: v.algo,
    taskOptions: Object.fromEntries(v.option.map(([k, value]) => [k, parseValue(value)])),
    evalTaskOptions: Object.fromEntries(v["eval-option"].map(([k, value]) => [k, parseValue(value)])),
    her: v.her,
    demos: v.demos ?? "",
    herGoals: v["her-goals"],
    reward: v.reward,
    blackBox: v["black-box"],
    steps: v.steps,
    seed: v.seed,
    envs: v.envs,
    server: v.server ?? D.server,
    backend: v.backend,
    batchSize: v["batch-size"],
    bufferSize: v["buffer-size"],
    learningStarts: v["learning-starts"],
    updatesPerStep: v["updates-per-step"],
    herK: v["her-k"],
    normalize: !v["no-normalize"],
    evalEvery: v["eval-every"],
    evalEpisodes: v["eval-episodes"],
    finalEvalEpisodes: v["final-eval-episodes"],
    probeEpisodes: v["probe-episodes"],
    logEvery: v["log-every"],
    stopAtSuccess: v["stop-at-success"] ?? 0,
    checkpointEvery: v["checkpoint-every"],
    saveReplay: v["save-replay"],
    algoArgs,
    rewardArgs,
  });
  await report(await trainRun(args, v.out, { resume: false, connect, ...(v.view !== undefined ? { viewPort: v.view } : {}) }));
}

/** --credit, --n, --lambda, --replay and --recalc-*, checked against each other. */
function creditArgs(
  v: { credit: CreditMode; n: number | undefined; lambda: number | undefined; replay: TrainArgs["replay"]; "recalc-delay": string | undefined; "recalc-episodes": number },
  given: ReadonlySet<string>,
): Pick<TrainArgs, "credit" | "creditN" | "creditLambda" | "replay" | "recalcDelay" | "recalcEpisodes"> {
  if (v.credit === "one" && v.n !== undefined && v.n !== 1) throw TRAIN.usageError("--n sets the window of --credit nstep, floating or gae; one-step credit has n = 1");
  if (v.lambda !== undefined && v.credit !== "gae") throw TRAIN.usageError("--lambda is GAE's λ: give --credit gae too");
  if (v.lambda !== undefined && v.lambda > 1) throw TRAIN.usageError(`--lambda: expected a number in [0, 1], got ${v.lambda}`);
  for (const flag of ["recalc-delay", "recalc-episodes"]) {
    if (given.has(flag) && v.replay !== "two-layer") throw TRAIN.usageError(`--${flag} tunes the two-layer replay: give --replay two-layer too`);
  }
  let recalcDelay: number | "never" = D.recalcDelay;
  const rd = v["recalc-delay"];
  if (rd !== undefined) {
    const n = Number(rd);
    if (rd === "never") recalcDelay = "never";
    else if (rd.trim() !== "" && Number.isFinite(n) && n >= 0) recalcDelay = n;
    else throw TRAIN.usageError(`--recalc-delay: expected a number ≥ 0 or never, got ${quote(rd)}`);
  }
  return {
    credit: v.credit,
    creditN: v.n ?? DEFAULT_N[v.credit],
    creditLambda: v.lambda ?? D.creditLambda,
    replay: v.replay,
    recalcDelay,
    recalcEpisodes: v["recalc-episodes"],
  };
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
  const { values } = EVAL.parse(argv);
  const taskOptions = Object.fromEntries(values.option.map(([k, value]) => [k, parseValue(value)]));
  const r = await evalRun(values.run, values.episodes, { ...(values.server ? { server: values.server } : {}), connect: connectOptionsFrom(values), taskOptions });
  const orNull = (v: number) => (Number.isNaN(v) ? null : v);
  // A skills run is judged by its skills too: the discriminator's accuracy and the states covered.
  const skills = readRunArgs(new RunFolder(values.run)).algo === "diayn" ? await skillsReport(values.run, { episodes: 5, cell: 0.5, ...(values.server ? { server: values.server } : {}) }) : undefined;
  const out = {
    task: r.task,
    episodes: r.episodes,
    success_rate: orNull(r.success_rate),
    return_mean: orNull(r.return_mean),
    return_std: orNull(r.return_std),
    ...(skills ? { skills: skills.skills, discriminator_accuracy: skills.discriminator_accuracy, coverage_cells: skills.coverage_cells, random_coverage_cells: skills.random_coverage_cells, cell: skills.cell } : {}),
  };
  console.log(values.json ? JSON.stringify(out) : JSON.stringify(out, null, 2));
}
