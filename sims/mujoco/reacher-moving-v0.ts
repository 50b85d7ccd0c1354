/**
 * # ReacherMoving-v0
 *
 * Unity ML-Agents' *Reacher* rebuilt on MuJoCo: a double-jointed arm whose hand
 * (the fingertip) must stay inside a target that keeps moving around it. One
 * arm per env; Unity's benchmark runs 20 arms side by side, here 20 envs.
 *
 * The arm, its dynamics and its starting pose are those of `Reacher-v5` and
 * `ReacherGoal-v0` (same model, `assets/reacher-xml.ts`); the task is
 * goal-conditioned exactly like ReacherGoal-v0 (same three tensors, a white-box
 * `computeReward`), so HER and GAHIL apply unchanged. What differs is the
 * target, the reward and the episode length, taken from Unity's Reacher:
 *
 * | Unity ML-Agents Reacher                               | ReacherMoving-v0                                       |
 * |-------------------------------------------------------|--------------------------------------------------------|
 * | target circles the arm's base, orbit fixed (8 units)  | orbit radius drawn per episode, U(0.05, 0.19) m         |
 * | start angle U(0°, 360°)                               | start angle U(−π, π)                                   |
 * | angular speed U(−1, 1)·goal_speed degrees per step    | speed U(0.2, 1) rad/s, direction ± with probability ½  |
 * | +0.1 for each step the hand is inside the goal        | +0.1 for each step the fingertip is within 0.05 m      |
 * | 1000 steps per episode                                | TRUNCATED after 1000 control steps (20 s simulated)    |
 * | solved: mean score ≥ 30 over 100 episodes (all arms)  | the same criterion applies (at most 100 per episode)   |
 *
 * Unity's speeds include ~0 (a static target); here every episode's target
 * moves (at least 0.2 rad/s, i.e. ≥ 4 rad over an episode), half of them
 * clockwise and half counter-clockwise, so that a policy must track it. The
 * defaults put the fastest target at 1 rad/s (1.15° per step, a little above
 * Unity's 1° per step), at most 0.19 · 1 · 0.02 = 0.0038 m per step.
 *
 * ## Action space
 * `Box(-1, 1, (2,), float32)`, as Reacher-v5 (Unity's 3-D arm has 4 torques;
 * this planar arm has one per hinge):
 *
 * | # | action                               | min | max | joint  |
 * |---|--------------------------------------|-----|-----|--------|
 * | 0 | torque on the shoulder (first hinge) | -1  | 1   | joint0 |
 * | 1 | torque on the elbow (second hinge)   | -1  | 1   | joint1 |
 *
 * Out-of-range actions are **clipped** to [-1, 1].
 *
 * ## Observation space
 * Three tensors, all float32 and unbounded (10 values):
 *
 * `observation` (6) — the arm only, as ReacherGoal-v0; it never contains the target:
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
 * current joint angles.
 *
 * `desired_goal` (2): the target's (x, y) in m **now** — it changes every step.
 *
 * Unity also observes the goal's speed. It is left out here so that the
 * observation says nothing about the target (what makes hindsight goals
 * consistent, see "Hindsight goals"); the target moves at most 0.0038 m per
 * step against a 0.05 m radius, so following its current position is enough,
 * and an agent that wants the velocity can difference consecutive desired goals.
 *
 * ## Target motion
 * At reset: orbit radius `ρ ~ U(target_orbit_min, target_orbit_max)`, start
 * angle `φ ~ U(−π, π)`, speed `|ω| ~ U(target_speed_min, target_speed_max)` and
 * a direction (counter-clockwise, seen from +z, with probability ½), in that
 * order from the task's seeded stream; the reset options below replace any of
 * them (the draws happen anyway, so the others keep their values for a seed).
 * After control step k (k = 0 at reset) the target is at
 *
 *     θ_k = φ + ω · k · 0.02,   target = ρ · (cos θ_k, sin θ_k)
 *
 * computed from k (nothing accumulates). The circle is centred on the shoulder,
 * within the arm's reach (0.21 m). The target is kinematic: its slide joints are
 * set after each physics step, with zero velocity; it touches nothing, so it
 * never changes the arm's physics.
 *
 * ## Rewards
 * `computeReward(achieved, desired) = 0.1` when `‖achieved − desired‖ <
 * distance_threshold` (the target's radius), else `0`. The reward of a step is
 * exactly `computeReward(achieved_goal, desired_goal)` on the float32 values in
 * the step's own observation: the fingertip and the target both after the step.
 * `isSuccess` is true when the fingertip is inside (reward 0.1). A reset
 * reports reward 0 (no step was taken); its success and `distance` describe
 * the starting state. Info: `distance` (‖achieved − desired‖) and `is_success`
 * (1 or 0). The episode's score (Unity's) is the sum of its step rewards.
 *
 * ## Hindsight goals
 * HER relabelling with achieved positions stays valid: the reward depends only
 * on (achieved goal, desired goal), and the arm's dynamics and observation do
 * not depend on the target at all. A stored step (s_t, a_t, s_{t+1}) paired with
 * a hindsight goal g′ is therefore a real step of the same arm chasing a target
 * that stands still at g′, and `computeReward(achieved_{t+1}, g′)` is exactly
 * the reward that step would have earned. Relabelled samples teach reaching
 * static goals; real ones teach following moving ones.
 *
 * One caveat for storage that keeps a single desired goal per transition (the
 * one observed before the step, as `src/replay/her-buffer.ts` does): the step's
 * real reward is judged against the desired goal *after* the step, which has
 * moved by up to 0.0038 m (defaults). Rescoring a real transition with the
 * pre-step desired goal can differ from the env's reward when the fingertip is
 * within that distance of the target's edge; the stored env reward (or a buffer
 * that keeps the next desired goal) is exact.
 *
 * ## Starting state
 * As Reacher-v5: arm angles `U(−0.1, 0.1)`, arm velocities `U(−0.005, 0.005)`;
 * the target as above. An episode may start with the fingertip inside.
 *
 * ## Episode end
 * - Termination: never — the target keeps moving and the arm should stay on it.
 * - Truncation: after `max_episode_steps` control steps (default 1000; TRUNCATED).
 *
 * ## Physics
 * Timestep 0.01 s, RK4, frame skip 2: one control step is 0.02 s.
 *
 * ## Options
 * Make options (checked when envs are made; INVALID_ARGUMENT naming the option):
 *
 * | option             | default | meaning                                                  | valid            |
 * |--------------------|---------|----------------------------------------------------------|------------------|
 * | max_episode_steps  | 1000    | steps until TRUNCATED                                    | integer ≥ 1      |
 * | distance_threshold | 0.05    | target radius: reward 0.1 / success below it (m)          | > 0              |
 * | target_speed_min   | 0.2     | smallest \|ω\| drawn (rad/s)                               | [0, 10]          |
 * | target_speed_max   | 1       | largest \|ω\| drawn (rad/s)                                | [min, 10]        |
 * | target_orbit_min   | 0.05    | smallest orbit radius drawn (m)                          | [0, 0.21]        |
 * | target_orbit_max   | 0.19    | largest orbit radius drawn (m)                           | [min, 0.21]      |
 *
 * (`max_episode_steps` is the name PointReach-v0 and the Python Cart2D-v0 use
 * for the same thing.) Reset options, each optional, for evaluation and tests:
 * `target_orbit` (m, [0, 0.21]), `target_angle` (rad, the angle at reset, any
 * finite value), `target_angular_velocity` (rad/s, signed, positive is
 * counter-clockwise, |ω| ≤ 10).
 *
 * ## Version history
 * - v0 (simbridge 0.1): first version.
 */
