/**
 * # Reacher-v5
 *
 * A two-jointed robot arm on a table. The goal is to move the arm's end (the
 * *fingertip*) close to a target that is spawned at a random position. Same
 * dynamics, observation, reward and episode length as Gymnasium's
 * `Reacher-v5` (`gymnasium/envs/mujoco/reacher_v5.py`), run by MuJoCo compiled
 * to WebAssembly. The model is `assets/reacher-xml.ts`.
 *
 * ## Action space
 * `Box(-1, 1, (2,), float32)`: torques on the two hinges (motor gear 200).
 *
 * | # | action                               | min | max | joint  | type        |
 * |---|--------------------------------------|-----|-----|--------|-------------|
 * | 0 | torque on the shoulder (first hinge) | -1  | 1   | joint0 | hinge (N·m) |
 * | 1 | torque on the elbow (second hinge)   | -1  | 1   | joint1 | hinge (N·m) |
 *
 * Out-of-range actions are **clipped** to [-1, 1] before they reach the motors,
 * and the control cost is computed on the clipped action. (Gymnasium charges
 * the unclipped action while MuJoCo clamps the control; the two agree for every
 * in-range action.)
 *
 * ## Observation space
 * One tensor `observation`, `Box(-inf, inf, (10,), float32)`:
 *
 * | #   | observation                                         | unit                 |
 * |-----|-----------------------------------------------------|----------------------|
 * | 0   | cos of the shoulder angle (joint0)                  | unitless             |
 * | 1   | cos of the elbow angle (joint1)                     | unitless             |
 * | 2   | sin of the shoulder angle                           | unitless             |
 * | 3   | sin of the elbow angle                              | unitless             |
 * | 4   | x of the target                                     | position (m)         |
 * | 5   | y of the target                                     | position (m)         |
 * | 6   | angular velocity of the shoulder                    | angular velocity (rad/s) |
 * | 7   | angular velocity of the elbow                       | angular velocity (rad/s) |
 * | 8   | x of fingertip − target                             | position (m)         |
 * | 9   | y of fingertip − target                             | position (m)         |
 *
 * Positions are MuJoCo's body positions `xpos` as they stand after the last
 * `mj_step` (as in Gymnasium, which reads `data.body(...).xpos`).
 *
 * ## Rewards
 * `reward = reward_dist + reward_ctrl`, with
 * - `reward_dist = −reward_dist_weight · ‖fingertip − target‖` (3-D distance
 *   between the two bodies; both are at z = 0.01 so it is the planar distance),
 * - `reward_ctrl = −reward_control_weight · ‖action‖²`.
 *
 * As in Gymnasium, `reward_dist` is measured **before** the physics of the step
 * runs (on the state the action is taken in), i.e. on the state of the previous
 * observation: it equals `−‖obs[8:10]‖` of the previous observation (up to
 * float32 rounding). Both terms are reported in `info`: `reward_dist`,
 * `reward_ctrl`. The task has no success signal (`isSuccess` stays false);
 * Gymnasium's reward threshold is −3.75.
 *
 * ## Starting state
 * - Arm joints: `qpos = qpos0 + U(−0.1, 0.1)` (qpos0 = 0), velocities `U(−0.005, 0.005)`.
 * - Target: uniform in the disc of radius 0.2 around the shoulder, by rejection
 *   sampling `U(−0.2, 0.2)²` until the norm is below 0.2; its velocity is 0.
 * All randomness comes from the task's seeded stream (`src/env/rng.ts`), so it
 * matches Gymnasium in distribution, not draw for draw.
 *
 * ## Episode end
 * - Termination: never.
 * - Truncation: after 50 control steps (TRUNCATED).
 *
 * ## Physics
 * Timestep 0.01 s, RK4, frame skip 2: one control step is 0.02 s.
 *
 * ## Options
 * Make options: `reward_dist_weight` (default 1), `reward_control_weight`
 * (default 1). No reset options.
 *
 * ## Version history
 * - v5 (simbridge 0.1): first version; follows Gymnasium's v5 (which dropped the
 *   always-zero target z from the observation of v4 and made the reward
 *   weights options). Actions are clipped (see above).
 */
import { boundedSpec, unboundedSpec } from "../../src/env/spec.js";
import type { Options, OptionSpec, TaskFactory, TaskSpec } from "../../src/env/task.js";
import type { Rng } from "../../src/core/rng.js";
import { REACHER_XML } from "./assets/reacher-xml.js";
import type { MjSim } from "./mujoco-runtime.js";
import { MujocoTask, makeSim } from "./mujoco-task.js";
import { ResolvedOptions } from "./options.js";

const NAME = "Reacher-v5";
/** Physics timestep of the model (s). */
export const REACHER_TIMESTEP = 0.01;
export const REACHER_FRAME_SKIP = 2;
export const REACHER_MAX_STEPS = 50;
/** Radius of the disc targets are drawn from (m). */
export const REACHER_TARGET_RADIUS = 0.2;

const MAKE_OPTIONS: readonly OptionSpec[] = [
  { name: "reward_dist_weight", type: "number", default: 1, doc: "Weight of the distance term: reward_dist = −w·‖fingertip − target‖." },
  { name: "reward_control_weight", type: "number", default: 1, doc: "Weight of the control cost: reward_ctrl = −w·‖action‖²." },
];

