/**
 * PointBlocks-v0 — a point robot and several blocks on a table. In each task
 * one of the blocks, which the agent is not told, must be pushed onto a goal
 * that it is not told either: MAESN's manipulation task family (Gupta et al.
 * 2018, "Meta-Reinforcement Learning of Structured Exploration Strategies").
 *
 * One task of the family is a (target block, goal) pair. Neither is
 * observed: an agent learns which task it is in from rewards only, which is
 * what a meta-learner adapts to. A meta-learner picks the task with the
 * `target_block` and `goal` reset options; meta-training uses the dense
 * reward, meta-testing the sparse one. MAESN's own pusher is a MuJoCo arm with
 * five blocks and reward −5·distance (`maesn_suite`); this is the same family
 * on PointPush-v0's point, in pure TypeScript: no physics engine, exact, fast.
 *
 * ## Action space
 * | index | action                   | min | max |
 * |-------|--------------------------|-----|-----|
 * | 0     | velocity command along x | −1  | 1   |
 * | 1     | velocity command along y | −1  | 1   |
 * Out-of-range actions are clipped to [−1, 1].
 *
 * ## Observation space
 * | key         | shape          | contents                                                            |
 * |-------------|----------------|---------------------------------------------------------------------|
 * | observation | [4 + 2·blocks] | point x, y; point vx, vy; then x, y of block 0, 1, … in index order |
 * Nothing in it says which block is the target or where the goal is (no
 * achieved/desired goal: not goal-conditioned, and no reward function to
 * query). vx, vy is the point's actual displacement in the last step (0 after
 * reset and after a step that was undone), at most 0.1·(1 + 2√2) ≈ 0.383 per
 * component (see "Dynamics"; the spec declares 0.4). Bounds: point x, y in
 * [−0.95, 0.95], blocks in [−0.9, 0.9].
 *
 * ## Dynamics (one step, `pointBlocksMove`)
 * PointPush-v0's arena and contact rule (`block-contact.ts`, `pushDisc`): the
 * arena is [−1, 1]², the point a disc of radius 0.05, every block a disc of
 * radius 0.1; point and block touch at centre distance 0.15, two blocks at
 * 0.2. Nothing has a velocity of its own, there is no friction; a block moves
 * only when pushed.
 * 1. The point moves by action·0.1 and is clipped to [−0.95, 0.95]².
 * 2. If it now overlaps one block, it pushes that block as in PointPush-v0:
 *    along the contact normal until they just touch, the block clipped to
 *    [−0.9, 0.9]², and whatever the wall took off the block's move taken off
 *    the point's too (with one block this is PointPush-v0's step exactly).
 * 3. If the pushed block now overlaps one other block, it pushes that one by
 *    the same rule (contact distance 0.2), and whatever the wall took off the
 *    second block's move is taken off both the first block and the point, so
 *    the chain still just touches.
 * 4. The step is undone — the point and every block stay where they were,
 *    vx = vy = 0 — when it would need more than that (the point overlapping
 *    two blocks, the pushed block overlapping two others, a block pushed by a
 *    block overlapping yet another: a jam), or when it ends with anything out
 *    of its range or overlapping (beyond 1e-9, rounding). So the point pushes
 *    one block, which may shove one more aside (a non-target block sitting on
 *    the goal, say), and a stuck push blocks the point like a wall.
 * Velocity bound: the point's move is ≤ 0.1 per axis; each wall correction is
 * at most its block's push, and each push at most its pusher's move (they did
 * not overlap before), ≤ 0.1·√2; two corrections: ≤ 0.1·(1 + 2√2).
 *
 * ## Reward
 * With d = ‖target block − goal‖ after the step: `reward_type` "dense"
 * (default, meta-training): −d; "sparse" (meta-testing): 1 on a step with
 * d < `distance_threshold` (default 0.1, PointPush-v0's), else 0. Only the
 * target block counts: pushing the others changes nothing but the layout.
 * Success (`is_success`, every step): d < `distance_threshold`. d is computed
 * from the block's x, y as observed (float32) and the goal held as float32,
 * so a meta-learner that knows the task can recompute every reward exactly
 * from the observations. The reward after reset is 0 (no step yet).
 *
 * ## Episode end
 * Never terminates (the block may be pushed off the goal again); TRUNCATED
 * after `max_episode_steps` (default 100: the point crosses the arena in 20
 * steps; with 3 blocks, the scripted pusher of test/unit/point-blocks.test.ts
 * — PointPush-v0's demonstrator told the task — first succeeds after 16 steps
 * on average, at most 33, and ends on the goal in 1996 of 2000 seeded
 * episodes; the other 4 are jams it does not go around. With 8 blocks: 1885
 * of 2000, first success after 16 steps on average, at most 32).
 *
 * ## Starting state
 * In this order from the seeded stream, whatever the reset options (so one
 * seed gives one table layout for every task of it, see the last step):
 * 1. the point uniform in [−0.1, 0.1]², velocity 0;
 * 2. the target block uniform over 0 … blocks − 1 (one draw; replaced by the
 *    `target_block` reset option when given);
 * 3. the goal uniform in [−0.7, 0.7]² (two draws; replaced by the `goal`
 *    reset option, any point of the blocks' range [−0.9, 0.9]², when given);
 * 4. the blocks in index order, each uniform in [−0.7, 0.7]² (room for the
 *    point behind it from every side), drawn again until its centre is ≥ 0.3
 *    from every earlier block's (a gap of one point diameter) and ≥ 0.25 from
 *    the point's (a gap of 0.1), and, for the target block, until it is not
 *    already on the goal (d ≥ `distance_threshold`). A block that finds no
 *    place in 1000 draws starts the blocks over (never needed: over 100 000
 *    seeds with 8 blocks and threshold 0.5, a block took at most 77 draws).
 * The layout therefore depends on the seed and `blocks` only, except when the
 * target block's first draws land on the goal.
 *
 * Random exploration touches the blocks: a uniformly random policy moves some
 * block in 61 % of 100-step episodes with 3 blocks, the target block in 27 %
 * (1 block: 25 %; 8 blocks: some block 95 %, the target 27 %; seeds 0–1999).
 *
 * ## Info
 * `distance`: d = ‖target block − goal‖ after the step (nothing else: the
 * task's identity is not in it either).
 *
 * ## Viewer
 * `simbridge view` draws the point, the blocks, the goal (a flat green disc of
 * radius `distance_threshold`) and a green ball on the target block — for the
 * person watching; none of it reaches the agent.
 *
 * ## Version history
 * - v0: initial version.
 */
