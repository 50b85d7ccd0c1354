import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { Normalizer } from "../../src/replay/normalizer.js";
import type { NormalizerState } from "../../src/replay/normalizer.js";

function close(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol * Math.max(1, Math.abs(expected[i]!)), `[${i}] ${actual[i]} ≠ ${expected[i]}`);
  }
}

test("mean and std match a hand computation (population variance)", () => {
  const norm = new Normalizer(2);
  norm.update([1, 10, 2, 20, 3, 30, 4, 40]);
  assert.equal(norm.count, 4);
  close(norm.mean, [2.5, 25]);
  // variance: ((1.5² + 0.5²) · 2) / 4 = 1.25; second element 100× that.
  close(norm.std, [Math.sqrt(1.25), Math.sqrt(125)]);
  const out = norm.normalize([5, 0, 2.5, 25], new Float32Array(4));
  close(out, [2.5 / Math.sqrt(1.25), -25 / Math.sqrt(125), 0, 0]);
  close(norm.denormalize(out, new Float64Array(4)), [5, 0, 2.5, 25], 1e-6);
});

test("outputs are clipped to ±5 by default, or to the given range", () => {
  const norm = new Normalizer(1);
  norm.update([-1, 1]); // mean 0, std 1
  close(norm.normalize([100, -100, 3], new Float32Array(3)), [5, -5, 3]);
  close(norm.normalize([100, -100, 3], new Float32Array(3), 2), [2, -2, 2]);
  const wide = new Normalizer(1, { clipRange: 200 });
  wide.update([-1, 1]);
  close(wide.normalize([100], new Float32Array(1)), [100]);
});

test("std is at least eps = 1e-2, so a constant element is not blown up", () => {
  const norm = new Normalizer(2);
  norm.update([3, 0, 3, 2]); // first element constant
  close(norm.std, [0.01, 1]);
  close(norm.normalize([3.02, 1], new Float32Array(2)), [2, 0]);
  assert.equal(new Normalizer(1, { eps: 0.5 }).eps, 0.5);
});

test("before any update normalising is the identity (then clipped)", () => {
  const norm = new Normalizer(3);
  close(norm.normalize([0.5, -2, 9], new Float32Array(3)), [0.5, -2, 5]);
});

test("normalize may work in place", () => {
  const norm = new Normalizer(1);
  norm.update([0, 2]); // mean 1, std 1
  const data = new Float32Array([3, -1]);
  assert.equal(norm.normalize(data, data), data);
  close(data, [2, -2]);
});

test("updating in several batches equals one batch, and stays exact far from zero", () => {
  const rng = new Rng(4);
  const data = Array.from({ length: 3000 }, () => 1e8 + rng.normal() * 3);
  const one = new Normalizer(3);
  one.update(data);
  const many = new Normalizer(3);
  for (let i = 0; i < data.length; i += 30) many.update(data.slice(i, i + 30));
  close(many.mean, Array.from(one.mean), 1e-12);
  close(many.std, Array.from(one.std), 1e-9);
  // Reference in float64, two passes.
  for (let j = 0; j < 3; j++) {
    const col = data.filter((_, i) => i % 3 === j);
    const mean = col.reduce((a, b) => a + b, 0) / col.length;
    const variance = col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length;
    assert.ok(Math.abs(one.mean[j]! - mean) < 1e-6);
    assert.ok(Math.abs(one.std[j]! - Math.sqrt(variance)) < 1e-6, `std ${one.std[j]} vs ${Math.sqrt(variance)}`);
  }
});

test("merge gives the statistics of the pooled data", () => {
  const rng = new Rng(11);
  const a = Array.from({ length: 40 }, () => rng.normal() * 2 + 1);
  const b = Array.from({ length: 60 }, () => rng.normal() * 0.5 - 3);
  const na = new Normalizer(2);
  na.update(a);
  const nb = new Normalizer(2);
  nb.update(b);
  const pooled = new Normalizer(2);
  pooled.update([...a, ...b]);
  na.merge(nb);
  assert.equal(na.count, 50);
  close(na.mean, Array.from(pooled.mean), 1e-12);
  close(na.std, Array.from(pooled.std), 1e-12);
  // Merging into an empty normaliser copies; merging an empty one changes nothing.
  const empty = new Normalizer(2);
  empty.merge(nb.state());
  close(empty.mean, Array.from(nb.mean), 0);
  const before = na.state();
  na.merge(new Normalizer(2));
  assert.deepEqual(na.state(), before);
});

test("state → JSON → fromState normalises identically", () => {
  const norm = new Normalizer(2);
  norm.update([1, 5, 2, 7, 4, 6]);
  const state = JSON.parse(JSON.stringify(norm.state())) as NormalizerState;
  const copy = Normalizer.fromState(state);
  const x = [3, 6.5, -9, 40];
  assert.deepEqual(copy.normalize(x, new Float32Array(4)), norm.normalize(x, new Float32Array(4)));
  copy.reset();
  assert.equal(copy.count, 0);
  close(copy.std, [1, 1]);
});

test("bad inputs are refused", () => {
  const norm = new Normalizer(2);
  assert.throws(() => norm.update([1, 2, 3]), /batch: expected a multiple of 2 elements/);
  assert.throws(() => norm.update([1, NaN]), /row 0 element 1 is NaN/);
  assert.equal(norm.count, 0, "a rejected batch leaves the statistics alone");
  assert.throws(() => norm.normalize([1, 2], new Float32Array(4)), /out: expected 2 elements but got 4/);
  assert.throws(() => norm.load({ size: 3, count: 1, mean: [0, 0, 0], m2: [0, 0, 0] }), /expected size 2 but got 3/);
  assert.throws(() => new Normalizer(0), /size: expected a positive integer/);
});
