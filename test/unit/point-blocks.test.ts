// PointBlocks-v0 (sims/point/point-blocks-v0.ts), MAESN's manipulation family:
// options and their errors, the observation layout (and that it holds no
// task), the dynamics against hand computations, dense and sparse reward,
// that only the target block counts, seeds, the view, and a scripted pusher
// that solves the task when told it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Code, SimbridgeError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { LocalVectorEnv } from "../../src/env/local-vector-env.js";
import { TaskRegistry } from "../../src/env/task-registry.js";
import { StepStatus, type Options, type Task } from "../../src/env/task.js";
import { POSE_SIZE, viewOf } from "../../src/viewer/view-source.js";
import { BLOCK_CONTACT, pointBlocksMove, pointBlocksV0 } from "../../sims/point/point-blocks-v0.js";
import { CONTACT_DISTANCE, pointPushMove } from "../../sims/point/point-push-v0.js";
import { pointPushScripted } from "../../sims/point/scripted.js";

const make = (options: Options = {}): Promise<Task> => pointBlocksV0.create(options);
const f = Math.fround;
/** The proven bound of |vx|, |vy| (header, "Dynamics"), plus rounding. */
const V_MAX = 0.1 * (1 + 2 * Math.SQRT2) + 1e-8;

function invalid(field: string, pattern?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof SimbridgeError, String(e));
    assert.equal(e.code, Code.INVALID_ARGUMENT);
    assert.equal(e.field, `options.${field}`);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

/** One step of the dynamics from [point x, y, then blocks' x, y] with action (ax, ay): the state after it, [px, py, vx, vy, blocks…]. */
function move(point: readonly [number, number], blocks: readonly (readonly [number, number])[], ax: number, ay: number): number[] {
  const s = new Float64Array([...point, 0, 0, ...blocks.flat()]);
  pointBlocksMove(s, new Float64Array(s.length), ax, ay);
  return [...s];
}

function assertClose(got: readonly number[], want: readonly number[], what: string): void {
  assert.equal(got.length, want.length, what);
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) < 1e-12, `${what}[${i}]: ${g}, expected ${want[i]} (got ${got.join(", ")})`));
}

/**
 * The scripted pusher, told the task: PointPush-v0's demonstrator aimed at
 * the target block (it ignores the other blocks; a push into them shoves
 * them aside, or jams). Writes into `out`.
 */
function pusher(obs: Float32Array, target: number, goal: Float32Array, scratch: Float32Array, out: Float32Array<ArrayBuffer>): Float32Array {
  const k = 4 + 2 * target;
  scratch[0] = obs[0]!;
  scratch[1] = obs[1]!;
  scratch[2] = obs[2]!;
  scratch[3] = obs[3]!;
  scratch[4] = obs[k]!;
  scratch[5] = obs[k + 1]!;
  scratch[6] = obs[k]! - obs[0]!;
  scratch[7] = obs[k + 1]! - obs[1]!;
  return pointPushScripted(scratch, goal, out);
}

/** The hidden task as the view poses it (goal body, mark on the target block): [target, goal x, goal y]. */
function viewedTask(task: Task, blocks: number): [number, number, number] {
  const view = viewOf(task)!;
  const poses = new Float32Array(view.model().bodies!.length * POSE_SIZE);
  view.writePoses(poses);
  const goal = POSE_SIZE * (blocks + 2);
  const mark = POSE_SIZE * (blocks + 3);
  const obs = task.out.observations[0]!;
  const target = Array.from({ length: blocks }, (_, i) => i).find((i) => obs[4 + 2 * i] === poses[mark] && obs[5 + 2 * i] === poses[mark + 1]);
  assert.ok(target !== undefined, "the mark sits on a block");
  return [target, poses[goal]!, poses[goal + 1]!];
}

