/**
 * MJCF of HIRO's ant in one of HIRO's mazes (used by `AntMaze-v0`,
 * `AntPush-v0`, `AntFall-v0`; the layouts are `sims/maze-layout.ts`).
 *
 * Written for simbridge from numbers, not from HIRO's files. Where each number
 * comes from:
 *
 * | what | value | source |
 * |------|-------|--------|
 * | physics | timestep 0.02 s, RK4 | RESEARCH-2.md §1, HIRO `environments/assets/ant.xml` |
 * | motors | 8, `ctrlrange −30 30`, gear 1 | RESEARCH-2.md §1 (HIRO's ant.xml) |
 * | torso | sphere r = 0.25 on a free joint at z 0.75 (+ h·S when elevated) | RESEARCH-2.md §1 |
 * | legs, defaults | as Gymnasium's ant: angles in degrees, inertia from geoms of density 5, joints armature 1 / damping 1 / limited, geoms condim 3 / friction (1, 0.5, 0.5) / margin 0.01, capsules r 0.08 (aux 0.2·√2, hip 0.2·√2, ankle 0.4·√2 long at ±45°), hip ±30°, ankle 30..70° (front-left, back-right) or −70..−30°, floor plane 40 × 40 | ALGORITHMS.md "Model facts" (Ant); RESEARCH-2 gives no other leg numbers |
 * | actuator order | hip_4, ankle_4, hip_1, ankle_1, hip_2, ankle_2, hip_3, ankle_3 | Gymnasium's order, as `ant-xml.ts` (no source gives HIRO's; the tables follow the model) |
 * | contacts | only the floor and the maze's boxes have conaffinity 1: the legs touch floor, walls and blocks, never each other | ALGORITHMS.md (Gymnasium's defaults) and RESEARCH-2 (maze geoms) |
 * | walls | a box per wall cell, half-size (S/2, S/2, h·S/2) at (j·S − torso_x, i·S − torso_y, offset + h·S/2), contype = conaffinity = 1 | RESEARCH-2.md §1 (`maze_env.py`) |
 * | platform | when the maze has a chasm: a box (same size) at z h·S/2 under every non-chasm cell, torso start z 0.75 + h·S | RESEARCH-2.md §1 |
 * | movable blocks | a body where a wall would be, box of mass 0.0002 kg (0.001 when it can fall), slide joints per axis | RESEARCH-2.md §1 |
 * | block joints | x/y range ±S, limited only for falling blocks; z range [−h·S, 0] (falls onto the floor); armature 0, damping 0, margin 0.01 | RESEARCH-2 says "range ±S"; the rest read from HIRO's `maze_env.py` (tensorflow/models efficient-hrl) while writing this |
 * | falling block | 1 % narrower in x and y (0.99·S/2), so it fits the S-wide gap | HIRO's `maze_env.py` (same reading) |
 * | blocks present | `solimp ".995 .995 .01"` on the default geom (the ant's and the floor's too) | RESEARCH-2.md §1 |
 *
 * The ant comes first in the body tree, so `qpos[0:15]` and `qvel[0:14]` are
 * the ant's (x, y, z, quaternion w x y z, 8 joint angles; 6 + 8 velocities) and
 * the blocks' slide joints follow in the order x, y, z per block.
 *
 * HIRO's ant.xml also carries a `<custom>` `init_qpos` (torso z 0.55, ankles
 * ±1 rad); gym's MujocoEnv, which HIRO's AntEnv builds on, starts from the
 * model's qpos0 instead (inference from RESEARCH-2: "reset_model: qpos +=
 * U(−0.1, 0.1)" on `init_qpos`, gym's being qpos0), so it is left out here:
 * the torso starts at z 0.75 with straight legs, as in Gymnasium.
 *
 * `<size memory="2M"/>`: MuJoCo 3's arena per MjData (contacts, constraints,
 * stack); without it MuJoCo 3 reserves about 14 MB per env. 500 random steps
 * used at most 80 KB (AntPush, the ant against the block). MuJoCo 2.2 does not know the attribute (the
 * native benchmark removes it); everything else here is MJCF that 2.2 reads.
 */
