/**
 * Skill hierarchy — pretrained DIAYN skills as the low level, a learned
 * meta-controller choosing among them.
 * Eysenbach, Gupta, Ibarz & Levine (2019), "Diversity is All You Need",
 * https://arxiv.org/abs/1802.06070, §"Using skills for hierarchical RL": the
 * skills are learned without reward, then frozen; a meta-controller picks
 * one of the K skills every c steps to solve the task.
 *
 * - Low level: the frozen policy π(a | s, one-hot z) of a DIAYN run folder
 *   (`--set skillsRun=DIR`, trained with `--algo diayn` on a task with the
 *   same observation and action sizes; a relative DIR is taken from the
 *   working directory). Its weights are read once and never trained here.
 *   `lowActions`: "sampled" (the squashed Gaussian DIAYN trained with; the
 *   default, measured better) or "deterministic" (tanh of the mean), in
 *   training and evaluation alike.
 * - High level: Q(s, g) → K values, a goal-conditioned DQN with double Q and
 *   a Polyak-averaged target network (van Hasselt et al. 2016; the update as
 *   CleanRL's `dqn.py`, MSE loss). Every c (`every`) steps it reads
 *   [observation, desired goal] and picks the skill for the next c steps:
 *   ε-greedy while exploring (ε from `epsilonStart` to `epsilonEnd`, linearly
 *   over `epsilonDecisions` decisions), greedy when evaluated.
 *
 * Its transitions are the segments (s_t, z, R, s_{t+c}), one per decision:
 *
 *   R   = rewardScale · Σ_{i=1..c} r(ag_{t+i}, g)         (the task's reward function on each step's achieved goal)
 *   y   = R + γ · (1 − terminated) · Q_target(s_{t+c}, g, argmax_z' Q(s_{t+c}, g, z'))      (double Q)
 *
 * A segment cut short by the episode's end has fewer steps (and bootstraps
 * unless the env TERMINATED). Hindsight at the high level (HER's "future"
 * strategy on segments): when an episode ends, each of its segments is stored
 * with the goal it lived for and with `hindsightGoals` more, each the goal
 * achieved at the end of a segment drawn uniformly from it and the ones after
 * it; R is recomputed for the new goal from the same achieved goals. Rewards
 * come from the run's reward model (`--reward known`: the task's own
 * compute_reward), so lived and relabelled goals are scored by one function.
 *
 * Refused: a skills run that is missing, not DIAYN's, or for another
 * observation / action size; a task without goals; --her (the hierarchy
 * relabels its own segments); a run without a reward function (--reward env:
 * hindsight goals need one); a learned reward (--reward gahil: not supported,
 * its pools would see only the lived goals and its drift would need rewards
 * scored at sampling time rather than stored).
 *
 * The file reads top to bottom: the arguments, the arithmetic (double-Q
 * targets, segment rewards, future goals — pure functions, unit-tested by
 * hand), loading the frozen skills, the agent (acting, the DQN update,
 * checkpoints), then its learner (segments, hindsight, one replay and one
 * schedule for the high level).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { Rng, rngStateFromJson, rngStateToJson } from "../core/rng.js";
import { StepStatus } from "../env/task.js";
import { Adam } from "../nn/adam.js";
import { Mlp } from "../nn/mlp.js";
import { loadCheckpointSync, readManifestSync, type CheckpointContents, type CheckpointManifest } from "../nn/save-load.js";
import { packArrays, unpackArrays } from "../replay/bytes.js";
import { ReplayBuffer } from "../replay/replay-buffer.js";
import type { RewardModel } from "../reward/reward-model.js";
import type { CollectedStep } from "../train/collector.js";
import type { InputEncoder } from "../train/input-encoder.js";
import type { Learner } from "../train/learner.js";
import type { OffPolicySchedule } from "../train/off-policy-learner.js";
import { checkInput, checkOwnLearnerContext, type ActMode, type ActResult, type AgentShape, type LearnerContext, type OwnLearnerAgent } from "./agent.js";
import { Diayn, DIAYN_ARGS, type DiaynArgs, type DiaynState } from "./diayn.js";

// ---------------------------------------------------------------- arguments

export interface SkillHierarchyArgs {
  /** The DIAYN run folder whose skills are the low level (required). */
  readonly skillsRun: string;
  /** c: env steps per high-level decision. */
  readonly every: number;
  /** The low level's actions: "deterministic" (the skill's mean) or "sampled" (its squashed Gaussian). */
  readonly lowActions: string;
  /** Hidden layer sizes of the Q network. */
  readonly hidden: readonly number[];
  /** Adam learning rate of the Q network. */
  readonly lr: number;
  /** Discount per high-level decision. */
  readonly gamma: number;
  /** Polyak rate of the target network, per update. */
  readonly tau: number;
  /** ε-greedy exploration: ε goes from epsilonStart to epsilonEnd over epsilonDecisions decisions, then stays. */
  readonly epsilonStart: number;
  readonly epsilonEnd: number;
  readonly epsilonDecisions: number;
  /** Hindsight goals per lived segment (HER's k, future strategy over segments); 0: none. */
  readonly hindsightGoals: number;
  /** R = rewardScale · Σ of the segment's step rewards (1/c: the mean step reward). */
  readonly rewardScale: number;
  /** Q updates per high-level decision (× the run's updatesPerStep). */
  readonly updatesPerDecision: number;
}

