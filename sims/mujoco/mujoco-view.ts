/**
 * The view of a MuJoCo task (capability "viewer_model"): its compiled model's
 * bodies and primitive geoms as a ViewModel, and per frame every body's world
 * pose from MjData's `xpos` and `xquat`.
 *
 * Geoms are taken as MuJoCo's own viewer shows them by default: groups 0–2,
 * alpha > 0; planes, spheres, capsules, ellipsoids, cylinders and boxes
 * (height fields and meshes are left out: no built-in task has them). A geom
 * with a material and the default geom colour takes the material's colour.
 *
 * The poses are read, never computed: `mj_step` leaves `xpos`/`xquat` at the
 * state before its last integration (one physics step behind `qpos`, 10 ms for
 * Ant), which a viewer cannot tell apart. Running `mj_kinematics` here would
 * change what a task that reads body positions before its next step sees, so a
 * watched run would differ from an unwatched one.
 */
import type { ViewGeom } from "../../src/protocol/generated/simbridge/v1/ViewGeom.js";
import type { ViewModel } from "../../src/protocol/generated/simbridge/v1/ViewModel.js";
import type { ViewGeomShape } from "../../src/protocol/generated/simbridge/v1/ViewGeomShape.js";
import { POSE_SIZE, type ViewSource } from "../../src/viewer/view-source.js";
import type { MjSim } from "./mujoco-runtime.js";

/** mjtGeom → ViewGeomShape (the proto numbers PLANE 1, SPHERE 2 … BOX 6); absent: not drawn. */
const SHAPES: Readonly<Record<number, ViewGeomShape>> = { 0: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6 };
/** MuJoCo's viewer shows geom groups 0, 1 and 2 by default. */
const VISIBLE_GROUPS = 3;
const DEFAULT_RGBA = [0.5, 0.5, 0.5, 1];

export interface MujocoViewHints {
  /** Height of 2-D goal markers (m). */
  readonly goalZ?: number;
  readonly markerRadius?: number;
  readonly cameraTarget?: readonly number[];
  readonly cameraDistance?: number;
  /** A body the camera follows in x, y (by name). */
  readonly followBody?: string;
}

export function mujocoView(sim: MjSim, hints: MujocoViewHints = {}): ViewSource {
  return {
    model: () => mujocoViewModel(sim, hints),
    writePoses(out: Float32Array): void {
      sim.refresh();
      const xpos = sim.xpos;
      const xquat = sim.view("xquat");
      for (let b = 0; b < sim.nbody; b++) {
        out.set(xpos.subarray(3 * b, 3 * b + 3), POSE_SIZE * b);
        out.set(xquat.subarray(4 * b, 4 * b + 4), POSE_SIZE * b + 3);
      }
    },
  };
}

export function mujocoViewModel(sim: MjSim, hints: MujocoViewHints = {}): ViewModel {
  const m = sim.model as unknown as Record<string, ArrayLike<number> & { subarray?: unknown }> & { ngeom: number; nbody: number };
  const type = m["geom_type"] as Int32Array;
  const group = m["geom_group"] as Int32Array;
  const bodyId = m["geom_bodyid"] as Int32Array;
  const size = m["geom_size"] as Float64Array;
  const pos = m["geom_pos"] as Float64Array;
  const quat = m["geom_quat"] as Float64Array;
  const rgba = m["geom_rgba"] as Float32Array;
  const matId = m["geom_matid"] as Int32Array;
  const matRgba = m["mat_rgba"] as Float32Array;
  const geoms: ViewGeom[] = [];
  for (let g = 0; g < m.ngeom; g++) {
    const shape = SHAPES[type[g]!];
    if (shape === undefined || group[g]! >= VISIBLE_GROUPS) continue;
    let colour = Array.from(rgba.subarray(4 * g, 4 * g + 4));
    const mat = matId[g]!;
    if (mat >= 0 && colour.every((v, i) => Math.abs(v - DEFAULT_RGBA[i]!) < 1e-6)) colour = Array.from(matRgba.subarray(4 * mat, 4 * mat + 4));
    if (colour[3]! <= 0) continue;
    geoms.push({
      body: bodyId[g]!,
      shape,
      size: Array.from(size.subarray(3 * g, 3 * g + 3)),
      pos: Array.from(pos.subarray(3 * g, 3 * g + 3)),
      quat: Array.from(quat.subarray(4 * g, 4 * g + 4)),
      rgba: colour,
    });
  }
  return {
    bodies: bodyNames(sim),
    geoms,
    goal_z: hints.goalZ ?? 0,
    marker_radius: hints.markerRadius ?? 0.02,
    camera_target: [...(hints.cameraTarget ?? [])],
    camera_distance: hints.cameraDistance ?? 0,
    follow_body: hints.followBody ? Math.max(0, sim.id("body", hints.followBody)) : 0,
  };
}

/** Body names from the model's name table ("body3" for an unnamed body). */
function bodyNames(sim: MjSim): string[] {
  const m = sim.model as unknown as Record<string, ArrayLike<number>>;
  const names = m["names"] as Uint8Array;
  const adr = m["name_bodyadr"] as Int32Array;
  const decoder = new TextDecoder();
  return Array.from({ length: sim.nbody }, (_, b) => {
    const start = adr[b]!;
    let end = start;
    while (end < names.length && names[end] !== 0) end++;
    return decoder.decode(names.subarray(start, end)) || `body${b}`;
  });
}