test("PointBlocks-v0 spec: one observation [4 + 2·blocks], no goals, no reward function, action [−1, 1]², 100 steps, options documented", () => {
  const spec = pointBlocksV0.spec({});
  assert.equal(spec.name, "PointBlocks-v0");
  assert.deepEqual(spec.observations.map((o) => [o.name, o.shape]), [["observation", [10]]]);
  const p = f(0.95);
  const b = f(0.9);
  const v = f(0.4);
  assert.deepEqual([...spec.observations[0]!.maximum!], [p, p, v, v, b, b, b, b, b, b]);
  assert.deepEqual([...spec.observations[0]!.minimum!], [-p, -p, -v, -v, -b, -b, -b, -b, -b, -b]);
  assert.deepEqual([...spec.action.minimum!, ...spec.action.maximum!], [-1, -1, 1, 1]);
  assert.deepEqual([spec.goalConditioned, spec.hasReward, spec.blackBox, spec.hasRewardFunction], [false, true, false, false]);
  assert.equal(spec.maxEpisodeSteps, 100);
  assert.deepEqual(spec.infoKeys, ["distance"]);
  assert.deepEqual(spec.makeOptions.map((o) => [o.name, o.type, o.default]), [
    ["blocks", "number", 3],
    ["reward_type", "string", "dense"],
    ["distance_threshold", "number", 0.1],
    ["max_episode_steps", "number", 100],
  ]);
  assert.deepEqual(spec.resetOptions.map((o) => [o.name, o.type]), [["target_block", "number"], ["goal", "tensor"]]);
  assert.deepEqual(pointBlocksV0.spec({ blocks: 1 }).observations[0]!.shape, [6]);
  assert.deepEqual(pointBlocksV0.spec({ blocks: 8 }).observations[0]!.shape, [20]);
  assert.equal(pointBlocksV0.spec({ max_episode_steps: 30 }).maxEpisodeSteps, 30);
});

test("PointBlocks-v0 make options: bad values are refused with INVALID_ARGUMENT naming the option", async () => {
  for (const blocks of [0, 9, 2.5, -1]) assert.throws(() => pointBlocksV0.spec({ blocks }), invalid("blocks", new RegExp(`expected an integer in \\[1, 8\\], got ${blocks}`)));
  assert.throws(() => pointBlocksV0.spec({ blocks: "3" }), invalid("blocks", /got '3'/));
  assert.throws(() => pointBlocksV0.spec({ reward_type: "shaped" }), invalid("reward_type", /expected dense or sparse, got 'shaped'/));
  assert.throws(() => pointBlocksV0.spec({ reward_type: true }), invalid("reward_type", /got true/));
  assert.throws(() => pointBlocksV0.spec({ distance_threshold: 0 }), invalid("distance_threshold", /in \(0, 0\.5\], got 0/));
  assert.throws(() => pointBlocksV0.spec({ distance_threshold: 0.6 }), invalid("distance_threshold"));
  assert.throws(() => pointBlocksV0.spec({ distance_threshold: "0.1" }), invalid("distance_threshold", /got '0\.1'/));
  assert.throws(() => pointBlocksV0.spec({ max_episode_steps: 0 }), invalid("max_episode_steps", /positive integer, got 0/));
  assert.throws(() => pointBlocksV0.spec({ max_episode_steps: 2.5 }), invalid("max_episode_steps"));
  await assert.rejects(pointBlocksV0.create({ blocks: 12 }), invalid("blocks"));
  // Through the pool, as a client meets them: unknown options and wrong types are caught there too.
  const registry = new TaskRegistry([pointBlocksV0]);
  await assert.rejects(LocalVectorEnv.make(registry, "PointBlocks-v0", 1, { blocks: 0 }), invalid("blocks"));
  await assert.rejects(LocalVectorEnv.make(registry, "PointBlocks-v0", 1, { block: 3 }), (e: unknown) => e instanceof SimbridgeError && e.code === Code.INVALID_ARGUMENT && /unknown .* 'block' \(accepted: blocks, reward_type, distance_threshold, max_episode_steps\)/.test(e.message));
});

