/**
 * MJCF of the quadruped Ant (used by `Ant-v5`).
 *
 * Written for simbridge from the model facts in ALGORITHMS.md ("Model facts for
 * the MJCF files"), which give the numbers of Gymnasium's `ant.xml`: timestep
 * 0.01 with RK4, angles in degrees, inertia from geoms of density 5, a 0.25 m
 * sphere torso on a free joint at z 0.75, and four legs at +-45 degrees made of
 * an auxiliary capsule, a hip (hinge about z, +-30 deg) and an ankle (hinge about
 * the horizontal axis perpendicular to the leg, 30..70 deg in magnitude).
 *
 * What the observation and reward depend on, and therefore kept as in Gymnasium:
 * - Three bodies per leg (auxiliary, hip, ankle), so 14 bodies in all and
 *   `cfrc_ext[1:]` has 13 x 6 = 78 numbers, in the order front-left, front-right,
 *   back-left, back-right.
 * - The actuator order: back-right (hip, ankle), front-left, front-right,
 *   back-left; the action table of `ant-v5.ts` follows it.
 * - Only the floor has conaffinity 1, so the legs touch the floor but never each
 *   other.
 *
 * `<size memory="2M"/>`: without it MuJoCo 3 reserves about 14 MB of arena
 * (contacts, constraints, stack) per MjData, which caps a process at ~140 envs
 * in the 2 GB of WASM memory; this model uses about 35 KB of it, even in long random
 * rollouts. The arena size changes capacity, never the physics. MuJoCo 2.2
 * does not know the attribute: the native benchmark removes it.
 *
 * Embedded as a string so that the compiled JavaScript (dist/) needs no asset
 * files next to it. Otherwise kept to MJCF understood by MuJoCo 2.2 as well, so that the
 * native baseline of `simbridge bench physics` can load the same text.
 */
export const ANT_XML = `<mujoco model="simbridge-ant">
  <compiler angle="degree" inertiafromgeom="true"/>
  <size memory="2M"/>
  <option timestep="0.01" integrator="RK4"/>
  <default>
    <joint armature="1" damping="1" limited="true"/>
    <geom condim="3" conaffinity="0" density="5.0" friction="1 0.5 0.5" margin="0.01" rgba="0.8 0.6 0.4 1"/>
  </default>
  <worldbody>
    <geom name="floor" type="plane" pos="0 0 0" size="40 40 40" conaffinity="1" condim="3" rgba="0.8 0.9 0.8 1"/>
    <body name="torso" pos="0 0 0.75">
      <geom name="torso_geom" type="sphere" pos="0 0 0" size="0.25"/>
      <joint name="root" type="free" pos="0 0 0" armature="0" damping="0" limited="false" margin="0.01"/>

      <!-- Leg 1, front left (+x, +y). -->
      <body name="front_left_leg" pos="0 0 0">
        <geom name="front_left_aux_geom" type="capsule" fromto="0 0 0 0.2 0.2 0" size="0.08"/>
        <body name="front_left_hip" pos="0.2 0.2 0">
          <joint name="hip_1" type="hinge" axis="0 0 1" pos="0 0 0" range="-30 30"/>
          <geom name="front_left_leg_geom" type="capsule" fromto="0 0 0 0.2 0.2 0" size="0.08"/>
          <body name="front_left_foot" pos="0.2 0.2 0">
            <joint name="ankle_1" type="hinge" axis="-1 1 0" pos="0 0 0" range="30 70"/>
            <geom name="front_left_ankle_geom" type="capsule" fromto="0 0 0 0.4 0.4 0" size="0.08"/>
          </body>
        </body>
      </body>

      <!-- Leg 2, front right (-x, +y). -->
      <body name="front_right_leg" pos="0 0 0">
        <geom name="front_right_aux_geom" type="capsule" fromto="0 0 0 -0.2 0.2 0" size="0.08"/>
        <body name="front_right_hip" pos="-0.2 0.2 0">
          <joint name="hip_2" type="hinge" axis="0 0 1" pos="0 0 0" range="-30 30"/>
          <geom name="front_right_leg_geom" type="capsule" fromto="0 0 0 -0.2 0.2 0" size="0.08"/>
          <body name="front_right_foot" pos="-0.2 0.2 0">
            <joint name="ankle_2" type="hinge" axis="1 1 0" pos="0 0 0" range="-70 -30"/>
            <geom name="front_right_ankle_geom" type="capsule" fromto="0 0 0 -0.4 0.4 0" size="0.08"/>
          </body>
        </body>
      </body>

      <!-- Leg 3, back left (-x, -y). -->
      <body name="back_left_leg" pos="0 0 0">
        <geom name="back_left_aux_geom" type="capsule" fromto="0 0 0 -0.2 -0.2 0" size="0.08"/>
        <body name="back_left_hip" pos="-0.2 -0.2 0">
          <joint name="hip_3" type="hinge" axis="0 0 1" pos="0 0 0" range="-30 30"/>
          <geom name="back_left_leg_geom" type="capsule" fromto="0 0 0 -0.2 -0.2 0" size="0.08"/>
          <body name="back_left_foot" pos="-0.2 -0.2 0">
            <joint name="ankle_3" type="hinge" axis="-1 1 0" pos="0 0 0" range="-70 -30"/>
            <geom name="back_left_ankle_geom" type="capsule" fromto="0 0 0 -0.4 -0.4 0" size="0.08"/>
          </body>
        </body>
      </body>

      <!-- Leg 4, back right (+x, -y). -->
      <body name="back_right_leg" pos="0 0 0">
        <geom name="back_right_aux_geom" type="capsule" fromto="0 0 0 0.2 -0.2 0" size="0.08"/>
        <body name="back_right_hip" pos="0.2 -0.2 0">
          <joint name="hip_4" type="hinge" axis="0 0 1" pos="0 0 0" range="-30 30"/>
          <geom name="back_right_leg_geom" type="capsule" fromto="0 0 0 0.2 -0.2 0" size="0.08"/>
          <body name="back_right_foot" pos="0.2 -0.2 0">
            <joint name="ankle_4" type="hinge" axis="1 1 0" pos="0 0 0" range="30 70"/>
            <geom name="back_right_ankle_geom" type="capsule" fromto="0 0 0 0.4 -0.4 0" size="0.08"/>
          </body>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="hip_4" joint="hip_4" gear="150" ctrllimited="true" ctrlrange="-1 1"/>
    <motor name="ankle_4" joint="ankle_4" gear="150" ctrllimited="true" ctrlrange="-1 1"/>
    <motor name="hip_1" joint="hip_1" gear="150" ctrllimited="true" ctrlrange="-1 1"/>
    <motor name="ankle_1" joint="ankle_1" gear="150" ctrllimited="true" ctrlrange="-1 1"/>
    <motor name="hip_2" joint="hip_2" gear="150" ctrllimited="true" ctrlrange="-1 1"/>
    <motor name="ankle_2" joint="ankle_2" gear="150" ctrllimited="true" ctrlrange="-1 1"/>
    <motor name="hip_3" joint="hip_3" gear="150" ctrllimited="true" ctrlrange="-1 1"/>
    <motor name="ankle_3" joint="ankle_3" gear="150" ctrllimited="true" ctrlrange="-1 1"/>
  </actuator>
</mujoco>
`;