import {
  heightOffset,
  isElevated,
  hasMovableBlocks,
  movableBlocks,
  platformBoxes,
  wallBoxes,
  type MazeBox,
  type MazeLayout,
} from "../../maze-layout.js";

/** HIRO's ant-maze geometry: cell size S = 8 m, walls h = 0.5 of S (4 m) high. */
export const HIRO_ANT_MAZE_SCALE = 8;
export const HIRO_MAZE_HEIGHT = 0.5;
/** Torso start height above the ground it stands on (m). */
export const HIRO_ANT_TORSO_Z = 0.75;
/** Physics timestep of HIRO's ant.xml (s). */
export const HIRO_ANT_TIMESTEP = 0.02;
/** Motor control range of HIRO's ant.xml (± N·m, gear 1). */
export const HIRO_ANT_CTRL_LIMIT = 30;
/** Degrees of freedom of the ant alone: qpos[0:15], qvel[0:14]. */
export const HIRO_ANT_NQ = 15;
export const HIRO_ANT_NV = 14;

/** Legs in the body order of Gymnasium's ant: name, joint suffix, direction (±1, ±1), ankle axis and range (degrees). */
const LEGS = [
  { name: "front_left", n: 1, dx: 1, dy: 1, ankleAxis: "-1 1 0", ankleRange: "30 70" },
  { name: "front_right", n: 2, dx: -1, dy: 1, ankleAxis: "1 1 0", ankleRange: "-70 -30" },
  { name: "back_left", n: 3, dx: -1, dy: -1, ankleAxis: "-1 1 0", ankleRange: "-70 -30" },
  { name: "back_right", n: 4, dx: 1, dy: -1, ankleAxis: "1 1 0", ankleRange: "30 70" },
] as const;

/** Actuated joints in actuator order (Gymnasium's). */
export const HIRO_ANT_ACTUATORS = ["hip_4", "ankle_4", "hip_1", "ankle_1", "hip_2", "ankle_2", "hip_3", "ankle_3"] as const;

/** Numbers printed without noise: integers as integers, others to 6 significant digits. */
function num(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}

function vec(v: readonly number[]): string {
  return v.map(num).join(" ");
}

function leg(l: (typeof LEGS)[number]): string {
  const a = `${num(0.2 * l.dx)} ${num(0.2 * l.dy)}`;
  const b = `${num(0.4 * l.dx)} ${num(0.4 * l.dy)}`;
  return `
      <body name="${l.name}_leg" pos="0 0 0">
        <geom name="${l.name}_aux_geom" type="capsule" fromto="0 0 0 ${a} 0" size="0.08"/>
        <body name="${l.name}_hip" pos="${a} 0">
          <joint name="hip_${l.n}" type="hinge" axis="0 0 1" pos="0 0 0" range="-30 30"/>
          <geom name="${l.name}_leg_geom" type="capsule" fromto="0 0 0 ${a} 0" size="0.08"/>
          <body name="${l.name}_foot" pos="${a} 0">
            <joint name="ankle_${l.n}" type="hinge" axis="${l.ankleAxis}" pos="0 0 0" range="${l.ankleRange}"/>
            <geom name="${l.name}_ankle_geom" type="capsule" fromto="0 0 0 ${b} 0" size="0.08"/>
          </body>
        </body>
      </body>`;
}

function box(name: string, b: MazeBox, rgba: string): string {
  return `    <geom name="${name}_${b.i}_${b.j}" type="box" pos="${vec(b.center)}" size="${vec(b.halfSize)}" contype="1" conaffinity="1" rgba="${rgba}"/>`;
}