test("PointBlocks-v0 reset options: target_block in [0, blocks), goal in the blocks' range; bad ones are refused, naming them, and change nothing", async () => {
  const task = await make();
  try {
    task.reset(1, { target_block: 2, goal: new Float64Array([-0.9, 0.9]) }); // the last block and a corner of the range are allowed
    task.reset(1, {});
    const before = [...task.out.observations[0]!];
    assert.throws(() => task.reset(2, { target_block: 3 }), invalid("target_block", /expected an integer in \[0, 3\) \(this env has 3 blocks\), got 3/));
    assert.throws(() => task.reset(2, { target_block: -1 }), invalid("target_block", /got -1/));
    assert.throws(() => task.reset(2, { target_block: 0.5 }), invalid("target_block", /got 0\.5/));
    assert.throws(() => task.reset(2, { target_block: "1" }), invalid("target_block", /got '1'/));
    assert.throws(() => task.reset(2, { target_block: new Float64Array([1]) }), invalid("target_block", /got a tensor/));
    assert.throws(() => task.reset(2, { goal: new Float64Array([0.95, 0]) }), invalid("goal", /expected 2 values in \[−0\.9, 0\.9\].*\[0\.95, 0\]/));
    assert.throws(() => task.reset(2, { goal: new Float64Array([0.1]) }), invalid("goal", /2 values/));
    assert.throws(() => task.reset(2, { goal: new Float64Array([0, 0, 0]) }), invalid("goal", /2 values/));
    assert.throws(() => task.reset(2, { goal: new Float64Array([Number.NaN, 0]) }), invalid("goal"));
    assert.throws(() => task.reset(2, { goal: "0,0" }), invalid("goal", /tensor/));
    assert.throws(() => task.validateResetOptions!({ target_block: 0, goal: new Float64Array([0, -1]) }), invalid("goal"));
    assert.deepEqual([...task.out.observations[0]!], before, "a refused reset changes nothing");
  } finally {
    task.close();
  }
  const one = await make({ blocks: 1 });
  try {
    assert.throws(() => one.reset(0, { target_block: 1 }), invalid("target_block", /\[0, 1\) \(this env has 1 block\)/));
  } finally {
    one.close();
  }
  // Through a vector env, as a meta-learner picks tasks: per-env options; a bad entry is named.
  const env = await LocalVectorEnv.make(new TaskRegistry([pointBlocksV0]), "PointBlocks-v0", 2);
  try {
    await env.reset([{ index: 0, seed: 1, options: { target_block: 0, goal: new Float64Array([0.5, 0.5]) } }, { index: 1, seed: 2, options: { target_block: 2 } }]);
    await assert.rejects(env.reset([{ index: 0, seed: 1 }, { index: 1, options: { target_block: 5 } }]), (e: unknown) => e instanceof SimbridgeError && e.code === Code.INVALID_ARGUMENT && e.field === "envs[1].options.target_block");
    await assert.rejects(env.reset([{ index: 0, options: { target_block: true } }]), (e: unknown) => e instanceof SimbridgeError && e.code === Code.INVALID_ARGUMENT && /expected a number but got a bool/.test(e.message));
  } finally {
    await env.close();
  }
});

test("PointBlocks-v0 observation: point x, y, vx, vy, then each block's x, y in index order; the starting state as documented", async () => {
  for (const blocks of [1, 3, 8]) {
    const task = await make({ blocks });
    try {
      for (let ep = 0; ep < 300; ep++) {
        task.reset(ep, {});
        const obs = task.out.observations[0]!;
        assert.equal(obs.length, 4 + 2 * blocks);
        assert.ok(Math.abs(obs[0]!) <= 0.1 && Math.abs(obs[1]!) <= 0.1, "point in [−0.1, 0.1]²");
        assert.deepEqual([obs[2], obs[3]], [0, 0], "velocity 0");
        for (let i = 0; i < blocks; i++) {
          const [x, y] = [obs[4 + 2 * i]!, obs[5 + 2 * i]!];
          assert.ok(Math.abs(x) <= 0.7 && Math.abs(y) <= 0.7, `block ${i} in [−0.7, 0.7]²`);
          assert.ok(Math.hypot(x - obs[0]!, y - obs[1]!) >= 0.25 - 1e-6, `block ${i} ≥ 0.25 from the point`);
          for (let j = 0; j < i; j++) assert.ok(Math.hypot(x - obs[4 + 2 * j]!, y - obs[5 + 2 * j]!) >= 0.3 - 1e-6, `blocks ${j}, ${i} ≥ 0.3 apart`);
        }
        assert.equal(task.out.reward, 0, "reward 0 after reset");
        assert.equal(task.out.isSuccess, false, "the target block never starts on the goal");
        assert.ok(task.out.info[0]! >= 0.1);
      }
    } finally {
      task.close();
    }
  }
  // Pushing one block changes that block's entries and no other's: the layout is by index.
  const task = await make();
  try {
    task.reset(5, {});
    const obs = task.out.observations[0]!;
    const start = [...obs];
    const scratch = new Float32Array(8);
    const out = new Float32Array(2);
    const far = Float32Array.of(obs[6]! > 0 ? -0.6 : 0.6, obs[7]! > 0 ? -0.6 : 0.6); // push block 1 towards the other side
    let t = 0;
    while (obs[6] === start[6] && obs[7] === start[7] && t++ < 60) task.step(pusher(obs, 1, far, scratch, out));
    assert.ok(obs[6] !== start[6] || obs[7] !== start[7], "block 1 was pushed");
    assert.ok(obs[0] !== start[0] || obs[1] !== start[1], "the point moved");
    assert.deepEqual([obs[4], obs[5], obs[8], obs[9]], [start[4], start[5], start[8], start[9]], "blocks 0 and 2 did not move");
  } finally {
    task.close();
  }
});

