// PointMaze-v0 (sims/point/point-maze-v0.ts): HIRO's kinematic point in the
// U-maze at scale 4 — the dynamics against hand computations (a straight
// move, a turn, a move into a wall reverted), the walls against
// sims/maze-layout.ts, reward and success, the goal options, seeds, and the
// scripted demonstrator.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Code, SimbridgeError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { StepStatus, type Options, type Task } from "../../src/env/task.js";
import { MAZE, insideWall } from "../../sims/maze-layout.js";
import { POINT_MAZE_EXTENT, inPointMazeWall, pointMazeMove, pointMazeV0 } from "../../sims/point/point-maze-v0.js";
import { pointMazeScripted } from "../../sims/point/scripted.js";

const make = (options: Options = {}): Promise<Task> => pointMazeV0.create(options);

function invalid(field: string, pattern?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof SimbridgeError, String(e));
    assert.equal(e.code, Code.INVALID_ARGUMENT);
    assert.equal(e.field, `options.${field}`);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

/** One step from (x, y, θ) with action (forward, turn): [x, y, θ, dx, dy, dθ]. */
function move(x: number, y: number, theta: number, forward: number, turn: number): number[] {
  const s = new Float64Array([x, y, theta, 0, 0, 0]);
  pointMazeMove(s, forward, turn);
  return [...s];
}

function assertClose(got: readonly number[], want: readonly number[], what: string): void {
  assert.equal(got.length, want.length, what);
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) < 1e-12, `${what}[${i}]: ${g}, expected ${want[i]} (got ${got.join(", ")})`));
}

test("PointMaze-v0 spec: observation 7 (x, y first), goals 2 in [−2, 10], action [−1, −0.25]..[1, 0.25], 500 steps, dense", () => {
  const spec = pointMazeV0.spec({});
  assert.equal(spec.name, "PointMaze-v0");
  assert.deepEqual(POINT_MAZE_EXTENT, [-2, 10]);
  assert.deepEqual(spec.observations.map((o) => [o.name, o.shape]), [["observation", [7]], ["achieved_goal", [2]], ["desired_goal", [2]]]);
  const f = Math.fround;
  assert.deepEqual([...spec.observations[0]!.minimum!], [-2, -2, -f(Math.PI), -f(0.2), -f(0.2), -0.25, 0]);
  assert.deepEqual([...spec.observations[0]!.maximum!], [10, 10, f(Math.PI), f(0.2), f(0.2), 0.25, 0.5]);
  for (const k of [1, 2]) assert.deepEqual([...spec.observations[k]!.minimum!, ...spec.observations[k]!.maximum!], [-2, -2, 10, 10]);
  assert.deepEqual([...spec.action.minimum!, ...spec.action.maximum!], [-1, -0.25, 1, 0.25]);
  assert.deepEqual([spec.goalConditioned, spec.hasReward, spec.blackBox, spec.hasRewardFunction], [true, true, false, true]);
  assert.equal(spec.maxEpisodeSteps, 500);
  assert.deepEqual(spec.infoKeys, ["distance"]);
  assert.deepEqual(spec.makeOptions.map((o) => [o.name, o.type, o.default]), [
    ["max_episode_steps", "number", 500],
    ["reward_type", "string", "dense"],
    ["distance_threshold", "number", 2.5],
    ["goal", "string", "random"],
  ]);
  assert.deepEqual(spec.resetOptions.map((o) => [o.name, o.type]), [["goal", "tensor"]]);
  assert.equal(Math.fround(pointMazeV0.spec({ max_episode_steps: 300 }).observations[0]!.maximum![6]!), Math.fround(0.3));
});

test("PointMaze-v0 walls are HIRO's 'Maze' at scale 4: the same answer as insideWall, edges included", () => {
  // Free cell centres along the U, and points in wall cells.
  for (const [x, y] of [[0, 0], [4, 0], [8, 0], [8, 4], [8, 8], [4, 8], [0, 8], [-1.99, -1.99], [9.99, 9.99], [6.01, 4]]) assert.equal(inPointMazeWall(x!, y!), false, `(${x}, ${y}) is free`);
  for (const [x, y] of [[0, 4], [4, 4], [2, 2], [6, 4], [-2, 0], [10, 0], [0, -2], [12, 12], [-4, -4]]) assert.equal(inPointMazeWall(x!, y!), true, `(${x}, ${y}) is wall`);
  const rng = new Rng(2);
  for (let k = 0; k < 5000; k++) {
    // A grid of quarter metres (many exact edges) and random points.
    const [x, y] = k % 2 ? [Math.round(rng.uniformRange(-16, 56)) / 4, Math.round(rng.uniformRange(-16, 56)) / 4] : [rng.uniformRange(-6, 14), rng.uniformRange(-6, 14)];
    assert.equal(inPointMazeWall(x!, y!), insideWall(MAZE, 4, x!, y!), `(${x}, ${y})`);
  }
});