/** The maze's world geoms and movable bodies, after the ant. */
function mazeBodies(layout: MazeLayout, scale: number, height: number): string {
  const lines: string[] = [];
  for (const b of platformBoxes(layout, scale, height)) lines.push(box("elevated", b, "0.9 0.9 0.9 1"));
  for (const b of wallBoxes(layout, scale, height)) lines.push(box("block", b, "0.4 0.4 0.4 1"));
  const offset = heightOffset(layout, scale, height);
  for (const b of movableBlocks(layout, scale, height)) {
    const shrink = b.falling ? 0.99 : 1;
    const size = [b.halfSize[0] * shrink, b.halfSize[1] * shrink, b.halfSize[2]];
    lines.push(`    <body name="moveable_${b.i}_${b.j}" pos="${vec(b.center)}">`);
    lines.push(
      `      <geom name="block_${b.i}_${b.j}" type="box" pos="0 0 0" size="${vec(size)}" mass="${b.falling ? "0.001" : "0.0002"}" contype="1" conaffinity="1" rgba="0.9 0.1 0.1 1"/>`,
    );
    const slide = (axis: "x" | "y" | "z", dir: string, limited: boolean, range: readonly [number, number]) =>
      `      <joint name="moveable_${axis}_${b.i}_${b.j}" type="slide" axis="${dir}" pos="0 0 0" limited="${limited}" range="${vec(range)}" armature="0" damping="0" margin="0.01"/>`;
    if (b.axes.includes("x")) lines.push(slide("x", "1 0 0", b.falling, [-scale, scale]));
    if (b.axes.includes("y")) lines.push(slide("y", "0 1 0", b.falling, [-scale, scale]));
    if (b.axes.includes("z")) lines.push(slide("z", "0 0 1", true, [-offset, 0]));
    lines.push("    </body>");
  }
  return lines.join("\n");
}

/**
 * HIRO's ant in `layout` at cell size `scale` (m) and wall height `height`
 * (a fraction of the scale): see the table in the file comment.
 */
export function hiroAntMazeXml(layout: MazeLayout, scale = HIRO_ANT_MAZE_SCALE, height = HIRO_MAZE_HEIGHT): string {
  if (!(scale > 0) || !(height > 0)) throw new Error(`hiroAntMazeXml: scale and height must be positive, got ${scale}, ${height}`);
  const torsoZ = HIRO_ANT_TORSO_Z + (isElevated(layout) ? height * scale : 0);
  const solimp = hasMovableBlocks(layout) ? ` solimp=".995 .995 .01"` : "";
  const motors = HIRO_ANT_ACTUATORS.map(
    (j) => `    <motor name="${j}" joint="${j}" gear="1" ctrllimited="true" ctrlrange="-${HIRO_ANT_CTRL_LIMIT} ${HIRO_ANT_CTRL_LIMIT}"/>`,
  ).join("\n");
  return `<mujoco model="simbridge-hiro-ant-${layout.name.toLowerCase()}">
  <compiler angle="degree" inertiafromgeom="true"/>
  <size memory="2M"/>
  <option timestep="${HIRO_ANT_TIMESTEP}" integrator="RK4"/>
  <default>
    <joint armature="1" damping="1" limited="true"/>
    <geom condim="3" conaffinity="0" density="5.0" friction="1 0.5 0.5" margin="0.01" rgba="0.8 0.6 0.4 1"${solimp}/>
  </default>
  <worldbody>
    <geom name="floor" type="plane" pos="0 0 0" size="40 40 40" conaffinity="1" condim="3" rgba="0.8 0.9 0.8 1"/>
    <body name="torso" pos="0 0 ${num(torsoZ)}">
      <geom name="torso_geom" type="sphere" pos="0 0 0" size="0.25"/>
      <joint name="root" type="free" pos="0 0 0" armature="0" damping="0" limited="false" margin="0.01"/>${LEGS.map(leg).join("")}
    </body>
${mazeBodies(layout, scale, height)}
  </worldbody>
  <actuator>
${motors}
  </actuator>
</mujoco>
`;
}