import { SimbridgeError } from "../../src/core/errors.js";
import { clip, listText, quote } from "../../src/core/quote.js";
import { Rng } from "../../src/core/rng.js";
import { boundedSpec } from "../../src/env/spec.js";
import { newTaskStep, StepStatus, type Options, type Task, type TaskFactory, type TaskSpec, type TaskStep } from "../../src/env/task.js";
import type { ViewModel } from "../../src/protocol/generated/simbridge/v1/ViewModel.js";
import { declareView, POSE_SIZE, type ViewSource } from "../../src/viewer/view-source.js";
import { pushDisc } from "./block-contact.js";
import { BLOCK_RADIUS, CONTACT_DISTANCE, POINT_RADIUS, PUSH_ARENA, PUSH_MAX_SPEED } from "./point-push-v0.js";
import { ball, BLOCK_COLOUR, disc, planarView } from "./point-views.js";

const NAME = "PointBlocks-v0";
const POINT_LIMIT = PUSH_ARENA - POINT_RADIUS;
const BLOCK_LIMIT = PUSH_ARENA - BLOCK_RADIUS;
/** Centre distance at which two blocks touch. */
export const BLOCK_CONTACT = 2 * BLOCK_RADIUS;
/** Overlap beyond rounding that makes a step be undone. */
const OVERLAP_TOLERANCE = 1e-9;
/** Declared bound of vx, vy: above the proven 0.1·(1 + 2√2) ≈ 0.383 (see "Dynamics"). */
const VELOCITY_BOUND = 0.4;
export const MAX_BLOCKS = 8;
const DEFAULT_BLOCKS = 3;
const DEFAULT_STEPS = 100;
const DEFAULT_THRESHOLD = 0.1;
const MAX_THRESHOLD = 0.5;
const POINT_START_HALF_WIDTH = 0.1;
const BLOCK_START_HALF_WIDTH = 0.7;
const GOAL_HALF_WIDTH = 0.7;
/** Least centre distance between two blocks at the start. */
const BLOCK_SPACING = 0.3;
/** Least centre distance between a block and the point at the start. */
const POINT_CLEARANCE = 0.25;
const PLACEMENT_ATTEMPTS = 1000;
const GOAL_COLOUR: readonly number[] = [0.13, 0.69, 0.25, 0.6];
const TARGET_COLOUR: readonly number[] = [0.13, 0.69, 0.25, 1];