function reacherSpec(): TaskSpec {
  return {
    name: NAME,
    description:
      "Two-link planar arm moving its fingertip to a random target (Gymnasium Reacher-v5 equivalent): " +
      "dense reward −distance − ‖action‖², 50 steps, no termination.",
    observations: [unboundedSpec("observation", [10])],
    action: boundedSpec("action", [2], -1, 1),
    hasReward: true,
    goalConditioned: false,
    blackBox: false,
    maxEpisodeSteps: REACHER_MAX_STEPS,
    controlDt: REACHER_TIMESTEP * REACHER_FRAME_SKIP,
    infoKeys: ["reward_dist", "reward_ctrl"],
    makeOptions: MAKE_OPTIONS,
    resetOptions: [],
  };
}

/**
 * The starting state shared by the Reacher tasks (see "Starting state"), after
 * `mj_resetData`. With `goal` given the target is placed there instead of drawn.
 * Ends with `mj_forward` so that body positions match the state.
 */
export function reacherStartState(sim: MjSim, rng: Rng, goal?: ArrayLike<number>): void {
  const qpos = sim.qpos;
  const qvel = sim.qvel;
  const qpos0 = sim.qpos0;
  qpos[0] = qpos0[0]! + rng.uniformRange(-0.1, 0.1);
  qpos[1] = qpos0[1]! + rng.uniformRange(-0.1, 0.1);
  // Initialised: a `let` that starts undefined makes V8 box the doubles later put in it.
  let gx = 0;
  let gy = 0;
  if (goal !== undefined) {
    gx = goal[0]!;
    gy = goal[1]!;
  } else {
    const r = REACHER_TARGET_RADIUS;
    do {
      gx = rng.uniformRange(-r, r);
      gy = rng.uniformRange(-r, r);
    } while (Math.sqrt(gx * gx + gy * gy) >= r);
  }
  qpos[2] = gx;
  qpos[3] = gy;
  qvel[0] = rng.uniformRange(-0.005, 0.005);
  qvel[1] = rng.uniformRange(-0.005, 0.005);
  qvel[2] = 0;
  qvel[3] = 0;
  sim.forward();
}

export class ReacherV5 extends MujocoTask {
  private readonly wDist: number;
  private readonly wCtrl: number;
  private readonly fingertip: number;
  private readonly target: number;
  // Reward terms measured before the physics runs (see "Rewards").
  private rewardDist = 0;
  private rewardCtrl = 0;

  constructor(sim: MjSim, options: ResolvedOptions) {
    super(reacherSpec(), sim, REACHER_FRAME_SKIP);
    this.wDist = options.number("reward_dist_weight");
    this.wCtrl = options.number("reward_control_weight");
    this.fingertip = sim.id("body", "fingertip");
    this.target = sim.id("body", "target");
  }

  protected startEpisode(): void {
    reacherStartState(this.sim, this.rng);
    this.writeObservation();
  }

  protected override beforePhysics(): void {
    const xpos = this.sim.xpos;
    const f = 3 * this.fingertip;
    const t = 3 * this.target;
    const dx = xpos[f]! - xpos[t]!;
    const dy = xpos[f + 1]! - xpos[t + 1]!;
    const dz = xpos[f + 2]! - xpos[t + 2]!;
    this.rewardDist = -this.wDist * Math.sqrt(dx * dx + dy * dy + dz * dz);
    const a = this.action;
    this.rewardCtrl = -this.wCtrl * (a[0]! * a[0]! + a[1]! * a[1]!);
  }

  protected afterPhysics(): void {
    this.writeObservation();
    const out = this.out;
    out.reward = this.rewardDist + this.rewardCtrl;
    out.info[0] = this.rewardDist;
    out.info[1] = this.rewardCtrl;
  }

  private writeObservation(): void {
    const { qpos, qvel, xpos } = this.sim;
    const o = this.out.observations[0]!;
    const f = 3 * this.fingertip;
    const t = 3 * this.target;
    o[0] = Math.cos(qpos[0]!);
    o[1] = Math.cos(qpos[1]!);
    o[2] = Math.sin(qpos[0]!);
    o[3] = Math.sin(qpos[1]!);
    o[4] = qpos[2]!;
    o[5] = qpos[3]!;
    o[6] = qvel[0]!;
    o[7] = qvel[1]!;
    o[8] = xpos[f]! - xpos[t]!;
    o[9] = xpos[f + 1]! - xpos[t + 1]!;
  }
}

export const reacherV5Factory: TaskFactory = {
  name: NAME,
  spec(options: Options): TaskSpec {
    ResolvedOptions.resolve(NAME, "make", MAKE_OPTIONS, options);
    return reacherSpec();
  },
  async create(options: Options): Promise<ReacherV5> {
    const resolved = ResolvedOptions.resolve(NAME, "make", MAKE_OPTIONS, options);
    const sim = await makeSim(NAME, REACHER_XML);
    try {
      return new ReacherV5(sim, resolved);
    } catch (e) {
      sim.close();
      throw e;
    }
  },
};
