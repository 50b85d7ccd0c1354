import { test } from "node:test";
import assert from "node:assert/strict";
import { StepStatus } from "../../src/env/task.js";
import { RewardScaler } from "../../src/replay/reward-scaler.js";

const { RUNNING: RUN, TERMINATED: TERM, TRUNCATED: TRUNC } = StepStatus;

/** |got − want| < 1e-5 elementwise. */
function near(got: ArrayLike<number>, want: readonly number[], what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-5, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

test("by hand: R ← γR + r per env, std of all returns so far (population), reset at TERMINATED and TRUNCATED", () => {
  const scaler = new RewardScaler(2, 0.9);
  // step 1  r = [1, 2]       R = [1, 2]                    returns seen {1, 2}: mean 1.5, var 0.25, std 0.5
  //         scaled [1/0.5, 2/0.5] = [2, 4]
  let r = new Float32Array([1, 2]);
  near([scaler.scale(r, [RUN, RUN])], [0.5], "std 1");
  near(r, [2, 4], "step 1");
  // step 2  r = [0.5, −1]    R = [0.9·1 + 0.5, 0.9·2 − 1] = [1.4, 0.8]
  //         {1, 2, 1.4, 0.8}: mean 1.3, deviations −0.3, 0.7, 0.1, −0.5 → Σ² = 0.84, var 0.21, std 0.4582576
  //         scaled [0.5, −1]/0.4582576 = [1.0910895, −2.1821789]; env 0 TERMINATED: R₀ ← 0 afterwards
  r = new Float32Array([0.5, -1]);
  near([scaler.scale(r, [TERM, RUN])], [0.4582576], "std 2");
  near(r, [1.0910895, -2.1821789], "step 2");
  // step 3  r = [2, 3]       R = [0.9·0 + 2, 0.9·0.8 + 3] = [2, 3.72]   (without the reset R₀ would be 3.26)
  //         {1, 2, 1.4, 0.8, 2, 3.72}: mean 1.82, Σ² = 0.6724 + 0.0324 + 0.1764 + 1.0404 + 0.0324 + 3.61 = 5.564,
  //         var 0.9273333, std 0.9629815; scaled [2.0768831, 3.1153247]; env 1 TRUNCATED: R₁ ← 0 afterwards
  r = new Float32Array([2, 3]);
  near([scaler.scale(r, [RUN, TRUNC])], [0.9629815], "std 3");
  near(r, [2.0768831, 3.1153247], "step 3");
  // step 4  r = [0.1, 0.5]   R = [0.9·2 + 0.1, 0.9·0 + 0.5] = [1.9, 0.5]
  //         8 returns, mean 13.32/8 = 1.665, Σ² = 7.1206, var 0.890075, std 0.9434379
  //         scaled [0.1059953, 0.5299766]
  r = new Float32Array([0.1, 0.5]);
  near([scaler.scale(r, [RUN, RUN])], [0.9434379], "std 4");
  near(r, [0.1059953, 0.5299766], "step 4");
  const s = scaler.state();
  near(s.returns, [1.9, 0.5], "returns carried");
  assert.equal(s.stats.count, 8);
  near(s.stats.mean, [1.665], "mean of the returns");
  near(s.stats.m2, [7.1206], "Welford's M2");
});

test("the std has a floor of 1e-4 and scaled rewards are clipped to ±clip (10 by default)", () => {
  // Identical returns: var 0, std max(0, 1e-4) = 1e-4; 1/1e-4 = 1e4 → 10, −2/1e-4 → −10.
  const scaler = new RewardScaler(2, 0.99);
  const r = new Float32Array([1, 1]);
  assert.equal(scaler.scale(r, [RUN, RUN]), 1e-4);
  assert.deepEqual(Array.from(r), [10, 10]);
  const neg = new RewardScaler(1, 0.99);
  const n = new Float32Array([-2]);
  neg.scale(n, [RUN]);
  assert.deepEqual(Array.from(n), [-10]);
  // A custom clip, and rewards inside it are left as they are: step 1 [1, 1] → ±3 (clipped);
  // step 2 [0.5, −0.5]: R = [1.4, 0.4], {1, 1, 1.4, 0.4}: mean 0.95, Σ² = 0.0025 + 0.0025 + 0.2025 + 0.3025 = 0.51,
  // var 0.1275, std 0.3570714; scaled ±0.5/0.3570714 = ±1.4002801.
  const three = new RewardScaler(2, 0.9, 3);
  const a = new Float32Array([1, 1]);
  three.scale(a, [RUN, RUN]);
  assert.deepEqual(Array.from(a), [3, 3]);
  const b = new Float32Array([0.5, -0.5]);
  near([three.scale(b, [RUN, RUN])], [0.3570714], "std");
  near(b, [1.4002801, -1.4002801], "not clipped");
  // The sign is kept (rewards are not centred): a zero reward stays 0.
  const z = new Float32Array([0, 0]);
  three.scale(z, [RUN, RUN]);
  assert.deepEqual(Array.from(z), [0, 0]);
});

test("state / load round trip (through JSON): a loaded scaler continues exactly", () => {
  const a = new RewardScaler(2, 0.9);
  a.scale(new Float32Array([1, 2]), [RUN, RUN]);
  a.scale(new Float32Array([0.5, -1]), [TERM, RUN]);
  const b = new RewardScaler(2, 0.9);
  b.load(JSON.parse(JSON.stringify(a.state())));
  assert.deepEqual(b.state(), a.state());
  for (const [rewards, status] of [[[2, 3], [RUN, TRUNC]], [[0.1, 0.5], [RUN, RUN]]] as const) {
    const ra = Float32Array.from(rewards);
    const rb = Float32Array.from(rewards);
    assert.equal(b.scale(rb, status), a.scale(ra, status));
    assert.deepEqual(rb, ra);
  }
  near(b.state().returns, [1.9, 0.5], "continued from the loaded returns (env 0 had been reset)");
  // A fresh scaler, not loaded, gives other numbers.
  const c = new RewardScaler(2, 0.9);
  const rc = new Float32Array([2, 3]);
  c.scale(rc, [RUN, RUN]);
  assert.notDeepEqual(Array.from(rc), [2.0768831, 3.1153247].map(Math.fround));
});

test("wrong lengths throw and change nothing", () => {
  const scaler = new RewardScaler(2, 0.9);
  scaler.scale(new Float32Array([1, 2]), [RUN, RUN]);
  const before = scaler.state();
  assert.throws(() => scaler.scale(new Float32Array([1, 2, 3]), [RUN, RUN]), /Expected 2 rewards and statuses but got 3 and 2/);
  assert.throws(() => scaler.scale(new Float32Array([1, 2]), [RUN]), /Expected 2 rewards and statuses but got 2 and 1/);
  assert.deepEqual(scaler.state(), before);
  assert.throws(() => new RewardScaler(3, 0.9).load(before), /reward scaler: expected 3 env returns but the checkpoint has 2/);
});