type RewardType = "dense" | "sparse";

interface BlocksOptions {
  readonly blocks: number;
  readonly steps: number;
  readonly rewardType: RewardType;
  readonly threshold: number;
}

function got(v: unknown): string {
  return typeof v === "string" ? quote(v) : clip(String(v));
}

function resolve(options: Options): BlocksOptions {
  const blocks = options["blocks"] ?? DEFAULT_BLOCKS;
  if (typeof blocks !== "number" || !Number.isInteger(blocks) || blocks < 1 || blocks > MAX_BLOCKS) {
    throw SimbridgeError.invalidArgument(`options.blocks: expected an integer in [1, ${MAX_BLOCKS}], got ${got(blocks)}`, "options.blocks");
  }
  const steps = options["max_episode_steps"] ?? DEFAULT_STEPS;
  if (typeof steps !== "number" || !Number.isInteger(steps) || steps < 1) {
    throw SimbridgeError.invalidArgument(`options.max_episode_steps: must be a positive integer, got ${got(steps)}`, "options.max_episode_steps");
  }
  const rewardType = options["reward_type"] ?? "dense";
  if (rewardType !== "dense" && rewardType !== "sparse") {
    throw SimbridgeError.invalidArgument(`options.reward_type: expected dense or sparse, got ${got(rewardType)}`, "options.reward_type");
  }
  const threshold = options["distance_threshold"] ?? DEFAULT_THRESHOLD;
  if (typeof threshold !== "number" || !(threshold > 0 && threshold <= MAX_THRESHOLD)) {
    throw SimbridgeError.invalidArgument(`options.distance_threshold: must be a number in (0, ${MAX_THRESHOLD}], got ${got(threshold)}`, "options.distance_threshold");
  }
  return { blocks, steps, rewardType, threshold };
}

function spec(options: Options): TaskSpec {
  const o = resolve(options);
  // Bounds rounded as the float32 values they bound are: a float64 value ≤ b rounds to ≤ fround(b).
  const p = Math.fround(POINT_LIMIT);
  const b = Math.fround(BLOCK_LIMIT);
  const v = Math.fround(VELOCITY_BOUND);
  const low = [-p, -p, -v, -v];
  const high = [p, p, v, v];
  for (let i = 0; i < o.blocks; i++) {
    low.push(-b, -b);
    high.push(b, b);
  }
  return {
    name: NAME,
    description: "A point robot and several blocks; one hidden target block must be pushed to a hidden goal (one task per block and goal): MAESN's manipulation family; dense or sparse reward, pure TypeScript.",
    observations: [boundedSpec("observation", [4 + 2 * o.blocks], low, high)],
    action: boundedSpec("action", [2], -1, 1),
    hasReward: true,
    goalConditioned: false,
    blackBox: false,
    hasRewardFunction: false,
    maxEpisodeSteps: o.steps,
    controlDt: 0.05,
    infoKeys: ["distance"],
    makeOptions: [
      { name: "blocks", type: "number", doc: `Number of blocks on the table, an integer in [1, ${MAX_BLOCKS}].`, default: DEFAULT_BLOCKS },
      { name: "reward_type", type: "string", doc: "dense: −distance of the target block to the goal (meta-training); sparse: 1 while it is within distance_threshold, else 0 (meta-testing).", default: "dense" },
      { name: "distance_threshold", type: "number", doc: `Success (and sparse reward) when ‖target block − goal‖ is below this; in (0, ${MAX_THRESHOLD}].`, default: DEFAULT_THRESHOLD },
      { name: "max_episode_steps", type: "number", doc: "Steps until the episode is truncated.", default: DEFAULT_STEPS },
    ],
    resetOptions: [
      { name: "target_block", type: "number", doc: "The task's block: an integer in [0, blocks), instead of a random one." },
      { name: "goal", type: "tensor", doc: `The task's goal (x, y) in [−${BLOCK_LIMIT}, ${BLOCK_LIMIT}]² (the blocks' range), instead of a random one.` },
    ],
  };
}

