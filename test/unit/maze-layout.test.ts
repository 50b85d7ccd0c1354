// HIRO's maze layouts and their geometry against hand computations
// (RESEARCH-2.md §1: centre of cell (i, j) = (j·S − torso_x, i·S − torso_y)).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  FALL,
  MAZE,
  MAZE_LAYOUTS,
  PUSH,
  cellAt,
  cellCenter,
  freeCellCenters,
  hasMovableBlocks,
  heightOffset,
  insideWall,
  isElevated,
  movableBlocks,
  platformBoxes,
  robotCell,
  wallBoxes,
  type MazeLayout,
} from "../../sims/maze-layout.js";

test("the three layouts are rectangular with one robot cell, where HIRO puts it", () => {
  for (const layout of Object.values(MAZE_LAYOUTS)) {
    const width = layout.cells[0]!.length;
    assert.ok(layout.cells.every((row) => row.length === width), layout.name);
  }
  assert.deepEqual(robotCell(MAZE), { i: 1, j: 1 });
  assert.deepEqual(robotCell(PUSH), { i: 1, j: 2 });
  assert.deepEqual(robotCell(FALL), { i: 1, j: 1 });
  assert.deepEqual([MAZE.cells.length, PUSH.cells.length, FALL.cells.length], [5, 5, 6]);
  assert.deepEqual(PUSH.cells[2]![2], { kind: "movable", axes: "xy" });
  assert.deepEqual(FALL.cells[2]![2], { kind: "movable", axes: "yz" });
  assert.deepEqual(FALL.cells[3], ["wall", "chasm", "chasm", "wall"]);
  const broken: MazeLayout = { name: "Maze", cells: [["free", "wall"]] };
  assert.throws(() => robotCell(broken), /no robot cell/);
  assert.throws(() => robotCell({ name: "Maze", cells: [["robot", "robot"]] }), /more than one robot/);
});

test("AntMaze free cells at scale 8: (0,0),(8,0),(16,0),(16,8),(16,16),(8,16),(0,16)", () => {
  const free = freeCellCenters(MAZE, 8).map(([x, y]) => `${x},${y}`);
  assert.deepEqual(free.sort(), ["0,0", "8,0", "16,0", "16,8", "16,16", "8,16", "0,16"].sort());
  // PointMaze's scale 4 halves every coordinate.
  assert.deepEqual(freeCellCenters(MAZE, 4).map(([x, y]) => `${x},${y}`).sort(), ["0,0", "4,0", "8,0", "8,4", "8,8", "4,8", "0,8"].sort());
});

test("AntPush and AntFall free cells, block positions and the evaluation goals' cells", () => {
  assert.deepEqual(freeCellCenters(PUSH, 8), [[-8, 0], [0, 0], [-8, 8], [8, 8], [0, 16]]);
  // The goal (0, 19) lies in the free cell (3, 2), beyond the block at (0, 8).
  assert.deepEqual(cellAt(PUSH, 8, 0, 19), { i: 3, j: 2 });
  assert.deepEqual(cellCenter(PUSH, 8, 2, 2), [0, 8]);
  assert.deepEqual(freeCellCenters(FALL, 8), [[0, 0], [8, 0], [0, 8], [0, 24], [8, 24]]);
  // The goal (0, 27) is in cell (4, 1), across the chasm (row 3: y 12..20).
  assert.deepEqual(cellAt(FALL, 8, 0, 27), { i: 4, j: 1 });
  assert.deepEqual(cellAt(FALL, 8, 3.9, 15.9), { i: 3, j: 1 });
  assert.deepEqual(cellAt(FALL, 8, 4, 16), { i: 3, j: 2 });
});

