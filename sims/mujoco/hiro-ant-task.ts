/**
 * What HIRO's three ant tasks share (`ant-maze-v0.ts`, `ant-push-v0.ts`,
 * `ant-fall-v0.ts`; their top comments are the documentation): HIRO's ant in
 * a maze (`assets/hiro-ant-xml.ts`), its 30-number observation, goals drawn
 * uniformly from a box or fixed by an option, the negative-distance (or
 * sparse) reward and the distance-5 success, checked every step.
 *
 * A task file is a documentation page plus one `HiroAntTaskConfig`.
 */
import { quote } from "../../src/core/quote.js";
import { boundedSpec, unboundedSpec } from "../../src/env/spec.js";
import type { Options, OptionSpec, TaskFactory, TaskSpec } from "../../src/env/task.js";
import type { MazeLayout } from "../maze-layout.js";
import {
  HIRO_ANT_CTRL_LIMIT,
  HIRO_ANT_MAZE_SCALE,
  HIRO_ANT_NQ,
  HIRO_ANT_NV,
  HIRO_ANT_TIMESTEP,
  HIRO_MAZE_HEIGHT,
  hiroAntMazeXml,
} from "./assets/hiro-ant-xml.js";
import type { MjSim } from "./mujoco-runtime.js";
import type { MujocoViewHints } from "./mujoco-view.js";
import { MujocoTask, makeSim } from "./mujoco-task.js";
import { ResolvedOptions } from "./options.js";

/** Physics steps per control step (HIRO's AntEnv): one control step is 0.1 s. */
export const HIRO_ANT_FRAME_SKIP = 5;
/** observation = qpos[0:15] + qvel[0:14] + the time feature. */
export const HIRO_ANT_OBS = HIRO_ANT_NQ + HIRO_ANT_NV + 1;
/** Half-width of the uniform qpos noise and std of the normal qvel noise at reset. */
const RESET_NOISE = 0.1;
/** The time feature: control steps taken × 0.001 (HIRO's `t * 0.001`). */
const TIME_SCALE = 0.001;

export interface HiroAntTaskConfig {
  readonly name: string;
  readonly description: string;
  readonly layout: MazeLayout;
  /** Training goals are uniform in [goalLow, goalHigh] (2 numbers: x, y; 3: x, y, z). */
  readonly goalLow: readonly number[];
  readonly goalHigh: readonly number[];
  /** The paper's evaluation goal, quoted in the option's doc. */
  readonly evalGoal: readonly number[];
}

type RewardType = "dense" | "sparse";

function makeOptions(c: HiroAntTaskConfig): OptionSpec[] {
  const dims = c.goalLow.length === 2 ? "X,Y" : "X,Y,Z";
  return [
    { name: "max_episode_steps", type: "number", default: 500, doc: "Control steps until TRUNCATED (integer ≥ 1); HIRO's episodes are 500." },
    { name: "reward_type", type: "string", default: "dense", doc: "dense: −‖achieved − desired‖ (HIRO); sparse: −1 until within distance_threshold, then 0." },
    { name: "distance_threshold", type: "number", default: 5, doc: "Success (and the sparse reward's 0) when ‖achieved − desired‖ is below this (m); HIRO's is 5." },
    {
      name: "goal",
      type: "string",
      default: "random",
      doc: `"random": goals uniform in [${c.goalLow.join(", ")}]–[${c.goalHigh.join(", ")}] (training); "${dims}": this goal every episode (evaluation: "${c.evalGoal.join(",")}").`,
    },
  ];
}

function resetOptions(c: HiroAntTaskConfig): OptionSpec[] {
  const n = c.goalLow.length;
  return [{ name: "goal", type: "tensor", doc: `The goal of this episode, ${n} values (${n === 2 ? "x, y" : "x, y, z"}); overrides the make option goal.` }];
}