/**
 * The state one step works on, in place: the observation's layout in float64 —
 * point x, y, point vx, vy, then x, y of each block.
 */
export type BlocksState = Float64Array;

/**
 * One step of the dynamics ("Dynamics" above) on `s` in place, for an action
 * already clipped to [−1, 1]; `before` (as long as `s`) is scratch space, the
 * state before the step. Allocation-free.
 */
export function pointBlocksMove(s: BlocksState, before: Float64Array, ax: number, ay: number): void {
  before.set(s);
  const px0 = s[0]!;
  const py0 = s[1]!;
  s[0] = Math.max(-POINT_LIMIT, Math.min(POINT_LIMIT, px0 + ax * PUSH_MAX_SPEED));
  s[1] = Math.max(-POINT_LIMIT, Math.min(POINT_LIMIT, py0 + ay * PUSH_MAX_SPEED));
  let ok = true;
  const a = touching(s, 0, CONTACT_DISTANCE, -1);
  if (a === JAM) ok = false;
  else if (a >= 0) {
    const ka = 4 + 2 * a;
    pushDisc(s, 0, ka, CONTACT_DISTANCE, BLOCK_LIMIT, s[0]! - px0, s[1]! - py0);
    const b = touching(s, ka, BLOCK_CONTACT, a);
    if (b === JAM) ok = false;
    else if (b >= 0) {
      const ax0 = s[ka]!;
      const ay0 = s[ka + 1]!;
      pushDisc(s, ka, 4 + 2 * b, BLOCK_CONTACT, BLOCK_LIMIT, ax0 - before[ka]!, ay0 - before[ka + 1]!);
      // The wall's correction of the second block goes down the whole chain.
      s[0] = s[0]! - (ax0 - s[ka]!);
      s[1] = s[1]! - (ay0 - s[ka + 1]!);
    }
  }
  if (ok) ok = valid(s);
  if (!ok) s.set(before);
  s[2] = s[0]! - px0;
  s[3] = s[1]! - py0;
}

/** `touching`'s answer for more than one block. */
const JAM = -2;

/**
 * The block overlapping the disc at s[k], s[k + 1] (centre distance below
 * `contact`), other than block `except`: its index, −1 for none, JAM for
 * more than one.
 */
function touching(s: BlocksState, k: number, contact: number, except: number): number {
  let found = -1;
  for (let i = 0, kb = 4; kb < s.length; i++, kb += 2) {
    if (i === except) continue;
    const dx = s[kb]! - s[k]!;
    const dy = s[kb + 1]! - s[k + 1]!;
    if (Math.sqrt(dx * dx + dy * dy) < contact) {
      if (found >= 0) return JAM;
      found = i;
    }
  }
  return found;
}

/** Everything inside its range, nothing overlapping beyond rounding. */
function valid(s: BlocksState): boolean {
  if (!(Math.abs(s[0]!) <= POINT_LIMIT && Math.abs(s[1]!) <= POINT_LIMIT)) return false;
  for (let kb = 4; kb < s.length; kb += 2) {
    const bx = s[kb]!;
    const by = s[kb + 1]!;
    if (!(Math.abs(bx) <= BLOCK_LIMIT && Math.abs(by) <= BLOCK_LIMIT)) return false;
    if (Math.hypot(bx - s[0]!, by - s[1]!) < CONTACT_DISTANCE - OVERLAP_TOLERANCE) return false;
    for (let kc = 4; kc < kb; kc += 2) {
      if (Math.hypot(bx - s[kc]!, by - s[kc + 1]!) < BLOCK_CONTACT - OVERLAP_TOLERANCE) return false;
    }
  }
  return true;
}

