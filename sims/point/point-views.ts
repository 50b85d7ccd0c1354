/**
 * The views of the point tasks (capability "viewer_model"): a declared model
 * of a few simple geoms, posed from the task's own observation. They are the
 * example of how a simulator without MuJoCo (an external robot, the Python
 * Cart2D) describes itself to a viewer: bodies, their geoms in MuJoCo's size
 * conventions, and per frame each body's pose (sims/external/README.md).
 *
 * Body 0 is the world (the arena, the maze walls); the others move in the
 * plane z = their radius, posed from observation entries the task documents.
 */
import type { ViewGeom } from "../../src/protocol/generated/simbridge/v1/ViewGeom.js";
import type { ViewModel } from "../../src/protocol/generated/simbridge/v1/ViewModel.js";
import type { ViewGeomShape } from "../../src/protocol/generated/simbridge/v1/ViewGeomShape.js";
import { POSE_SIZE, type ViewSource } from "../../src/viewer/view-source.js";
import type { MazeBox } from "../maze-layout.js";

const PLANE: ViewGeomShape = 1;
const SPHERE: ViewGeomShape = 2;
const CYLINDER: ViewGeomShape = 5;
const BOX: ViewGeomShape = 6;
const FLOOR: readonly number[] = [0.85, 0.87, 0.85, 1];
const WALL: readonly number[] = [0.55, 0.5, 0.45, 1];
const POINT: readonly number[] = [0.2, 0.45, 0.85, 1];
const BLOCK: readonly number[] = [0.85, 0.55, 0.2, 1];

/** A moving body of the plane: its name, a geom, and where its x, y sit in observation 0. */
export interface PlanarBody {
  readonly name: string;
  readonly geom: Omit<ViewGeom, "body">;
  readonly xIndex: number;
  readonly yIndex: number;
  /** Observation index of a heading θ about z (rad), when the body has one. */
  readonly headingIndex?: number;
}

export interface PlanarScene {
  /** Half extent of the square floor around `center`. */
  readonly halfExtent: number;
  readonly center: readonly [number, number];
  readonly walls: readonly MazeBox[];
  readonly bodies: readonly PlanarBody[];
}

/** A disc of radius r standing on the floor (a short cylinder). */
export function disc(radius: number, rgba: readonly number[] = POINT): Omit<ViewGeom, "body"> {
  return { shape: CYLINDER, size: [radius, radius / 2, 0], pos: [0, 0, radius / 2], quat: [1, 0, 0, 0], rgba: [...rgba] };
}

/** A ball of radius r resting on the floor. */
export function ball(radius: number, rgba: readonly number[] = POINT): Omit<ViewGeom, "body"> {
  return { shape: SPHERE, size: [radius, 0, 0], pos: [0, 0, radius], quat: [1, 0, 0, 0], rgba: [...rgba] };
}

export const BLOCK_COLOUR = BLOCK;

/** A ViewSource for a task whose bodies move in the plane, posed from `observations[0]`. */
export function planarView(observations: readonly Float32Array[], scene: PlanarScene, markerRadius: number): ViewSource {
  const model: ViewModel = {
    bodies: ["world", ...scene.bodies.map((b) => b.name)],
    geoms: [
      { body: 0, shape: PLANE, size: [scene.halfExtent, scene.halfExtent, 0], pos: [scene.center[0], scene.center[1], 0], quat: [1, 0, 0, 0], rgba: [...FLOOR] },
      ...scene.walls.map((w) => ({ body: 0, shape: BOX, size: [w.halfSize[0], w.halfSize[1], w.halfSize[2]], pos: [w.center[0], w.center[1], w.center[2]], quat: [1, 0, 0, 0], rgba: [...WALL] })),
      ...scene.bodies.map((b, i) => ({ ...b.geom, body: i + 1 })),
    ],
    goal_z: markerRadius,
    marker_radius: markerRadius,
    camera_target: [scene.center[0], scene.center[1], 0],
    camera_distance: 2.6 * scene.halfExtent,
  };
  return {
    model: () => model,
    writePoses(out: Float32Array): void {
      const o = observations[0]!;
      out.fill(0);
      out[3] = 1; // the world: identity
      scene.bodies.forEach((b, i) => {
        const k = POSE_SIZE * (i + 1);
        out[k] = o[b.xIndex]!;
        out[k + 1] = o[b.yIndex]!;
        const half = b.headingIndex === undefined ? 0 : o[b.headingIndex]! / 2;
        out[k + 3] = Math.cos(half);
        out[k + 6] = Math.sin(half);
      });
    },
  };
}
