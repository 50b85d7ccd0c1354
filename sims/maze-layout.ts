/**
 * The maze layouts of HIRO's environments (Nachum et al. 2018,
 * tensorflow/models `research/efficient-hrl`, `environments/maze_env_utils.py`
 * `construct_maze` and `environments/maze_env.py`), as typed grids, and the
 * geometry every maze task derives from them: wall boxes, the elevated
 * platform, movable blocks, free cell centres and a kinematic wall test.
 *
 * Facts from RESEARCH-2.md §1; the shared parts of AntMaze-v0, AntPush-v0,
 * AntFall-v0 (scale 8) and PointMaze-v0 (scale 4).
 *
 * ## Grid and coordinates
 * `cells[i][j]`: row i runs along y, column j along x (as `construct_maze`,
 * printed with row 0 on top, so +y points *down* the printed grid). With scale
 * S (cell size in m) the centre of cell (i, j) is
 *
 *     (x, y) = (j·S − torso_x, i·S − torso_y),   (torso_x, torso_y) = (j_r·S, i_r·S)
 *
 * where (i_r, j_r) is the robot's cell: the robot starts at the origin.
 *
 * ## Boxes
 * With maze height h (a fraction of S; HIRO uses 0.5), every wall cell is a box
 * of half-size (S/2, S/2, h·S/2) centred at z = offset + h·S/2, where offset =
 * h·S when the maze is elevated (it has a chasm) and 0 otherwise. An elevated
 * maze stands on a platform: a box of the same size centred at z = h·S/2 under
 * every cell that is not a chasm (movable blocks included). A movable block
 * sits where a wall would.
 *
 * | HIRO | here                        |
 * |------|-----------------------------|
 * | 1    | "wall"                      |
 * | 0    | "free"                      |
 * | 'r'  | "robot" (free, the start)   |
 * | -1   | "chasm"                     |
 * | Move.X … Move.XYZ | `{ kind: "movable", axes }` |
 *
 * HIRO's `Move.SpinXY` (a block turning about z) is not modelled: no layout
 * here uses it.
 */

/** The axes a movable block slides along (HIRO's Move.X, Y, Z, XY, XZ, YZ, XYZ). */
export type MoveAxes = "x" | "y" | "z" | "xy" | "xz" | "yz" | "xyz";

export interface MovableCell {
  readonly kind: "movable";
  readonly axes: MoveAxes;
}

export type MazeCell = "wall" | "free" | "robot" | "chasm" | MovableCell;

export type MazeName = "Maze" | "Push" | "Fall";

export interface MazeLayout {
  readonly name: MazeName;
  /** Rows i (→ y) of columns j (→ x). Rectangular, exactly one "robot" cell. */
  readonly cells: readonly (readonly MazeCell[])[];
}

/** A cell index: row i (→ y), column j (→ x). */
export interface CellIndex {
  readonly i: number;
  readonly j: number;
}

/** An axis-aligned box: centre and half-sizes (m), with the cell it stands for. */
export interface MazeBox {
  readonly i: number;
  readonly j: number;
  readonly center: readonly [number, number, number];
  readonly halfSize: readonly [number, number, number];
}

/** A movable block: its box at rest, its slide axes and whether it can fall (moves along z). */
export interface MovableBlock extends MazeBox {
  readonly axes: MoveAxes;
  readonly falling: boolean;
}

const W = "wall";
const F = "free";
const R = "robot";
const C = "chasm";
const move = (axes: MoveAxes): MovableCell => ({ kind: "movable", axes });

/**
 * AntMaze's ⊃-shaped corridor: start at the top-left end, goal (0, 16) at the
 * bottom-left end (with S = 8).
 */
export const MAZE: MazeLayout = {
  name: "Maze",
  cells: [
    [W, W, W, W, W],
    [W, R, F, F, W],
    [W, W, W, F, W],
    [W, F, F, F, W],
    [W, W, W, W, W],
  ],
};

/** AntPush: a block (moves in x and y) between the robot and the goal (0, 19). */
export const PUSH: MazeLayout = {
  name: "Push",
  cells: [
    [W, W, W, W, W],
    [W, F, R, W, W],
    [W, F, move("xy"), F, W],
    [W, W, F, W, W],
    [W, W, W, W, W],
  ],
};

/** AntFall: a chasm to fill with the block (moves in y and z) on the way to (0, 27, 4.5). */
export const FALL: MazeLayout = {
  name: "Fall",
  cells: [
    [W, W, W, W],
    [W, R, F, W],
    [W, F, move("yz"), W],
    [W, C, C, W],
    [W, F, F, W],
    [W, W, W, W],
  ],
};

export const MAZE_LAYOUTS: Readonly<Record<MazeName, MazeLayout>> = { Maze: MAZE, Push: PUSH, Fall: FALL };

export function isMovable(cell: MazeCell): cell is MovableCell {
  return typeof cell === "object";
}

