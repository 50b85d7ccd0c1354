import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { batchRows, poolLayout, TransitionPool } from "../../src/reward/gahil-pools.js";

/** n transitions with goal 1, obs 1, action 1 whose every element encodes the row: desired k, judged k+0.1, obs k+0.2, next k+0.3, action k+0.4. */
function rows(from: number, n: number) {
  const f = (d: number) => Float32Array.from({ length: n }, (_, i) => from + i + d);
  return { desiredGoal: f(0), nextAchievedGoal: f(0.1), achievedGoal: f(-1), obs: f(0.2), nextObs: f(0.3), action: f(0.4) };
}
const rowOf = (k: number) => [k, k + 0.1, k + 0.2, k + 0.3, k + 0.4].map(Math.fround);

test("layout: [desired, judged, obs, next obs, action]; size-0 segments are absent", () => {
  assert.deepEqual(poolLayout({ goal: 2, obs: 3, action: 1 }), {
    goal: 2, obs: 3, action: 1, desiredGoalAt: 0, judgedGoalAt: 2, obsAt: 4, nextObsAt: 7, actionAt: 10, rowSize: 11,
  });
  assert.equal(poolLayout({ goal: 2, obs: 0, action: 0, judgedGoal: false }).rowSize, 2);
  assert.equal(poolLayout({ goal: 2, obs: 0, action: 0, judgedGoal: false }).judgedGoalAt, -1);
  assert.throws(() => poolLayout({ goal: 0, obs: 1, action: 1 }), /sizes.goal/);
});

test("rows are stored raw in layout order; the judged goal is nextAchievedGoal, else achievedGoal", () => {
  const pool = new TransitionPool({ goal: 1, obs: 1, action: 1 }, 4);
  pool.add(rows(0, 2));
  assert.equal(pool.size, 2);
  assert.deepEqual(Array.from(pool.rowsInOrder()), [...rowOf(0), ...rowOf(1)]);
  const { nextAchievedGoal: _unused, ...noNext } = rows(5, 1);
  pool.add(noNext);
  assert.deepEqual(Array.from(pool.row(2)), [5, 4, 5.2, 5.3, 5.4].map(Math.fround));
});

test("the ring wraps around: the newest `capacity` rows are kept, oldest first", () => {
  const pool = new TransitionPool({ goal: 1, obs: 1, action: 1 }, 4);
  pool.add(rows(0, 3));
  pool.add(rows(3, 3)); // rows 0..5; capacity 4 keeps 2..5
  assert.equal(pool.size, 4);
  assert.equal(pool.added, 6);
  assert.deepEqual(Array.from(pool.rowsInOrder()), [2, 3, 4, 5].flatMap(rowOf));
  // Storage order: 4 and 5 overwrote slots 0 and 1.
  assert.deepEqual(Array.from(pool.row(0)), rowOf(4));
  assert.deepEqual(Array.from(pool.row(2)), rowOf(2));
  // One add larger than the capacity keeps its last rows.
  const big = new TransitionPool({ goal: 1, obs: 1, action: 1 }, 4);
  big.add(rows(10, 7));
  assert.deepEqual(Array.from(big.rowsInOrder()), [13, 14, 15, 16].flatMap(rowOf));
  big.add(rows(20, 1));
  assert.deepEqual(Array.from(big.rowsInOrder()), [14, 15, 16, 20].flatMap(rowOf));
  // Row by row gives the same ring.
  const single = new TransitionPool({ goal: 1, obs: 1, action: 1 }, 4);
  const b = rows(0, 6);
  for (let i = 0; i < 6; i++) single.addRow(b, i);
  assert.deepEqual(Array.from(single.rowsInOrder()), [2, 3, 4, 5].flatMap(rowOf));
});

test("sampling draws only filled rows, and every one of them", () => {
  const pool = new TransitionPool({ goal: 1, obs: 1, action: 1 }, 10);
  assert.throws(() => pool.sampleIndices(1, new Rng(1), new Uint32Array(1)), /empty/);
  pool.add(rows(0, 3));
  const idx = pool.sampleIndices(3000, new Rng(1), new Uint32Array(3000));
  const counts = [0, 0, 0];
  for (const i of idx) {
    assert.ok(i < 3, `index ${i} is not a filled row`);
    counts[i]!++;
  }
  for (const c of counts) assert.ok(c > 850 && c < 1150, `uniform: ${counts.join(", ")}`);
  assert.throws(() => pool.row(3), /\[0, 3\)/);
});

test("serialize → restore gives the same rows and continues the ring", () => {
  const pool = new TransitionPool({ goal: 1, obs: 1, action: 1 }, 4);
  pool.add(rows(0, 6));
  const copy = new TransitionPool({ goal: 1, obs: 1, action: 1 }, 4);
  copy.restore(pool.serialize());
  assert.deepEqual(Array.from(copy.rowsInOrder()), Array.from(pool.rowsInOrder()));
  assert.equal(copy.added, 6);
  copy.add(rows(9, 1));
  pool.add(rows(9, 1));
  assert.deepEqual(Array.from(copy.rowsInOrder()), Array.from(pool.rowsInOrder()));
  assert.throws(() => new TransitionPool({ goal: 1, obs: 1, action: 1 }, 5).restore(pool.serialize()), /capacity 5/);
});

test("batches are checked: missing fields and wrong lengths name the field", () => {
  const layout = poolLayout({ goal: 2, obs: 1, action: 1 });
  const ok = { desiredGoal: new Float32Array(4), achievedGoal: new Float32Array(4), obs: new Float32Array(2), nextObs: new Float32Array(2), action: new Float32Array(2) };
  assert.equal(batchRows(ok, layout), 2);
  assert.throws(() => batchRows({ ...ok, obs: undefined }, layout), /obs: GAHIL's discriminator reads it/);
  assert.throws(() => batchRows({ ...ok, action: new Float32Array(3) }, layout), /action: expected 2 rows of 1/);
  assert.throws(() => batchRows(ok, layout, 3), /desiredGoal: expected 3 rows of 2/);
  assert.throws(() => batchRows({ ...ok, desiredGoal: new Float32Array(3) }, layout), /multiple of 2/);
});