/**
 * Defaults: c = 10 as HIRO's period, DQN's usual ε schedule, HER's k = 4;
 * sampled skill actions (PointMaze-v0 at (8, 8), 30k steps, seeds 0–2:
 * success 0.00 / 0.58 / 0.72 sampled against 0.00 / 0.18 / 0.03
 * deterministic; BENCHMARKS.md).
 */
export const SKILL_HIERARCHY_ARGS: SkillHierarchyArgs = Object.freeze({
  skillsRun: "",
  every: 10,
  lowActions: "sampled",
  hidden: Object.freeze([128, 128]),
  lr: 1e-3,
  gamma: 0.95,
  tau: 0.01,
  epsilonStart: 1,
  epsilonEnd: 0.05,
  epsilonDecisions: 1500,
  hindsightGoals: 4,
  rewardScale: 0.1,
  updatesPerDecision: 1,
});

// ---------------------------------------------------------------- the arithmetic

/**
 * Double-Q targets y_r = reward_r + γ·(1 − terminated_r)·target_r[argmax online_r]
 * for `rows` rows; `nextOnline` and `nextTarget` are [rows × k] Q-values at
 * the next state. Ties pick the lowest index.
 */
export function doubleQTargets(reward: ArrayLike<number>, terminated: ArrayLike<number>, nextOnline: ArrayLike<number>, nextTarget: ArrayLike<number>, gamma: number, k: number): Float32Array {
  const rows = reward.length;
  const y = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (nextOnline[r * k + j]! > nextOnline[r * k + best]!) best = j;
    y[r] = reward[r]! + gamma * (1 - terminated[r]!) * nextTarget[r * k + best]!;
  }
  return y;
}

/** ε after `decisions` exploring decisions: linear from start to end over `over` decisions. */
export function epsilonAt(decisions: number, start: number, end: number, over: number): number {
  return over <= 0 || decisions >= over ? end : start + (end - start) * (decisions / over);
}

/** For each of n segments, k indices drawn uniformly from i … n−1: whose end's achieved goal becomes a hindsight goal. */
export function futureSegments(n: number, k: number, rng: Rng): Int32Array {
  const out = new Int32Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[i * k + j] = Math.min(n - 1, i + Math.floor(rng.uniform() * (n - i)));
  return out;
}

/** One lived segment of the high level: what it chose and what came of it (raw units). */
export interface Segment {
  /** s_t, the observation the skill was chosen in. */
  readonly obs: Float32Array;
  /** The desired goal lived for. */
  readonly goal: Float32Array;
  readonly skill: number;
  /** Env steps in the segment: c, or fewer at the episode's end. */
  readonly length: number;
  /** The achieved goal after each of its steps, [length × goalDim]. */
  readonly achieved: Float32Array;
  /** s_{t+length}. */
  readonly nextObs: Float32Array;
  /** The env TERMINATED at its last step. */
  readonly terminated: boolean;
}

/** The high level's stored rows: inputs [s, g], the skill, R, [s', g], terminated. */
export interface HighRows {
  readonly rows: number;
  readonly obs: Float32Array;
  readonly skill: Float32Array;
  readonly reward: Float32Array;
  readonly nextObs: Float32Array;
  readonly terminated: Float32Array;
}