test("PointBlocks-v0 observation holds no task: the same seed and actions under different target_block/goal give identical observations; only rewards differ", async () => {
  const a = await make();
  const b = await make();
  try {
    for (let seed = 0; seed < 20; seed++) {
      a.reset(seed, { target_block: 0, goal: new Float64Array([0.8, -0.8]) });
      b.reset(seed, { target_block: 2, goal: new Float64Array([-0.8, 0.8]) });
      const rng = new Rng(seed);
      let differ = 0;
      assert.deepEqual([...a.out.observations[0]!], [...b.out.observations[0]!], "the same layout for every task of a seed");
      while (a.out.status === StepStatus.RUNNING) {
        const act = Float32Array.of(rng.uniformRange(-1, 1), rng.uniformRange(-1, 1));
        a.step(act);
        b.step(act);
        assert.deepEqual([...a.out.observations[0]!], [...b.out.observations[0]!]);
        if (a.out.reward !== b.out.reward) differ++;
      }
      assert.ok(differ > 0);
    }
  } finally {
    a.close();
    b.close();
  }
});

test("PointBlocks-v0 dynamics, by hand: free move, PointPush-v0's push, a chain of two blocks, a chain against the wall", () => {
  // Free: the point moves by action·0.1, no block moves.
  assertClose(move([0, 0], [[0.5, 0.5], [-0.5, 0.5]], 1, -0.5), [0.1, -0.05, 0.1, -0.05, 0.5, 0.5, -0.5, 0.5], "free move");
  // Head-on push of block 1 (block 0 elsewhere): the point ends 0.1 from its centre; it is pushed 0.05 along +x to touch.
  assertClose(move([0, 0], [[-0.5, -0.5], [0.2, 0]], 1, 0), [0.1, 0, 0.1, 0, -0.5, -0.5, 0.25, 0], "head-on push");
  // Oblique push: block − point = (0.06, 0.05) after the move; the block goes to point + 0.15·unit.
  const d = Math.sqrt(0.0061);
  assertClose(move([0, 0], [[0.16, 0.05], [0, 0.6]], 1, 0), [0.1, 0, 0.1, 0, 0.1 + (0.15 * 0.06) / d, (0.15 * 0.05) / d, 0, 0.6], "oblique push");
  // A chain: the point pushes block 0 to x = 0.25, which overlaps block 1 at 0.37 (0.12 < 0.2) and pushes it to 0.45.
  assertClose(move([0, 0], [[0.16, 0], [0.37, 0]], 1, 0), [0.1, 0, 0.1, 0, 0.25, 0, 0.45, 0], "chain");
  // A chain against the wall: block 1 at the wall x = 0.9 would go to 0.99; the wall takes 0.09 off it, off block 0
  // and off the point: block 0 stops at 0.7, the point at 0.55 (a net move of 0.01).
  assertClose(move([0.54, 0], [[0.7, 0], [0.9, 0]], 1, 0), [0.55, 0, 0.01, 0, 0.7, 0, 0.9, 0], "chain against the wall");
});

