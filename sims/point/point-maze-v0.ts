/**
 * PointMaze-v0 — HIRO's point-mass U-maze (Nachum et al. 2018, tensorflow/models
 * `research/efficient-hrl`: `environments/point.py`, `point_maze_env.py`,
 * `context/configs/point_maze.gin`), goal-conditioned.
 *
 * The CPU workhorse for hierarchical learners (HIRO, HAC): HIRO's point is
 * kinematic, so this pure-TypeScript version is the same task without a
 * physics engine — a step is a few lines of arithmetic and allocates nothing.
 *
 * ## Maze
 * HIRO's 'Maze' structure (`sims/maze-layout.ts`, `MAZE`) at maze scale S = 4:
 * every wall cell is a 4 × 4 square, the robot's cell is centred on the origin.
 * The free cells form a U (⊃) whose cell centres are, in order along the
 * corridor, (0,0) (4,0) (8,0) (8,4) (8,8) (4,8) (0,8); the free region lies in
 * [−2, 10]². The far end (0, 8) is 8 m from the start but 24 m along the corridor.
 *
 *     y=8   (0,8) (4,8) (8,8)
 *     y=4   wall  wall  (8,4)
 *     y=0   (0,0) (4,0) (8,0)       start at (0,0)
 *
 * ## Action space
 * | index | action                            | min   | max  |
 * |-------|-----------------------------------|-------|------|
 * | 0     | forward speed (× 0.2 m per step)  | −1    | 1    |
 * | 1     | heading change per step (rad)     | −0.25 | 0.25 |
 * Out-of-range actions are clipped to these bounds (HIRO's `ctrlrange`).
 *
 * ## Observation space
 * | key           | shape | contents                                                    |
 * |---------------|-------|-------------------------------------------------------------|
 * | observation   | [7]   | x, y, θ, dx, dy, dθ, t·0.001                                 |
 * | achieved_goal | [2]   | x, y                                                        |
 * | desired_goal  | [2]   | goal x, y                                                   |
 * x, y come first: hierarchical learners take the subgoal from the first
 * observation entries (HIRO's "first two obs dims"). θ is wrapped to [−π, π];
 * dx, dy, dθ are the last step's displacement (0 after reset, dx = dy = 0 when
 * the move was reverted) — HIRO observes qvel there, which its kinematic
 * `set_state` leaves as MuJoCo's velocity estimate; t·0.001 is HIRO's time
 * feature (t = steps taken). Bounds: x, y and goals in [−2, 10], dx, dy in
 * [−0.2, 0.2], dθ in [−0.25, 0.25], t·0.001 in [0, max_episode_steps·0.001].
 *
 * ## Dynamics (HIRO's `PointEnv.step` with `manual_collision`)
 *     θ ← θ + a1;  x' ← x + cos θ · 0.2·a0;  y' ← y + sin θ · 0.2·a0
 * (the heading turns first, the move uses the new heading). If (x', y') lies in
 * a wall cell's square, edges included (HIRO's `_is_in_collision`), the x, y
 * move is reverted; the heading change stays. The point has no radius here
 * (HIRO's sphere r = 0.5 is ignored by the manual collision too), no inertia.
 * A step is 0.02 s (point.xml's timestep, frame_skip 1).
 *
 * ## Goals
 * Make option `goal`: "random" (default) draws a training goal uniform in
 * [−2, 10]² every episode (HIRO's `meta_context_range`; it may lie inside a
 * wall, as HIRO's do — every such goal is within 2 of the free region, so
 * still reachable within 2.5); "X,Y" fixes the goal, e.g. HIRO's evaluation
 * goals "8,0", "8,8", "0,8" (the hard one, the end of the U). The reset
 * option `goal` (a tensor of 2 values in [−2, 10]) overrides both for one
 * episode.
 *
 * ## Reward
 * `reward_type` "dense" (default, HIRO's): −‖(x, y) − goal‖. "sparse": −1 while
 * ‖(x, y) − goal‖ ≥ `distance_threshold`, 0 once within it.
 * `computeReward(achieved, desired)` gives the same function; the step reward
 * is computed from the float32 goal tensors as sent, so they agree exactly.
 * Success (`is_success`, every step) is distance < `distance_threshold`
 * (default 2.5: HIRO's Ant threshold 5 scaled by S/8 = 4/8); an evaluation's
 * final-step success is therefore HIRO's "final distance < 2.5".
 *
 * ## Episode end
 * Never terminates; TRUNCATED after `max_episode_steps` (default 500, HIRO's).
 *
 * ## Starting state
 * x, y uniform in [−0.1, 0.1] (HIRO's `reset_model` noise), heading θ uniform
 * in [−π, π] (HIRO adds the same ±0.1 noise to θ around 0; a uniform heading
 * makes a start's first turn part of the task), then the goal (see Goals).
 *
 * ## Info
 * `distance`: ‖(x, y) − goal‖ after the step.
 *
 * ## Version history
 * - v0: initial version.
 */
