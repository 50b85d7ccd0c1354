/**
 * Scripted demonstrators for the point tasks: deterministic policies from the
 * raw observation tensors (`observation`, `desired_goal`) to an action inside
 * the task's action bounds. They know the task's geometry and nothing else —
 * no hidden state, no randomness — so they can be run on any env (in-process
 * or over gRPC) to collect "play" demonstrations, e.g. for relay policy
 * learning, or as a reference for what a learner should reach.
 *
 * | function            | task         | final-step success, measured                                    |
 * |---------------------|--------------|-----------------------------------------------------------------|
 * | `pointPushScripted` | PointPush-v0 | 2000 of 2000 seeded episodes; first success after 11 steps on average, at most 24 (of 50) |
 * | `pointMazeScripted` | PointMaze-v0 | 2000 of 2000 with random goals (first success after 48 steps on average, at most 114 of 500); 50 of 50 for each of HIRO's goals (8,0), (8,8), (0,8) (~30, ~63, ~95 steps) |
 * test/unit/point-push.test.ts and point-maze.test.ts check ≥ 90 % of 50 seeded episodes.
 *
 * Each writes into `out` when given one (no allocation), else returns a new
 * Float32Array.
 */
import { MAZE, robotCell } from "../maze-layout.js";
import { POINT_MAZE_MAX_TURN, POINT_MAZE_SCALE, POINT_MAZE_SPEED } from "./point-maze-v0.js";
import { CONTACT_DISTANCE, PUSH_MAX_SPEED } from "./point-push-v0.js";

/** How far behind the block (beyond touching) the push demonstrator lines up. */
const LINE_UP_GAP = 0.03;
/** Radius around the block the push demonstrator circles at to get behind it. */
const CIRCLE_RADIUS = CONTACT_DISTANCE + 0.06;
/** Largest angle (rad) around the block per circling waypoint: chords stay clear of the block. */
const CIRCLE_STEP = 0.6;

/** Writes the displacement (dx, dy) as a velocity command, shortened to at most one step's move. */
function moveBy(dx: number, dy: number, out: Float32Array): Float32Array {
  const d = Math.sqrt(dx * dx + dy * dy);
  const k = d > PUSH_MAX_SPEED ? 1 / d : 1 / PUSH_MAX_SPEED;
  out[0] = Math.max(-1, Math.min(1, dx * k));
  out[1] = Math.max(-1, Math.min(1, dy * k));
  return out;
}

/**
 * PointPush-v0: get behind the block on the far side from the target, circling
 * around the block when the point is on the wrong side, then push it straight
 * at the target (correcting sideways drift every step) and stop the point
 * where the block lies on the target.
 *
 * `obs`: the observation [8] (point x, y, vx, vy, block x, y, block − point);
 * `goal`: the desired goal [2] (target x, y).
 */
export function pointPushScripted(obs: ArrayLike<number>, goal: ArrayLike<number>, out = new Float32Array(2)): Float32Array {
  const px = obs[0]!;
  const py = obs[1]!;
  const bx = obs[4]!;
  const by = obs[5]!;
  const tx = goal[0]! - bx;
  const ty = goal[1]! - by;
  const dist = Math.sqrt(tx * tx + ty * ty);
  if (dist < 0.01) return moveBy(0, 0, out);
  const ux = tx / dist;
  const uy = ty / dist;
  // The point relative to the block, in the frame (u: towards the target, w: u turned +90°).
  const rx = px - bx;
  const ry = py - by;
  const along = rx * ux + ry * uy;
  const side = -rx * uy + ry * ux;
  // Angle of the point around the block, measured from "straight behind" (−u).
  const angle = Math.atan2(-side, -along);
  if (Math.abs(angle) < 0.15 && -along < CONTACT_DISTANCE + 2 * LINE_UP_GAP) {
    // Lined up behind the block: push. The point's aim is where it stands when
    // the block lies on the target; the sideways error is corrected on the way.
    return moveBy(goal[0]! - ux * CONTACT_DISTANCE - px, goal[1]! - uy * CONTACT_DISTANCE - py, out);
  }
  if (Math.abs(angle) < 0.5) {
    // Nearly behind: go to the line-up point.
    const r = CONTACT_DISTANCE + LINE_UP_GAP;
    return moveBy(bx - ux * r - px, by - uy * r - py, out);
  }
  // On the wrong side: circle around the block towards "behind", one chord at a time.
  const next = angle - Math.sign(angle) * Math.min(Math.abs(angle), CIRCLE_STEP);
  // Direction at angle `next` from −u: rotate −u by `next`.
  const c = Math.cos(next);
  const s = Math.sin(next);
  const dx = -ux * c + uy * s;
  const dy = -uy * c - ux * s;
  return moveBy(bx + dx * CIRCLE_RADIUS - px, by + dy * CIRCLE_RADIUS - py, out);
}

