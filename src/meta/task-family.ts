/**
 * Task families for meta-learning (src/meta/meta-run.ts): one simulator task
 * whose reset options pick a task of the family, a make option for the dense
 * meta-training reward and one for the sparse meta-test reward, and fixed
 * training tasks (each keeps its own latent distribution in MAESN) and
 * held-out test tasks drawn apart from them.
 */
import { Rng } from "../core/rng.js";
import type { Options } from "../env/task.js";

export interface TaskFamily {
  readonly name: string;
  readonly description: string;
  /** The simulator task, e.g. PointGoal-v0. */
  readonly task: string;
  /** Make options of the meta-training envs (the dense reward). */
  readonly trainOptions: Options;
  /** Make options of the meta-test envs (the sparse reward). */
  readonly testOptions: Options;
  /** Reset options of `count` training tasks (the same for a given count). */
  trainTasks(count: number): Options[];
  /** Reset options of `count` held-out test tasks (the same for a given count; never a training task). */
  testTasks(count: number): Options[];
}

/** Held-out tasks come from their own fixed stream, so no seed of a run changes them. */
const TEST_STREAM = 1_000_003;

/**
 * point-goal: PointGoal-v0's goals on the upper unit semicircle (MAML's 2-D
 * navigation, MAESN's point robot). Training goals at evenly spaced angles
 * π(i + ½)/n; test goals at angles uniform in [0, π] from a fixed stream.
 */
export const pointGoalFamily: TaskFamily = {
  name: "point-goal",
  description: "PointGoal-v0: a hidden goal on the unit semicircle; dense −distance at meta-training, sparse (1 within 0.2) at meta-test",
  task: "PointGoal-v0",
  trainOptions: { reward_type: "dense" },
  testOptions: { reward_type: "sparse" },
  trainTasks: (count) => Array.from({ length: count }, (_, i) => ({ goal_angle: (Math.PI * (i + 0.5)) / count })),
  testTasks: (count) => {
    const rng = new Rng(TEST_STREAM);
    return Array.from({ length: count }, () => ({ goal_angle: rng.uniformRange(0, Math.PI) }));
  },
};

/**
 * point-blocks: PointBlocks-v0 (MAESN's manipulation family): which block must
 * go where. Training and test tasks draw the block and a goal in [−0.8, 0.8]²
 * from separate fixed streams.
 */
export const pointBlocksFamily: TaskFamily = {
  name: "point-blocks",
  description: "PointBlocks-v0 (3 blocks): push the one unknown block to a hidden goal; dense −distance at meta-training, sparse at meta-test",
  task: "PointBlocks-v0",
  trainOptions: { reward_type: "dense", blocks: 3 },
  testOptions: { reward_type: "sparse", blocks: 3 },
  trainTasks: (count) => blockTasks(count, new Rng(7)),
  testTasks: (count) => blockTasks(count, new Rng(TEST_STREAM)),
};

function blockTasks(count: number, rng: Rng): Options[] {
  return Array.from({ length: count }, () => ({
    target_block: Math.floor(rng.uniform() * 3),
    goal: Float64Array.of(rng.uniformRange(-0.8, 0.8), rng.uniformRange(-0.8, 0.8)),
  }));
}

export const TASK_FAMILIES: readonly TaskFamily[] = [pointGoalFamily, pointBlocksFamily];

export function taskFamily(name: string): TaskFamily {
  const f = TASK_FAMILIES.find((x) => x.name === name);
  if (!f) throw new Error(`unknown task family ${JSON.stringify(name)}; known: ${TASK_FAMILIES.map((x) => x.name).join(", ")}`);
  return f;
}
