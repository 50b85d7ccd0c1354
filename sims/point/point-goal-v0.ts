/**
 * PointGoal-v0 — a point mass that must find a hidden goal on a semicircle:
 * the task family of meta-reinforcement learning (MAML's 2-D navigation,
 * MAESN's point robot, seed 004).
 *
 * One task of the family is one goal. The goal is NOT observed: an agent learns
 * which task it is in from rewards only, which is what meta-learners adapt to.
 * A meta-learner picks the task with the `goal_angle` (or `goal`) reset option;
 * meta-training uses the dense reward, meta-testing the sparse one.
 *
 * ## Action space
 * | index | action                   | min | max |
 * |-------|--------------------------|-----|-----|
 * | 0     | velocity command along x | −1  | 1   |
 * | 1     | velocity command along y | −1  | 1   |
 * Out-of-range actions are clipped to [−1, 1].
 *
 * ## Observation space
 * | key         | shape | contents                     |
 * |-------------|-------|------------------------------|
 * | observation | [4]   | position x, y; velocity x, y |
 *
 * ## Dynamics
 * velocity ← action·0.1 per step (no inertia); position ← clip(position + velocity, −1.5, 1.5).
 *
 * ## Reward
 * `reward_type` "dense" (default, meta-training): −‖position − goal‖.
 * "sparse" (meta-testing): 1 on a step that ends within `success_radius` of
 * the goal, else 0 — nothing tells the agent where the goal is until it gets there.
 * Success: within `success_radius` (default 0.2) of the goal.
 *
 * ## Episode end
 * Never terminates; TRUNCATED after `max_episode_steps` (default 30).
 *
 * ## Starting state
 * Position uniform in [−0.05, 0.05]², velocity 0. Goal (cos θ, sin θ) with θ
 * uniform in [0, π] from the reset's random stream, or given: `goal_angle`
 * θ ∈ [0, π], or `goal` (x, y) anywhere in [−1.5, 1.5]².
 *
 * ## Info
 * `distance`: ‖position − goal‖ after the step.
 *
 * ## Version history
 * - v0: initial version.
 */
import { SimbridgeError } from "../../src/core/errors.js";
import { clip, listText, quote } from "../../src/core/quote.js";
import { Rng } from "../../src/core/rng.js";
import { boundedSpec } from "../../src/env/spec.js";
import { newTaskStep, StepStatus, type Options, type Task, type TaskFactory, type TaskSpec, type TaskStep } from "../../src/env/task.js";
import { declareView } from "../../src/viewer/view-source.js";
import { ball, planarView } from "./point-views.js";

const MAX_SPEED = 0.1;
const ARENA = 1.5;

type RewardType = "sparse" | "dense";

interface GoalOptions {
  readonly rewardType: RewardType;
  readonly successRadius: number;
}

function goalOptions(options: Options): GoalOptions & { readonly steps: number } {
  const steps = options["max_episode_steps"] ?? 30;
  if (typeof steps !== "number" || !Number.isInteger(steps) || steps < 1) {
    throw SimbridgeError.invalidArgument(`options.max_episode_steps: must be a positive integer, got ${typeof steps === "string" ? quote(steps) : clip(String(steps))}`, "options.max_episode_steps");
  }
  const rewardType = options["reward_type"] ?? "dense";
  if (rewardType !== "sparse" && rewardType !== "dense") {
    throw SimbridgeError.invalidArgument(`options.reward_type: expected sparse or dense, got ${typeof rewardType === "string" ? quote(rewardType) : clip(String(rewardType))}`, "options.reward_type");
  }
  const successRadius = options["success_radius"] ?? 0.2;
  if (typeof successRadius !== "number" || !(successRadius > 0 && successRadius <= 1)) {
    throw SimbridgeError.invalidArgument(`options.success_radius: expected a number in (0, 1], got ${typeof successRadius === "string" ? quote(successRadius) : clip(String(successRadius))}`, "options.success_radius");
  }
  return { steps, rewardType, successRadius };
}

