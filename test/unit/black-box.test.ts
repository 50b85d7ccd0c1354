import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinRegistry } from "../../sims/catalog.js";
import { LocalVectorEnv } from "../../src/env/local-vector-env.js";

test("a black-box task withholds reward, info and computeReward but keeps observations and success", async () => {
  const registry = builtinRegistry();
  const white = await LocalVectorEnv.make(registry, "ReacherGoal-v0", 1);
  const black = await LocalVectorEnv.make(registry.asBlackBox(), "ReacherGoal-v0", 1);
  assert.equal(black.spec.blackBox, true);
  assert.equal(black.spec.hasReward, false);
  assert.deepEqual(black.spec.infoKeys, []);
  assert.equal(black.computeReward, undefined);
  assert.ok(white.computeReward);
  const goal = new Float64Array([0.1, 0.0]);
  const w = await white.reset([{ index: 0, seed: 3, options: { goal } }]);
  const b = await black.reset([{ index: 0, seed: 3, options: { goal } }]);
  assert.deepEqual(b.observations.map((o) => Array.from(o)), w.observations.map((o) => Array.from(o)));
  for (let t = 0; t < 10; t++) {
    const a = new Float32Array([0.3, -0.2]);
    const ws = await white.step(a);
    const bs = await black.step(a);
    assert.equal(bs.reward, undefined);
    assert.equal(bs.info.length, 0);
    assert.deepEqual(bs.observations.map((o) => Array.from(o)), ws.observations.map((o) => Array.from(o)));
    assert.deepEqual(Array.from(bs.isSuccess), Array.from(ws.isSuccess));
    assert.deepEqual(Array.from(bs.status), Array.from(ws.status));
  }
  await white.close();
  await black.close();
});
