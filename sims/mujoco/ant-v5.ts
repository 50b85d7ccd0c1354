/**
 * # Ant-v5
 *
 * A quadruped: a sphere torso with four two-segment legs, each with a hip and
 * an ankle hinge. The goal is to walk forward (+x) as fast as possible without
 * falling over. Same dynamics, observation, reward, termination and episode
 * length as Gymnasium's `Ant-v5` (`gymnasium/envs/mujoco/ant_v5.py`), run by
 * MuJoCo compiled to WebAssembly. The model is `assets/ant-xml.ts`.
 *
 * ## Action space
 * `Box(-1, 1, (8,), float32)`: torques on the eight hinges (motor gear 150).
 * The order is the model's actuator order, the same as Gymnasium's:
 *
 * | # | action                               | min | max | joint   |
 * |---|--------------------------------------|-----|-----|---------|
 * | 0 | hip of the back-right leg            | -1  | 1   | hip_4   |
 * | 1 | ankle of the back-right leg          | -1  | 1   | ankle_4 |
 * | 2 | hip of the front-left leg            | -1  | 1   | hip_1   |
 * | 3 | ankle of the front-left leg          | -1  | 1   | ankle_1 |
 * | 4 | hip of the front-right leg           | -1  | 1   | hip_2   |
 * | 5 | ankle of the front-right leg         | -1  | 1   | ankle_2 |
 * | 6 | hip of the back-left leg             | -1  | 1   | hip_3   |
 * | 7 | ankle of the back-left leg           | -1  | 1   | ankle_3 |
 *
 * Out-of-range actions are **clipped** to [-1, 1] before they reach the motors,
 * and the control cost is computed on the clipped action.
 *
 * ## Observation space
 * One tensor `observation`, `Box(-inf, inf, (N,), float32)`, N = 27 by default,
 * 105 with `use_contact_forces`, +2 without `exclude_current_positions_from_observation`.
 *
 * | #     | observation                                              | unit                     |
 * |-------|----------------------------------------------------------|--------------------------|
 * | 0     | z of the torso                                           | position (m)             |
 * | 1–4   | torso orientation quaternion (w, x, y, z)                | unitless                 |
 * | 5–12  | joint angles: hip_1, ankle_1, hip_2, ankle_2, hip_3, ankle_3, hip_4, ankle_4 | angle (rad) |
 * | 13–15 | torso linear velocity (x, y, z)                          | velocity (m/s)           |
 * | 16–18 | torso angular velocity (x, y, z)                         | angular velocity (rad/s) |
 * | 19–26 | joint angular velocities, same joint order as 5–12      | angular velocity (rad/s) |
 * | 27–104| with `use_contact_forces`: external (contact) forces on bodies 1–13 (`cfrc_ext[1:]`, 6 each: torque then force, com-based), clipped to [contact_force_min, contact_force_max] | N, N·m |
 *
 * That is `qpos[2:]`, `qvel` (and contact forces). With
 * `exclude_current_positions_from_observation = false` the torso x and y
 * (qpos[0:2]) come first and every index above shifts by 2. Bodies 1–13 are the
 * torso, then for the front-left, front-right, back-left and back-right legs in
 * turn: the auxiliary segment, the hip segment and the ankle segment.
 *
 * ## Rewards
 * `reward = reward_forward + reward_survive + reward_ctrl + reward_contact`:
 * - `reward_forward = forward_reward_weight · dx/dt`: x velocity of the torso
 *   over the control step (dt = 0.05 s), from the torso body position `xpos`
 *   before and after the step (as Gymnasium's `data.body(1).xpos`);
 * - `reward_survive = healthy_reward` when the ant is healthy after the step,
 *   else 0 (Gymnasium v5 behaviour);
 * - `reward_ctrl = −ctrl_cost_weight · ‖action‖²`;
 * - `reward_contact = −contact_cost_weight · ‖clip(cfrc_ext, contact_force_min,
 *   contact_force_max)‖²` over all bodies, only with `use_contact_forces`
 *   (0 otherwise).
 * Info: `reward_forward`, `reward_ctrl`, `reward_contact`, `reward_survive`
 * (the signed terms above), `x_position`, `y_position` (torso qpos),
 * `distance_from_origin` (from the starting xy of the model), `x_velocity`,
 * `y_velocity`. Gymnasium's reward threshold is 6000. No success signal.
 *
 * ## Starting state
 * `qpos = qpos0 + U(−reset_noise_scale, reset_noise_scale)` on every element
 * (qpos0: torso at (0, 0, 0.75), upright, joints at 0) and
 * `qvel = reset_noise_scale · N(0, 1)`, drawn from the task's seeded stream.
 *
 * ## Episode end
 * - Termination (TERMINATED) when the ant is unhealthy and
 *   `terminate_when_unhealthy`: the torso z leaves [healthy_z_min,
 *   healthy_z_max] = [0.2, 1.0], or any qpos/qvel value is not finite.
 * - Truncation (TRUNCATED): after 1000 control steps (make option `max_episode_steps`).
 *
 * ## Physics
 * Timestep 0.01 s, RK4, frame skip 5: one control step is 0.05 s. Contact
 * forces are computed by `mj_rnePostConstraint` after the frame skip (mj_step
 * does not fill `cfrc_ext`), only when `use_contact_forces` is on.
 *
 * ## Options
 * Make options (defaults as Gymnasium v5): `use_contact_forces` (false),
 * `exclude_current_positions_from_observation` (true), `forward_reward_weight`
 * (1), `ctrl_cost_weight` (0.5), `contact_cost_weight` (5e-4), `healthy_reward`
 * (1), `terminate_when_unhealthy` (true), `healthy_z_min` (0.2),
 * `healthy_z_max` (1.0), `contact_force_min` (−1), `contact_force_max` (1),
 * `reset_noise_scale` (0.1). No reset options.
 *
 * ## Version history
 * - v5 (simbridge 0.1): first version; follows Gymnasium's v5 (reward_survive
 *   only while healthy, contact forces of the world body left out of the
 *   observation, reward terms as options). One switch, `use_contact_forces`,
 *   adds both the 78 contact forces and the contact cost, as in Gymnasium v4;
 *   Gymnasium v5's default (`include_cfrc_ext_in_observation=True`, 105
 *   observations, contact cost on) is `use_contact_forces = true` here.
 *   Actions are clipped (see above).
 */