test("PointBlocks-v0 dynamics, by hand: a jam is undone — the point into two blocks, a chain into a third block", () => {
  const still = (point: [number, number], blocks: [number, number][], ax: number, ay: number, what: string) =>
    assertClose(move(point, blocks, ax, ay), [...point, 0, 0, ...blocks.flat()], what);
  // The point would end at (0.1, 0), 0.112 from both blocks (< 0.15).
  still([0, 0], [[0.12, 0.11], [0.12, -0.11]], 1, 0, "into two blocks");
  // Point → block 0 → block 1, which would overlap block 2: undone.
  still([0, 0], [[0.16, 0], [0.37, 0], [0.6, 0]], 1, 0, "a chain of three");
  // Block 0 pushed into two blocks at once: undone.
  still([0, 0], [[0.16, 0], [0.33, 0.12], [0.33, -0.12]], 1, 0, "a block into two");
  // A block pushed straight into the corner by the point, with the point already touching: nothing moves (as in PointPush-v0).
  assertClose(move([0.75, 0], [[0.9, 0], [0, 0.5]], 1, 0), [0.75, 0, 0, 0, 0.9, 0, 0, 0.5], "against the wall");
});

test("PointBlocks-v0 with one block is PointPush-v0's dynamics, bit for bit (random pushes into walls and corners)", () => {
  const rng = new Rng(21);
  const push = new Float64Array(6);
  const blocks = new Float64Array(6);
  const before = new Float64Array(6);
  for (let k = 0; k < 20000; k++) {
    push[2] = Math.max(-0.9, Math.min(0.9, rng.uniformRange(-1.1, 1.1)));
    push[3] = Math.max(-0.9, Math.min(0.9, rng.uniformRange(-1.1, 1.1)));
    do {
      const a = rng.uniformRange(-Math.PI, Math.PI);
      const r = rng.uniformRange(CONTACT_DISTANCE, 0.3);
      push[0] = push[2]! + r * Math.cos(a);
      push[1] = push[3]! + r * Math.sin(a);
    } while (Math.abs(push[0]!) > 0.95 || Math.abs(push[1]!) > 0.95);
    blocks.set([push[0]!, push[1]!, 0, 0, push[2]!, push[3]!]);
    const ax = rng.uniformRange(-1, 1);
    const ay = rng.uniformRange(-1, 1);
    pointPushMove(push, ax, ay);
    pointBlocksMove(blocks, before, ax, ay);
    // PointPush-v0's state is [point, block, v]; PointBlocks-v0's [point, v, block].
    assert.deepEqual([...blocks], [push[0], push[1], push[4], push[5], push[2], push[3]], `step ${k}`);
  }
});