import { SimbridgeError } from "../../src/core/errors.js";
import { clip, listText, quote } from "../../src/core/quote.js";
import { Rng } from "../../src/core/rng.js";
import { boundedSpec } from "../../src/env/spec.js";
import { newTaskStep, StepStatus, type Options, type Task, type TaskFactory, type TaskSpec, type TaskStep } from "../../src/env/task.js";
import { freeCellCenters, MAZE, wallBoxes } from "../maze-layout.js";
import { declareView } from "../../src/viewer/view-source.js";
import { ball, planarView } from "./point-views.js";

const NAME = "PointMaze-v0";
/** HIRO's maze scale for the point envs: cells are 4 × 4. */
export const POINT_MAZE_SCALE = 4;
/** Metres per step at forward action 1 (HIRO's `action[0] *= 0.2`). */
export const POINT_MAZE_SPEED = 0.2;
/** Largest heading change per step (rad): HIRO's `rot` ctrlrange. */
export const POINT_MAZE_MAX_TURN = 0.25;
const DEFAULT_STEPS = 500;
const DEFAULT_THRESHOLD = 2.5;
const START_NOISE = 0.1;
/** π as float32 (slightly above π): the bound of the float32 heading. */
const PI32 = Math.fround(Math.PI);

/** The free region's extent [lo, hi] on both axes: the free cells' squares, [−2, 10] at S = 4. */
export const POINT_MAZE_EXTENT = ((): readonly [number, number] => {
  const c = freeCellCenters(MAZE, POINT_MAZE_SCALE).flat();
  return [Math.min(...c) - POINT_MAZE_SCALE / 2, Math.max(...c) + POINT_MAZE_SCALE / 2];
})();
const [LO, HI] = POINT_MAZE_EXTENT;

/** Wall squares, 4 numbers each: min x, max x, min y, max y (from the layout, height irrelevant here). */
const WALLS = Float64Array.from(wallBoxes(MAZE, POINT_MAZE_SCALE, 0.5).flatMap((b) => [b.center[0] - b.halfSize[0], b.center[0] + b.halfSize[0], b.center[1] - b.halfSize[1], b.center[1] + b.halfSize[1]]));

/**
 * True when (x, y) lies in a wall square of the maze, edges included — the
 * same answer as `insideWall(MAZE, 4, x, y)`, without allocating.
 */
export function inPointMazeWall(x: number, y: number): boolean {
  for (let k = 0; k < WALLS.length; k += 4) {
    if (x >= WALLS[k]! && x <= WALLS[k + 1]! && y >= WALLS[k + 2]! && y <= WALLS[k + 3]!) return true;
  }
  return false;
}

type RewardType = "sparse" | "dense";

interface MazeOptions {
  readonly steps: number;
  readonly rewardType: RewardType;
  readonly threshold: number;
  /** The fixed goal, or undefined for "random". */
  readonly goal: readonly [number, number] | undefined;
}

function got(v: unknown): string {
  return typeof v === "string" ? quote(v) : clip(String(v));
}

/** "random" → undefined; "X,Y" → [X, Y] inside the extent; anything else throws. */
function parseGoal(v: unknown): readonly [number, number] | undefined {
  if (v === "random") return undefined;
  const parts = typeof v === "string" ? v.split(",") : [];
  const xy = parts.map((p) => (p.trim() === "" ? NaN : Number(p)));
  if (xy.length !== 2 || !xy.every((c) => c >= LO && c <= HI)) {
    throw SimbridgeError.invalidArgument(`options.goal: expected "random" or "X,Y" with X and Y in [${LO}, ${HI}] (e.g. "8,8"), got ${got(v)}`, "options.goal");
  }
  return [xy[0]!, xy[1]!];
}

