/**
 * # ReacherGoal-v0
 *
 * The Reacher arm (same model, dynamics and starting state as `Reacher-v5`) as
 * a goal-conditioned task with a sparse reward, in the style of Gymnasium
 * Robotics' Fetch tasks: the agent sees its own state and a desired goal
 * (where the target is), the environment reports the achieved goal (where the
 * fingertip is), and the reward only says whether the two are within
 * `distance_threshold` (0.05 m, as Fetch and dm_control's "reacher easy").
 * White box: `computeReward(achieved, desired)` gives the reward of any goal
 * pair, which is what hindsight relabelling (HER) needs.
 *
 * ## Action space
 * `Box(-1, 1, (2,), float32)`, as Reacher-v5:
 *
 * | # | action                               | min | max | joint  |
 * |---|--------------------------------------|-----|-----|--------|
 * | 0 | torque on the shoulder (first hinge) | -1  | 1   | joint0 |
 * | 1 | torque on the elbow (second hinge)   | -1  | 1   | joint1 |
 *
 * Out-of-range actions are **clipped** to [-1, 1].
 *
 * ## Observation space
 * Three tensors, all float32 and unbounded.
 *
 * `observation` (6) — the arm only; it never contains the target:
 *
 * | # | observation                      | unit                     |
 * |---|----------------------------------|--------------------------|
 * | 0 | cos of the shoulder angle        | unitless                 |
 * | 1 | cos of the elbow angle           | unitless                 |
 * | 2 | sin of the shoulder angle        | unitless                 |
 * | 3 | sin of the elbow angle           | unitless                 |
 * | 4 | angular velocity of the shoulder | angular velocity (rad/s) |
 * | 5 | angular velocity of the elbow    | angular velocity (rad/s) |
 *
 * `achieved_goal` (2): fingertip (x, y) in m, from forward kinematics of the
 * current joint angles (so it is exact for the state, unlike Reacher-v5's
 * positions, which lag behind by MuJoCo's last integrator stage).
 *
 * `desired_goal` (2): target (x, y) in m. Constant through an episode.
 *
 * ## Rewards
 * `computeReward(achieved, desired) = 0` when `‖achieved − desired‖ <
 * distance_threshold`, else `−1`. The reward of a step is exactly
 * `computeReward(achieved_goal, desired_goal)` evaluated on the float32 values
 * in the step's observation, so relabelled rewards always agree with the
 * environment's. `isSuccess` is true when the reward is 0.
 * Info: `distance` (the same ‖achieved − desired‖) and `is_success` (1 or 0).
 *
 * ## Starting state
 * As Reacher-v5: arm angles `U(−0.1, 0.1)`, arm velocities `U(−0.005, 0.005)`,
 * target uniform in the disc of radius 0.2 — or at the reset option `goal`.
 * An episode may start already successful; nothing rejects such starts.
 *
 * ## Episode end
 * - Termination: never — reaching the goal does not end the episode (as Fetch);
 *   the agent is expected to stay there.
 * - Truncation: after 50 control steps (TRUNCATED).
 *
 * ## Physics
 * Timestep 0.01 s, RK4, frame skip 2: one control step is 0.02 s.
 *
 * ## Options
 * Make option `distance_threshold` (default 0.05). Reset option `goal`: a
 * tensor (Float64Array) of 2, the target (x, y); each coordinate must lie in
 * the target joints' range [−0.27, 0.27] (the arm reaches 0.21 from the origin).
 *
 * ## Version history
 * - v0 (simbridge 0.1): first version.
 */
import { boundedSpec, unboundedSpec } from "../../src/env/spec.js";
import type { Options, OptionSpec, TaskFactory, TaskSpec } from "../../src/env/task.js";
import { REACHER_XML } from "./assets/reacher-xml.js";
import type { MjSim } from "./mujoco-runtime.js";
import type { MujocoViewHints } from "./mujoco-view.js";
import { MujocoTask, makeSim } from "./mujoco-task.js";
import { ResolvedOptions } from "./options.js";
import { REACHER_FRAME_SKIP, REACHER_MAX_STEPS, REACHER_TIMESTEP, reacherStartState } from "./reacher-v5.js";

const NAME = "ReacherGoal-v0";
/** Range of the target's slide joints (m). */
const TARGET_RANGE = 0.27;

const MAKE_OPTIONS: readonly OptionSpec[] = [
  { name: "distance_threshold", type: "number", default: 0.05, doc: "Success when ‖fingertip − target‖ is below this (m)." },
];
const RESET_OPTIONS: readonly OptionSpec[] = [
  { name: "goal", type: "tensor", doc: "Target (x, y) for this episode, 2 values in [−0.27, 0.27]; drawn from the disc of radius 0.2 when absent." },
];