/**
 * The maze's free cells as a routing table, built once from the layout:
 * centres, and for every (from, to) pair the neighbouring cell to go to next
 * on a shortest path (breadth-first search over side-adjacent free cells).
 */
const MAZE_ROUTES = ((): { readonly cx: Float64Array; readonly cy: Float64Array; readonly index: Int32Array; readonly next: Int32Array; readonly rows: number; readonly cols: number } => {
  const r = robotCell(MAZE);
  const rows = MAZE.cells.length;
  const cols = MAZE.cells[0]!.length;
  const index = new Int32Array(rows * cols).fill(-1);
  const cells: [number, number][] = [];
  MAZE.cells.forEach((row, i) =>
    row.forEach((cell, j) => {
      if (cell !== "free" && cell !== "robot") return;
      index[i * cols + j] = cells.length;
      cells.push([i, j]);
    }),
  );
  const n = cells.length;
  const cx = Float64Array.from(cells, ([, j]) => (j - r.j) * POINT_MAZE_SCALE);
  const cy = Float64Array.from(cells, ([i]) => (i - r.i) * POINT_MAZE_SCALE);
  const next = new Int32Array(n * n).fill(-1);
  for (let to = 0; to < n; to++) {
    // Breadth-first from the destination: each cell's parent is its next hop towards it.
    next[to * n + to] = to;
    const queue = [to];
    for (let q = 0; q < queue.length; q++) {
      const [i, j] = cells[queue[q]!]!;
      for (const [di, dj] of [[1, 0], [-1, 0], [0, 1], [0, -1]] as const) {
        const ni = i + di;
        const nj = j + dj;
        if (ni < 0 || nj < 0 || ni >= rows || nj >= cols) continue;
        const k = index[ni * cols + nj]!;
        if (k < 0 || next[k * n + to]! >= 0) continue;
        next[k * n + to] = queue[q]!;
        queue.push(k);
      }
    }
  }
  return { cx, cy, index, next, rows, cols };
})();

/** The free cell (index into MAZE_ROUTES) whose square is nearest to (x, y); the containing one when inside. */
function nearestFreeCell(x: number, y: number): number {
  const { cx, cy } = MAZE_ROUTES;
  const half = POINT_MAZE_SCALE / 2;
  let best = 0;
  let bestD = Infinity;
  for (let k = 0; k < cx.length; k++) {
    const dx = Math.max(0, Math.abs(x - cx[k]!) - half);
    const dy = Math.max(0, Math.abs(y - cy[k]!) - half);
    const d = dx * dx + dy * dy;
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

/**
 * PointMaze-v0: follow the corridor cell by cell — aim at the centre of the
 * next free cell on the shortest path to the goal's cell (the free cell
 * nearest the goal, for a goal inside a wall), and in the goal's cell at the
 * goal itself, held 0.05 inside the cell's square. Steering: turn towards the
 * aim by at most 0.25 rad, and move by the part of the step along the new
 * heading that brings the point closer (backwards when the aim is behind).
 * A straight line from inside one free cell to the centre of a side-adjacent
 * one stays inside the two cells, so the aims never lead into a wall.
 *
 * `obs`: the observation [7] (x, y, θ, …); `goal`: the desired goal [2].
 */
export function pointMazeScripted(obs: ArrayLike<number>, goal: ArrayLike<number>, out = new Float32Array(2)): Float32Array {
  const x = obs[0]!;
  const y = obs[1]!;
  const theta = obs[2]!;
  const gx = goal[0]!;
  const gy = goal[1]!;
  const { cx, cy, next } = MAZE_ROUTES;
  const n = cx.length;
  const here = nearestFreeCell(x, y);
  const there = nearestFreeCell(gx, gy);
  let ax: number;
  let ay: number;
  if (here === there) {
    const inner = POINT_MAZE_SCALE / 2 - 0.05;
    ax = Math.max(cx[here]! - inner, Math.min(cx[here]! + inner, gx));
    ay = Math.max(cy[here]! - inner, Math.min(cy[here]! + inner, gy));
  } else {
    const hop = next[here * n + there]!;
    ax = cx[hop]!;
    ay = cy[hop]!;
  }
  const dx = ax - x;
  const dy = ay - y;
  const dist = Math.sqrt(dx * dx + dy * dy);
  let error = Math.atan2(dy, dx) - theta;
  error -= 2 * Math.PI * Math.round(error / (2 * Math.PI));
  const turn = Math.max(-POINT_MAZE_MAX_TURN, Math.min(POINT_MAZE_MAX_TURN, error));
  const along = Math.cos(error - turn) * dist;
  out[0] = Math.max(-1, Math.min(1, along / POINT_MAZE_SPEED));
  out[1] = turn;
  return out;
}
