/**
 * A meta-learning run as `simbridge meta` runs it: MAESN, MAML or learning
 * from scratch (src/algos/maesn.ts) on a task family (src/meta/task-family.ts),
 * through the protocol like every other run (the embedded server on loopback
 * unless --server names one).
 *
 * Meta-training, per iteration: a meta-batch of training tasks; E episodes of
 * each with the current policy (and ω from the task's latent distribution);
 * one inner step per task; E episodes with each adapted policy; the
 * meta-update. All tasks of a phase step together, one env per episode.
 *
 * Meta-test (after training, and every --eval-every iterations): on held-out
 * tasks with the sparse reward, from the prior latent N(0, I), E' episodes,
 * an inner step on them, E' more, … — success after 0, 1, …, K adaptation
 * steps, which is what the MAESN paper plots.
 */
import * as tf from "@tensorflow/tfjs";
import { builtinRegistry } from "../../sims/catalog.js";
import { connectEnvs } from "../client/connect-envs.js";
import type { ConnectOptions } from "../client/connection.js";
import { Rng } from "../core/rng.js";
import type { Options } from "../env/task.js";
import type { VectorEnv } from "../env/vector-env.js";
import { MAESN_DEFAULTS, MaesnLearner, sampleLatents, type LatentParams, type MaesnOptions } from "../algos/maesn.js";
import { collectEpisodes, mean, type Collected } from "./episodes.js";
import { skillsMetaTest } from "./skills-baseline.js";
import { loadSkills } from "../algos/skill-hierarchy.js";
import { selectBackend, type BackendName } from "../nn/backend.js";
import { saveCheckpoint } from "../nn/save-load.js";
import { startServer, type RunningServer } from "../server/server.js";
import { RunFolder } from "../train/run-folder.js";
import { taskFamily } from "./task-family.js";

export const META_ALGOS = ["maesn", "maml", "scratch", "diayn"] as const;
export type MetaAlgo = (typeof META_ALGOS)[number];

export interface MetaArgs {
  readonly algo: MetaAlgo;
  readonly family: string;
  /** Meta-iterations (scratch: none). */
  readonly iterations: number;
  /** Tasks per meta-iteration. */
  readonly metaBatch: number;
  /** Episodes per task before and after the inner step. */
  readonly episodes: number;
  /** Training tasks (each with its own latent distribution). */
  readonly trainTasks: number;
  readonly testTasks: number;
  /** Episodes per test task at each adaptation step. */
  readonly testEpisodes: number;
  /** Adaptation steps at meta-test: success is reported after 0 … K. */
  readonly adaptSteps: number;
  /** Meta-test every N iterations (0: only after training). */
  readonly evalEvery: number;
  readonly seed: number;
  /** HOST:PORT or a fleet target; empty: the embedded server. */
  readonly server: string;
  readonly backend: BackendName;
  /** diayn: the DIAYN run folder whose skills are adapted at meta-test (src/meta/skills-baseline.ts). */
  readonly skillsRun: string;
  /** Overrides of the algorithm's options (src/algos/maesn.ts MaesnOptions). */
  readonly algoArgs: Readonly<Record<string, number>>;
}

export const META_DEFAULTS: Omit<MetaArgs, "algo" | "family"> = {
  iterations: 100,
  metaBatch: 10,
  episodes: 10,
  trainTasks: 20,
  testTasks: 10,
  testEpisodes: 10,
  adaptSteps: 3,
  evalEvery: 0,
  seed: 0,
  server: "",
  skillsRun: "",
  backend: "auto",
  algoArgs: {},
};

/**
 * The algorithm's options: MAESN's defaults, without a latent for MAML and
 * scratch, then the overrides. diayn reads latentLr (the step on its skill
 * logits, default 5) and gamma.
 */
