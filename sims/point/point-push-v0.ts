/**
 * PointPush-v0 — a point mass in a square arena that must push a block onto a
 * target (seed 003: Sholto Douglas's pointMass push task, used to test HAC and
 * relay policy learning).
 *
 * Pure TypeScript, no physics engine: kinematic, exact and fast. The point
 * cannot pull or grasp the block; to move it somewhere the point must get
 * behind it first, which is what makes exploration hard and hindsight goals
 * (HER) useful. Goal-conditioned: the goal is the block's position.
 *
 * ## Action space
 * | index | action                   | min | max |
 * |-------|--------------------------|-----|-----|
 * | 0     | velocity command along x | −1  | 1   |
 * | 1     | velocity command along y | −1  | 1   |
 * Out-of-range actions are clipped to [−1, 1].
 *
 * ## Observation space
 * | key           | shape | contents                                                        |
 * |---------------|-------|-----------------------------------------------------------------|
 * | observation   | [8]   | point x, y; point vx, vy; block x, y; block − point (x, y)       |
 * | achieved_goal | [2]   | block x, y                                                      |
 * | desired_goal  | [2]   | target x, y                                                     |
 * The point's x, y come first (hierarchical learners take a subgoal from the
 * first entries). vx, vy is the point's actual displacement in the last step
 * (after the block and the walls stopped it), at most 0.1·(1 + √2) ≈ 0.241 per
 * component (proof below); 0 after reset.
 *
 * ## Dynamics (one step)
 * The arena is [−1, 1]²; the point is a disc of radius 0.05, the block a disc
 * of radius 0.1, so they touch at centre distance D = 0.15. Neither has a
 * velocity of its own and there is no friction; the block moves only when pushed.
 * 1. The point moves by action·0.1 and is clipped to [−0.95, 0.95]² (its
 *    centre's range in the arena).
 * 2. If the point now overlaps the block (centre distance < D), the block is
 *    pushed along the contact normal n = unit(block − point) until they just
 *    touch: block ← point + n·D. (At distance exactly 0, n is the direction
 *    of the point's move.) The push is therefore at most the point's move
 *    (≤ 0.1·√2), since they did not overlap before the step.
 * 3. The block is clipped to [−0.9, 0.9]². A wall stops the block, and the
 *    point with it: whatever clipping took off the block's move is taken off
 *    the point's too (point ← point − (unclipped − clipped block)), so the
 *    two still just touch and a block pushed along a wall slides along it.
 *    That correction is at most the push, hence |v| ≤ 0.1 + 0.1·√2 per axis.
 *
 * ## Reward
 * `reward_type` "sparse" (default): −1 while ‖block − target‖ ≥
 * `distance_threshold` (default 0.1), 0 once within it. "dense":
 * −‖block − target‖. `computeReward(achieved, desired)` gives the same
 * function; the step reward is computed from the float32 goal tensors as sent,
 * so the two agree exactly. Success (`is_success`, every step) is distance <
 * `distance_threshold`.
 *
 * ## Episode end
 * Never terminates (the block may be pushed off the target again); TRUNCATED
 * after `max_episode_steps` (default 50: the point crosses the arena in 20
 * steps; the scripted demonstrator in `scripted.ts` first succeeds after 11
 * steps on average, at most 24, over 2000 seeded episodes).
 *
 * ## Starting state
 * In this order from the seeded stream: the point uniform in [−0.3, 0.3]²;
 * the target uniform in [−0.7, 0.7]² (or the `goal` reset option, any point
 * of the block's range [−0.9, 0.9]²); the block uniform in [−0.3, 0.3]²,
 * drawn again until it neither overlaps the point (distance ≥ D) nor already
 * lies on the target (distance ≥ `distance_threshold`). Velocity 0.
 *
 * The block starts near the point so that random exploration moves it: a
 * uniformly random policy pushes the block at least once in 40 % of 50-step
 * episodes (799 of 2000 seeded episodes; 49 % at 100 steps) and leaves it
 * ≥ 0.05 from its start in 29 % (38 % at 100 steps) — hindsight goals with a
 * moved block for HER in a fair share of episodes. With both starts in
 * [−0.5, 0.5]² it was 23 % (17 % ≥ 0.05). 50 steps rather than 100: more
 * episodes with a moved block per env step (0.40/50 > 0.49/100).
 * test/unit/point-push.test.ts repeats the measurement (checks ≥ 35 %, ≥ 25 %).
 *
 * ## Info
 * `distance`: ‖block − target‖ after the step.
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
import { pushDisc } from "./block-contact.js";
import { BLOCK_COLOUR, disc, planarView } from "./point-views.js";

const NAME = "PointPush-v0";
/** Largest move of the point per step (action 1). */
export const PUSH_MAX_SPEED = 0.1;
/** Half-width of the square arena. */
export const PUSH_ARENA = 1;
export const POINT_RADIUS = 0.05;
export const BLOCK_RADIUS = 0.1;
/** Centre distance at which point and block touch. */
export const CONTACT_DISTANCE = POINT_RADIUS + BLOCK_RADIUS;
const POINT_LIMIT = PUSH_ARENA - POINT_RADIUS;
const BLOCK_LIMIT = PUSH_ARENA - BLOCK_RADIUS;
/** Bound of each component of the point's displacement in one step (see "Dynamics"). */
const MAX_DISPLACEMENT = PUSH_MAX_SPEED * (1 + Math.SQRT2);
const DEFAULT_STEPS = 50;
const DEFAULT_THRESHOLD = 0.1;
const MAX_THRESHOLD = 0.5;
const START_HALF_WIDTH = 0.3;
const TARGET_HALF_WIDTH = 0.7;