class PointBlocks implements Task {
  readonly out: TaskStep;
  private readonly rng = new Rng();
  private readonly n: number;
  private readonly s: BlocksState;
  /** Scratch for the step: the state before it. */
  private readonly before: Float64Array;
  private target = 0;
  /** The goal, held as float32 values. */
  private gx = 0;
  private gy = 0;
  private t = 0;

  constructor(
    readonly spec: TaskSpec,
    private readonly options: BlocksOptions,
  ) {
    this.n = options.blocks;
    this.s = new Float64Array(4 + 2 * this.n);
    this.before = new Float64Array(4 + 2 * this.n);
    this.out = newTaskStep(spec);
    declareView(this.out.observations, this.view());
  }

  validateResetOptions(options: Options): void {
    const target = options["target_block"];
    if (target !== undefined && (typeof target !== "number" || !Number.isInteger(target) || target < 0 || target >= this.n)) {
      throw SimbridgeError.invalidArgument(
        `options.target_block: expected an integer in [0, ${this.n}) (this env has ${this.n} block${this.n === 1 ? "" : "s"}), got ${target instanceof Float64Array ? "a tensor" : got(target)}`,
        "options.target_block",
      );
    }
    const goal = options["goal"];
    if (goal !== undefined && !(goal instanceof Float64Array)) {
      throw SimbridgeError.invalidArgument(`options.goal: expected a tensor of 2 values in [−${BLOCK_LIMIT}, ${BLOCK_LIMIT}] (the blocks' range), got ${got(goal)}`, "options.goal");
    }
    if (goal instanceof Float64Array && (goal.length !== 2 || !(Math.abs(goal[0]!) <= BLOCK_LIMIT) || !(Math.abs(goal[1]!) <= BLOCK_LIMIT))) {
      throw SimbridgeError.invalidArgument(`options.goal: expected 2 values in [−${BLOCK_LIMIT}, ${BLOCK_LIMIT}] (the blocks' range), got ${listText(goal)}`, "options.goal");
    }
  }

  reset(seed: number | undefined, options: Options): void {
    this.validateResetOptions(options);
    if (seed !== undefined) this.rng.seed(seed);
    const rng = this.rng;
    const s = this.s;
    const n = this.n;
    s[0] = rng.uniformRange(-POINT_START_HALF_WIDTH, POINT_START_HALF_WIDTH);
    s[1] = rng.uniformRange(-POINT_START_HALF_WIDTH, POINT_START_HALF_WIDTH);
    const drawnTarget = Math.min(n - 1, Math.floor(rng.uniform() * n));
    const drawnGx = rng.uniformRange(-GOAL_HALF_WIDTH, GOAL_HALF_WIDTH);
    const drawnGy = rng.uniformRange(-GOAL_HALF_WIDTH, GOAL_HALF_WIDTH);
    const target = options["target_block"];
    const goal = options["goal"];
    this.target = typeof target === "number" ? target : drawnTarget;
    this.gx = Math.fround(goal instanceof Float64Array ? goal[0]! : drawnGx);
    this.gy = Math.fround(goal instanceof Float64Array ? goal[1]! : drawnGy);
    s[2] = s[3] = 0;
    this.placeBlocks();
    this.t = 0;
    this.write(StepStatus.RUNNING, false);
  }

  step(action: Float32Array): void {
    pointBlocksMove(this.s, this.before, Math.max(-1, Math.min(1, action[0]!)), Math.max(-1, Math.min(1, action[1]!)));
    this.t++;
    this.write(this.t >= this.options.steps ? StepStatus.TRUNCATED : StepStatus.RUNNING, true);
  }