/** Scores (achieved, desired) goal pairs, [n × goalDim] each, into out[n]. */
export type GoalReward = (achieved: Float32Array, desired: Float32Array, out: Float32Array) => void;

/**
 * An episode's rows: every segment with its lived goal, then with the goal
 * achieved at the end of each segment `futures` names for it ([n × k],
 * futureSegments). R = scale · Σ_i reward(achieved_i, goal) over the
 * segment's steps, every pair scored in one call.
 */
export function episodeRows(episode: readonly Segment[], futures: Int32Array, k: number, reward: GoalReward, scale: number): HighRows {
  const n = episode.length;
  if (n === 0) return { rows: 0, obs: new Float32Array(0), skill: new Float32Array(0), reward: new Float32Array(0), nextObs: new Float32Array(0), terminated: new Float32Array(0) };
  const obsDim = episode[0]!.obs.length;
  const goalDim = episode[0]!.goal.length;
  const inDim = obsDim + goalDim;
  const rows = n * (1 + k);
  const goals: Float32Array[] = [];
  const owners: Segment[] = [];
  for (let i = 0; i < n; i++) {
    const seg = episode[i]!;
    goals.push(seg.goal);
    owners.push(seg);
    for (let j = 0; j < k; j++) {
      const end = episode[futures[i * k + j]!]!;
      goals.push(end.achieved.subarray((end.length - 1) * goalDim, end.length * goalDim));
      owners.push(seg);
    }
  }
  let pairs = 0;
  for (const seg of owners) pairs += seg.length;
  const achieved = new Float32Array(pairs * goalDim);
  const desired = new Float32Array(pairs * goalDim);
  let p = 0;
  owners.forEach((seg, r) => {
    for (let i = 0; i < seg.length; i++, p++) {
      achieved.set(seg.achieved.subarray(i * goalDim, (i + 1) * goalDim), p * goalDim);
      desired.set(goals[r]!, p * goalDim);
    }
  });
  const scores = new Float32Array(pairs);
  reward(achieved, desired, scores);
  const out = { rows, obs: new Float32Array(rows * inDim), skill: new Float32Array(rows), reward: new Float32Array(rows), nextObs: new Float32Array(rows * inDim), terminated: new Float32Array(rows) };
  p = 0;
  owners.forEach((seg, r) => {
    out.obs.set(seg.obs, r * inDim);
    out.obs.set(goals[r]!, r * inDim + obsDim);
    out.nextObs.set(seg.nextObs, r * inDim);
    out.nextObs.set(goals[r]!, r * inDim + obsDim);
    out.skill[r] = seg.skill;
    out.terminated[r] = seg.terminated ? 1 : 0;
    let sum = 0;
    for (let i = 0; i < seg.length; i++) sum += scores[p++]!;
    out.reward[r] = scale * sum;
  });
  return out;
}

// ---------------------------------------------------------------- the frozen skills

/**
 * The DIAYN policy of the run folder `dir` for a task with `obsDim`
 * observation entries and `actDim` actions, its actor's weights read from the
 * run's latest checkpoint. Synchronous (agents are built synchronously), so
 * it reads the checkpoint's files itself (the format of src/nn/save-load.ts).
 */
