import { test } from "node:test";
import assert from "node:assert/strict";
import { auroc, averageRanks, spearman } from "../../src/reward/reward-quality.js";

const close = (got: number, want: number, tol = 1e-12) => assert.ok(Math.abs(got - want) <= tol, `${got} vs ${want}`);

test("averageRanks: 1-based, ties share the mean of the ranks they span", () => {
  assert.deepEqual(Array.from(averageRanks([10, 20, 20, 30])), [1, 2.5, 2.5, 4]);
  // Sorted: 1 → rank 1; the three 3s occupy ranks 2, 3, 4 → 3 each.
  assert.deepEqual(Array.from(averageRanks([3, 1, 3, 3])), [3, 1, 3, 3]);
  assert.deepEqual(Array.from(averageRanks([-1, -5, 7])), [2, 1, 3]);
  assert.deepEqual(Array.from(averageRanks([])), []);
  assert.throws(() => averageRanks([1, NaN]), /NaN/);
});

test("auroc: hand-counted pairs without ties", () => {
  // Positives {0.35, 0.8} against negatives {0.1, 0.4}: 0.35>0.1, 0.35<0.4, 0.8>0.1, 0.8>0.4 → 3 of 4 pairs.
  close(auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
  close(auroc([0.1, 0.4, 0.35, 0.8], [false, false, true, true]), 0.75);
  close(auroc([1, 2, 3, 4], [0, 0, 1, 1]), 1);
  close(auroc([1, 2, 3, 4], [1, 1, 0, 0]), 0);
});

test("auroc: ties count one half", () => {
  // Positives {2, 3} against negatives {1, 2}: 2>1 (1), 2=2 (½), 3>1 (1), 3>2 (1) → 3.5 / 4.
  close(auroc([1, 2, 2, 3], [0, 1, 0, 1]), 0.875);
  // Every score equal: every pair is a tie → ½.
  close(auroc([5, 5, 5, 5], [1, 0, 1, 0]), 0.5);
  // One positive tied with one of two negatives and above the other: (½ + 1) / 2.
  close(auroc([0, 1, 1], [0, 0, 1]), 0.75);
});

test("auroc: NaN when all labels are equal; errors on bad input", () => {
  assert.ok(Number.isNaN(auroc([1, 2, 3], [1, 1, 1])));
  assert.ok(Number.isNaN(auroc([1, 2, 3], [0, 0, 0])));
  assert.ok(Number.isNaN(auroc([], [])));
  assert.throws(() => auroc([1, 2], [1]), /expected 2 labels/);
  assert.throws(() => auroc([1, 2], [1, 2 as 1]), /expected 0, 1, true or false/);
});

test("spearman: hand-ranked vector with a tie", () => {
  // x ranks [1,2,3,4,5]; y = [5,6,7,8,7] ranks [1,2,3.5,5,3.5]. Centred at 3:
  // dx = [-2,-1,0,1,2], dy = [-2,-1,0.5,2,0.5]; Σdxdy = 8, Σdx² = 10, Σdy² = 9.5 → 8/√95.
  close(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]), 8 / Math.sqrt(95));
  close(spearman([5, 6, 7, 8, 7], [1, 2, 3, 4, 5]), 8 / Math.sqrt(95));
});

test("spearman: only the ordering matters", () => {
  close(spearman([1, 2, 3, 4], [1, 8, 27, 64]), 1);
  close(spearman([1, 2, 3, 4], [0, -1, -10, -100]), -1);
  // x ranks [1,2,3]; y = [2,1,3] ranks [2,1,3]; Σdxdy = (-1)(0)+(0)(-1)+(1)(1) = 1, Σdx² = Σdy² = 2 → ½.
  close(spearman([1, 2, 3], [2, 1, 3]), 0.5);
});

test("spearman: NaN for a constant vector or fewer than two points", () => {
  assert.ok(Number.isNaN(spearman([1, 2, 3], [4, 4, 4])));
  assert.ok(Number.isNaN(spearman([7, 7], [1, 2])));
  assert.ok(Number.isNaN(spearman([1], [2])));
  assert.ok(Number.isNaN(spearman([], [])));
  assert.throws(() => spearman([1, 2], [1]), /expected 2 values/);
});