function spec(options: Options): TaskSpec {
  const { steps } = goalOptions(options);
  return {
    name: "PointGoal-v0",
    description: "A point mass finding a hidden goal on a semicircle (one task per goal): the meta-learning family; dense or sparse reward, pure TypeScript.",
    observations: [boundedSpec("observation", [4], [-ARENA, -ARENA, -MAX_SPEED, -MAX_SPEED], [ARENA, ARENA, MAX_SPEED, MAX_SPEED])],
    action: boundedSpec("action", [2], -1, 1),
    hasReward: true,
    goalConditioned: false,
    blackBox: false,
    maxEpisodeSteps: steps,
    controlDt: 0.05,
    infoKeys: ["distance"],
    makeOptions: [
      { name: "max_episode_steps", type: "number", doc: "Steps until the episode is truncated.", default: 30 },
      { name: "reward_type", type: "string", doc: "dense: −distance to the goal (meta-training); sparse: 1 within success_radius of the goal, else 0 (meta-testing).", default: "dense" },
      { name: "success_radius", type: "number", doc: "Distance to the goal that counts as reaching it, in (0, 1].", default: 0.2 },
    ],
    resetOptions: [
      { name: "goal_angle", type: "number", doc: "The task: goal at (cos θ, sin θ), θ in [0, π]." },
      { name: "goal", type: "tensor", doc: "The task as a goal position (x, y) in [−1.5, 1.5]² (instead of goal_angle)." },
    ],
  };
}

/** The reward of a step ending at distance `d` from the goal. */
export function pointGoalReward(d: number, options: GoalOptions): number {
  return options.rewardType === "dense" ? -d : d < options.successRadius ? 1 : 0;
}

class PointGoal implements Task {
  readonly out: TaskStep;
  private readonly rng = new Rng();
  private x = 0;
  private y = 0;
  private vx = 0;
  private vy = 0;
  private gx = 1;
  private gy = 0;
  private t = 0;

  constructor(
    readonly spec: TaskSpec,
    private readonly options: GoalOptions,
  ) {
    this.out = newTaskStep(spec);
    declareView(this.out.observations, planarView(this.out.observations, { halfExtent: ARENA, center: [0, 0], walls: [], bodies: [{ name: "point", geom: ball(0.05), xIndex: 0, yIndex: 1 }] }, options.successRadius));
  }

  validateResetOptions(options: Options): void {
    const angle = options["goal_angle"];
    const goal = options["goal"];
    if (angle !== undefined && goal !== undefined) throw SimbridgeError.invalidArgument("options: give goal_angle or goal, not both", "options.goal");
    if (angle !== undefined && (typeof angle !== "number" || !(angle >= 0 && angle <= Math.PI))) {
      throw SimbridgeError.invalidArgument(`options.goal_angle: expected a number in [0, π], got ${typeof angle === "string" ? quote(angle) : clip(String(angle))}`, "options.goal_angle");
    }
    if (goal !== undefined && !(goal instanceof Float64Array && goal.length === 2 && Math.abs(goal[0]!) <= ARENA && Math.abs(goal[1]!) <= ARENA)) {
      throw SimbridgeError.invalidArgument(`options.goal: expected 2 values in [−1.5, 1.5], got ${goal instanceof Float64Array ? listText(goal) : clip(String(goal))}`, "options.goal");
    }
  }

  reset(seed: number | undefined, options: Options): void {
    this.validateResetOptions(options);
    if (seed !== undefined) this.rng.seed(seed);
    this.x = this.rng.uniformRange(-0.05, 0.05);
    this.y = this.rng.uniformRange(-0.05, 0.05);
    this.vx = this.vy = 0;
    const goal = options["goal"];
    if (goal instanceof Float64Array) {
      this.gx = goal[0]!;
      this.gy = goal[1]!;
    } else {
      const angle = typeof options["goal_angle"] === "number" ? options["goal_angle"] : this.rng.uniformRange(0, Math.PI);
      this.gx = Math.cos(angle);
      this.gy = Math.sin(angle);
    }
    this.t = 0;
    this.write(0, StepStatus.RUNNING);
  }

  step(action: Float32Array): void {
    this.vx = Math.max(-1, Math.min(1, action[0]!)) * MAX_SPEED;
    this.vy = Math.max(-1, Math.min(1, action[1]!)) * MAX_SPEED;
    this.x = Math.max(-ARENA, Math.min(ARENA, this.x + this.vx));
    this.y = Math.max(-ARENA, Math.min(ARENA, this.y + this.vy));
    this.t++;
    this.write(pointGoalReward(this.distance(), this.options), this.t >= this.spec.maxEpisodeSteps ? StepStatus.TRUNCATED : StepStatus.RUNNING);
  }

  close(): void {}

  private distance(): number {
    return Math.hypot(this.x - this.gx, this.y - this.gy);
  }

  private write(reward: number, status: StepStatus): void {
    const obs = this.out.observations[0]!;
    obs[0] = this.x;
    obs[1] = this.y;
    obs[2] = this.vx;
    obs[3] = this.vy;
    this.out.reward = reward;
    this.out.status = status;
    this.out.isSuccess = this.distance() < this.options.successRadius;
    this.out.info[0] = this.distance();
  }
}

export const pointGoalV0: TaskFactory = {
  name: "PointGoal-v0",
  spec,
  async create(options: Options) {
    return new PointGoal(spec(options), goalOptions(options));
  },
};