/** The robot's cell; throws unless there is exactly one. */
export function robotCell(layout: MazeLayout): CellIndex {
  let found: CellIndex | undefined;
  const cells = layout.cells;
  for (let i = 0; i < cells.length; i++) {
    const row = cells[i]!;
    for (let j = 0; j < row.length; j++) {
      if (row[j] !== "robot") continue;
      if (found !== undefined) throw new Error(`maze ${layout.name}: more than one robot cell`);
      found = { i, j };
    }
  }
  if (found === undefined) throw new Error(`maze ${layout.name}: no robot cell`);
  return found;
}

/** True when the maze has a chasm: it then stands on a platform of height h·S. */
export function isElevated(layout: MazeLayout): boolean {
  return layout.cells.some((row) => row.includes("chasm"));
}

/** True when the maze has movable blocks. */
export function hasMovableBlocks(layout: MazeLayout): boolean {
  return layout.cells.some((row) => row.some(isMovable));
}

/** Centre (x, y) of cell (i, j) at scale S, the robot's cell at the origin. */
export function cellCenter(layout: MazeLayout, scale: number, i: number, j: number): [number, number] {
  const r = robotCell(layout);
  return [(j - r.j) * scale, (i - r.i) * scale];
}

/** The cell containing (x, y) at scale S (cells are [centre − S/2, centre + S/2)); may be outside the grid. */
export function cellAt(layout: MazeLayout, scale: number, x: number, y: number): CellIndex {
  const r = robotCell(layout);
  return { i: Math.floor(y / scale + 0.5) + r.i, j: Math.floor(x / scale + 0.5) + r.j };
}

/** Height of the platform under an elevated maze (h·S), 0 otherwise. */
export function heightOffset(layout: MazeLayout, scale: number, height: number): number {
  return isElevated(layout) ? height * scale : 0;
}

function boxesWhere(layout: MazeLayout, scale: number, height: number, z: number, keep: (c: MazeCell) => boolean): MazeBox[] {
  const boxes: MazeBox[] = [];
  const half = (height * scale) / 2;
  layout.cells.forEach((row, i) =>
    row.forEach((cell, j) => {
      if (!keep(cell)) return;
      const [x, y] = cellCenter(layout, scale, i, j);
      boxes.push({ i, j, center: [x, y, z], halfSize: [scale / 2, scale / 2, half] });
    }),
  );
  return boxes;
}

/** The wall boxes at scale S and height h (a fraction of S), row by row. */
export function wallBoxes(layout: MazeLayout, scale: number, height: number): MazeBox[] {
  return boxesWhere(layout, scale, height, heightOffset(layout, scale, height) + (height * scale) / 2, (c) => c === "wall");
}

/** The platform boxes of an elevated maze (one under every non-chasm cell); none otherwise. */
export function platformBoxes(layout: MazeLayout, scale: number, height: number): MazeBox[] {
  if (!isElevated(layout)) return [];
  return boxesWhere(layout, scale, height, (height * scale) / 2, (c) => c !== "chasm");
}

/**
 * The movable blocks at rest: the box a wall would be there, with its slide
 * axes; `falling` when it moves along z.
 */
export function movableBlocks(layout: MazeLayout, scale: number, height: number): MovableBlock[] {
  const z = heightOffset(layout, scale, height) + (height * scale) / 2;
  return boxesWhere(layout, scale, height, z, isMovable).map((b) => {
    const cell = layout.cells[b.i]![b.j] as MovableCell;
    return { ...b, axes: cell.axes, falling: cell.axes.includes("z") };
  });
}

/** Centres (x, y) of the free cells (the robot's included; not chasms, not movable blocks), row by row. */
export function freeCellCenters(layout: MazeLayout, scale: number): [number, number][] {
  const out: [number, number][] = [];
  layout.cells.forEach((row, i) =>
    row.forEach((cell, j) => {
      if (cell === "free" || cell === "robot") out.push(cellCenter(layout, scale, i, j));
    }),
  );
  return out;
}

/**
 * True when (x, y) lies in a wall cell's square, edges included (HIRO's
 * `_is_in_collision`, the kinematic collision of its point maze), or within
 * `margin` of it (a square grown by `margin` on every side, e.g. the robot's
 * radius). Only walls count: chasms, blocks and the outside of the grid do not.
 */
export function insideWall(layout: MazeLayout, scale: number, x: number, y: number, margin = 0): boolean {
  const r = robotCell(layout);
  const reach = scale / 2 + margin;
  const cells = layout.cells;
  for (let i = 0; i < cells.length; i++) {
    const row = cells[i]!;
    const cy = (i - r.i) * scale;
    if (y < cy - reach || y > cy + reach) continue;
    for (let j = 0; j < row.length; j++) {
      if (row[j] !== "wall") continue;
      const cx = (j - r.j) * scale;
      if (x >= cx - reach && x <= cx + reach) return true;
    }
  }
  return false;
}
