/**
 * # AntFall-v0
 *
 * HIRO's Ant Fall (Nachum et al. 2018; tensorflow/models
 * `research/efficient-hrl`): the maze stands on a 4 m high platform with a
 * chasm across it; the ant must push a block into the chasm and walk over it
 * to reach the goal (0, 27, 4.5) on the far side. A 3-D goal: the height says
 * whether the ant got across or fell in. The model is
 * `assets/hiro-ant-xml.ts`, the layout `FALL` of `sims/maze-layout.ts`, the
 * logic `hiro-ant-task.ts` (shared with AntMaze-v0). Facts from RESEARCH-2.md §1.
 *
 * ## The maze
 * Cells of 8 m; the platform (top at z 4) under every cell but the chasm `~`;
 * walls 4 m high on top of it; `#` wall, `.` free, `S` start (the origin),
 * `B` the movable block, `G` the goal's cell; x to the right, y down the page:
 *
 * ```
 *  y \ x  -8   0   8  16
 *   -8     #   #   #   #
 *    0     #   S   .   #
 *    8     #   .   B   #
 *   16     #   ~   ~   #
 *   24     #   G   .   #
 *   32     #   #   #   #
 * ```
 * The block (mass 0.001 kg, 7.92 × 7.92 × 4 m: 1 % narrower so it fits the
 * gap) is centred at (8, 8, 6) and slides along y (±8 m) and z ([−4, 0] m,
 * qpos[15:17], not observed): pushed +y into the chasm it drops to the floor,
 * its top level with the platform, and becomes a bridge. Contacts use
 * `solimp .995 .995 .01` as HIRO's model does when blocks exist.
 *
 * ## Action space
 * As AntMaze-v0: `Box(-30, 30, (8,), float32)`, torques on hip_4, ankle_4,
 * hip_1, ankle_1, hip_2, ankle_2, hip_3, ankle_3; clipped.
 *
 * ## Observation space
 * As AntMaze-v0: `observation` (30) = `qpos[0:15] + qvel[0:14] + [t·0.001]`,
 * x, y first (z, at index 2, is about 4.75 on the platform);
 * `achieved_goal` (3) = torso (x, y, z); `desired_goal` (3) = the goal.
 *
 * ## Goals
 * Training (make option `goal` = "random", the default): uniform in
 * [−4, 12] × [−4, 28] × [0, 5] (HIRO's `ant_fall_multi.gin`). Evaluation:
 * `goal` = "0,27,4.5". Reset option `goal` (tensor of 3) overrides both.
 *
 * ## Rewards
 * As AntMaze-v0 but over (x, y, z): `reward_type` "dense" (default)
 * `−‖achieved − desired‖`, or "sparse" −1 / 0 within `distance_threshold`;
 * `computeReward` is the same function; success when the distance is below
 * `distance_threshold` (5 m), every step — the final step decides an
 * evaluation episode. Info: `distance`.
 *
 * ## Starting state
 * The ant at the origin on the platform, z 0.75 + 4 = 4.75 (it settles onto
 * its legs in the first steps), with AntMaze-v0's noise (U(−0.1, 0.1) on
 * qpos[0:15], 0.1·N(0, 1) on qvel[0:14]); the block exactly at rest.
 *
 * ## Episode end
 * Never terminates (not even in the chasm); TRUNCATED after
 * `max_episode_steps` (default 500).
 *
 * ## Physics
 * Timestep 0.02 s, RK4, frame skip 5: one control step is 0.1 s.
 *
 * ## Options
 * Make options: `max_episode_steps` (500), `reward_type` ("dense" | "sparse"),
 * `distance_threshold` (5), `goal` ("random" | "X,Y,Z"). Reset option: `goal`
 * (tensor of 3).
 *
 * ## Version history
 * - v0 (simbridge 0.1): first version.
 */
import { FALL } from "../maze-layout.js";
import { hiroAntTaskFactory } from "./hiro-ant-task.js";

export const antFallV0Factory = hiroAntTaskFactory({
  name: "AntFall-v0",
  description:
    "HIRO's Ant Fall: on a raised maze the ant must push a block into a chasm and cross it to a goal (x, y, z); " +
    "reward −distance (or sparse), success within 5 m, 500 steps; evaluate with goal \"0,27,4.5\".",
  layout: FALL,
  goalLow: [-4, -4, 0],
  goalHigh: [12, 28, 5],
  evalGoal: [0, 27, 4.5],
});