test("wall boxes: centre (j·S − torso_x, i·S − torso_y, h·S/2), half-size (S/2, S/2, h·S/2)", () => {
  const walls = wallBoxes(MAZE, 8, 0.5);
  // 25 cells − 7 free.
  assert.equal(walls.length, 18);
  assert.deepEqual(walls[0], { i: 0, j: 0, center: [-8, -8, 2], halfSize: [4, 4, 2] });
  const middle = walls.find((w) => w.i === 2 && w.j === 2)!;
  assert.deepEqual(middle.center, [8, 8, 2]);
  const last = walls.at(-1)!;
  assert.deepEqual([last.i, last.j, ...last.center], [4, 4, 24, 24, 2]);
  assert.equal(isElevated(MAZE), false);
  assert.equal(hasMovableBlocks(MAZE), false);
  assert.deepEqual(platformBoxes(MAZE, 8, 0.5), []);
  assert.deepEqual(movableBlocks(MAZE, 8, 0.5), []);
  // Push: 25 − 5 free − 1 block.
  assert.equal(wallBoxes(PUSH, 8, 0.5).length, 19);
  assert.deepEqual(wallBoxes(PUSH, 8, 0.5)[0]!.center, [-16, -8, 2]);
});

test("AntFall is elevated: walls and the block stand on a platform h·S = 4 high, no platform over the chasm", () => {
  assert.equal(isElevated(FALL), true);
  assert.equal(heightOffset(FALL, 8, 0.5), 4);
  assert.equal(heightOffset(MAZE, 8, 0.5), 0);
  const platform = platformBoxes(FALL, 8, 0.5);
  assert.equal(platform.length, 24 - 2);
  assert.ok(platform.every((b) => b.center[2] === 2 && b.halfSize[2] === 2));
  assert.ok(!platform.some((b) => b.i === 3 && (b.j === 1 || b.j === 2)));
  assert.ok(platform.some((b) => b.i === 2 && b.j === 2), "a platform under the block");
  const walls = wallBoxes(FALL, 8, 0.5);
  assert.equal(walls.length, 24 - 5 - 2 - 1);
  assert.ok(walls.every((w) => w.center[2] === 6));
  assert.deepEqual(walls[0]!.center, [-8, -8, 6]);
  const blocks = movableBlocks(FALL, 8, 0.5);
  assert.deepEqual(blocks, [{ i: 2, j: 2, center: [8, 8, 6], halfSize: [4, 4, 2], axes: "yz", falling: true }]);
  assert.deepEqual(movableBlocks(PUSH, 8, 0.5), [{ i: 2, j: 2, center: [0, 8, 2], halfSize: [4, 4, 2], axes: "xy", falling: false }]);
});

test("insideWall: closed wall squares only; margin grows them", () => {
  // AntMaze: the wall cell (2, 1) covers x ∈ [−4, 4], y ∈ [4, 12].
  assert.equal(insideWall(MAZE, 8, 0, 8), true);
  assert.equal(insideWall(MAZE, 8, 0, 4), true, "the edge counts");
  assert.equal(insideWall(MAZE, 8, 0, 3.99), false);
  assert.equal(insideWall(MAZE, 8, 0, 0), false);
  assert.equal(insideWall(MAZE, 8, 16, 8), false, "the corridor's right arm");
  assert.equal(insideWall(MAZE, 8, 20.5, 8), true, "the outer wall");
  assert.equal(insideWall(MAZE, 8, 0, 3.5, 0.5), true);
  assert.equal(insideWall(MAZE, 8, 0, 3.4, 0.5), false);
  // Scale 4 (PointMaze): wall (2, 1) covers x ∈ [−2, 2], y ∈ [2, 6].
  assert.equal(insideWall(MAZE, 4, 1.9, 2.1), true);
  assert.equal(insideWall(MAZE, 4, 1.9, 1.9), false);
  // Chasms and blocks are not walls; neither is the outside of the grid.
  assert.equal(insideWall(FALL, 8, 0, 16), false);
  assert.equal(insideWall(PUSH, 8, 0, 8), false);
  assert.equal(insideWall(MAZE, 8, 100, 100), false);
});
