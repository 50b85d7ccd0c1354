// InputEncoder: normalised observation (and desired goal) → network input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { unboundedSpec } from "../../src/env/spec.js";
import type { TaskSpec } from "../../src/env/task.js";
import { InputEncoder, type InputEncoderState } from "../../src/train/input-encoder.js";

const base: Omit<TaskSpec, "observations" | "goalConditioned"> = {
  name: "Enc-v0",
  description: "",
  action: unboundedSpec("action", [1]),
  hasReward: true,
  blackBox: false,
  maxEpisodeSteps: 10,
  controlDt: 0.1,
  infoKeys: [],
  makeOptions: [],
  resetOptions: [],
};
const plain: TaskSpec = { ...base, goalConditioned: false, observations: [unboundedSpec("observation", [2])] };
const goal: TaskSpec = {
  ...base,
  goalConditioned: true,
  observations: [unboundedSpec("observation", [2]), unboundedSpec("achieved_goal", [1]), unboundedSpec("desired_goal", [1])],
};

const close = (actual: ArrayLike<number>, expected: number[], what = "") => {
  assert.equal(actual.length, expected.length, what);
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i]! - e) < 1e-5, `${what} element ${i}: ${actual[i]} ≠ ${e}`));
};

test("normalises with running statistics: (x − mean) / std, per element, population std", () => {
  const enc = new InputEncoder(plain, true);
  // Before any observation: mean 0, std 1 (the identity).
  close(enc.encode(Float32Array.of(0.5, -2), undefined, 1), [0.5, -2]);
  enc.observe(Float32Array.of(1, 10, 3, 30)); // rows (1, 10) and (3, 30): mean (2, 20), std (1, 10)
  close(enc.encode(Float32Array.of(2, 20, 4, 40, 1, 0), undefined, 3), [0, 0, 2, 2, -1, -2]);
  // A constant element is not blown up: std is at least 1e-2.
  const c = new InputEncoder(plain, true);
  c.observe(Float32Array.of(1, 1, 1, 1));
  close(c.encode(Float32Array.of(1.01, 1), undefined, 1), [1, 0]);
});

test("clips normalised inputs to ±5", () => {
  const enc = new InputEncoder(plain, true);
  enc.observe(Float32Array.of(-1, -1, 1, 1)); // mean 0, std 1
  close(enc.encode(Float32Array.of(100, -6, 4.5, -5), undefined, 2), [5, -5, 4.5, -5]);
});

test("goal-conditioned: each row is [norm(observation), norm(desired goal)]; the goal normaliser learns from achieved and desired goals", () => {
  const enc = new InputEncoder(goal, true);
  assert.deepEqual([enc.obsDim, enc.goalDim, enc.inputDim], [2, 1, 3]);
  // obs rows (0, 0) and (2, 4): mean (1, 2), std (1, 2). Goals 1 and 3 (achieved), 5 and 7 (desired): mean 4, std √5.
  enc.observe(Float32Array.of(0, 0, 2, 4), Float32Array.of(1, 3), Float32Array.of(5, 7));
  const input = enc.encode(Float32Array.of(1, 2, 3, 6), Float32Array.of(4, 4 + Math.sqrt(5)), 2);
  close(input, [0, 0, 0, 2, 2, 1]);
  // By name, from a list of tensors in spec order.
  enc.observeAll([Float32Array.of(1, 2), Float32Array.of(4), Float32Array.of(4)]);
  const all = enc.encodeAll([Float32Array.of(1, 2), Float32Array.of(-100), Float32Array.of(4)], 1);
  assert.deepEqual(all, enc.encode(Float32Array.of(1, 2), Float32Array.of(4), 1));
  assert.throws(() => enc.encode(Float32Array.of(1, 2), undefined, 1), /needs the desired goal/);
});

test("without normalisation the input is the raw observation and goal, and observing changes nothing", () => {
  const enc = new InputEncoder(goal, false);
  const before = JSON.stringify(enc.state());
  enc.observe(Float32Array.of(100, 200), Float32Array.of(3), Float32Array.of(4));
  assert.equal(JSON.stringify(enc.state()), before);
  close(enc.encode(Float32Array.of(100, -200, 7, 8), Float32Array.of(9, -10), 2), [100, -200, 9, 7, 8, -10]);
});

test("state → JSON → load gives an encoder with the same statistics and the same inputs", () => {
  const enc = new InputEncoder(goal, true);
  enc.observe(Float32Array.of(0.3, -1, 2, 5, -4, 0.5), Float32Array.of(1, 2, 3), Float32Array.of(-1, 0, 6));
  const state = JSON.parse(JSON.stringify(enc.state())) as InputEncoderState;
  assert.equal(state.obs.count, 3);
  assert.equal(state.goal!.count, 6);
  const loaded = new InputEncoder(goal, true);
  loaded.load(state);
  assert.deepEqual(loaded.state(), enc.state());
  const obs = Float32Array.of(1, 2, -3, 40, 0, 0);
  const g = Float32Array.of(0.5, 100, -7);
  assert.deepEqual(loaded.encode(obs, g, 3), enc.encode(obs, g, 3));
  // Both go on the same way.
  for (const e of [enc, loaded]) e.observe(Float32Array.of(9, 9), Float32Array.of(9), Float32Array.of(9));
  assert.deepEqual(loaded.encode(obs, g, 3), enc.encode(obs, g, 3));
});
