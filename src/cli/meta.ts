/**
 * `simbridge meta`: meta-learning on a task family — MAESN, MAML or learning
 * from scratch (src/meta/meta-run.ts) — meta-trained with the dense reward,
 * meta-tested on held-out tasks with the sparse one.
 */
import { BACKEND_NAMES } from "../nn/backend.js";
import { MAESN_DEFAULTS } from "../algos/maesn.js";
import { META_ALGOS, META_DEFAULTS, metaOptions, metaRun } from "../meta/meta-run.js";
import { TASK_FAMILIES } from "../meta/task-family.js";
import { RunFolder } from "../train/run-folder.js";
import { quote } from "../core/quote.js";
import { connectOptionsFrom, UsageError } from "./args.js";
import { CONNECTION_FLAGS, defineCommand } from "./flags.js";

const D = META_DEFAULTS;
const SETTINGS = Object.keys(MAESN_DEFAULTS).filter((k) => k !== "hidden");

export const META = defineCommand({
  name: "meta",
  synopsis: [`--algo ${META_ALGOS.join("|")} --family ${TASK_FAMILIES.map((f) => f.name).join("|")} --out DIR [--iterations N] [--seed S] [--set K=V]… [flags]`],
  about:
    "Meta-learns on a task family through the protocol (the embedded server unless --server): maesn (a latent-conditioned policy whose per-task latent distributions " +
    "are meta-trained with MAML so one policy-gradient step adapts exploration), maml (the same without latents), scratch (no meta-training). " +
    "Meta-training uses the family's dense reward; the meta-test runs held-out tasks with the sparse reward and reports success after 0, 1, …, K adaptation steps. " +
    `Families: ${TASK_FAMILIES.map((f) => `${f.name} (${f.description})`).join("; ")}. Writes DIR: args.json, metrics.jsonl, eval.json, checkpoint/.`,
  flags: {
    algo: { type: "enum", values: META_ALGOS, meta: "NAME", required: true, help: "the meta-learner" },
    family: { type: "enum", values: TASK_FAMILIES.map((f) => f.name), meta: "NAME", required: true, help: "the task family" },
    out: { type: "string", meta: "DIR", required: true, help: "the run folder to create" },
    iterations: { type: "int", min: 0, default: D.iterations, help: "meta-iterations (scratch: none)" },
    "meta-batch": { type: "int", min: 1, default: D.metaBatch, help: "training tasks per meta-iteration" },
    episodes: { type: "int", min: 2, default: D.episodes, help: "episodes per task before and after the inner step" },
    "train-tasks": { type: "int", min: 1, default: D.trainTasks, help: "training tasks (MAESN keeps a latent distribution for each)" },
    "test-tasks": { type: "int", min: 1, default: D.testTasks, help: "held-out test tasks" },
    "test-episodes": { type: "int", min: 2, default: D.testEpisodes, help: "episodes per test task at each adaptation step" },
    "adapt-steps": { type: "int", min: 0, default: D.adaptSteps, help: "adaptation steps at meta-test (success is reported after 0 … K)" },
    "eval-every": { type: "int", min: 0, default: D.evalEvery, help: "also meta-test every N iterations (0: only at the end)" },
    "skills-run": { type: "string", meta: "DIR", help: "diayn: the DIAYN run (simbridge train --algo diayn on the family's task) whose skills the meta-test adapts" },
    seed: { type: "int", min: 0, default: D.seed, help: "seed of the networks, task order, latents and actions" },
    set: { type: "pairs", help: `a setting: ${SETTINGS.map((k) => `${k} (${String(MAESN_DEFAULTS[k as keyof typeof MAESN_DEFAULTS])})`).join(", ")}` },
    backend: { type: "enum", values: BACKEND_NAMES, default: D.backend, help: "the tensor backend" },
    server: { type: "string", meta: "TARGET", defaultText: "the embedded server on loopback", help: "meta-learn on this simbridge server's task" },
    ...CONNECTION_FLAGS,
  },
});

export const META_USAGE = META.usage;

const given = (argv: readonly string[], flag: string) => argv.some((a) => a === `--${flag}` || a.startsWith(`--${flag}=`));

export async function metaCommand(argv: string[]): Promise<void> {
  const { values: v } = META.parse(argv);
  const { algo, family, out } = v;
  if (algo === undefined || family === undefined || out === undefined) throw META.usageError("--algo, --family and --out are required");
  if (RunFolder.exists(out)) throw new UsageError(`--out: ${out} already holds a run; choose another folder`);
  const algoArgs: Record<string, number> = {};
  for (const [k, raw] of v.set) {
    const value = raw === "true" ? 1 : raw === "false" ? 0 : Number(raw);
    if (raw.trim() === "" || !Number.isFinite(value)) throw new UsageError(`--set ${k}: expected a number (or true/false), got ${quote(raw)}`);
    algoArgs[k] = value;
  }
  try {
    metaOptions(algo, algoArgs);
  } catch (e) {
    throw new UsageError(`--set: ${(e as Error).message}`);
  }
  if ((algo === "diayn") !== (v["skills-run"] !== undefined)) throw new UsageError(algo === "diayn" ? "--skills-run is required with --algo diayn (the DIAYN run whose skills are adapted)" : `--skills-run is for --algo diayn; ${algo} does not read it`);
  if (algo === "diayn" && given(argv, "iterations")) throw new UsageError("--iterations: diayn does no meta-training (its skills come from --skills-run)");
  if (algo === "scratch" && v.iterations !== D.iterations && v.iterations !== 0) throw new UsageError("--iterations: scratch does no meta-training");
  if (v["meta-batch"] > v["train-tasks"]) throw new UsageError(`--meta-batch ${v["meta-batch"]} is more than --train-tasks ${v["train-tasks"]}`);
  await metaRun(
    {
      algo,
      family,
      iterations: v.iterations,
      metaBatch: v["meta-batch"],
      episodes: v.episodes,
      trainTasks: v["train-tasks"],
      testTasks: v["test-tasks"],
      testEpisodes: v["test-episodes"],
      adaptSteps: v["adapt-steps"],
      evalEvery: v["eval-every"],
      seed: v.seed,
      server: v.server ?? "",
      skillsRun: v["skills-run"] ?? "",
      backend: v.backend,
      algoArgs,
    },
    out,
    connectOptionsFrom(v),
  );
  console.log(`run folder: ${out} (metrics.jsonl, eval.json, checkpoint/)`);
}