export function loadSkills(dir: string, obsDim: number, actDim: number, seed: number): Diayn {
  if (!dir) throw new Error("skill-hier composes the skills of a DIAYN run: give its folder with --set skillsRun=DIR");
  const folder = resolve(dir);
  const argsPath = join(folder, "args.json");
  if (!existsSync(argsPath)) throw new Error(`skill-hier: ${folder} is not a run folder (no args.json); skillsRun must be a folder written by simbridge train --algo diayn`);
  const runArgs = JSON.parse(readFileSync(argsPath, "utf8")) as { algo?: string; task?: string; algoArgs?: Partial<DiaynArgs> };
  if (runArgs.algo !== "diayn") throw new Error(`skill-hier: ${folder} is a ${String(runArgs.algo)} run; the low level must be skills learned by --algo diayn`);
  const checkpoint = ["checkpoint", "checkpoint.old"].map((c) => join(folder, c)).find((c) => existsSync(join(c, "manifest.json")));
  if (!checkpoint) throw new Error(`skill-hier: the skills run ${folder} has no checkpoint`);
  let manifest: CheckpointManifest;
  try {
    manifest = readManifestSync(checkpoint);
  } catch (e) {
    throw new Error(`skill-hier: ${(e as Error).message}`, { cause: e });
  }
  const args: DiaynArgs = { ...DIAYN_ARGS, ...runArgs.algoArgs };
  const tensors = new Map(manifest.tensors.map((t) => [t.name, t]));
  // The actor's first kernel is [obs + K, hidden] and its last bias [2 · actions] (mean and log-std).
  const first = tensors.get("networks/actor/0");
  const actorTensors = manifest.networks["actor"]?.variables ?? 0;
  const last = tensors.get(`networks/actor/${actorTensors - 1}`);
  if (!first || !last) throw new Error(`skill-hier: ${checkpoint} holds no DIAYN actor`);
  const theirObs = first.shape[0]! - args.skills;
  if (theirObs !== obsDim) throw new Error(`skill-hier: the skills run ${folder} was trained on ${runArgs.task} with ${theirObs} observation entries; this task has ${obsDim}`);
  if (last.shape[0] !== 2 * actDim) throw new Error(`skill-hier: the skills run ${folder} was trained on ${runArgs.task} with ${last.shape[0]! / 2} actions; this task has ${actDim}`);
  const skills = new Diayn({ inputDim: obsDim, actDim, seed }, args);
  try {
    loadCheckpointSync(checkpoint, { networks: { actor: skills.sac.actor } });
  } catch (e) {
    skills.dispose();
    throw new Error(`skill-hier: the skills run ${folder}: ${(e as Error).message} (the run's hidden sizes?)`, { cause: e });
  }
  return skills;
}

// ---------------------------------------------------------------- the agent

export interface SkillHierarchyState {
  /** The skill being followed. */
  skill: number;
  /** Low-level steps left before the high level decides again (0: decide now). */
  stepsLeft: number;
}

export class SkillHierarchy implements OwnLearnerAgent<SkillHierarchyState> {
  readonly name = "skill-hier";
  readonly kind = "hierarchical";
  readonly inputDim: number;
  readonly actDim: number;
  /** Observation entries of the input (the rest is the desired goal). */
  readonly obsDim: number;
  /** K: the skills to choose from. */
  readonly k: number;
  /** The frozen DIAYN policy (never updated here). */
  readonly low: Diayn;
  readonly q: Mlp;
  readonly qTarget: Mlp;
  private readonly optimizer: Adam;
  private readonly rng: Rng;
  /** Q updates done. */
  updates = 0;
  /** Exploring decisions taken (ε's clock). */
  decisions = 0;

  constructor(
    shape: AgentShape,
    readonly args: SkillHierarchyArgs = SKILL_HIERARCHY_ARGS,
  ) {
    if (!Number.isInteger(args.every) || args.every < 1) throw new RangeError(`skill-hier: every must be a positive integer, got ${args.every}`);
    if (args.lowActions !== "deterministic" && args.lowActions !== "sampled") throw new RangeError(`skill-hier: lowActions is deterministic or sampled, got ${args.lowActions}`);
    if (!Number.isInteger(args.hindsightGoals) || args.hindsightGoals < 0) throw new RangeError(`skill-hier: hindsightGoals must be an integer ≥ 0, got ${args.hindsightGoals}`);
    if (!(args.epsilonStart >= 0 && args.epsilonStart <= 1 && args.epsilonEnd >= 0 && args.epsilonEnd <= 1)) throw new RangeError(`skill-hier: epsilonStart and epsilonEnd must be in [0, 1]`);
    if (!(args.updatesPerDecision > 0)) throw new RangeError(`skill-hier: updatesPerDecision must be positive, got ${args.updatesPerDecision}`);
    this.inputDim = shape.inputDim;
    this.actDim = shape.actDim;
    this.obsDim = shape.inputDim - (shape.goalDim ?? 0);
    const seeds = new Rng(shape.seed);
    this.low = loadSkills(args.skillsRun, this.obsDim, this.actDim, seeds.nextSeed());
    this.k = this.low.k;
    const qSeed = seeds.nextSeed();
    this.q = new Mlp({ sizes: [this.inputDim, ...args.hidden, this.k], seed: qSeed });
    this.qTarget = new Mlp({ sizes: [this.inputDim, ...args.hidden, this.k], seed: qSeed });
    this.qTarget.copyFrom(this.q);
    this.optimizer = new Adam(this.q.trainableVariables, { learningRate: args.lr });
    this.rng = new Rng(seeds.nextSeed());
  }