type RewardType = "sparse" | "dense";

interface PushOptions {
  readonly steps: number;
  readonly rewardType: RewardType;
  readonly threshold: number;
}

function got(v: unknown): string {
  return typeof v === "string" ? quote(v) : clip(String(v));
}

function resolve(options: Options): PushOptions {
  const steps = options["max_episode_steps"] ?? DEFAULT_STEPS;
  if (typeof steps !== "number" || !Number.isInteger(steps) || steps < 1) {
    throw SimbridgeError.invalidArgument(`options.max_episode_steps: must be a positive integer, got ${got(steps)}`, "options.max_episode_steps");
  }
  const rewardType = options["reward_type"] ?? "sparse";
  if (rewardType !== "sparse" && rewardType !== "dense") {
    throw SimbridgeError.invalidArgument(`options.reward_type: expected sparse or dense, got ${got(rewardType)}`, "options.reward_type");
  }
  const threshold = options["distance_threshold"] ?? DEFAULT_THRESHOLD;
  if (typeof threshold !== "number" || !(threshold > 0 && threshold <= MAX_THRESHOLD)) {
    throw SimbridgeError.invalidArgument(`options.distance_threshold: must be a number in (0, ${MAX_THRESHOLD}], got ${got(threshold)}`, "options.distance_threshold");
  }
  return { steps, rewardType, threshold };
}

function spec(options: Options): TaskSpec {
  const o = resolve(options);
  // Bounds rounded as the float32 values they bound are: a float64 value ≤ b rounds to ≤ fround(b).
  const v = Math.fround(MAX_DISPLACEMENT);
  const rel = Math.fround(POINT_LIMIT + BLOCK_LIMIT);
  const p = Math.fround(POINT_LIMIT);
  const b = Math.fround(BLOCK_LIMIT);
  return {
    name: NAME,
    description: "A point mass pushing a block onto a target in a square arena; sparse reward, goal-conditioned, pure TypeScript.",
    observations: [
      boundedSpec("observation", [8], [-p, -p, -v, -v, -b, -b, -rel, -rel], [p, p, v, v, b, b, rel, rel]),
      boundedSpec("achieved_goal", [2], -b, b),
      boundedSpec("desired_goal", [2], -b, b),
    ],
    action: boundedSpec("action", [2], -1, 1),
    hasReward: true,
    goalConditioned: true,
    blackBox: false,
    hasRewardFunction: true,
    maxEpisodeSteps: o.steps,
    controlDt: 0.05,
    infoKeys: ["distance"],
    makeOptions: [
      { name: "max_episode_steps", type: "number", doc: "Steps until the episode is truncated.", default: DEFAULT_STEPS },
      { name: "reward_type", type: "string", doc: "sparse: −1 until the block is within distance_threshold of the target, then 0; dense: −distance of the block to the target.", default: "sparse" },
      { name: "distance_threshold", type: "number", doc: `Success when ‖block − target‖ is below this; in (0, ${MAX_THRESHOLD}].`, default: DEFAULT_THRESHOLD },
    ],
    resetOptions: [{ name: "goal", type: "tensor", doc: `Target position (x, y) in [−${BLOCK_LIMIT}, ${BLOCK_LIMIT}]² (the block's range) instead of a random one.` }],
  };
}

/** The reward for a block at `achieved` and a target at `desired`. */
export function pointPushReward(achieved: ArrayLike<number>, desired: ArrayLike<number>, type: RewardType = "sparse", threshold = DEFAULT_THRESHOLD): number {
  const d = Math.hypot(achieved[0]! - desired[0]!, achieved[1]! - desired[1]!);
  return type === "dense" ? -d : d < threshold ? 0 : -1;
}

/**
 * The push state one step works on, in place: [point x, point y, block x,
 * block y, point vx, point vy] (vx, vy: the point's displacement in the step).
 */
export type PushState = Float64Array;

/**
 * One step of the dynamics ("Dynamics" above) on `s` in place, for an action
 * already clipped to [−1, 1]. Allocation-free.
 */