function resolve(options: Options): MazeOptions {
  const steps = options["max_episode_steps"] ?? DEFAULT_STEPS;
  if (typeof steps !== "number" || !Number.isInteger(steps) || steps < 1) {
    throw SimbridgeError.invalidArgument(`options.max_episode_steps: must be a positive integer, got ${got(steps)}`, "options.max_episode_steps");
  }
  const rewardType = options["reward_type"] ?? "dense";
  if (rewardType !== "sparse" && rewardType !== "dense") {
    throw SimbridgeError.invalidArgument(`options.reward_type: expected dense or sparse, got ${got(rewardType)}`, "options.reward_type");
  }
  const threshold = options["distance_threshold"] ?? DEFAULT_THRESHOLD;
  if (typeof threshold !== "number" || !(threshold > 0) || !Number.isFinite(threshold)) {
    throw SimbridgeError.invalidArgument(`options.distance_threshold: must be a positive number, got ${got(threshold)}`, "options.distance_threshold");
  }
  return { steps, rewardType, threshold, goal: parseGoal(options["goal"] ?? "random") };
}

function spec(options: Options): TaskSpec {
  const o = resolve(options);
  // Bounds rounded as the float32 values they bound are: a float64 value ≤ b rounds to ≤ fround(b).
  const v = Math.fround(POINT_MAZE_SPEED);
  const w = POINT_MAZE_MAX_TURN;
  const tMax = Math.fround(o.steps * 0.001);
  return {
    name: NAME,
    description: "HIRO's point-mass U-maze (scale 4): reach a goal along the corridor; dense −distance reward, goal-conditioned, pure TypeScript.",
    observations: [
      boundedSpec("observation", [7], [LO, LO, -PI32, -v, -v, -w, 0], [HI, HI, PI32, v, v, w, tMax]),
      boundedSpec("achieved_goal", [2], LO, HI),
      boundedSpec("desired_goal", [2], LO, HI),
    ],
    action: boundedSpec("action", [2], [-1, -w], [1, w]),
    hasReward: true,
    goalConditioned: true,
    blackBox: false,
    hasRewardFunction: true,
    maxEpisodeSteps: o.steps,
    controlDt: 0.02,
    infoKeys: ["distance"],
    makeOptions: [
      { name: "max_episode_steps", type: "number", doc: "Steps until the episode is truncated.", default: DEFAULT_STEPS },
      { name: "reward_type", type: "string", doc: "dense: −distance to the goal (HIRO's); sparse: −1 until within distance_threshold, then 0.", default: "dense" },
      { name: "distance_threshold", type: "number", doc: "Success (and the sparse reward's 0) when ‖(x, y) − goal‖ is below this.", default: DEFAULT_THRESHOLD },
      { name: "goal", type: "string", doc: `"random": uniform in [${LO}, ${HI}]² each episode; "X,Y": that goal always (HIRO's evaluation goals "8,0", "8,8", "0,8").`, default: "random" },
    ],
    resetOptions: [{ name: "goal", type: "tensor", doc: `Goal (x, y) in [${LO}, ${HI}]² for this episode instead of the make option's.` }],
  };
}

/** The reward for the point at `achieved` and a goal at `desired`. */
export function pointMazeReward(achieved: ArrayLike<number>, desired: ArrayLike<number>, type: RewardType = "dense", threshold = DEFAULT_THRESHOLD): number {
  const d = Math.hypot(achieved[0]! - desired[0]!, achieved[1]! - desired[1]!);
  return type === "dense" ? -d : d < threshold ? 0 : -1;
}

/** The point's state one step works on, in place: [x, y, θ, dx, dy, dθ]. */
export type MazeState = Float64Array;

/**
 * One step of the dynamics ("Dynamics" above) on `s` in place, for an action
 * already clipped to its bounds. Allocation-free.
 */
export function pointMazeMove(s: MazeState, forward: number, turn: number): void {
  let theta = s[2]! + turn;
  if (theta > Math.PI) theta -= 2 * Math.PI;
  else if (theta < -Math.PI) theta += 2 * Math.PI;
  const step = POINT_MAZE_SPEED * forward;
  const x = s[0]! + Math.cos(theta) * step;
  const y = s[1]! + Math.sin(theta) * step;
  if (inPointMazeWall(x, y)) {
    s[3] = s[4] = 0;
  } else {
    s[3] = x - s[0]!;
    s[4] = y - s[1]!;
    s[0] = x;
    s[1] = y;
  }
  s[2] = theta;
  s[5] = turn;
}

