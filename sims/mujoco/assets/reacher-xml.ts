/**
 * MJCF of the two-link planar Reacher (used by `Reacher-v5` and `ReacherGoal-v0`).
 *
 * Written for simbridge from the model facts in ALGORITHMS.md ("Model facts for
 * the MJCF files"), which give the numbers of Gymnasium's `reacher.xml`:
 * timestep 0.01 with RK4, joints with armature 1 and damping 1, geoms that never
 * collide (contype 0), two 0.1 m links, a fingertip 0.11 m past the elbow, and a
 * target on two slide joints. The slide joints carry `ref` = the target body's
 * offset so that their qpos is the target's world (x, y) position.
 *
 * `<size memory="256K"/>`: without it MuJoCo 3 reserves about 14 MB of arena
 * (contacts, constraints, stack) per MjData, which caps a process at ~140 envs
 * in the 2 GB of WASM memory; this model uses about 2 KB of it, even in long random
 * rollouts. The arena size changes capacity, never the physics. MuJoCo 2.2
 * does not know the attribute: the native benchmark removes it.
 *
 * Embedded as a string so that the compiled JavaScript (dist/) needs no asset
 * files next to it. Otherwise kept to MJCF understood by MuJoCo 2.2 as well, so that the
 * native baseline of `simbridge bench physics` can load the same text.
 */
export const REACHER_XML = `<mujoco model="simbridge-reacher">
  <compiler angle="radian" inertiafromgeom="true"/>
  <size memory="256K"/>
  <option timestep="0.01" integrator="RK4" gravity="0 0 -9.81"/>
  <default>
    <joint armature="1" damping="1" limited="true"/>
    <geom contype="0" conaffinity="0" friction="1 0.1 0.1" rgba="0.7 0.7 0 1"/>
  </default>
  <worldbody>
    <!-- Arena: a 1 x 1 floor and four low walls at +-0.3 (visual only: nothing collides). -->
    <geom name="ground" type="plane" pos="0 0 0" size="1 1 10" rgba="0.9 0.9 0.9 1"/>
    <geom name="wall_south" type="capsule" fromto="-0.3 -0.3 0.01 0.3 -0.3 0.01" size="0.02" rgba="0.9 0.4 0.6 1"/>
    <geom name="wall_east" type="capsule" fromto="0.3 -0.3 0.01 0.3 0.3 0.01" size="0.02" rgba="0.9 0.4 0.6 1"/>
    <geom name="wall_north" type="capsule" fromto="-0.3 0.3 0.01 0.3 0.3 0.01" size="0.02" rgba="0.9 0.4 0.6 1"/>
    <geom name="wall_west" type="capsule" fromto="-0.3 -0.3 0.01 -0.3 0.3 0.01" size="0.02" rgba="0.9 0.4 0.6 1"/>
    <geom name="root" type="cylinder" fromto="0 0 0 0 0 0.02" size="0.011" rgba="0.9 0.4 0.6 1"/>

    <!-- The arm: shoulder (joint0, unlimited) and elbow (joint1, +-3 rad). -->
    <body name="body0" pos="0 0 0.01">
      <joint name="joint0" type="hinge" axis="0 0 1" pos="0 0 0" limited="false"/>
      <geom name="link0" type="capsule" fromto="0 0 0 0.1 0 0" size="0.01" rgba="0 0.4 0.6 1"/>
      <body name="body1" pos="0.1 0 0">
        <joint name="joint1" type="hinge" axis="0 0 1" pos="0 0 0" range="-3 3"/>
        <geom name="link1" type="capsule" fromto="0 0 0 0.1 0 0" size="0.01" rgba="0 0.4 0.6 1"/>
        <body name="fingertip" pos="0.11 0 0">
          <geom name="fingertip" type="sphere" pos="0 0 0" size="0.01" rgba="0 0.8 0.6 1"/>
        </body>
      </body>
    </body>

    <!-- The target: two passive slide joints; qpos = world (x, y) thanks to ref. -->
    <body name="target" pos="0.1 -0.1 0.01">
      <joint name="target_x" type="slide" axis="1 0 0" pos="0 0 0" range="-0.27 0.27" ref="0.1" armature="0" damping="0" stiffness="0"/>
      <joint name="target_y" type="slide" axis="0 1 0" pos="0 0 0" range="-0.27 0.27" ref="-0.1" armature="0" damping="0" stiffness="0"/>
      <geom name="target" type="sphere" pos="0 0 0" size="0.009" rgba="0.9 0.2 0.2 1"/>
    </body>
  </worldbody>
  <actuator>
    <motor name="shoulder" joint="joint0" gear="200" ctrllimited="true" ctrlrange="-1 1"/>
    <motor name="elbow" joint="joint1" gear="200" ctrllimited="true" ctrlrange="-1 1"/>
  </actuator>
</mujoco>
`;