  initialState(): SkillHierarchyState {
    return { skill: 0, stepsLeft: 0 };
  }

  /** Q(s, g, ·) for `rows` inputs, [rows × K]. */
  qValues(input: Float32Array, rows: number, target = false): Float32Array {
    const net = target ? this.qTarget : this.q;
    return tf.tidy(() => net.apply(tf.tensor2d(input, [rows, this.inputDim])).dataSync() as Float32Array);
  }

  /**
   * The skills' actions; where an env's c steps are up, the high level first
   * picks its next skill (ε-greedy when exploring). `extras.skill` is the
   * skill each row acted under (the learner's segment).
   */
  act(input: Float32Array, rows: number, mode: ActMode, states?: SkillHierarchyState[]): ActResult {
    checkInput(input, rows, this.inputDim);
    const st = states ?? Array.from({ length: rows }, () => this.initialState());
    const deciding = st.flatMap((s, r) => (s.stepsLeft === 0 ? [r] : []));
    if (deciding.length > 0) {
      const highIn = new Float32Array(deciding.length * this.inputDim);
      deciding.forEach((r, i) => highIn.set(input.subarray(r * this.inputDim, (r + 1) * this.inputDim), i * this.inputDim));
      const values = this.qValues(highIn, deciding.length);
      deciding.forEach((r, i) => {
        let skill = 0;
        for (let j = 1; j < this.k; j++) if (values[i * this.k + j]! > values[i * this.k + skill]!) skill = j;
        if (mode === "explore") {
          const a = this.args;
          if (this.rng.uniform() < epsilonAt(this.decisions, a.epsilonStart, a.epsilonEnd, a.epsilonDecisions)) skill = Math.min(this.k - 1, Math.floor(this.rng.uniform() * this.k));
          this.decisions++;
        }
        st[r]!.skill = skill;
        st[r]!.stepsLeft = this.args.every;
      });
    }
    const obs = new Float32Array(rows * this.obsDim);
    const skills = new Float32Array(rows);
    const lowStates: DiaynState[] = [];
    for (let r = 0; r < rows; r++) {
      obs.set(input.subarray(r * this.inputDim, r * this.inputDim + this.obsDim), r * this.obsDim);
      skills[r] = st[r]!.skill;
      lowStates.push({ skill: st[r]!.skill });
      st[r]!.stepsLeft--;
    }
    const { actions } = this.low.act(obs, rows, this.args.lowActions === "sampled" ? "explore" : "deterministic", lowStates);
    return { actions, extras: { skill: skills } };
  }

  /** One double-DQN step on stored rows (inputs raw); returns the loss and the mean Q of the chosen skills. */
  update(b: { obs: Float32Array; skill: Float32Array; reward: Float32Array; nextObs: Float32Array; terminated: Float32Array }, rows: number): Record<string, number> {
    const y = doubleQTargets(b.reward, b.terminated, this.qValues(b.nextObs, rows), this.qValues(b.nextObs, rows, true), this.args.gamma, this.k);
    let loss = NaN;
    let meanQ = NaN;
    tf.tidy(() => {
      const obs = tf.tensor2d(b.obs, [rows, this.inputDim]);
      const chosen = tf.oneHot(tf.tensor1d(Int32Array.from(b.skill), "int32"), this.k);
      const target = tf.tensor1d(y);
      const value = this.optimizer.minimize(() => {
        const q = tf.sum(tf.mul(this.q.apply(obs, { inputGrad: false }), chosen), 1);
        meanQ = tf.mean(q).dataSync()[0]!;
        return tf.mean(tf.square(tf.sub(q, target))) as tf.Scalar;
      });
      loss = value.dataSync()[0]!;
    });
    this.qTarget.polyakFrom(this.q, this.args.tau);
    this.updates++;
    return { high_q_loss: loss, high_q: meanQ, epsilon: epsilonAt(this.decisions, this.args.epsilonStart, this.args.epsilonEnd, this.args.epsilonDecisions) };
  }

  makeLearner(context: LearnerContext): Learner {
    return new SkillHierarchyLearner(this, context);
  }

