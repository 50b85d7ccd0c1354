/**
 * PointReach-v0 — a point mass in the plane that must reach a goal.
 *
 * A pure-TypeScript task with no physics engine: tiny, fast and exact, for
 * protocol tests, smoke-training runs and as the simplest example of how to
 * write a task. Goal-conditioned, with the same layout as ReacherGoal-v0.
 *
 * ## Action space
 * | index | action                  | min | max |
 * |-------|-------------------------|-----|-----|
 * | 0     | velocity command along x | −1  | 1   |
 * | 1     | velocity command along y | −1  | 1   |
 * Out-of-range actions are clipped to [−1, 1].
 *
 * ## Observation space
 * | key           | shape | contents                                  |
 * |---------------|-------|-------------------------------------------|
 * | observation   | [4]   | position x, y; velocity x, y              |
 * | achieved_goal | [2]   | position x, y                             |
 * | desired_goal  | [2]   | goal x, y                                 |
 *
 * ## Dynamics
 * velocity ← action·max_speed (max_speed 0.1 per step, no inertia);
 * position ← clip(position + velocity, −1, 1).
 *
 * ## Reward
 * `reward_type` "sparse" (default): −1 while ‖position − goal‖ ≥ 0.05, 0 once
 * within it. "dense": −‖position − goal‖ (as Gymnasium-Robotics' dense Fetch
 * variants; for learners without hindsight goals, e.g. PPO).
 * `computeReward(achieved, desired)` gives the same function. Success is
 * always distance < 0.05.
 *
 * ## Episode end
 * Never terminates; TRUNCATED after `max_episode_steps` (default 30).
 *
 * ## Starting state
 * Position uniform in [−0.5, 0.5]², velocity 0; goal uniform in [−0.8, 0.8]²
 * (or the `goal` reset option).
 *
 * ## Info
 * `distance`: ‖position − goal‖ after the step.
 *
 * ## Version history
 * - v0: initial version; later the `reward_type` make option (default unchanged).
 */
import { SimbridgeError } from "../../src/core/errors.js";
import { clip, listText, quote } from "../../src/core/quote.js";
import { Rng } from "../../src/core/rng.js";
import { boundedSpec } from "../../src/env/spec.js";
import { newTaskStep, StepStatus, type Options, type Task, type TaskFactory, type TaskSpec, type TaskStep } from "../../src/env/task.js";
import { declareView } from "../../src/viewer/view-source.js";
import { ball, planarView } from "./point-views.js";

const MAX_SPEED = 0.1;
const THRESHOLD = 0.05;

function spec(options: Options): TaskSpec {
  const steps = options["max_episode_steps"] ?? 30;
  if (typeof steps !== "number" || !Number.isInteger(steps) || steps < 1) {
    throw SimbridgeError.invalidArgument(`options.max_episode_steps: must be a positive integer, got ${typeof steps === "string" ? quote(steps) : clip(String(steps))}`, "options.max_episode_steps");
  }
  rewardType(options);
  return {
    name: "PointReach-v0",
    description: "A point mass in the plane reaching a goal; sparse reward, goal-conditioned, pure TypeScript.",
    observations: [
      boundedSpec("observation", [4], [-1, -1, -MAX_SPEED, -MAX_SPEED], [1, 1, MAX_SPEED, MAX_SPEED]),
      boundedSpec("achieved_goal", [2], -1, 1),
      boundedSpec("desired_goal", [2], -1, 1),
    ],
    action: boundedSpec("action", [2], -1, 1),
    hasReward: true,
    goalConditioned: true,
    blackBox: false,
    hasRewardFunction: true,
    maxEpisodeSteps: steps,
    controlDt: 0.05,
    infoKeys: ["distance"],
    makeOptions: [
      { name: "max_episode_steps", type: "number", doc: "Steps until the episode is truncated.", default: 30 },
      { name: "reward_type", type: "string", doc: "sparse: −1 until within 0.05 of the goal, then 0; dense: −distance to the goal.", default: "sparse" },
    ],
    resetOptions: [{ name: "goal", type: "tensor", doc: "Goal position (x, y) in [−1, 1]² instead of a random one." }],
  };
}

type RewardType = "sparse" | "dense";