/** Parses the make option `goal`: undefined for "random", else the fixed goal; throws INVALID_ARGUMENT. */
function parseGoal(o: ResolvedOptions, dims: number): Float64Array | undefined {
  const text = o.string("goal");
  if (text.trim() === "random") return undefined;
  const example = dims === 2 ? `"X,Y" such as "0,16"` : `"X,Y,Z" such as "0,27,4.5"`;
  const parts = text.split(",");
  const values = parts.map((p) => (p.trim() === "" ? NaN : Number(p)));
  o.require(parts.length === dims && values.every(Number.isFinite), "goal", `must be "random" or ${dims} comma-separated finite numbers ${example}, got ${quote(text)}`);
  return Float64Array.from(values);
}

interface HiroAntSettings {
  readonly maxSteps: number;
  readonly rewardType: RewardType;
  readonly threshold: number;
  /** The make option's fixed goal, or undefined for random goals. */
  readonly goal: Float64Array | undefined;
}

function resolveMakeOptions(c: HiroAntTaskConfig, options: Options): HiroAntSettings {
  const o = ResolvedOptions.resolve(c.name, "make", makeOptions(c), options);
  const steps = o.number("max_episode_steps");
  o.require(Number.isSafeInteger(steps) && steps >= 1, "max_episode_steps", `must be an integer ≥ 1, got ${steps}`);
  const rewardType = o.string("reward_type");
  o.require(rewardType === "dense" || rewardType === "sparse", "reward_type", `must be "dense" or "sparse", got ${quote(rewardType)}`);
  const threshold = o.number("distance_threshold");
  o.require(threshold > 0, "distance_threshold", `must be positive, got ${threshold}`);
  return { maxSteps: steps, rewardType: rewardType as RewardType, threshold, goal: parseGoal(o, c.goalLow.length) };
}

function hiroAntSpec(c: HiroAntTaskConfig, maxSteps: number): TaskSpec {
  const g = c.goalLow.length;
  return {
    name: c.name,
    description: c.description,
    observations: [unboundedSpec("observation", [HIRO_ANT_OBS]), unboundedSpec("achieved_goal", [g]), unboundedSpec("desired_goal", [g])],
    action: boundedSpec("action", [8], -HIRO_ANT_CTRL_LIMIT, HIRO_ANT_CTRL_LIMIT),
    hasReward: true,
    goalConditioned: true,
    blackBox: false,
    hasRewardFunction: true,
    maxEpisodeSteps: maxSteps,
    controlDt: HIRO_ANT_TIMESTEP * HIRO_ANT_FRAME_SKIP,
    infoKeys: ["distance"],
    makeOptions: makeOptions(c),
    resetOptions: resetOptions(c),
  };
}

/** Euclidean distance over the first `n` elements. */
function distance(a: ArrayLike<number>, b: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return Math.sqrt(s);
}

/** HIRO's ant in a maze; the concrete tasks only pass their `HiroAntTaskConfig`. */
export class HiroAntTask extends MujocoTask {
  readonly rewardType: RewardType;
  readonly distanceThreshold: number;
  /** 2 (x, y) or 3 (x, y, z). */
  readonly goalDims: number;
  private readonly goalLow: readonly number[];
  private readonly goalHigh: readonly number[];
  private readonly fixedGoal: Float64Array | undefined;
  /** This episode's goal. */
  private readonly goal: Float64Array;

  constructor(
    sim: MjSim,
    readonly config: HiroAntTaskConfig,
    settings: HiroAntSettings,
  ) {
    super(hiroAntSpec(config, settings.maxSteps), sim, HIRO_ANT_FRAME_SKIP);
    if (sim.nq < HIRO_ANT_NQ || sim.nv < HIRO_ANT_NV) throw new Error(`${config.name}: model has nq=${sim.nq} nv=${sim.nv}, the ant alone needs 15 and 14`);
    this.rewardType = settings.rewardType;
    this.distanceThreshold = settings.threshold;
    this.goalDims = config.goalLow.length;
    this.goalLow = config.goalLow;
    this.goalHigh = config.goalHigh;
    this.fixedGoal = settings.goal;
    this.goal = new Float64Array(this.goalDims);
  }