  /** The high level only: the skills are the skills run's, recorded by path in meta. */
  checkpointContents(): CheckpointContents {
    return {
      networks: { q: this.q, qTarget: this.qTarget },
      optimizers: { q: this.optimizer },
      meta: { skillsRun: resolve(this.args.skillsRun), updates: this.updates, decisions: this.decisions, rng: rngStateToJson(this.rng.state()), low: this.low.checkpointContents().meta },
    };
  }

  restoreMeta(meta: unknown): void {
    const m = meta as { updates?: unknown; decisions?: unknown; rng?: unknown; low?: unknown } | null;
    if (m === null || typeof m !== "object" || !Number.isInteger(m.updates) || !Number.isInteger(m.decisions) || !Array.isArray(m.rng)) {
      throw new Error(`skill-hier: checkpoint meta must be {skillsRun, updates, decisions, rng, low}, got ${JSON.stringify(meta)?.slice(0, 200)}`);
    }
    this.updates = m.updates as number;
    this.decisions = m.decisions as number;
    this.rng.setState(rngStateFromJson(m.rng as Array<number | null>));
    this.low.restoreMeta(m.low);
  }

  dispose(): void {
    this.low.dispose();
    this.q.dispose();
    this.qTarget.dispose();
    this.optimizer.dispose();
  }
}

// ---------------------------------------------------------------- the learner

type HighFields = { obs: number; skill: number; reward: number; nextObs: number; terminated: number };

/** The segment one env is living: filled step by step, closed after c steps or at the episode's end. */
interface OpenSegment {
  length: number;
  skill: number;
  readonly obs: Float32Array;
  readonly goal: Float32Array;
  readonly achieved: Float32Array;
}

/**
 * The skill hierarchy's storage and schedule: each env's steps are gathered
 * into segments (c steps, or fewer at the episode's end); when an episode
 * ends, its segments go to the high level's replay with their lived goal and
 * `hindsightGoals` future goals each, rewards scored by the run's reward
 * model. After `learningStarts` env steps, `updatesPerStep × envs ×
 * updatesPerDecision / c` Q updates per vector step (fractions carried over)
 * on --batch-size rows. Episodes in flight are not checkpointed (a resumed
 * run starts its episodes anew, as the collector does).
 */
export class SkillHierarchyLearner implements Learner {
  /** The high level's replay (read-only outside the learner: tests, inspection). */
  readonly replay: ReplayBuffer<HighFields>;
  private readonly open: OpenSegment[];
  /** Each env's closed segments of the episode in flight. */
  private readonly episodes: Segment[][];
  private readonly schedule: OffPolicySchedule;
  private readonly encoder: InputEncoder;
  private readonly rewardModel: RewardModel;
  private readonly rng: Rng;
  private readonly goalDim: number;
  private carry = 0;
  private lastLosses: Record<string, number> = {};

  constructor(
    readonly agent: SkillHierarchy,
    context: LearnerContext,
  ) {
    const { schedule, encoder } = context;
    checkOwnLearnerContext("skill-hier", context, { her: "relabels its own segments with hindsight goals", rawInputs: "the frozen skills read raw observations" });
    if (!encoder.layout.goalConditioned) throw new Error(`skill-hier chooses skills for a desired goal: ${context.spec.name} has none (observation, achieved_goal, desired_goal)`);
    if (context.onlineReward || context.rewardModel?.isLearned) throw new Error("skill-hier does not support a learned reward (--reward gahil) yet: use --reward known");
    if (!context.rewardModel) throw new Error("skill-hier scores its segments and hindsight goals with the task's reward function: use --reward known");
    this.schedule = schedule;
    this.encoder = encoder;
    this.rewardModel = context.rewardModel;
    this.rng = context.rng;
    this.goalDim = encoder.goalDim;
    const a = agent;
    this.replay = new ReplayBuffer({ obs: a.inputDim, skill: 1, reward: 1, nextObs: a.inputDim, terminated: 1 }, Math.max(1, Math.ceil((Math.min(schedule.bufferSize, 1_000_000) / a.args.every) * (1 + a.args.hindsightGoals))));
    this.open = Array.from({ length: context.envs }, () => ({ length: 0, skill: 0, obs: new Float32Array(a.obsDim), goal: new Float32Array(this.goalDim), achieved: new Float32Array(a.args.every * this.goalDim) }));
    this.episodes = Array.from({ length: context.envs }, () => []);
  }