  close(): void {}

  /** Step 4 of the starting state: the blocks, kept apart from each other and from the point. */
  private placeBlocks(): void {
    const s = this.s;
    const rng = this.rng;
    for (let i = 0; i < this.n; ) {
      let placed = false;
      for (let attempt = 0; attempt < PLACEMENT_ATTEMPTS && !placed; attempt++) {
        const x = rng.uniformRange(-BLOCK_START_HALF_WIDTH, BLOCK_START_HALF_WIDTH);
        const y = rng.uniformRange(-BLOCK_START_HALF_WIDTH, BLOCK_START_HALF_WIDTH);
        placed = Math.hypot(x - s[0]!, y - s[1]!) >= POINT_CLEARANCE;
        for (let j = 0; j < i && placed; j++) placed = Math.hypot(x - s[4 + 2 * j]!, y - s[5 + 2 * j]!) >= BLOCK_SPACING;
        // On the float32 values the reward sees, so that no episode starts successful.
        if (placed && i === this.target) placed = Math.hypot(Math.fround(x) - this.gx, Math.fround(y) - this.gy) >= this.options.threshold;
        if (placed) {
          s[4 + 2 * i] = x;
          s[5 + 2 * i] = y;
        }
      }
      i = placed ? i + 1 : 0;
    }
  }

  /** The observation, reward (0 after reset: no step yet), status, success and info. */
  private write(status: StepStatus, stepped: boolean): void {
    const s = this.s;
    const obs = this.out.observations[0]!;
    for (let i = 0; i < s.length; i++) obs[i] = s[i]!;
    // From the float32 values as observed (see "Reward").
    const k = 4 + 2 * this.target;
    const distance = Math.hypot(obs[k]! - this.gx, obs[k + 1]! - this.gy);
    const within = distance < this.options.threshold;
    this.out.reward = !stepped ? 0 : this.options.rewardType === "dense" ? -distance : within ? 1 : 0;
    this.out.status = status;
    this.out.isSuccess = within;
    this.out.info[0] = distance;
  }

  /** The planar view of the point and the blocks, with the goal and a mark on the target block posed from the task. */
  private view(): ViewSource {
    const n = this.n;
    const base = planarView(
      this.out.observations,
      {
        halfExtent: PUSH_ARENA,
        center: [0, 0],
        walls: [],
        bodies: [
          { name: "point", geom: disc(POINT_RADIUS), xIndex: 0, yIndex: 1 },
          ...Array.from({ length: n }, (_, i) => ({ name: `block${i}`, geom: disc(BLOCK_RADIUS, BLOCK_COLOUR), xIndex: 4 + 2 * i, yIndex: 5 + 2 * i })),
        ],
      },
      this.options.threshold,
    );
    const goalBody = n + 2;
    const markBody = n + 3;
    const threshold = this.options.threshold;
    let model: ViewModel | undefined;
    return {
      model: () => {
        if (model) return model;
        const m = base.model();
        model = {
          ...m,
          bodies: [...m.bodies!, "goal", "target_mark"],
          geoms: [
            ...m.geoms!,
            { ...disc(threshold, GOAL_COLOUR), size: [threshold, 0.002, 0], pos: [0, 0, 0.002], body: goalBody },
            { ...ball(0.03, TARGET_COLOUR), pos: [0, 0, BLOCK_RADIUS + 0.03], body: markBody },
          ],
        };
        return model;
      },
      writePoses: (out: Float32Array): void => {
        base.writePoses(out);
        const g = POSE_SIZE * goalBody;
        out[g] = this.gx;
        out[g + 1] = this.gy;
        out[g + 3] = 1;
        const k = 4 + 2 * this.target;
        const m = POSE_SIZE * markBody;
        out[m] = this.s[k]!;
        out[m + 1] = this.s[k + 1]!;
        out[m + 3] = 1;
      },
    };
  }
}

export const pointBlocksV0: TaskFactory = {
  name: NAME,
  spec,
  async create(options: Options) {
    return new PointBlocks(spec(options), resolve(options));
  },
};