function rewardType(options: Options): RewardType {
  const t = options["reward_type"] ?? "sparse";
  if (t !== "sparse" && t !== "dense") throw SimbridgeError.invalidArgument(`options.reward_type: expected sparse or dense, got ${typeof t === "string" ? quote(t) : clip(String(t))}`, "options.reward_type");
  return t;
}

export function pointReachReward(achieved: ArrayLike<number>, desired: ArrayLike<number>, type: RewardType = "sparse"): number {
  const d = Math.hypot(achieved[0]! - desired[0]!, achieved[1]! - desired[1]!);
  return type === "dense" ? -d : d < THRESHOLD ? 0 : -1;
}

class PointReach implements Task {
  readonly out: TaskStep;
  private readonly rng = new Rng();
  private x = 0;
  private y = 0;
  private vx = 0;
  private vy = 0;
  private gx = 0;
  private gy = 0;
  private t = 0;

  constructor(
    readonly spec: TaskSpec,
    private readonly rewardType: RewardType,
  ) {
    this.out = newTaskStep(spec);
    declareView(this.out.observations, planarView(this.out.observations, { halfExtent: 1, center: [0, 0], walls: [], bodies: [{ name: "point", geom: ball(0.05), xIndex: 0, yIndex: 1 }] }, THRESHOLD));
  }

  validateResetOptions(options: Options): void {
    const goal = options["goal"];
    if (goal instanceof Float64Array && (goal.length !== 2 || Math.abs(goal[0]!) > 1 || Math.abs(goal[1]!) > 1)) {
      throw SimbridgeError.invalidArgument(`options.goal: expected 2 values in [−1, 1], got ${listText(goal)}`, "options.goal");
    }
  }

  reset(seed: number | undefined, options: Options): void {
    this.validateResetOptions(options);
    const goal = options["goal"];
    if (seed !== undefined) this.rng.seed(seed);
    this.x = this.rng.uniformRange(-0.5, 0.5);
    this.y = this.rng.uniformRange(-0.5, 0.5);
    this.vx = this.vy = 0;
    if (goal instanceof Float64Array) {
      this.gx = goal[0]!;
      this.gy = goal[1]!;
    } else {
      this.gx = this.rng.uniformRange(-0.8, 0.8);
      this.gy = this.rng.uniformRange(-0.8, 0.8);
    }
    this.t = 0;
    this.write(0, StepStatus.RUNNING);
  }

  step(action: Float32Array): void {
    const ax = Math.max(-1, Math.min(1, action[0]!));
    const ay = Math.max(-1, Math.min(1, action[1]!));
    this.vx = ax * MAX_SPEED;
    this.vy = ay * MAX_SPEED;
    this.x = Math.max(-1, Math.min(1, this.x + this.vx));
    this.y = Math.max(-1, Math.min(1, this.y + this.vy));
    this.t++;
    const reward = pointReachReward([this.x, this.y], [this.gx, this.gy], this.rewardType);
    this.write(reward, this.t >= this.spec.maxEpisodeSteps ? StepStatus.TRUNCATED : StepStatus.RUNNING);
  }

  computeReward(achieved: ArrayLike<number>, desired: ArrayLike<number>): number {
    return pointReachReward(achieved, desired, this.rewardType);
  }

  close(): void {}

  private reached(): boolean {
    return Math.hypot(this.x - this.gx, this.y - this.gy) < THRESHOLD;
  }

  private write(reward: number, status: StepStatus): void {
    const [obs, achieved, desired] = this.out.observations as [Float32Array, Float32Array, Float32Array];
    obs[0] = this.x;
    obs[1] = this.y;
    obs[2] = this.vx;
    obs[3] = this.vy;
    achieved[0] = this.x;
    achieved[1] = this.y;
    desired[0] = this.gx;
    desired[1] = this.gy;
    this.out.reward = reward;
    this.out.status = status;
    this.out.isSuccess = this.reached();
    this.out.info[0] = Math.hypot(this.x - this.gx, this.y - this.gy);
  }
}

export const pointReachV0: TaskFactory = {
  name: "PointReach-v0",
  spec,
  async create(options: Options) {
    return new PointReach(spec(options), rewardType(options));
  },
};
