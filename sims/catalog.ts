/**
 * The tasks this repository ships, as one registry: what `simbridge serve`
 * offers by default and what `simbridge tasks` lists.
 */
import { TaskRegistry } from "../src/env/task-registry.js";
import { mujocoTaskFactories } from "./mujoco/index.js";
import { pointBlocksV0 } from "./point/point-blocks-v0.js";
import { pointGoalV0 } from "./point/point-goal-v0.js";
import { pointMazeV0 } from "./point/point-maze-v0.js";
import { pointPushV0 } from "./point/point-push-v0.js";
import { pointReachV0 } from "./point/point-reach-v0.js";

export function builtinRegistry(): TaskRegistry {
  return new TaskRegistry([...mujocoTaskFactories, pointReachV0, pointMazeV0, pointPushV0, pointGoalV0, pointBlocksV0]);
}