test("PointBlocks-v0 never lets anything overlap or leave its range, and |v| ≤ 0.1·(1 + 2√2) (random pushes among crowded blocks, walls and corners)", (t) => {
  const rng = new Rng(11);
  let undone = 0;
  let chains = 0;
  let vMax = 0;
  for (const blocks of [2, 3, 8]) {
    const s = new Float64Array(4 + 2 * blocks);
    const scratch = new Float64Array(s.length);
    for (let k = 0; k < 20000; k++) {
      // Block 0 anywhere in its range (walls and corners often), the others touching or nearly touching a block
      // placed before them, the point just outside contact with block 0: pushes that chain and jam.
      s[4] = Math.max(-0.9, Math.min(0.9, rng.uniformRange(-1.1, 1.1)));
      s[5] = Math.max(-0.9, Math.min(0.9, rng.uniformRange(-1.1, 1.1)));
      let placed = true;
      for (let i = 1; i < blocks && placed; i++) {
        let ok = false;
        for (let attempt = 0; attempt < 100 && !ok; attempt++) {
          const j = Math.floor(rng.uniform() * i);
          const a = rng.uniformRange(-Math.PI, Math.PI);
          const r = rng.uniformRange(BLOCK_CONTACT, 0.3);
          s[4 + 2 * i] = Math.max(-0.9, Math.min(0.9, s[4 + 2 * j]! + r * Math.cos(a)));
          s[5 + 2 * i] = Math.max(-0.9, Math.min(0.9, s[5 + 2 * j]! + r * Math.sin(a)));
          ok = true;
          for (let m = 0; m < i && ok; m++) ok = Math.hypot(s[4 + 2 * i]! - s[4 + 2 * m]!, s[5 + 2 * i]! - s[5 + 2 * m]!) >= BLOCK_CONTACT;
        }
        placed = ok;
      }
      if (!placed) continue;
      let ok = false;
      for (let attempt = 0; attempt < 100 && !ok; attempt++) {
        const a = rng.uniformRange(-Math.PI, Math.PI);
        const r = rng.uniformRange(CONTACT_DISTANCE, 0.3);
        s[0] = s[4]! + r * Math.cos(a);
        s[1] = s[5]! + r * Math.sin(a);
        ok = Math.abs(s[0]!) <= 0.95 && Math.abs(s[1]!) <= 0.95;
        for (let i = 0; i < blocks && ok; i++) ok = Math.hypot(s[4 + 2 * i]! - s[0]!, s[5 + 2 * i]! - s[1]!) >= CONTACT_DISTANCE;
      }
      if (!ok) continue;
      const start = [...s];
      pointBlocksMove(s, scratch, rng.uniformRange(-1, 1), rng.uniformRange(-1, 1));
      const moved = [...s.subarray(4)].filter((v, i) => v !== start[4 + i]).length;
      if (s[2] === 0 && s[3] === 0) undone++;
      if (moved > 2) chains++;
      const check = (ok: boolean, what: string) => ok || assert.fail(`${what}: ${blocks} blocks, from ${start.join(", ")} to ${[...s].join(", ")}`);
      check(Math.abs(s[0]!) <= 0.95 && Math.abs(s[1]!) <= 0.95, "point outside");
      for (let i = 0; i < blocks; i++) {
        const x = s[4 + 2 * i]!;
        const y = s[5 + 2 * i]!;
        check(Math.abs(x) <= 0.9 && Math.abs(y) <= 0.9, `block ${i} outside`);
        check(Math.hypot(x - s[0]!, y - s[1]!) >= CONTACT_DISTANCE - 1e-9, `point overlaps block ${i}`);
        for (let j = 0; j < i; j++) check(Math.hypot(x - s[4 + 2 * j]!, y - s[5 + 2 * j]!) >= BLOCK_CONTACT - 1e-9, `blocks ${j}, ${i} overlap`);
      }
      check(Math.abs(s[2]!) <= V_MAX && Math.abs(s[3]!) <= V_MAX, "v beyond its bound");
      check(s[2] === s[0]! - start[0]! && s[3] === s[1]! - start[1]!, "v is not the point's displacement");
      vMax = Math.max(vMax, Math.abs(s[2]!), Math.abs(s[3]!));
    }
  }
  t.diagnostic(`${undone} steps undone, ${chains} chains, largest |v| ${vMax}`);
  assert.ok(undone > 100 && chains > 100, `the samples exercise jams (${undone}) and chains (${chains})`);
  assert.ok(vMax <= V_MAX);
});

