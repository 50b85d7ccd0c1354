/**
 * The MuJoCo tasks of simbridge. The rest of the project registers tasks from
 * `mujocoTaskFactories`; each task's documentation is the top comment of its file.
 *
 * | task             | file                 | obs                                   | action | steps |
 * |------------------|----------------------|---------------------------------------|--------|-------|
 * | Reacher-v5       | `reacher-v5.ts`      | 10                                    | 2      | 50    |
 * | ReacherGoal-v0   | `reacher-goal-v0.ts` | observation 6, achieved/desired goal 2 | 2     | 50    |
 * | Ant-v5           | `ant-v5.ts`          | 27 (105 with use_contact_forces)      | 8      | 1000  |
 * | ReacherMoving-v0 | `reacher-moving-v0.ts` | observation 6, achieved/desired goal 2 | 2 | 1000 |
 * | AntMaze-v0       | `ant-maze-v0.ts`     | observation 30, achieved/desired goal 2 | 8 (±30) | 500 |
 * | AntPush-v0       | `ant-push-v0.ts`     | observation 30, achieved/desired goal 2 | 8 (±30) | 500 |
 * | AntFall-v0       | `ant-fall-v0.ts`     | observation 30, achieved/desired goal 3 | 8 (±30) | 500 |
 *
 * The three HIRO ant tasks share `hiro-ant-task.ts` and the model builder
 * `assets/hiro-ant-xml.ts`; their mazes are `../maze-layout.ts`.
 */
import type { TaskFactory } from "../../src/env/task.js";
import { antFallV0Factory } from "./ant-fall-v0.js";
import { antMazeV0Factory } from "./ant-maze-v0.js";
import { antPushV0Factory } from "./ant-push-v0.js";
import { antV5Factory } from "./ant-v5.js";
import { reacherGoalV0Factory } from "./reacher-goal-v0.js";
import { reacherMovingV0Factory } from "./reacher-moving-v0.js";
import { reacherV5Factory } from "./reacher-v5.js";

export const mujocoTaskFactories: readonly TaskFactory[] = [
  reacherV5Factory,
  reacherGoalV0Factory,
  antV5Factory,
  reacherMovingV0Factory,
  antMazeV0Factory,
  antPushV0Factory,
  antFallV0Factory,
];

export { antFallV0Factory } from "./ant-fall-v0.js";
export { antMazeV0Factory } from "./ant-maze-v0.js";
export { antPushV0Factory } from "./ant-push-v0.js";
export { antV5Factory, AntV5 } from "./ant-v5.js";
export { HiroAntTask } from "./hiro-ant-task.js";
export { reacherGoalV0Factory, ReacherGoalV0 } from "./reacher-goal-v0.js";
export { reacherMovingV0Factory, ReacherMovingV0 } from "./reacher-moving-v0.js";
export { reacherV5Factory, ReacherV5 } from "./reacher-v5.js";
export { MujocoTask } from "./mujoco-task.js";
export { loadMujoco, mujocoVersion, wasmHeapBytes, MjSim } from "./mujoco-runtime.js";