class PointMaze implements Task {
  readonly out: TaskStep;
  private readonly rng = new Rng();
  private readonly s: MazeState = new Float64Array(6);
  private gx = 0;
  private gy = 0;
  private t = 0;

  constructor(
    readonly spec: TaskSpec,
    private readonly options: MazeOptions,
  ) {
    this.out = newTaskStep(spec);
    const [lo, hi] = POINT_MAZE_EXTENT;
    const scene = { halfExtent: (hi - lo) / 2 + POINT_MAZE_SCALE, center: [(lo + hi) / 2, (lo + hi) / 2] as const, walls: wallBoxes(MAZE, POINT_MAZE_SCALE, 0.5), bodies: [{ name: "point", geom: ball(0.4), xIndex: 0, yIndex: 1, headingIndex: 2 }] };
    declareView(this.out.observations, planarView(this.out.observations, scene, 0.4));
  }

  validateResetOptions(options: Options): void {
    const goal = options["goal"];
    if (goal !== undefined && !(goal instanceof Float64Array)) {
      throw SimbridgeError.invalidArgument(`options.goal: expected a tensor of 2 values in [${LO}, ${HI}], got ${got(goal)}`, "options.goal");
    }
    if (goal instanceof Float64Array && (goal.length !== 2 || !(goal[0]! >= LO && goal[0]! <= HI && goal[1]! >= LO && goal[1]! <= HI))) {
      throw SimbridgeError.invalidArgument(`options.goal: expected 2 values in [${LO}, ${HI}], got ${listText(goal)}`, "options.goal");
    }
  }

  reset(seed: number | undefined, options: Options): void {
    this.validateResetOptions(options);
    const goal = options["goal"];
    if (seed !== undefined) this.rng.seed(seed);
    const s = this.s;
    const rng = this.rng;
    s[0] = rng.uniformRange(-START_NOISE, START_NOISE);
    s[1] = rng.uniformRange(-START_NOISE, START_NOISE);
    s[2] = rng.uniformRange(-Math.PI, Math.PI);
    s[3] = s[4] = s[5] = 0;
    if (goal instanceof Float64Array) {
      this.gx = goal[0]!;
      this.gy = goal[1]!;
    } else if (this.options.goal !== undefined) {
      this.gx = this.options.goal[0];
      this.gy = this.options.goal[1];
    } else {
      this.gx = rng.uniformRange(LO, HI);
      this.gy = rng.uniformRange(LO, HI);
    }
    this.t = 0;
    this.write(StepStatus.RUNNING);
  }

  step(action: Float32Array): void {
    const w = POINT_MAZE_MAX_TURN;
    pointMazeMove(this.s, Math.max(-1, Math.min(1, action[0]!)), Math.max(-w, Math.min(w, action[1]!)));
    this.t++;
    this.write(this.t >= this.options.steps ? StepStatus.TRUNCATED : StepStatus.RUNNING);
  }

  computeReward(achieved: ArrayLike<number>, desired: ArrayLike<number>): number {
    return pointMazeReward(achieved, desired, this.options.rewardType, this.options.threshold);
  }

  close(): void {}

  private write(status: StepStatus): void {
    const s = this.s;
    const [obs, achieved, desired] = this.out.observations as [Float32Array, Float32Array, Float32Array];
    obs[0] = s[0]!;
    obs[1] = s[1]!;
    obs[2] = s[2]!;
    obs[3] = s[3]!;
    obs[4] = s[4]!;
    obs[5] = s[5]!;
    obs[6] = this.t * 0.001;
    achieved[0] = s[0]!;
    achieved[1] = s[1]!;
    desired[0] = this.gx;
    desired[1] = this.gy;
    // From the float32 goals as they travel, so that compute_reward on them agrees exactly.
    const distance = Math.hypot(achieved[0] - desired[0], achieved[1] - desired[1]);
    this.out.reward = this.options.rewardType === "dense" ? -distance : distance < this.options.threshold ? 0 : -1;
    this.out.status = status;
    this.out.isSuccess = distance < this.options.threshold;
    this.out.info[0] = distance;
  }
}

export const pointMazeV0: TaskFactory = {
  name: NAME,
  spec,
  async create(options: Options) {
    return new PointMaze(spec(options), resolve(options));
  },
};