import { boundedSpec, unboundedSpec } from "../../src/env/spec.js";
import { StepStatus } from "../../src/env/task.js";
import type { Options, OptionSpec, TaskFactory, TaskSpec } from "../../src/env/task.js";
import { ANT_XML } from "./assets/ant-xml.js";
import type { MjSim } from "./mujoco-runtime.js";
import type { MujocoViewHints } from "./mujoco-view.js";
import { MujocoTask, makeSim } from "./mujoco-task.js";
import { ResolvedOptions } from "./options.js";

const NAME = "Ant-v5";
const TIMESTEP = 0.01;
const FRAME_SKIP = 5;
const MAX_STEPS = 1000;
const NQ = 15;
const NV = 14;
/** Bodies 1..13 (all but the world) times 6 force components. */
const CONTACT_OBS = 13 * 6;

const MAKE_OPTIONS: readonly OptionSpec[] = [
  { name: "use_contact_forces", type: "bool", default: false, doc: "Add the 78 clipped contact forces to the observation and the contact cost to the reward." },
  { name: "exclude_current_positions_from_observation", type: "bool", default: true, doc: "Leave the torso x, y out of the observation." },
  { name: "forward_reward_weight", type: "number", default: 1, doc: "Weight of the forward (x velocity) reward." },
  { name: "ctrl_cost_weight", type: "number", default: 0.5, doc: "Weight of the control cost ‖action‖²." },
  { name: "contact_cost_weight", type: "number", default: 5e-4, doc: "Weight of the contact cost (with use_contact_forces)." },
  { name: "healthy_reward", type: "number", default: 1, doc: "Reward per step while the ant is healthy." },
  { name: "terminate_when_unhealthy", type: "bool", default: true, doc: "End the episode (TERMINATED) when the ant is unhealthy." },
  { name: "healthy_z_min", type: "number", default: 0.2, doc: "Lowest healthy torso z (m)." },
  { name: "healthy_z_max", type: "number", default: 1.0, doc: "Highest healthy torso z (m)." },
  { name: "contact_force_min", type: "number", default: -1, doc: "Contact forces are clipped to [min, max] for observation and cost." },
  { name: "contact_force_max", type: "number", default: 1, doc: "Contact forces are clipped to [min, max] for observation and cost." },
  { name: "reset_noise_scale", type: "number", default: 0.1, doc: "Half-width of the uniform qpos noise and std of the normal qvel noise at reset." },
  { name: "max_episode_steps", type: "number", default: MAX_STEPS, doc: "Control steps until TRUNCATED (integer ≥ 1; Gymnasium's gym.make max_episode_steps)." },
];