import { boundedSpec, unboundedSpec } from "../../src/env/spec.js";
import type { Options, OptionSpec, TaskFactory, TaskSpec } from "../../src/env/task.js";
import { REACHER_XML } from "./assets/reacher-xml.js";
import type { MjSim } from "./mujoco-runtime.js";
import { MujocoTask, makeSim } from "./mujoco-task.js";
import { ResolvedOptions } from "./options.js";
import { goalDistance, writeReacherGoalObservations } from "./reacher-goal-v0.js";
import { REACHER_FRAME_SKIP, REACHER_TIMESTEP, reacherStartState } from "./reacher-v5.js";

const NAME = "ReacherMoving-v0";
/** Simulated seconds per control step. */
const CONTROL_DT = REACHER_TIMESTEP * REACHER_FRAME_SKIP;
/** Reward of a step with the fingertip inside the target (Unity's Reacher). */
export const REACHER_MOVING_STEP_REWARD = 0.1;
/** Farthest the fingertip gets from the shoulder: link 0.1 m + fingertip 0.11 m. */
const ARM_REACH = 0.21;
/** Largest target angular speed any option may ask for (rad/s): 0.2 rad per step. */
const MAX_TARGET_SPEED = 10;

const MAKE_OPTIONS: readonly OptionSpec[] = [
  { name: "max_episode_steps", type: "number", default: 1000, doc: "Control steps until TRUNCATED (integer ≥ 1)." },
  { name: "distance_threshold", type: "number", default: 0.05, doc: "The target's radius: reward 0.1 and success when ‖fingertip − target‖ is below this (m)." },
  { name: "target_speed_min", type: "number", default: 0.2, doc: "Smallest angular speed |ω| of the target drawn per episode (rad/s), in [0, 10]." },
  { name: "target_speed_max", type: "number", default: 1, doc: "Largest angular speed |ω| of the target drawn per episode (rad/s), in [target_speed_min, 10]." },
  { name: "target_orbit_min", type: "number", default: 0.05, doc: "Smallest radius of the target's circle around the shoulder drawn per episode (m), in [0, 0.21]." },
  { name: "target_orbit_max", type: "number", default: 0.19, doc: "Largest radius of the target's circle drawn per episode (m), in [target_orbit_min, 0.21]." },
];
const RESET_OPTIONS: readonly OptionSpec[] = [
  { name: "target_orbit", type: "number", doc: "Radius of the target's circle for this episode (m), in [0, 0.21]; drawn when absent." },
  { name: "target_angle", type: "number", doc: "The target's angle at reset (rad); drawn from U(−π, π) when absent." },
  { name: "target_angular_velocity", type: "number", doc: "The target's angular velocity for this episode (rad/s, positive = counter-clockwise), |ω| ≤ 10; drawn when absent." },
];