  /** The high level explores with ε from the first step: uniform env actions would belong to no skill. */
  randomActions(): boolean {
    return false;
  }

  observe(step: CollectedStep): void {
    const a = this.agent;
    const layout = this.encoder.layout;
    const obs = layout.observation(step.obs);
    const goal = layout.desiredGoal(step.obs);
    const next = layout.observation(step.nextObs);
    const achieved = layout.achievedGoal(step.nextObs);
    const skills = step.extras["skill"];
    if (!skills || skills.length !== step.envs) throw new Error("skill-hier: expected the acting skill (extras.skill, one per env) with every collected step");
    const g = this.goalDim;
    for (let i = 0; i < step.envs; i++) {
      const seg = this.open[i]!;
      if (seg.length === 0) {
        seg.obs.set(obs.subarray(i * a.obsDim, (i + 1) * a.obsDim));
        seg.goal.set(goal.subarray(i * g, (i + 1) * g));
        seg.skill = skills[i]!;
      } else if (skills[i] !== seg.skill) {
        throw new Error(`skill-hier: env ${i} changed skill within a segment (step ${seg.length + 1} of ${a.args.every})`);
      }
      seg.achieved.set(achieved.subarray(i * g, (i + 1) * g), seg.length * g);
      seg.length++;
      const ended = step.status[i] !== StepStatus.RUNNING;
      if (seg.length === a.args.every || ended) {
        this.episodes[i]!.push({
          obs: seg.obs.slice(),
          goal: seg.goal.slice(),
          skill: seg.skill,
          length: seg.length,
          achieved: seg.achieved.slice(0, seg.length * g),
          nextObs: next.slice(i * a.obsDim, (i + 1) * a.obsDim),
          terminated: step.status[i] === StepStatus.TERMINATED,
        });
        seg.length = 0;
      }
      if (ended) this.storeEpisode(i);
    }
  }

  /** Env i's episode ended: its segments, with lived and hindsight goals, into the replay. */
  private storeEpisode(i: number): void {
    const episode = this.episodes[i]!;
    this.episodes[i] = [];
    const k = this.agent.args.hindsightGoals;
    const reward: GoalReward = (achievedGoal, desiredGoal, out) => this.rewardModel.rewards({ achievedGoal, desiredGoal }, out);
    const rows = episodeRows(episode, futureSegments(episode.length, k, this.rng), k, reward, this.agent.args.rewardScale);
    const inDim = this.agent.inputDim;
    for (let r = 0; r < rows.rows; r++) {
      this.replay.add({
        obs: rows.obs.subarray(r * inDim, (r + 1) * inDim),
        skill: rows.skill[r]!,
        reward: rows.reward[r]!,
        nextObs: rows.nextObs.subarray(r * inDim, (r + 1) * inDim),
        terminated: rows.terminated[r]!,
      });
    }
  }

  cut(): void {
    // The cut episodes' segments are dropped: the last one's next state is unknown.
    for (const seg of this.open) seg.length = 0;
    for (let i = 0; i < this.episodes.length; i++) this.episodes[i] = [];
  }

  train(envStep: number): Record<string, number> | undefined {
    if (envStep < this.schedule.learningStarts) return undefined;
    const rows = this.schedule.batchSize;
    this.carry += (this.schedule.updatesPerStep * this.open.length * this.agent.args.updatesPerDecision) / this.agent.args.every;
    let ran = false;
    for (; this.carry >= 1 && this.replay.size >= rows; this.carry--) {
      this.lastLosses = this.agent.update(this.replay.sample(rows, this.rng), rows);
      ran = true;
    }
    this.carry %= 1;
    return ran ? { ...this.lastLosses } : undefined;
  }

  stats(): Record<string, number> {
    return { high_replay_size: this.replay.size, skills: this.agent.k };
  }

  state(): unknown {
    return { carry: this.carry };
  }

  serializeStorage(full: boolean): Uint8Array | undefined {
    if (!full) return undefined;
    return packArrays({ format: "simbridge.SkillHierarchyStorage" }, { high: this.replay.serialize() });
  }

  restore(state: unknown, storage: Uint8Array | undefined): void {
    this.carry = ((state ?? {}) as { carry?: number }).carry ?? 0;
    if (!storage) return;
    const { arrays } = unpackArrays(storage);
    this.replay.restore(arrays["high"] as Uint8Array);
  }
}
