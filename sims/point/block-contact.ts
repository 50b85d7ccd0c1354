/**
 * The contact rule of the point tasks with blocks (PointPush-v0,
 * PointBlocks-v0): one disc pushing another on a frictionless table,
 * kinematically — no velocities, no masses, only positions. Each task's
 * header documents how it uses the rule ("Dynamics").
 */

/**
 * Resolves the contact of a pusher disc with a pushed disc, both centres in
 * `s`: the pusher at (s[p], s[p + 1]), the pushed disc at (s[b], s[b + 1]).
 * When their centre distance is below `contact` (the sum of their radii), the
 * pushed disc moves along the contact normal n = unit(pushed − pusher) until
 * they just touch (pushed ← pusher + n·contact) and is clipped to
 * [−limit, limit]²; whatever the clipping took off its move is taken off the
 * pusher too (pusher ← pusher − (unclipped − clipped)), so the two still just
 * touch and a disc pushed along a wall slides along it. At distance exactly 0
 * the normal is unit(mx, my), the pusher's move in this step (not 0 then: the
 * discs did not overlap before it). Returns whether they were in contact.
 * Allocation-free.
 */
export function pushDisc(s: Float64Array, p: number, b: number, contact: number, limit: number, mx: number, my: number): boolean {
  const px = s[p]!;
  const py = s[p + 1]!;
  const dx = s[b]! - px;
  const dy = s[b + 1]! - py;
  const d = Math.sqrt(dx * dx + dy * dy);
  if (!(d < contact)) return false;
  let nx: number;
  let ny: number;
  if (d > 0) {
    nx = dx / d;
    ny = dy / d;
  } else {
    // The pusher landed on the pushed disc's centre: push along its move.
    const m = Math.sqrt(mx * mx + my * my);
    nx = mx / m;
    ny = my / m;
  }
  const ux = px + nx * contact;
  const uy = py + ny * contact;
  const bx = Math.max(-limit, Math.min(limit, ux));
  const by = Math.max(-limit, Math.min(limit, uy));
  s[b] = bx;
  s[b + 1] = by;
  s[p] = px - (ux - bx);
  s[p + 1] = py - (uy - by);
  return true;
}