const INFO_KEYS = [
  "reward_forward",
  "reward_ctrl",
  "reward_contact",
  "reward_survive",
  "x_position",
  "y_position",
  "distance_from_origin",
  "x_velocity",
  "y_velocity",
] as const;

function resolveMakeOptions(options: Options): ResolvedOptions {
  const o = ResolvedOptions.resolve(NAME, "make", MAKE_OPTIONS, options);
  o.require(o.number("healthy_z_min") < o.number("healthy_z_max"), "healthy_z_min", "must be below healthy_z_max");
  o.require(o.number("contact_force_min") < o.number("contact_force_max"), "contact_force_min", "must be below contact_force_max");
  o.require(o.number("reset_noise_scale") >= 0, "reset_noise_scale", "must be non-negative");
  const steps = o.number("max_episode_steps");
  o.require(Number.isSafeInteger(steps) && steps >= 1, "max_episode_steps", `must be an integer ≥ 1, got ${steps}`);
  return o;
}

function antSpec(o: ResolvedOptions): TaskSpec {
  const n = (o.bool("exclude_current_positions_from_observation") ? NQ - 2 : NQ) + NV + (o.bool("use_contact_forces") ? CONTACT_OBS : 0);
  return {
    name: NAME,
    description:
      "Quadruped walking forward (Gymnasium Ant-v5 equivalent): reward x velocity + 1 while healthy − 0.5‖a‖² " +
      "(− contact cost with use_contact_forces), terminates when the torso z leaves [0.2, 1.0], 1000 steps.",
    observations: [unboundedSpec("observation", [n])],
    action: boundedSpec("action", [8], -1, 1),
    hasReward: true,
    goalConditioned: false,
    blackBox: false,
    maxEpisodeSteps: o.number("max_episode_steps"),
    controlDt: TIMESTEP * FRAME_SKIP,
    infoKeys: INFO_KEYS,
    makeOptions: MAKE_OPTIONS,
    resetOptions: [],
  };
}

export class AntV5 extends MujocoTask {
  private readonly useContactForces: boolean;
  private readonly excludePositions: boolean;
  private readonly wForward: number;
  private readonly wCtrl: number;
  private readonly wContact: number;
  private readonly healthyReward: number;
  private readonly terminateWhenUnhealthy: boolean;
  private readonly zMin: number;
  private readonly zMax: number;
  private readonly forceMin: number;
  private readonly forceMax: number;
  private readonly noise: number;
  private readonly torso: number;
  private readonly dt: number;
  // Torso body position before the step (for the velocity).
  private prevX = 0;
  private prevY = 0;

  constructor(sim: MjSim, o: ResolvedOptions) {
    super(antSpec(o), sim, FRAME_SKIP);
    if (sim.nq !== NQ || sim.nv !== NV || sim.nbody !== 14) throw new Error(`${NAME}: unexpected model sizes nq=${sim.nq} nv=${sim.nv} nbody=${sim.nbody}`);
    this.useContactForces = o.bool("use_contact_forces");
    this.excludePositions = o.bool("exclude_current_positions_from_observation");
    this.wForward = o.number("forward_reward_weight");
    this.wCtrl = o.number("ctrl_cost_weight");
    this.wContact = o.number("contact_cost_weight");
    this.healthyReward = o.number("healthy_reward");
    this.terminateWhenUnhealthy = o.bool("terminate_when_unhealthy");
    this.zMin = o.number("healthy_z_min");
    this.zMax = o.number("healthy_z_max");
    this.forceMin = o.number("contact_force_min");
    this.forceMax = o.number("contact_force_max");
    this.noise = o.number("reset_noise_scale");
    this.torso = sim.id("body", "torso");
    this.dt = this.spec.controlDt;
  }
  /** The ant is about 1 m across; the camera walks with it. */
  protected override viewHints(): MujocoViewHints {
    return { cameraTarget: [0, 0, 0.4], cameraDistance: 4, followBody: "torso" };
  }


