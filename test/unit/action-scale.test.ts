// toEnvActions: policies act in [−1, 1], tasks declare their own bounds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { boundedSpec, unboundedSpec, type ArraySpec } from "../../src/env/spec.js";
import { toEnvActions } from "../../src/train/action-scale.js";

const close = (actual: Float32Array, expected: number[]) => {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i]! - e) < 1e-6, `element ${i}: ${actual[i]} ≠ ${e}`));
};

test("[−1, 1] maps linearly onto the bounds: −1 → minimum, 0 → the middle, 1 → maximum", () => {
  const spec = boundedSpec("action", [1], 2, 10);
  close(toEnvActions(spec, Float32Array.of(-1, 0, 1, -0.5, 0.5)), [2, 6, 10, 4, 8]);
  close(toEnvActions(boundedSpec("action", [1], -1, 1), Float32Array.of(-1, 0.25, 1)), [-1, 0.25, 1]);
});

test("per-element bounds apply to their element in every row of a batch", () => {
  const spec = boundedSpec("action", [3], [-2, 0, -0.1], [2, 10, 0.3]);
  // Two rows of three elements: each element has its own bounds.
  close(toEnvActions(spec, Float32Array.of(-1, -1, -1, 1, 0, 0.5)), [-2, 0, -0.1, 2, 5, 0.2]);
});

test("an unbounded action passes through as it is, per spec and per element", () => {
  const actions = Float32Array.of(-1, 0.3, 1, 7);
  assert.deepEqual(toEnvActions(unboundedSpec("action", [2]), actions), actions);
  // Element 1 has infinite bounds (unbounded), element 0 is bounded.
  const mixed: ArraySpec = { name: "action", dtype: "float32", shape: [2], minimum: Float64Array.of(0, -Infinity), maximum: Float64Array.of(4, Infinity) };
  close(toEnvActions(mixed, Float32Array.of(0, 0.3, 1, -5)), [2, 0.3, 4, -5]);
  const halfOpen: ArraySpec = { name: "action", dtype: "float32", shape: [1], minimum: Float64Array.of(0), maximum: Float64Array.of(Infinity) };
  close(toEnvActions(halfOpen, Float32Array.of(0.5)), [0.5]);
});

test("writes into `out` when given, and does not clip (the task clips, per the Task contract)", () => {
  const spec = boundedSpec("action", [1], 0, 1);
  const out = new Float32Array(2);
  assert.equal(toEnvActions(spec, Float32Array.of(1.5, -3), out), out);
  close(out, [1.25, -1]);
});