export function metaOptions(algo: MetaAlgo, overrides: Readonly<Record<string, number>>): MaesnOptions {
  const base: MaesnOptions = { ...MAESN_DEFAULTS, ...(algo === "maesn" ? {} : { latentDim: 0 }), ...(algo === "diayn" ? { latentLr: 5 } : {}) };
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    if (!Object.hasOwn(base, k) || k === "hidden") throw new Error(`${algo} has no setting ${JSON.stringify(k)}; settings: ${Object.keys(base).filter((x) => x !== "hidden").join(", ")}`);
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${k}: expected a number, got ${String(v)}`);
    out[k] = k === "secondOrder" ? v !== 0 : v;
  }
  if (algo !== "maesn" && (out["latentDim"] as number) !== 0) throw new Error(`latentDim: ${algo} has no latent (that is maesn)`);
  return out as unknown as MaesnOptions;
}

/** Success and return of the meta-test after each adaptation step. */
export interface MetaTestResult {
  readonly episodes_per_step: number;
  /** [K + 1]: success rate over every test task's episodes after k steps. */
  readonly success_after: number[];
  readonly return_after: number[];
  /** [tasks][K + 1] */
  readonly success_by_task: number[][];
}

export interface MetaRunResult {
  readonly folder: RunFolder;
  readonly test: MetaTestResult;
  readonly wallSeconds: number;
}

/** One phase's parameters for one task: the policy, its latent (MAESN) and the task's reset options. */
interface TaskGroup {
  readonly policy: readonly tf.Tensor[];
  readonly latent: LatentParams | undefined;
  readonly resetOptions: Options;
}

/** E episodes per group under the group's parameters: ω drawn per episode, actions sampled. */
function collect(env: VectorEnv, learner: MaesnLearner, groups: readonly TaskGroup[], perGroup: number, gamma: number, rng: Rng): Promise<Collected[]> {
  return collectEpisodes(
    env,
    groups.map((g) => {
      const latents = sampleLatents(g.latent, perGroup, rng);
      return { latents, resetOptions: g.resetOptions, act: (obs: Float32Array, rows: number) => learner.act(g.policy, obs, latents, rows, rng, true) };
    }),
    perGroup,
    gamma,
    rng,
  );
}


/**
 * The meta-test: every test task from the learner's policy and the prior
 * latent, K inner steps on the sparse reward, success after each.
 */
export async function metaTest(env: VectorEnv, learner: MaesnLearner, tasks: readonly Options[], episodes: number, adaptSteps: number, rng: Rng): Promise<MetaTestResult> {
  const d = learner.options.latentDim;
  const prior: LatentParams | undefined = d > 0 ? [tf.zeros([d]), tf.zeros([d])] : undefined;
  let params: Array<{ policy: readonly tf.Tensor[]; latent: LatentParams | undefined }> = tasks.map(() => ({ policy: learner.policy, latent: prior }));
  const owned: tf.Tensor[] = prior ? [...prior] : [];
  const successByTask: number[][] = tasks.map(() => []);
  const successAfter: number[] = [];
  const returnAfter: number[] = [];
  try {
    for (let k = 0; k <= adaptSteps; k++) {
      const batches = await collect(env, learner, params.map((p, i) => ({ ...p, resetOptions: tasks[i]! })), episodes, learner.options.gamma, rng);
      batches.forEach((b, i) => successByTask[i]!.push(mean(b.success)));
      successAfter.push(mean(batches.flatMap((b) => [...b.success])));
      returnAfter.push(mean(batches.flatMap((b) => [...b.returns])));
      if (k === adaptSteps) break;
      params = params.map((p, i) => {
        const a = learner.adapt(p.policy, p.latent, batches[i]!);
        owned.push(...a.policy.filter((t) => !learner.policy.includes(t as tf.Variable)), ...(a.latent ?? []).filter((t) => !p.latent?.includes(t)));
        return a;
      });
    }
  } finally {
    tf.dispose(owned);
  }
  return { episodes_per_step: tasks.length * episodes, success_after: successAfter, return_after: returnAfter, success_by_task: successByTask };
}

export async function metaRun(args: MetaArgs, out: string, connect: ConnectOptions = {}, log: (line: string) => void = (l) => console.log(l)): Promise<MetaRunResult> {
  const family = taskFamily(args.family);
  const options = metaOptions(args.algo, args.algoArgs);
  const iterations = args.algo === "scratch" || args.algo === "diayn" ? 0 : args.iterations;
  if ((args.algo === "diayn") !== (args.skillsRun !== "")) throw new Error(args.algo === "diayn" ? "diayn adapts the skills of a DIAYN run: give its folder (skillsRun)" : `skillsRun is the DIAYN baseline's; ${args.algo} does not read it`);
  if (args.metaBatch > args.trainTasks) throw new Error(`metaBatch ${args.metaBatch} is more than the ${args.trainTasks} training tasks`);
  const backend = await selectBackend(args.backend);
  let server: RunningServer | undefined;
  let address = args.server;
  if (!address) {
    // A meta-batch steps every task's episodes at once: 10 tasks × 10 episodes is over the default 64 envs per session.
    server = await startServer({ registry: builtinRegistry(), port: 0, maxEnvsPerSession: 1024 });
    address = server.address;
  }
  const envs: VectorEnv[] = [];
  const t0 = performance.now();
  try {
    const trainEnv = iterations > 0 ? await connectEnvs(address, family.task, args.metaBatch * args.episodes, family.trainOptions, { connect, log }) : undefined;
    if (trainEnv) envs.push(trainEnv);
    const testEnv = await connectEnvs(address, family.task, args.testTasks * args.testEpisodes, family.testOptions, { connect, log });
    envs.push(testEnv);
    const spec = testEnv.spec;
    if (spec.goalConditioned) throw new Error(`${spec.name} is goal-conditioned (the goal is observed): meta-learning is for families whose task is hidden`);
    const obsDim = spec.observations.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
    const actDim = spec.action.shape.reduce((x, y) => x * y, 1);
    // Loaded before the run folder is written, so a bad skills run leaves no folder behind.
    const skills = args.algo === "diayn" ? loadSkills(args.skillsRun, obsDim, actDim, args.seed) : undefined;
    const folder = new RunFolder(out);
    folder.writeJson("args.json", { ...args, options });
    const learner = new MaesnLearner(obsDim, actDim, args.trainTasks, options, args.seed);
    const rng = new Rng(args.seed);
    const testRng = () => new Rng(args.seed * 1_000_003 + 17);
    const trainTasks = family.trainTasks(args.trainTasks);
    const testTasks = family.testTasks(args.testTasks);
    const through = `through ${server ? "the embedded server" : "the server"} at ${address}; backend ${backend.name}`;
    log(
      iterations > 0
        ? `meta-training ${args.algo} on ${family.name} (${family.task}) ${through}; ${iterations} iterations × ${args.metaBatch} tasks × ${args.episodes} episodes × 2 phases`
        : `meta-testing ${args.algo} (no meta-training) on ${family.name} (${family.task}) ${through}`,
    );
    try {
      for (let it = 1; it <= iterations; it++) {
        const start = performance.now();
        const chosen = pickTasks(args.trainTasks, args.metaBatch, rng);
        const pre = await collect(trainEnv!, learner, chosen.map((i) => ({ policy: learner.policy, latent: learner.latents[i], resetOptions: trainTasks[i]! })), args.episodes, options.gamma, rng);
        const adapted = chosen.map((i, k) => learner.adapt(learner.policy, learner.latents[i], pre[k]!));
        const post = await collect(trainEnv!, learner, adapted.map((a, k) => ({ ...a, resetOptions: trainTasks[chosen[k]!]! })), args.episodes, options.gamma, rng);
        // A step size of 0 hands back the learner's own variables: only the new tensors go.
        const own = new Set<tf.Tensor>([...learner.policy, ...learner.latents.flat()]);
        tf.dispose(adapted.flatMap((a) => [...a.policy, ...(a.latent ?? [])]).filter((t) => !own.has(t)));
        const losses = learner.metaUpdate(chosen.map((task, k) => ({ task, pre: pre[k]!, post: post[k]! })));
        const record = {
          iteration: it,
          pre_return: mean(pre.flatMap((b) => [...b.returns])),
          post_return: mean(post.flatMap((b) => [...b.returns])),
          pre_success: mean(pre.flatMap((b) => [...b.success])),
          post_success: mean(post.flatMap((b) => [...b.success])),
          ...losses,
          seconds: (performance.now() - start) / 1000,
        };
        folder.metrics.write(record);
        if (it % 10 === 0 || it === iterations) log(`iteration ${it}/${iterations}: return ${record.pre_return.toFixed(2)} → ${record.post_return.toFixed(2)} after one step; ${record.seconds.toFixed(2)} s/iteration`);
        if (args.evalEvery > 0 && it % args.evalEvery === 0 && it < iterations) {
          const test = await metaTest(testEnv, learner, testTasks, args.testEpisodes, args.adaptSteps, testRng());
          folder.metrics.write({ iteration: it, test_success_after: [test.success_after], test_return_after: [test.return_after] });
          log(`  meta-test: success after 0…${args.adaptSteps} steps ${test.success_after.map((s) => s.toFixed(2)).join(" / ")}`);
        }
      }
      const test = skills
        ? await skillsMetaTest(testEnv, skills, testTasks, args.testEpisodes, args.adaptSteps, options.latentLr, options.gamma, testRng())
        : await metaTest(testEnv, learner, testTasks, args.testEpisodes, args.adaptSteps, testRng());
      const wallSeconds = (performance.now() - t0) / 1000;
      folder.writeJson("eval.json", { algo: args.algo, family: family.name, iterations, seed: args.seed, test_tasks: args.testTasks, ...test, wall_s: wallSeconds });
      // diayn's policy is the skills run's; the learner here was never used.
      if (!skills) await saveCheckpoint(`${out}/checkpoint`, {
        networks: { policy: { trainableVariables: learner.policy }, ...(learner.hasLatent ? { latents: { trainableVariables: learner.latents.flat() } } : {}) },
        optimizers: { meta: learner.optimizer, ...(learner.latentOptimizer ? { latents: learner.latentOptimizer } : {}) },
        meta: { iteration: learner.iteration, options },
      });
      log(`meta-test on ${args.testTasks} held-out tasks (sparse reward, ${test.episodes_per_step} episodes per step): success after 0…${args.adaptSteps} adaptation steps ${test.success_after.map((s) => s.toFixed(2)).join(" / ")}; wall time ${Math.round(wallSeconds)} s`);
      return { folder, test, wallSeconds };
    } finally {
      learner.dispose();
      skills?.dispose();
    }
  } finally {
    for (const e of envs) await e.close();
    await server?.close();
  }
}

/** `count` distinct task indices of `n`, from `rng`. */
function pickTasks(n: number, count: number, rng: Rng): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rng.uniform() * (n - i));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, count);
}
