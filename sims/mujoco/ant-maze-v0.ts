/**
 * # AntMaze-v0
 *
 * HIRO's Ant Maze (Nachum et al. 2018, "Data-Efficient Hierarchical
 * Reinforcement Learning"; tensorflow/models `research/efficient-hrl`): HIRO's
 * ant (torques up to ±30 on eight hinges) walks through a ⊃-shaped corridor of
 * 8 × 8 m cells to a goal. The paper's metric is the success rate at the goal
 * (0, 16), the far end of the corridor, reached by going right, down and back
 * left. The model is `assets/hiro-ant-xml.ts`, the layout `MAZE` of
 * `sims/maze-layout.ts`; the task logic shared with AntPush-v0 and AntFall-v0
 * is `hiro-ant-task.ts`. Facts from RESEARCH-2.md §1.
 *
 * ## The maze
 * Cells of 8 m (walls 4 m high); `#` wall, `.` free, `S` start (the origin),
 * `G` the evaluation goal; x to the right, y down the page:
 *
 * ```
 *  y \ x  -8   0   8  16  24
 *   -8     #   #   #   #   #
 *    0     #   S   .   .   #
 *    8     #   #   #   .   #
 *   16     #   G   .   .   #
 *   24     #   #   #   #   #
 * ```
 * Free cell centres: (0,0), (8,0), (16,0), (16,8), (16,16), (8,16), (0,16).
 * The walls are MuJoCo boxes: the ant collides with them.
 *
 * ## Action space
 * `Box(-30, 30, (8,), float32)`: torques (N·m, motor gear 1) on the hinges, in
 * the model's actuator order:
 *
 * | # | action                      | min | max | joint   |
 * |---|-----------------------------|-----|-----|---------|
 * | 0 | hip of the back-right leg   | -30 | 30  | hip_4   |
 * | 1 | ankle of the back-right leg | -30 | 30  | ankle_4 |
 * | 2 | hip of the front-left leg   | -30 | 30  | hip_1   |
 * | 3 | ankle of the front-left leg | -30 | 30  | ankle_1 |
 * | 4 | hip of the front-right leg  | -30 | 30  | hip_2   |
 * | 5 | ankle of the front-right leg| -30 | 30  | ankle_2 |
 * | 6 | hip of the back-left leg    | -30 | 30  | hip_3   |
 * | 7 | ankle of the back-left leg  | -30 | 30  | ankle_3 |
 *
 * Out-of-range actions are **clipped** to [−30, 30].
 *
 * ## Observation space
 * Three float32 tensors, unbounded.
 *
 * `observation` (30) — HIRO's maze observation, `qpos[0:15] + qvel[0:14] +
 * [t·0.001]`. The torso's x, y come **first**: hierarchical learners (HIRO)
 * take their subgoals from the first observation entries.
 *
 * | #     | observation                                                   | unit                     |
 * |-------|---------------------------------------------------------------|--------------------------|
 * | 0–1   | torso x, y                                                    | position (m)             |
 * | 2     | torso z                                                       | position (m)             |
 * | 3–6   | torso orientation quaternion (w, x, y, z)                     | unitless                 |
 * | 7–14  | joint angles: hip_1, ankle_1, hip_2, ankle_2, hip_3, ankle_3, hip_4, ankle_4 | angle (rad) |
 * | 15–17 | torso linear velocity (x, y, z)                               | velocity (m/s)           |
 * | 18–20 | torso angular velocity (x, y, z)                              | angular velocity (rad/s) |
 * | 21–28 | joint angular velocities, same order as 7–14                  | angular velocity (rad/s) |
 * | 29    | time: control steps taken in the episode × 0.001               | unitless                 |
 *
 * `achieved_goal` (2): torso (x, y) = observation[0:2]. `desired_goal` (2):
 * the goal (x, y), constant through an episode.
 *
 * ## Goals
 * Training goals (make option `goal` = "random", the default): uniform in
 * [−4, 20] × [−4, 20], the box around the maze's free cells (HIRO's
 * `ant_maze.gin` range; a goal may fall inside a wall). Evaluation: `goal` =
 * "0,16" (the paper's; HIRO's configs also evaluate "16,0" and "16,16"). A
 * reset option `goal` (a tensor of 2) overrides both for one episode.
 *
 * ## Rewards
 * `computeReward(achieved, desired)`, evaluated on the step's float32 goals:
 * - `reward_type` "dense" (default, HIRO's): `−‖achieved − desired‖`;
 * - "sparse": −1 until `‖achieved − desired‖ < distance_threshold`, then 0.
 * `isSuccess` is `‖achieved − desired‖ < distance_threshold` (5 m, HIRO's),
 * reported every step: HIRO counts an evaluation episode a success when its
 * **final** step is. Reset reports reward 0. Info: `distance`.
 *
 * ## Starting state
 * The ant at the origin, z 0.75, upright with straight legs; `qpos[0:15] += U(−0.1,
 * 0.1)` per element and `qvel[0:14] = 0.1·N(0, 1)` (HIRO's AntEnv.reset_model),
 * then the goal, all from the task's seeded stream (the goal is drawn even
 * when fixed, so a seed gives the same start either way).
 *
 * ## Episode end
 * - Termination: never (HIRO's maze env never sets done; a flipped ant stays flipped).
 * - Truncation: after `max_episode_steps` control steps (default 500, HIRO's;
 *   TRUNCATED).
 *
 * ## Physics
 * Timestep 0.02 s, RK4, frame skip 5: one control step is 0.1 s, an episode 50 s.
 *
 * ## Options
 * Make options: `max_episode_steps` (500), `reward_type` ("dense" | "sparse"),
 * `distance_threshold` (5), `goal` ("random" | "X,Y"). Reset option: `goal`
 * (tensor of 2). Bad values are INVALID_ARGUMENT naming the option.
 *
 * ## Version history
 * - v0 (simbridge 0.1): first version.
 */
import { MAZE } from "../maze-layout.js";
import { hiroAntTaskFactory } from "./hiro-ant-task.js";

export const antMazeV0Factory = hiroAntTaskFactory({
  name: "AntMaze-v0",
  description:
    "HIRO's Ant Maze: the ant (torques ±30) walks a ⊃-shaped corridor of 8 m cells to a goal (x, y); " +
    "reward −distance (or sparse), success within 5 m, 500 steps; evaluate with goal \"0,16\".",
  layout: MAZE,
  goalLow: [-4, -4],
  goalHigh: [20, 20],
  evalGoal: [0, 16],
});
