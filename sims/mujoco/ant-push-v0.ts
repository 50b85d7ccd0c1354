/**
 * # AntPush-v0
 *
 * HIRO's Ant Push (Nachum et al. 2018; tensorflow/models
 * `research/efficient-hrl`): the way to the goal (0, 19) is blocked by a
 * movable block; the ant must first go left and down, push the block right
 * (+x) out of the way, then walk up to the goal — pushing it the obvious way
 * (+y) jams it in the goal's corridor. The model is `assets/hiro-ant-xml.ts`,
 * the layout `PUSH` of `sims/maze-layout.ts`, the logic `hiro-ant-task.ts`
 * (shared with AntMaze-v0). Facts from RESEARCH-2.md §1.
 *
 * ## The maze
 * Cells of 8 m (walls 4 m high); `#` wall, `.` free, `S` start (the origin),
 * `B` the movable block, `G` the evaluation goal's cell (the goal is (0, 19));
 * x to the right, y down the page:
 *
 * ```
 *  y \ x  -16  -8   0   8  16
 *   -8      #   #   #   #   #
 *    0      #   .   S   #   #
 *    8      #   .   B   .   #
 *   16      #   #   G   #   #
 *   24      #   #   #   #   #
 * ```
 * The block is an 8 × 8 × 4 m box of mass 0.0002 kg centred at (0, 8, 2),
 * sliding along x and y (two unlimited slide joints, qpos[15:17] and
 * qvel[14:16], not observed); contacts use `solimp .995 .995 .01` as HIRO's
 * model does when blocks exist.
 *
 * ## Action space
 * As AntMaze-v0: `Box(-30, 30, (8,), float32)`, torques on hip_4, ankle_4,
 * hip_1, ankle_1, hip_2, ankle_2, hip_3, ankle_3; clipped.
 *
 * ## Observation space
 * As AntMaze-v0: `observation` (30) = `qpos[0:15] + qvel[0:14] + [t·0.001]`,
 * the ant only (the block's position is not observed, as in HIRO), x, y
 * first; `achieved_goal` (2) = torso (x, y); `desired_goal` (2) = the goal.
 *
 * ## Goals
 * Training (make option `goal` = "random", the default): uniform in
 * [−16, 16] × [−4, 20] (HIRO's `ant_push_multi.gin`). Evaluation: `goal` =
 * "0,19" (HIRO's `ant_push_single.gin` trains on it too). Reset option `goal`
 * (tensor of 2) overrides both for one episode.
 *
 * ## Rewards
 * As AntMaze-v0: `reward_type` "dense" (default) `−‖achieved − desired‖`, or
 * "sparse" −1 / 0 within `distance_threshold`; `computeReward` is the same
 * function; success when the distance is below `distance_threshold` (5 m),
 * every step — the final step decides an evaluation episode. Info: `distance`.
 *
 * ## Starting state
 * The ant as in AntMaze-v0 (origin, z 0.75, U(−0.1, 0.1) on qpos[0:15],
 * 0.1·N(0, 1) on qvel[0:14]); the block exactly at rest in its cell.
 *
 * ## Episode end
 * Never terminates; TRUNCATED after `max_episode_steps` (default 500).
 *
 * ## Physics
 * Timestep 0.02 s, RK4, frame skip 5: one control step is 0.1 s.
 *
 * ## Options
 * Make options: `max_episode_steps` (500), `reward_type` ("dense" | "sparse"),
 * `distance_threshold` (5), `goal` ("random" | "X,Y"). Reset option: `goal`
 * (tensor of 2).
 *
 * ## Version history
 * - v0 (simbridge 0.1): first version.
 */
import { PUSH } from "../maze-layout.js";
import { hiroAntTaskFactory } from "./hiro-ant-task.js";

export const antPushV0Factory = hiroAntTaskFactory({
  name: "AntPush-v0",
  description:
    "HIRO's Ant Push: the ant must push a movable block aside to reach a goal (x, y) behind it; " +
    "reward −distance (or sparse), success within 5 m, 500 steps; evaluate with goal \"0,19\".",
  layout: PUSH,
  goalLow: [-16, -4],
  goalHigh: [16, 20],
  evalGoal: [0, 19],
});
