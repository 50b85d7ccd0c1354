import { test } from "node:test";
import assert from "node:assert/strict";
import { explore } from "../../src/algos/exploration.js";
import { Rng } from "../../src/core/rng.js";

test("explore with randomActionProb 0: clip(a + σ·N(0, 1)) drawing the same normals as the generator", () => {
  const actions = Float32Array.from([0.5, -0.95, 0, 0.99]);
  const rng = new Rng(3);
  const out = explore(actions.slice(), 2, 0.2, 0, rng);
  const ref = new Rng(3);
  actions.forEach((a, i) => assert.ok(Math.abs(out[i]! - Math.max(-1, Math.min(1, a + 0.2 * ref.normal()))) < 1e-6));
  assert.deepEqual(rng.state(), ref.state());
});

test("explore with randomActionProb p replaces whole rows by uniform actions in [−1, 1], a fraction p of them", () => {
  const rows = 4000;
  const actDim = 3;
  const actions = new Float32Array(rows * actDim).fill(0.25);
  const out = explore(actions, actDim, 0, 0.3, new Rng(11));
  let replaced = 0;
  let sum = 0;
  let sumSq = 0;
  for (let r = 0; r < rows; r++) {
    const row = Array.from(out.subarray(r * actDim, (r + 1) * actDim));
    const kept = row.map((v) => v === 0.25);
    // A row is kept or replaced as a whole (σ = 0 keeps the action exactly).
    assert.ok(kept.every(Boolean) || !kept.some(Boolean), `row ${r} is half random: ${row}`);
    if (!kept[0]) {
      replaced++;
      for (const v of row) {
        assert.ok(v >= -1 && v <= 1);
        sum += v;
        sumSq += v * v;
      }
    }
  }
  const p = replaced / rows;
  assert.ok(Math.abs(p - 0.3) < 0.03, `fraction replaced ${p}`);
  const n = replaced * actDim;
  assert.ok(Math.abs(sum / n) < 0.05, `uniform mean ${sum / n}`);
  assert.ok(Math.abs(sumSq / n - 1 / 3) < 0.03, `uniform second moment ${sumSq / n} (1/3 expected)`);
});

test("explore refuses a probability outside [0, 1]", () => {
  for (const p of [-0.1, 1.5, NaN]) {
    assert.throws(() => explore(new Float32Array(2), 2, 0.1, p, new Rng(0)), /randomActionProb must be in \[0, 1\]/);
  }
});
