/**
 * Simulators here are z-up (MuJoCo, the view schema); three.js is y-up. The
 * page converts once, at the root of each scene: a rotation of −90° about x,
 * under which every body pose is set in the simulator's own coordinates.
 * These functions are that conversion, for the root and for placing cameras.
 */

/** The point (x, y, z) of a z-up world in three.js's y-up world. */
export function zUpToYUp(p: readonly number[]): [number, number, number] {
  return [p[0] ?? 0, p[2] ?? 0, -(p[1] ?? 0)];
}

/** The root's rotation about x (rad) that makes a z-up subtree y-up. */
export const Z_UP_ROOT_ROTATION_X = -Math.PI / 2;

/** A quaternion of the wire (w, x, y, z) in three.js's order (x, y, z, w). */
export function wxyzToXyzw(q: readonly number[]): [number, number, number, number] {
  return [q[1] ?? 0, q[2] ?? 0, q[3] ?? 0, q[0] ?? 1];
}