test("PointMaze-v0 dynamics, by hand: a straight move, a turn (turn first, then move), heading wrap", () => {
  // θ = 0, forward 1: x += 0.2.
  assertClose(move(0, 0, 0, 1, 0), [0.2, 0, 0, 0.2, 0, 0], "straight");
  // Backwards at half speed along θ = π/2: y −= 0.1.
  assertClose(move(1, 1, Math.PI / 2, -0.5, 0), [1 + Math.cos(Math.PI / 2) * -0.1, 0.9, Math.PI / 2, Math.cos(Math.PI / 2) * -0.1, -0.1, 0], "backwards");
  // A turn of 0.25 from θ = 0 with forward 0.5: the move uses the new heading.
  assertClose(move(0, 0, 0, 0.5, 0.25), [0.1 * Math.cos(0.25), 0.1 * Math.sin(0.25), 0.25, 0.1 * Math.cos(0.25), 0.1 * Math.sin(0.25), 0.25], "turn");
  // θ stays in [−π, π]: 3.1 + 0.25 wraps to 3.35 − 2π.
  const w = 3.35 - 2 * Math.PI;
  assertClose(move(0, 0, 3.1, 1, 0.25), [0.2 * Math.cos(w), 0.2 * Math.sin(w), w, 0.2 * Math.cos(w), 0.2 * Math.sin(w), 0.25], "wrap");
  assertClose(move(0, 0, -3.1, 0, -0.25), [0, 0, -3.35 + 2 * Math.PI, 0, 0, -0.25], "wrap the other way");
});

test("PointMaze-v0 dynamics, by hand: a move into a wall is reverted (edges count), the heading still turns", () => {
  // From (1, 1.9) heading +y: y would be 2.1, inside the wall cell (x ∈ [−2, 2], y ∈ [2, 6]).
  assertClose(move(1, 1.9, Math.PI / 2, 1, 0), [1, 1.9, Math.PI / 2, 0, 0, 0], "into the inner wall");
  // The turn happens although the move is reverted.
  assertClose(move(1, 1.9, Math.PI / 2 - 0.1, 1, 0.1), [1, 1.9, Math.PI / 2, 0, 0, 0.1], "turned, not moved");
  // Landing exactly on the wall's edge y = 2 is a collision (HIRO's `minx <= x <= maxx`).
  const s = move(1, 1.8, Math.PI / 2, 1, 0);
  assert.equal(1.8 + Math.sin(Math.PI / 2) * 0.2, 2, "the move would end on the edge");
  assertClose(s, [1, 1.8, Math.PI / 2, 0, 0, 0], "onto the edge");
  // The outer wall: from (-1.9, 0) heading −x.
  assertClose(move(-1.9, 0, Math.PI, 1, 0), [-1.9, 0, Math.PI, 0, 0, 0], "into the outer wall");
  // Past the inner wall's end at x > 6 the corridor turns: (6.1, 1.9) heading +y is free.
  assertClose(move(6.1, 1.9, Math.PI / 2, 1, 0), [6.1 + 0.2 * Math.cos(Math.PI / 2), 2.1, Math.PI / 2, 0.2 * Math.cos(Math.PI / 2), 2.1 - 1.9, 0], "round the corner");
});

test("PointMaze-v0 episodes: start near the origin, time feature t·0.001, actions clipped, TRUNCATED at 500, never TERMINATED, always in the free region", async () => {
  const task = await make();
  const rng = new Rng(8);
  try {
    for (let ep = 0; ep < 4; ep++) {
      task.reset(ep, {});
      const obs = task.out.observations[0]!;
      assert.ok(Math.abs(obs[0]!) <= 0.1 && Math.abs(obs[1]!) <= 0.1, "x, y in [−0.1, 0.1]");
      assert.ok(Math.abs(obs[2]!) <= Math.PI);
      assert.deepEqual([obs[3], obs[4], obs[5], obs[6]], [0, 0, 0, 0]);
      const desired = task.out.observations[2]!;
      assert.ok(desired.every((v) => v >= -2 && v <= 10), "random goal in [−2, 10]²");
      for (let t = 1; t <= 500; t++) {
        const theta = obs[2]!;
        task.step(Float32Array.of(rng.uniformRange(-2, 2), rng.uniformRange(-1, 1)));
        assert.equal(task.out.status, t < 500 ? StepStatus.RUNNING : StepStatus.TRUNCATED);
        assert.equal(obs[6], Math.fround(t * 0.001));
        assert.ok(Math.abs(obs[5]!) <= 0.25 && Math.abs(obs[3]!) <= 0.2000001 && Math.abs(obs[4]!) <= 0.2000001, "clipped actions");
        assert.ok(Math.abs(obs[2]!) <= Math.fround(Math.PI));
        let turned = obs[2]! - theta;
        turned -= 2 * Math.PI * Math.round(turned / (2 * Math.PI));
        assert.ok(Math.abs(turned - obs[5]!) < 1e-5, "dθ is the heading change");
        assert.ok(!inPointMazeWall(obs[0]!, obs[1]!), "never in a wall");
      }
    }
  } finally {
    task.close();
  }
});