  /** Goals lie on the floor (a 3-D goal carries its height); the camera looks over the maze's evaluation goal region. */
  protected override viewHints(): MujocoViewHints {
    const cx = (this.goalLow[0]! + this.goalHigh[0]!) / 2;
    const cy = (this.goalLow[1]! + this.goalHigh[1]!) / 2;
    return { goalZ: 0.5, markerRadius: 0.8, cameraTarget: [cx, cy, 0], cameraDistance: 1.6 * Math.max(this.goalHigh[0]! - this.goalLow[0]!, this.goalHigh[1]! - this.goalLow[1]!) };
  }

  /**
   * The reward of a step with `achieved` as achieved goal and `desired` as
   * desired goal (their first 2 or 3 elements): dense −‖achieved − desired‖,
   * or sparse 0 within distance_threshold and −1 outside.
   */
  computeReward(achieved: ArrayLike<number>, desired: ArrayLike<number>): number {
    const d = distance(achieved, desired, this.goalDims);
    return this.rewardType === "dense" ? -d : d < this.distanceThreshold ? 0 : -1;
  }

  /** This episode's goal (a copy). */
  currentGoal(): Float64Array {
    return Float64Array.from(this.goal);
  }

  protected override checkResetValues(options: ResolvedOptions): void {
    const goal = options.tensor("goal");
    if (goal !== undefined) {
      const n = this.goalDims;
      options.require(goal.length === n, "goal", `must have ${n} values (${n === 2 ? "x, y" : "x, y, z"}), got ${goal.length}`);
    }
  }

  protected startEpisode(options: ResolvedOptions): void {
    const sim = this.sim;
    const { qpos, qvel, qpos0 } = sim;
    const rng = this.rng;
    // The ant's dofs get noise; the blocks stay exactly as mj_resetData left them.
    for (let i = 0; i < HIRO_ANT_NQ; i++) qpos[i] = qpos0[i]! + rng.uniformRange(-RESET_NOISE, RESET_NOISE);
    for (let i = 0; i < HIRO_ANT_NV; i++) qvel[i] = RESET_NOISE * rng.normal();
    // The goal is always drawn, so that a fixed goal leaves the rest of a seed's stream as it was.
    for (let i = 0; i < this.goalDims; i++) this.goal[i] = rng.uniformRange(this.goalLow[i]!, this.goalHigh[i]!);
    const given = options.tensor("goal") ?? this.fixedGoal;
    if (given !== undefined) this.goal.set(given);
    sim.forward();
    this.afterPhysics();
    this.out.reward = 0; // no step was taken
  }

  protected afterPhysics(): void {
    const { qpos, qvel } = this.sim;
    const out = this.out;
    const obs = out.observations[0]!;
    const achieved = out.observations[1]!;
    const desired = out.observations[2]!;
    let k = 0;
    for (let i = 0; i < HIRO_ANT_NQ; i++) obs[k++] = qpos[i]!;
    for (let i = 0; i < HIRO_ANT_NV; i++) obs[k++] = qvel[i]!;
    obs[k] = this.steps * TIME_SCALE;
    for (let i = 0; i < this.goalDims; i++) {
      achieved[i] = qpos[i]!;
      desired[i] = this.goal[i]!;
    }
    // Judged on the float32 goals of the observation, so computeReward on them agrees exactly.
    const d = distance(achieved, desired, this.goalDims);
    out.reward = this.rewardType === "dense" ? -d : d < this.distanceThreshold ? 0 : -1;
    out.isSuccess = d < this.distanceThreshold;
    out.info[0] = d;
  }
}

/** The factory of one HIRO ant task: spec and options from its config, the model from its layout. */
export function hiroAntTaskFactory(c: HiroAntTaskConfig): TaskFactory {
  let xml: string | undefined;
  return {
    name: c.name,
    spec(options: Options): TaskSpec {
      return hiroAntSpec(c, resolveMakeOptions(c, options).maxSteps);
    },
    async create(options: Options): Promise<HiroAntTask> {
      const settings = resolveMakeOptions(c, options);
      xml ??= hiroAntMazeXml(c.layout, HIRO_ANT_MAZE_SCALE, HIRO_MAZE_HEIGHT);
      const sim = await makeSim(c.name, xml);
      try {
        return new HiroAntTask(sim, c, settings);
      } catch (e) {
        sim.close();
        throw e;
      }
    },
  };
}
