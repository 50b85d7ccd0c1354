// Relay relabelling (src/replay/relay-relabel.ts) against tuples written out
// by hand for a 5-step episode: the low level's window W_l = 2, the high
// level's W_h = 3, the subgoal = the first k = 2 observation entries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { relayHighTuples, relayLowTuples, relayTupleCount, type RelayEpisode } from "../../src/replay/relay-relabel.js";

/**
 * 5 steps: s_t = (t, 100 + t, 7) (3 entries, the first 2 are the subgoal's),
 * achieved goal ag_t = 50 + t (1 entry), action a_t = −t (1 entry).
 */
const five: RelayEpisode = {
  length: 5,
  states: Float32Array.from([0, 100, 7, 1, 101, 7, 2, 102, 7, 3, 103, 7, 4, 104, 7, 5, 105, 7]),
  achieved: Float32Array.from([50, 51, 52, 53, 54, 55]),
  actions: Float32Array.from([-0, -1, -2, -3, -4]),
};
const dims = { obsDim: 3, goalDim: 1, actDim: 1, k: 2 };

/** Rows of a flat array. */
const rows = (a: Float32Array, width: number) => Array.from({ length: a.length / width }, (_, r) => [...a.subarray(r * width, (r + 1) * width)]);

test("low level, W_l = 2: (s_t, s_{t+j}[:2], a_t) for j = 1, 2 while t + j ≤ 5", () => {
  const low = relayLowTuples([five], dims, 2);
  // (t, j): (0,1) (0,2) (1,1) (1,2) (2,1) (2,2) (3,1) (3,2) (4,1) — s_5 is a goal, never a start.
  assert.equal(low.rows, 9);
  assert.deepEqual(rows(low.state, 3), [
    [0, 100, 7], [0, 100, 7],
    [1, 101, 7], [1, 101, 7],
    [2, 102, 7], [2, 102, 7],
    [3, 103, 7], [3, 103, 7],
    [4, 104, 7],
  ]);
  assert.deepEqual(rows(low.goal, 2), [
    [1, 101], [2, 102],
    [2, 102], [3, 103],
    [3, 103], [4, 104],
    [4, 104], [5, 105],
    [5, 105],
  ]);
  assert.deepEqual([...low.action], [-0, -0, -1, -1, -2, -2, -3, -3, -4]);
});

test("high level, W_l = 2, W_h = 3: (s_t, ag_{t+j}, s_{t+min(2, j)}[:2]) for j = 1 … 3 while t + j ≤ 5", () => {
  const high = relayHighTuples([five], dims, 2, 3);
  // (t, j): t = 0, 1, 2 with j = 1, 2, 3; t = 3 with j = 1, 2; t = 4 with j = 1.
  assert.equal(high.rows, 12);
  assert.deepEqual([...high.goal], [51, 52, 53, 52, 53, 54, 53, 54, 55, 54, 55, 55]);
  // The subgoal is the state j steps ahead, but never more than W_l = 2 steps ahead (j = 3 → s_{t+2}).
  assert.deepEqual(rows(high.subgoal, 2), [
    [1, 101], [2, 102], [2, 102],
    [2, 102], [3, 103], [3, 103],
    [3, 103], [4, 104], [4, 104],
    [4, 104], [5, 105],
    [5, 105],
  ]);
  assert.deepEqual(rows(high.state, 3).map((s) => s[0]), [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 4]);
});

test("episodes follow one another; windows longer than the episode take what is left; counts match", () => {
  const two: RelayEpisode = { length: 2, states: Float32Array.from([9, 9, 9, 8, 8, 8, 6, 6, 6]), achieved: Float32Array.from([1, 2, 3]), actions: Float32Array.from([0.5, -0.5]) };
  const low = relayLowTuples([two, five], dims, 10);
  assert.equal(low.rows, relayTupleCount(2, 10) + relayTupleCount(5, 10));
  assert.equal(low.rows, 3 + 15);
  // The short episode first: (0,1) (0,2) (1,1).
  assert.deepEqual(rows(low.goal, 2).slice(0, 3), [[8, 8], [6, 6], [6, 6]]);
  assert.deepEqual([...low.action.subarray(0, 4)], [0.5, 0.5, -0.5, -0]);
  const high = relayHighTuples([two], dims, 1, 10);
  assert.deepEqual([...high.goal], [2, 3, 3]);
  assert.deepEqual(rows(high.subgoal, 2), [[8, 8], [8, 8], [6, 6]]);
  assert.equal(relayLowTuples([], dims, 2).rows, 0);
});

test("refuses windows below 1 and arrays that do not match the episode's length", () => {
  assert.throws(() => relayLowTuples([five], dims, 0), /windowLow must be an integer ≥ 1, got 0/);
  assert.throws(() => relayHighTuples([five], dims, 2, 1.5), /windowHigh must be an integer ≥ 1, got 1.5/);
  assert.throws(() => relayLowTuples([{ ...five, length: 4 }], dims, 2), /episode 0: expected \(T \+ 1\) × 3 state values, got 18/);
  assert.throws(() => relayLowTuples([five], { ...dims, k: 4 }, 2), /1 to 3 leading observation entries, got k = 4/);
});