function reacherMovingSpec(maxSteps: number): TaskSpec {
  return {
    name: NAME,
    description:
      "Unity ML-Agents' Reacher on MuJoCo, goal-conditioned: keep the fingertip (achieved_goal) within 0.05 of a target " +
      "(desired_goal) that circles the shoulder; +0.1 per step inside with computeReward, 1000 steps, solved at a mean score of 30.",
    observations: [unboundedSpec("observation", [6]), unboundedSpec("achieved_goal", [2]), unboundedSpec("desired_goal", [2])],
    action: boundedSpec("action", [2], -1, 1),
    hasReward: true,
    goalConditioned: true,
    blackBox: false,
    hasRewardFunction: true,
    maxEpisodeSteps: maxSteps,
    controlDt: CONTROL_DT,
    infoKeys: ["distance", "is_success"],
    makeOptions: MAKE_OPTIONS,
    resetOptions: RESET_OPTIONS,
  };
}

export class ReacherMovingV0 extends MujocoTask {
  readonly distanceThreshold: number;
  private readonly speedMin: number;
  private readonly speedMax: number;
  private readonly orbitMin: number;
  private readonly orbitMax: number;
  private readonly fingertip: number;
  // This episode's circle (see "Target motion").
  private orbit = 0;
  private angle0 = 0;
  private angularVelocity = 0;

  constructor(sim: MjSim, options: ResolvedOptions) {
    super(reacherMovingSpec(options.number("max_episode_steps")), sim, REACHER_FRAME_SKIP);
    this.distanceThreshold = options.number("distance_threshold");
    this.speedMin = options.number("target_speed_min");
    this.speedMax = options.number("target_speed_max");
    this.orbitMin = options.number("target_orbit_min");
    this.orbitMax = options.number("target_orbit_max");
    this.fingertip = sim.id("body", "fingertip");
  }

  /** 0.1 when ‖achieved − desired‖ < distance_threshold, else 0 (first two elements of each). */
  computeReward(achieved: ArrayLike<number>, desired: ArrayLike<number>): number {
    return goalDistance(achieved, desired) < this.distanceThreshold ? REACHER_MOVING_STEP_REWARD : 0;
  }

  /** This episode's target circle: orbit radius (m), angle at reset (rad), angular velocity (rad/s). */
  targetMotion(): { readonly orbit: number; readonly angle: number; readonly angularVelocity: number } {
    return { orbit: this.orbit, angle: this.angle0, angularVelocity: this.angularVelocity };
  }

