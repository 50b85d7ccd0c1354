// The page's one z-up → y-up conversion (src/viewer/page/z-up.ts): the root's
// −90° rotation about x maps z-up points exactly as zUpToYUp does, and wire
// quaternions (w, x, y, z) reorder into three.js's (x, y, z, w).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Z_UP_ROOT_ROTATION_X, wxyzToXyzw, zUpToYUp } from "../../src/viewer/page/z-up.js";

/** Rotation of p about the x axis by `a` (right-handed, as three.js's Object3D.rotation.x). */
function rotateX(p: readonly number[], a: number): number[] {
  return [p[0]!, Math.cos(a) * p[1]! - Math.sin(a) * p[2]!, Math.sin(a) * p[1]! + Math.cos(a) * p[2]!];
}

test("zUpToYUp is the root's rotation: up (z) becomes three.js's up (y), +y goes into the screen (−z)", () => {
  assert.deepEqual(zUpToYUp([0, 0, 1]), [0, 1, -0]);
  assert.deepEqual(zUpToYUp([0, 1, 0]), [0, 0, -1]);
  for (const p of [[1, 2, 3], [-0.5, 0.25, 4], [0, 0, 0]]) {
    const a = rotateX(p, Z_UP_ROOT_ROTATION_X);
    const b = zUpToYUp(p);
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-12, `${p}: ${a} vs ${b}`);
  }
});

test("wxyzToXyzw reorders; an empty quaternion is the identity", () => {
  assert.deepEqual(wxyzToXyzw([0.5, 0.1, 0.2, 0.3]), [0.1, 0.2, 0.3, 0.5]);
  assert.deepEqual(wxyzToXyzw([]), [0, 0, 0, 1]);
});