test("PointMaze-v0 reward and success: dense −distance (default), sparse −1/0, threshold 2.5; step rewards equal computeReward", async () => {
  const dense = await make();
  const sparse = await make({ reward_type: "sparse" });
  const tight = await make({ reward_type: "sparse", distance_threshold: 0.5 });
  try {
    assert.equal(dense.computeReward!([0, 0], [3, 4]), -5);
    assert.equal(sparse.computeReward!([0, 8], [1.5, 9.9]), 0); // 2.4
    assert.equal(sparse.computeReward!([0, 8], [1.5, 10]), -1); // exactly 2.5: not within
    assert.equal(tight.computeReward!([0, 0], [0.3, 0.4]), -1); // exactly 0.5
    assert.equal(tight.computeReward!([0, 0], [0.3, 0.3]), 0);
    for (const [task, threshold] of [[dense, 2.5], [sparse, 2.5], [tight, 0.5]] as const) {
      for (let ep = 0; ep < 6; ep++) {
        task.reset(ep, {});
        while (task.out.status === StepStatus.RUNNING) {
          task.step(pointMazeScripted(task.out.observations[0]!, task.out.observations[2]!));
          const [obs, achieved, desired] = task.out.observations as [Float32Array, Float32Array, Float32Array];
          assert.deepEqual([...achieved], [obs[0], obs[1]], "achieved goal = x, y");
          assert.equal(task.out.reward, task.computeReward!(achieved, desired));
          assert.equal(task.out.info[0], Math.hypot(achieved[0]! - desired[0]!, achieved[1]! - desired[1]!));
          assert.equal(task.out.isSuccess, task.out.info[0]! < threshold);
        }
        if (threshold === 2.5) assert.equal(task.out.isSuccess, true, "the scripted point ends within 2.5 of the goal");
      }
    }
  } finally {
    dense.close();
    sparse.close();
    tight.close();
  }
});

test("PointMaze-v0 goal options: 'X,Y' fixes the goal, the reset tensor overrides it, 'random' draws in [−2, 10]² after the start", async () => {
  const fixed = await make({ goal: "0,8" });
  const random = await make();
  try {
    fixed.reset(5, {});
    assert.deepEqual([...fixed.out.observations[2]!], [0, 8]);
    random.reset(5, {});
    assert.deepEqual([...fixed.out.observations[0]!], [...random.out.observations[0]!], "the start does not depend on the goal option");
    fixed.reset(6, { goal: new Float64Array([8, 0]) });
    assert.deepEqual([...fixed.out.observations[2]!], [8, 0]);
    fixed.reset(7, {});
    assert.deepEqual([...fixed.out.observations[2]!], [0, 8], "the reset option lasts one episode");
    const goals = new Set<string>();
    for (let ep = 0; ep < 100; ep++) {
      random.reset(ep, {});
      const g = random.out.observations[2]!;
      assert.ok(g[0]! >= -2 && g[0]! <= 10 && g[1]! >= -2 && g[1]! <= 10);
      goals.add(`${g[0]},${g[1]}`);
    }
    assert.equal(goals.size, 100);
    for (const g of [" 8 , 8 ", "-2,10", "1.5,-0.25"]) await make({ goal: g });
  } finally {
    fixed.close();
    random.close();
  }
});