  /** Torso z within [healthy_z_min, healthy_z_max] and every qpos/qvel value finite. */
  isHealthy(): boolean {
    const { qpos, qvel } = this.sim;
    const z = qpos[2]!;
    if (!(z >= this.zMin && z <= this.zMax)) return false;
    for (let i = 0; i < NQ; i++) if (!Number.isFinite(qpos[i]!)) return false;
    for (let i = 0; i < NV; i++) if (!Number.isFinite(qvel[i]!)) return false;
    return true;
  }

  override needsReset(): boolean {
    return !this.isHealthy();
  }

  override healthyZRange(): readonly [number, number] {
    return [this.zMin, this.zMax];
  }

  protected startEpisode(): void {
    const sim = this.sim;
    const { qpos, qvel, qpos0 } = sim;
    const s = this.noise;
    const rng = this.rng;
    for (let i = 0; i < NQ; i++) qpos[i] = qpos0[i]! + rng.uniformRange(-s, s);
    for (let i = 0; i < NV; i++) qvel[i] = s * rng.normal();
    sim.forward();
    if (this.useContactForces) sim.rnePostConstraint();
    const b = 3 * this.torso;
    this.prevX = sim.xpos[b]!;
    this.prevY = sim.xpos[b + 1]!;
    this.writeObservation();
  }

  protected afterPhysics(): void {
    const sim = this.sim;
    if (this.useContactForces) sim.rnePostConstraint();
    const { qpos, xpos, cfrcExt } = sim;
    const b = 3 * this.torso;
    const x = xpos[b]!;
    const y = xpos[b + 1]!;
    const vx = (x - this.prevX) / this.dt;
    const vy = (y - this.prevY) / this.dt;
    this.prevX = x;
    this.prevY = y;

    const healthy = this.isHealthy();
    const rewardForward = this.wForward * vx;
    const rewardSurvive = healthy ? this.healthyReward : 0;
    const a = this.action;
    let ctrl = 0;
    for (let i = 0; i < a.length; i++) ctrl += a[i]! * a[i]!;
    const rewardCtrl = -this.wCtrl * ctrl;
    let rewardContact = 0;
    if (this.useContactForces) {
      const lo = this.forceMin;
      const hi = this.forceMax;
      let sum = 0;
      for (let i = 0; i < cfrcExt.length; i++) {
        // Math.min/max, not a ternary: a ternary mixing the integer bounds with
        // a double result makes V8 box every value (an allocation per element).
        const c = Math.min(Math.max(cfrcExt[i]!, lo), hi);
        sum += c * c;
      }
      rewardContact = -this.wContact * sum;
    }

    const out = this.out;
    out.reward = rewardForward + rewardSurvive + rewardCtrl + rewardContact;
    const info = out.info;
    info[0] = rewardForward;
    info[1] = rewardCtrl;
    info[2] = rewardContact;
    info[3] = rewardSurvive;
    info[4] = qpos[0]!;
    info[5] = qpos[1]!;
    const ox = qpos[0]! - sim.qpos0[0]!;
    const oy = qpos[1]! - sim.qpos0[1]!;
    info[6] = Math.sqrt(ox * ox + oy * oy);
    info[7] = vx;
    info[8] = vy;
    if (!healthy && this.terminateWhenUnhealthy) out.status = StepStatus.TERMINATED;
    this.writeObservation();
  }

  private writeObservation(): void {
    const { qpos, qvel, cfrcExt } = this.sim;
    const o = this.out.observations[0]!;
    let k = 0;
    for (let i = this.excludePositions ? 2 : 0; i < NQ; i++) o[k++] = qpos[i]!;
    for (let i = 0; i < NV; i++) o[k++] = qvel[i]!;
    if (this.useContactForces) {
      const lo = this.forceMin;
      const hi = this.forceMax;
      for (let i = 6; i < cfrcExt.length; i++) o[k++] = Math.min(Math.max(cfrcExt[i]!, lo), hi);
    }
  }
}

export const antV5Factory: TaskFactory = {
  name: NAME,
  spec(options: Options): TaskSpec {
    return antSpec(resolveMakeOptions(options));
  },
  async create(options: Options): Promise<AntV5> {
    const resolved = resolveMakeOptions(options);
    const sim = await makeSim(NAME, ANT_XML);
    try {
      return new AntV5(sim, resolved);
    } catch (e) {
      sim.close();
      throw e;
    }
  },
};