test("PointBlocks-v0 reward by hand: dense −‖target block − goal‖ and sparse 1/0 at distance_threshold, while a scripted pusher moves the block onto the goal", async () => {
  const dense = await make();
  const sparse = await make({ reward_type: "sparse" });
  const loose = await make({ reward_type: "sparse", distance_threshold: 0.3 });
  const scratch = new Float32Array(8);
  const out = new Float32Array(2);
  try {
    for (const task of [dense, sparse, loose]) {
      const threshold = task === loose ? 0.3 : 0.1;
      // The layout of seed 7, then a goal 0.5 to the right of block 1 (or left, near the wall).
      task.reset(7, { target_block: 1 });
      const bx = task.out.observations[0]![6]!;
      const by = task.out.observations[0]![7]!;
      const g = new Float64Array([bx > 0.2 ? bx - 0.5 : bx + 0.5, by]);
      const goal = Float32Array.of(g[0]!, g[1]!);
      task.reset(7, { target_block: 1, goal: g });
      const obs = task.out.observations[0]!;
      assert.deepEqual([obs[6], obs[7]], [bx, by], "the same layout");
      assert.equal(task.out.info[0], Math.hypot(bx - f(g[0]!), by - f(g[1]!)));
      assert.ok(Math.abs(task.out.info[0]! - 0.5) < 1e-6);
      let rewarded = 0;
      let lastDistance = task.out.info[0]!;
      let closer = 0;
      while (task.out.status === StepStatus.RUNNING) {
        task.step(pusher(obs, 1, goal, scratch, out));
        // By hand, from the observed block and the goal as float32.
        const distance = Math.hypot(obs[6]! - f(g[0]!), obs[7]! - f(g[1]!));
        assert.equal(task.out.info[0], distance);
        assert.equal(task.out.isSuccess, distance < threshold);
        assert.equal(task.out.reward, task === dense ? -distance : distance < threshold ? 1 : 0);
        if (task.out.reward === 1) rewarded++;
        if (distance < lastDistance - 1e-9) closer++;
        lastDistance = distance;
      }
      assert.ok(closer >= 4, "the block was pushed towards the goal");
      assert.ok(task.out.isSuccess, "and ended on it");
      if (task === dense) assert.ok(task.out.reward > -0.1 && task.out.reward <= 0);
      else assert.ok(rewarded > 10, `sparse reward on ${rewarded} steps`);
    }
    // A head-on push, by hand: the point 0.3 left of a block on the line to the goal moves +x at full speed;
    // after the first contact every step moves the block by exactly the point's 0.1, so the dense reward rises by 0.1.
    const s = new Float64Array([-0.3, 0, 0, 0, 0, 0]);
    const scratch64 = new Float64Array(6);
    const rewards: number[] = [];
    for (let t = 0; t < 5; t++) {
      pointBlocksMove(s, scratch64, 1, 0);
      rewards.push(-Math.hypot(s[4]! - 0.6, s[5]!));
    }
    assertClose(rewards, [-0.6, -0.55, -0.45, -0.35, -0.25], "dense rewards of a head-on push");
  } finally {
    dense.close();
    sparse.close();
    loose.close();
  }
});

test("PointBlocks-v0: only the target block counts — a non-target block pushed onto the goal earns nothing", async (t) => {
  const sparse = await make({ reward_type: "sparse" });
  const dense = await make();
  const scratch = new Float32Array(8);
  const out = new Float32Array(2);
  const g = new Float64Array([0.4, -0.4]);
  const goal = Float32Array.of(0.4, -0.4);
  const distanceOf = (obs: Float32Array, block: number) => Math.hypot(obs[4 + 2 * block]! - f(0.4), obs[5 + 2 * block]! - f(-0.4));
  let decoyOnGoal = 0;
  try {
    for (let seed = 0; seed < 20; seed++) {
      sparse.reset(seed, { target_block: 0, goal: g });
      dense.reset(seed, { target_block: 0, goal: g });
      const obs = sparse.out.observations[0]!;
      let steps = 0;
      while (sparse.out.status === StepStatus.RUNNING) {
        // Push block 2 onto the goal, not the target block 0.
        const a = pusher(obs, 2, goal, scratch, out);
        sparse.step(a);
        dense.step(a);
        const d0 = distanceOf(obs, 0);
        assert.equal(sparse.out.info[0], d0, "distance is the target block's");
        assert.equal(dense.out.reward, -d0, "the dense reward is the target block's");
        assert.equal(sparse.out.reward, d0 < 0.1 ? 1 : 0, "the sparse reward is the target block's");
        if (distanceOf(obs, 2) < 0.1 && d0 >= 0.1) {
          steps++;
          assert.equal(sparse.out.reward, 0);
          assert.equal(sparse.out.isSuccess, false);
        }
      }
      if (steps > 0) decoyOnGoal++;
    }
  } finally {
    sparse.close();
    dense.close();
  }
  t.diagnostic(`block 2 sat on the goal without reward in ${decoyOnGoal} of 20 episodes`);
  assert.ok(decoyOnGoal >= 15, `block 2 sat on the goal without reward in ${decoyOnGoal} of 20 episodes`);
});

