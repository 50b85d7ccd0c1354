// `simbridge bench meta` (src/bench/meta-gradient.ts) with tiny settings: the
// report's shape, and that the first-order approximation differs from the
// exact meta-gradient (the bench would report nothing otherwise). No timing
// thresholds.
import { it } from "node:test";
import assert from "node:assert/strict";
import { benchMetaGradient } from "../../src/bench/meta-gradient.js";

it("reports both sides' ms and how far the first-order meta-gradient is from the exact one", async () => {
  const r = await benchMetaGradient({ episodes: 3, steps: 4, hidden: 8, iters: 1, backend: "cpu", seed: 0 });
  assert.equal(r.bench, "meta");
  assert.ok(r.first_order_ms > 0 && r.second_order_ms > 0 && r.second_over_first > 0);
  for (const part of [r.difference.all, r.difference.policy, r.difference.latent]) {
    assert.ok(part.relative_difference > 1e-4 && Number.isFinite(part.relative_difference), JSON.stringify(part));
    assert.ok(part.cosine > -1 && part.cosine < 1, JSON.stringify(part));
  }
});