test("PointMaze-v0 refuses bad options and reset goals, naming them; a refused reset changes nothing", async () => {
  for (const g of ["8", "8,8,8", "a,b", "11,0", "0,-2.5", "", ",", "random ", "NaN,0"]) {
    assert.throws(() => pointMazeV0.spec({ goal: g }), invalid("goal", /expected "random" or "X,Y" with X and Y in \[-2, 10\] \(e\.g\. "8,8"\), got '/), g);
  }
  assert.throws(() => pointMazeV0.spec({ goal: 5 }), invalid("goal", /got 5$/));
  assert.throws(() => pointMazeV0.spec({ reward_type: "shaped" }), invalid("reward_type", /expected dense or sparse, got 'shaped'/));
  assert.throws(() => pointMazeV0.spec({ distance_threshold: 0 }), invalid("distance_threshold", /positive number, got 0/));
  assert.throws(() => pointMazeV0.spec({ distance_threshold: -1 }), invalid("distance_threshold"));
  assert.throws(() => pointMazeV0.spec({ max_episode_steps: 0 }), invalid("max_episode_steps", /positive integer, got 0/));
  await assert.rejects(pointMazeV0.create({ max_episode_steps: 1.5 }), invalid("max_episode_steps"));
  const task = await make();
  try {
    task.reset(1, {});
    const before = task.out.observations.map((o) => [...o]);
    assert.throws(() => task.reset(2, { goal: new Float64Array([10.5, 0]) }), invalid("goal", /expected 2 values in \[-2, 10\], got \[10\.5, 0\]/));
    assert.throws(() => task.reset(2, { goal: new Float64Array([1]) }), invalid("goal"));
    assert.throws(() => task.reset(2, { goal: new Float64Array([Number.NaN, 1]) }), invalid("goal"));
    assert.throws(() => task.reset(2, { goal: "8,8" }), invalid("goal", /tensor/));
    assert.throws(() => task.validateResetOptions!({ goal: new Float64Array([0, -3]) }), invalid("goal"));
    assert.deepEqual(task.out.observations.map((o) => [...o]), before);
  } finally {
    task.close();
  }
});

test("PointMaze-v0: the same seed and actions give a bit-identical trajectory; reset without a seed goes on", async () => {
  const a = await make();
  const b = await make();
  const run = (task: Task, seed: number | undefined): number[] => {
    const rng = new Rng(99);
    task.reset(seed, {});
    const out: number[] = [];
    for (let t = 0; t < 200; t++) {
      task.step(Float32Array.of(rng.uniformRange(-1, 1), rng.uniformRange(-0.25, 0.25)));
      for (const o of task.out.observations) out.push(...o);
      out.push(task.out.reward);
    }
    return out;
  };
  try {
    assert.deepEqual(run(a, 3), run(b, 3));
    assert.notDeepEqual(run(a, 3), run(b, 4));
    assert.notDeepEqual(run(a, undefined), run(b, 3), "an unseeded reset continues the stream");
  } finally {
    a.close();
    b.close();
  }
});

test("pointMazeScripted reaches the goal (final step) in ≥ 90 % of 50 seeded episodes, random goals and HIRO's evaluation goals", async (t) => {
  // Measured: 50 of 50 for random goals (2000 of 2000 over seeds 0–1999, first success after 48 steps on
  // average, at most 114) and 50 of 50 for each of (8,0), (8,8), (0,8) (first success after ~30, ~63, ~95 steps).
  for (const goal of ["random", "8,0", "8,8", "0,8"]) {
    const task = await make({ goal });
    let successes = 0;
    let slowest = 0;
    try {
      for (let ep = 0; ep < 50; ep++) {
        task.reset(500 + ep, {});
        let first = 0;
        for (let step = 1; task.out.status === StepStatus.RUNNING; step++) {
          const a = pointMazeScripted(task.out.observations[0]!, task.out.observations[2]!);
          assert.ok(Math.abs(a[0]!) <= 1 && Math.abs(a[1]!) <= 0.25, `action ${a}`);
          task.step(a);
          if (task.out.isSuccess && first === 0) first = step;
        }
        if (task.out.isSuccess) successes++;
        slowest = Math.max(slowest, first);
      }
    } finally {
      task.close();
    }
    t.diagnostic(`scripted, goal ${goal}: ${successes} of 50 episodes end within 2.5 of the goal; first success after at most ${slowest} steps`);
    assert.ok(successes >= 45, `goal ${goal}: ${successes} of 50`);
  }
});

test("pointMazeScripted writes into `out`: turns towards the next cell of the corridor, moving by the part of the step that helps", () => {
  const out = new Float32Array(2);
  // At the start facing +x, goal at the end of the U: the next cell is (4, 0), straight ahead.
  assert.equal(pointMazeScripted(Float32Array.of(0, 0, 0, 0, 0, 0, 0), Float32Array.of(0, 8), out), out);
  assert.deepEqual([...out], [1, 0]);
  // Facing back (θ = 3): turn by −0.25 towards the aim and move backwards (the aim is behind).
  pointMazeScripted(Float32Array.of(0, 0, 3, 0, 0, 0, 0), Float32Array.of(0, 8), out);
  assert.deepEqual([...out], [-1, Math.fround(-0.25)]);
  // In the goal's cell, 0.1 short of the goal straight ahead: half speed.
  pointMazeScripted(Float32Array.of(7.9, 8, 0, 0, 0, 0, 0), Float32Array.of(8, 8), out);
  assert.ok(Math.abs(out[0]! - 0.5) < 1e-5 && out[1] === 0, `${out}`);
});