test("PointBlocks-v0: the same seed and actions give a bit-identical trajectory; reset without a seed goes on; episodes are TRUNCATED", async () => {
  const a = await make({ blocks: 5 });
  const b = await make({ blocks: 5 });
  const run = (task: Task, seed: number | undefined, options: Options = {}): number[] => {
    const rng = new Rng(99);
    task.reset(seed, options);
    const out: number[] = [...task.out.observations[0]!];
    while (task.out.status === StepStatus.RUNNING) {
      task.step(Float32Array.of(rng.uniformRange(-1.5, 1.5), rng.uniformRange(-1.5, 1.5)));
      out.push(...task.out.observations[0]!, task.out.reward, task.out.info[0]!, task.out.isSuccess ? 1 : 0);
    }
    return out;
  };
  try {
    assert.deepEqual(run(a, 3), run(b, 3));
    assert.deepEqual(run(a, 3, { target_block: 4, goal: new Float64Array([0.1, 0.2]) }), run(b, 3, { target_block: 4, goal: new Float64Array([0.1, 0.2]) }));
    assert.notDeepEqual(run(a, 3), run(b, 4));
    assert.notDeepEqual(run(a, undefined), run(b, 3), "an unseeded reset continues the stream");
    a.reset(8, {});
    b.reset(8, {});
    a.reset(undefined, {});
    b.reset(undefined, {});
    assert.deepEqual([...a.out.observations[0]!], [...b.out.observations[0]!], "and continues it the same way");
  } finally {
    a.close();
    b.close();
  }
  const task = await make({ max_episode_steps: 7 });
  try {
    task.reset(0, {});
    for (let t = 1; t <= 7; t++) {
      task.step(Float32Array.of(3, -3)); // clipped to (1, −1)
      assert.equal(task.out.status, t < 7 ? StepStatus.RUNNING : StepStatus.TRUNCATED, "TRUNCATED at max_episode_steps, never TERMINATED");
    }
  } finally {
    task.close();
  }
});

test("PointBlocks-v0 tasks drawn without options: every target block, goals in [−0.7, 0.7]²; the view poses the goal and marks the target", async () => {
  const blocks = 4;
  const task = await make({ blocks });
  try {
    const model = viewOf(task)!.model();
    assert.deepEqual(model.bodies, ["world", "point", "block0", "block1", "block2", "block3", "goal", "target_mark"]);
    const counts = new Array<number>(blocks).fill(0);
    for (let ep = 0; ep < 400; ep++) {
      task.reset(ep, {});
      const [target, gx, gy] = viewedTask(task, blocks);
      counts[target]!++;
      assert.ok(Math.abs(gx) <= 0.7 && Math.abs(gy) <= 0.7);
      const obs = task.out.observations[0]!;
      assert.equal(task.out.info[0], Math.hypot(obs[4 + 2 * target]! - gx, obs[5 + 2 * target]! - gy), "distance is the marked block's to the goal");
    }
    assert.ok(counts.every((c) => c > 60), `targets ${counts}`);
    task.reset(3, { target_block: 2, goal: new Float64Array([0.3, -0.45]) });
    assert.deepEqual(viewedTask(task, blocks), [2, f(0.3), f(-0.45)]);
  } finally {
    task.close();
  }
});

test("the scripted pusher, told the task, succeeds (final step) in ≥ 90 % of 50 seeded episodes per block count: the task is solvable", async (t) => {
  // Measured over seeds 0–1999 with drawn tasks: 3 blocks 1996 of 2000 (first success after 16 steps on average,
  // at most 33), 8 blocks 1885 of 2000; the failures are jams the pusher does not go around.
  for (const blocks of [1, 3, 8]) {
    const task = await make({ blocks });
    const rng = new Rng(blocks);
    const scratch = new Float32Array(8);
    const out = new Float32Array(2);
    let successes = 0;
    let slowest = 0;
    try {
      for (let ep = 0; ep < 50; ep++) {
        const target = ep % blocks;
        const goal = Float32Array.of(rng.uniformRange(-0.7, 0.7), rng.uniformRange(-0.7, 0.7));
        task.reset(1000 + ep, { target_block: target, goal: Float64Array.from(goal) });
        let first = 0;
        for (let step = 1; task.out.status === StepStatus.RUNNING; step++) {
          const a = pusher(task.out.observations[0]!, target, goal, scratch, out);
          assert.ok(a.every((v) => v >= -1 && v <= 1), `action ${a}`);
          task.step(a);
          if (task.out.isSuccess && first === 0) first = step;
        }
        if (task.out.isSuccess) successes++;
        slowest = Math.max(slowest, first);
      }
    } finally {
      task.close();
    }
    t.diagnostic(`${blocks} blocks: ${successes} of 50 episodes end on the goal; first success after at most ${slowest} steps`);
    assert.ok(successes >= 45, `${blocks} blocks: ${successes} of 50`);
  }
});