export function pointPushMove(s: PushState, ax: number, ay: number): void {
  const px0 = s[0]!;
  const py0 = s[1]!;
  s[0] = Math.max(-POINT_LIMIT, Math.min(POINT_LIMIT, px0 + ax * PUSH_MAX_SPEED));
  s[1] = Math.max(-POINT_LIMIT, Math.min(POINT_LIMIT, py0 + ay * PUSH_MAX_SPEED));
  // Steps 2 and 3: the contact rule shared with PointBlocks-v0.
  pushDisc(s, 0, 2, CONTACT_DISTANCE, BLOCK_LIMIT, s[0] - px0, s[1] - py0);
  s[4] = s[0] - px0;
  s[5] = s[1] - py0;
}

class PointPush implements Task {
  readonly out: TaskStep;
  private readonly rng = new Rng();
  private readonly s: PushState = new Float64Array(6);
  private gx = 0;
  private gy = 0;
  private t = 0;

  constructor(
    readonly spec: TaskSpec,
    private readonly options: PushOptions,
  ) {
    this.out = newTaskStep(spec);
    declareView(
      this.out.observations,
      planarView(
        this.out.observations,
        {
          halfExtent: PUSH_ARENA,
          center: [0, 0],
          walls: [],
          bodies: [
            { name: "point", geom: disc(POINT_RADIUS), xIndex: 0, yIndex: 1 },
            { name: "block", geom: disc(BLOCK_RADIUS, BLOCK_COLOUR), xIndex: 4, yIndex: 5 },
          ],
        },
        BLOCK_RADIUS,
      ),
    );
  }

  validateResetOptions(options: Options): void {
    const goal = options["goal"];
    if (goal !== undefined && !(goal instanceof Float64Array)) {
      throw SimbridgeError.invalidArgument(`options.goal: expected a tensor of 2 values in [−${BLOCK_LIMIT}, ${BLOCK_LIMIT}] (the block's range), got ${got(goal)}`, "options.goal");
    }
    if (goal instanceof Float64Array && (goal.length !== 2 || !(Math.abs(goal[0]!) <= BLOCK_LIMIT) || !(Math.abs(goal[1]!) <= BLOCK_LIMIT))) {
      throw SimbridgeError.invalidArgument(`options.goal: expected 2 values in [−${BLOCK_LIMIT}, ${BLOCK_LIMIT}] (the block's range), got ${listText(goal)}`, "options.goal");
    }
  }

  reset(seed: number | undefined, options: Options): void {
    this.validateResetOptions(options);
    const goal = options["goal"];
    if (seed !== undefined) this.rng.seed(seed);
    const s = this.s;
    const rng = this.rng;
    s[0] = rng.uniformRange(-START_HALF_WIDTH, START_HALF_WIDTH);
    s[1] = rng.uniformRange(-START_HALF_WIDTH, START_HALF_WIDTH);
    if (goal instanceof Float64Array) {
      this.gx = goal[0]!;
      this.gy = goal[1]!;
    } else {
      this.gx = rng.uniformRange(-TARGET_HALF_WIDTH, TARGET_HALF_WIDTH);
      this.gy = rng.uniformRange(-TARGET_HALF_WIDTH, TARGET_HALF_WIDTH);
    }
    do {
      s[2] = rng.uniformRange(-START_HALF_WIDTH, START_HALF_WIDTH);
      s[3] = rng.uniformRange(-START_HALF_WIDTH, START_HALF_WIDTH);
    } while (Math.hypot(s[2] - s[0]!, s[3] - s[1]!) < CONTACT_DISTANCE || Math.hypot(s[2] - this.gx, s[3] - this.gy) < this.options.threshold);
    s[4] = s[5] = 0;
    this.t = 0;
    this.write(StepStatus.RUNNING);
  }

  step(action: Float32Array): void {
    pointPushMove(this.s, Math.max(-1, Math.min(1, action[0]!)), Math.max(-1, Math.min(1, action[1]!)));
    this.t++;
    this.write(this.t >= this.options.steps ? StepStatus.TRUNCATED : StepStatus.RUNNING);
  }

  computeReward(achieved: ArrayLike<number>, desired: ArrayLike<number>): number {
    return pointPushReward(achieved, desired, this.options.rewardType, this.options.threshold);
  }

  close(): void {}

  private write(status: StepStatus): void {
    const s = this.s;
    const [obs, achieved, desired] = this.out.observations as [Float32Array, Float32Array, Float32Array];
    obs[0] = s[0]!;
    obs[1] = s[1]!;
    obs[2] = s[4]!;
    obs[3] = s[5]!;
    obs[4] = s[2]!;
    obs[5] = s[3]!;
    obs[6] = s[2]! - s[0]!;
    obs[7] = s[3]! - s[1]!;
    achieved[0] = s[2]!;
    achieved[1] = s[3]!;
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

export const pointPushV0: TaskFactory = {
  name: NAME,
  spec,
  async create(options: Options) {
    return new PointPush(spec(options), resolve(options));
  },
};