function reacherGoalSpec(): TaskSpec {
  return {
    name: NAME,
    description:
      "Goal-conditioned Reacher: move the fingertip (achieved_goal) within 0.05 of the target (desired_goal); " +
      "sparse reward −1/0 with computeReward, 50 steps, success does not end the episode.",
    observations: [unboundedSpec("observation", [6]), unboundedSpec("achieved_goal", [2]), unboundedSpec("desired_goal", [2])],
    action: boundedSpec("action", [2], -1, 1),
    hasReward: true,
    goalConditioned: true,
    blackBox: false,
    hasRewardFunction: true,
    maxEpisodeSteps: REACHER_MAX_STEPS,
    controlDt: REACHER_TIMESTEP * REACHER_FRAME_SKIP,
    infoKeys: ["distance", "is_success"],
    makeOptions: MAKE_OPTIONS,
    resetOptions: RESET_OPTIONS,
  };
}

export class ReacherGoalV0 extends MujocoTask {
  readonly distanceThreshold: number;
  private readonly fingertip: number;

  constructor(sim: MjSim, options: ResolvedOptions) {
    super(reacherGoalSpec(), sim, REACHER_FRAME_SKIP);
    this.distanceThreshold = options.number("distance_threshold");
    this.fingertip = sim.id("body", "fingertip");
  }

  /** The arena is 0.4 m across; goals are drawn at the fingertip's height. */
  protected override viewHints(): MujocoViewHints {
    return { goalZ: 0.01, markerRadius: 0.012, cameraTarget: [0, 0, 0], cameraDistance: 0.75 };
  }

  /** 0 when ‖achieved − desired‖ < distance_threshold, else −1 (first two elements of each). */
  computeReward(achieved: ArrayLike<number>, desired: ArrayLike<number>): number {
    return goalDistance(achieved, desired) < this.distanceThreshold ? 0 : -1;
  }

  protected override checkResetValues(options: ResolvedOptions): void {
    const goal = options.tensor("goal");
    if (goal !== undefined) {
      options.require(goal.length === 2, "goal", `must have 2 values (x, y), got ${goal.length}`);
      options.require(
        Math.abs(goal[0]!) <= TARGET_RANGE && Math.abs(goal[1]!) <= TARGET_RANGE,
        "goal",
        `must lie in [−${TARGET_RANGE}, ${TARGET_RANGE}]², got (${goal[0]}, ${goal[1]})`,
      );
    }
  }

  protected startEpisode(options: ResolvedOptions): void {
    reacherStartState(this.sim, this.rng, options.tensor("goal"));
    this.afterPhysics();
  }

  protected afterPhysics(): void {
    const distance = writeReacherGoalObservations(this.sim, this.fingertip, this.out);
    const out = this.out;
    out.reward = distance < this.distanceThreshold ? 0 : -1;
    out.isSuccess = out.reward === 0;
    out.info[0] = distance;
    out.info[1] = out.isSuccess ? 1 : 0;
  }
}

/**
 * The goal-conditioned Reacher's tensors from the sim's current qpos (the target's
 * x, y in qpos[2..3]): observation (cos, sin and velocity of both joints),
 * achieved_goal (the fingertip's x, y), desired_goal (the target's). Returns
 * their distance. Shared by ReacherGoal-v0 and ReacherMoving-v0.
 */
export function writeReacherGoalObservations(sim: MjSim, fingertip: number, out: { readonly observations: readonly Float32Array[] }): number {
  sim.kinematics(); // body positions of the current qpos (see achieved_goal)
  const { qpos, qvel, xpos } = sim;
  const o = out.observations[0]!;
  o[0] = Math.cos(qpos[0]!);
  o[1] = Math.cos(qpos[1]!);
  o[2] = Math.sin(qpos[0]!);
  o[3] = Math.sin(qpos[1]!);
  o[4] = qvel[0]!;
  o[5] = qvel[1]!;
  const achieved = out.observations[1]!;
  const desired = out.observations[2]!;
  const f = 3 * fingertip;
  achieved[0] = xpos[f]!;
  achieved[1] = xpos[f + 1]!;
  desired[0] = qpos[2]!;
  desired[1] = qpos[3]!;
  return goalDistance(achieved, desired);
}

/** Euclidean distance of the first two elements (x, y). */
export function goalDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const dx = a[0]! - b[0]!;
  const dy = a[1]! - b[1]!;
  return Math.sqrt(dx * dx + dy * dy);
}

function resolveMakeOptions(options: Options): ResolvedOptions {
  const resolved = ResolvedOptions.resolve(NAME, "make", MAKE_OPTIONS, options);
  resolved.require(resolved.number("distance_threshold") > 0, "distance_threshold", "must be positive");
  return resolved;
}

export const reacherGoalV0Factory: TaskFactory = {
  name: NAME,
  spec(options: Options): TaskSpec {
    resolveMakeOptions(options);
    return reacherGoalSpec();
  },
  async create(options: Options): Promise<ReacherGoalV0> {
    const resolved = resolveMakeOptions(options);
    const sim = await makeSim(NAME, REACHER_XML);
    try {
      return new ReacherGoalV0(sim, resolved);
    } catch (e) {
      sim.close();
      throw e;
    }
  },
};