  protected override checkResetValues(options: ResolvedOptions): void {
    if (options.has("target_orbit")) {
      const r = options.number("target_orbit");
      options.require(r >= 0 && r <= ARM_REACH, "target_orbit", `must lie in [0, ${ARM_REACH}] (the arm's reach, m), got ${r}`);
    }
    if (options.has("target_angular_velocity")) {
      const w = options.number("target_angular_velocity");
      options.require(Math.abs(w) <= MAX_TARGET_SPEED, "target_angular_velocity", `must lie in [−${MAX_TARGET_SPEED}, ${MAX_TARGET_SPEED}] rad/s, got ${w}`);
    }
  }

  protected startEpisode(options: ResolvedOptions): void {
    const rng = this.rng;
    // Always the same four draws, so that a reset option leaves the others as they were.
    const orbit = rng.uniformRange(this.orbitMin, this.orbitMax);
    const angle = rng.uniformRange(-Math.PI, Math.PI);
    const speed = rng.uniformRange(this.speedMin, this.speedMax);
    const direction = rng.uniform() < 0.5 ? 1 : -1;
    this.orbit = options.has("target_orbit") ? options.number("target_orbit") : orbit;
    this.angle0 = options.has("target_angle") ? options.number("target_angle") : angle;
    this.angularVelocity = options.has("target_angular_velocity") ? options.number("target_angular_velocity") : direction * speed;
    const x0 = this.orbit * Math.cos(this.angle0);
    const y0 = this.orbit * Math.sin(this.angle0);
    reacherStartState(this.sim, rng, [x0, y0]);
    this.afterPhysics();
    this.out.reward = 0; // no step was taken
  }

  protected afterPhysics(): void {
    const sim = this.sim;
    const { qpos, qvel } = sim;
    const theta = this.angle0 + this.angularVelocity * this.steps * CONTROL_DT;
    qpos[2] = this.orbit * Math.cos(theta);
    qpos[3] = this.orbit * Math.sin(theta);
    qvel[2] = 0;
    qvel[3] = 0;
    const distance = writeReacherGoalObservations(sim, this.fingertip, this.out); // fingertip and the moved target
    const out = this.out;
    out.isSuccess = distance < this.distanceThreshold;
    out.reward = out.isSuccess ? REACHER_MOVING_STEP_REWARD : 0;
    out.info[0] = distance;
    out.info[1] = out.isSuccess ? 1 : 0;
  }
}

function resolveMakeOptions(options: Options): ResolvedOptions {
  const o = ResolvedOptions.resolve(NAME, "make", MAKE_OPTIONS, options);
  const steps = o.number("max_episode_steps");
  o.require(Number.isSafeInteger(steps) && steps >= 1, "max_episode_steps", `must be an integer ≥ 1, got ${steps}`);
  o.require(o.number("distance_threshold") > 0, "distance_threshold", `must be positive, got ${o.number("distance_threshold")}`);
  const sMin = o.number("target_speed_min");
  const sMax = o.number("target_speed_max");
  o.require(sMin >= 0 && sMin <= MAX_TARGET_SPEED, "target_speed_min", `must lie in [0, ${MAX_TARGET_SPEED}] rad/s, got ${sMin}`);
  o.require(sMax >= sMin && sMax <= MAX_TARGET_SPEED, "target_speed_max", `must lie in [target_speed_min = ${sMin}, ${MAX_TARGET_SPEED}] rad/s, got ${sMax}`);
  const rMin = o.number("target_orbit_min");
  const rMax = o.number("target_orbit_max");
  o.require(rMin >= 0 && rMin <= ARM_REACH, "target_orbit_min", `must lie in [0, ${ARM_REACH}] (the arm's reach, m), got ${rMin}`);
  o.require(rMax >= rMin && rMax <= ARM_REACH, "target_orbit_max", `must lie in [target_orbit_min = ${rMin}, ${ARM_REACH}] (the arm's reach, m), got ${rMax}`);
  return o;
}

export const reacherMovingV0Factory: TaskFactory = {
  name: NAME,
  spec(options: Options): TaskSpec {
    return reacherMovingSpec(resolveMakeOptions(options).number("max_episode_steps"));
  },
  async create(options: Options): Promise<ReacherMovingV0> {
    const resolved = resolveMakeOptions(options);
    const sim = await makeSim(NAME, REACHER_XML);
    try {
      return new ReacherMovingV0(sim, resolved);
    } catch (e) {
      sim.close();
      throw e;
    }
  },
};
