import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { StepStatus } from "../../src/env/task.js";
import { RolloutBuffer } from "../../src/replay/rollout-buffer.js";

const { RUNNING: RUN, TERMINATED: TERM, TRUNCATED: TRUNC } = StepStatus;
const fields = { input: 3, action: 2, logProb: 1 };

/** |got − want| < 1e-5 elementwise. */
function near(got: ArrayLike<number>, want: readonly number[], what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-5, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

/** The fields of step t for two envs: input (100t + 10e + k), action (−t, e), logProb t + e/10. */
function step(t: number, envs = 2) {
  const input = new Float32Array(envs * 3);
  const action = new Float32Array(envs * 2);
  const logProb = new Float32Array(envs);
  for (let e = 0; e < envs; e++) {
    for (let k = 0; k < 3; k++) input[e * 3 + k] = 100 * t + 10 * e + k;
    action.set([-t, e], e * 2);
    logProb[e] = t + e / 10;
  }
  return { input, action, logProb };
}

/**
 * Both envs: rewards 1, 2, 3, 4 and values 0.5, 1.0, 1.5, 2.0. Step 2 ends the episode:
 * env 0 TERMINATED, env 1 TRUNCATED with V(final observation) = 5. Step 3 is the first
 * step of the next episode, still RUNNING at the end of the rollout.
 */
function rollout(): RolloutBuffer<typeof fields> {
  const rb = new RolloutBuffer({ envs: 2, steps: 4, fields });
  const rewards = [1, 2, 3, 4];
  const values = [0.5, 1.0, 1.5, 2.0];
  for (let t = 0; t < 4; t++) {
    const r = rewards[t]!;
    const v = values[t]!;
    const status = t === 2 ? [TERM, TRUNC] : [RUN, RUN];
    rb.add(step(t), new Float32Array([v, v]), new Float32Array([r, r]), status, new Float32Array([99, 5]));
  }
  return rb;
}

test("GAE by hand: TERMINATED stops the bootstrap, TRUNCATED bootstraps from V(final obs), the last step from lastValue", () => {
  const rb = rollout();
  assert.equal(rb.position, 4);
  assert.equal(rb.full, true);
  // γ = 0.9, λ = 0.8, γλ = 0.72; lastValue = [2.5, 3.0].
  rb.computeAdvantages(new Float32Array([2.5, 3.0]), 0.9, 0.8);
  // env 0:
  //   t=3 RUNNING (last)  δ = 4 + 0.9·2.5 − 2.0 = 4.25          A = 4.25
  //   t=2 TERMINATED      δ = 3 − 1.5 = 1.5                     A = 1.5
  //   t=1 RUNNING         δ = 2 + 0.9·1.5 − 1.0 = 2.35          A = 2.35 + 0.72·1.5  = 3.43
  //   t=0 RUNNING         δ = 1 + 0.9·1.0 − 0.5 = 1.4           A = 1.4  + 0.72·3.43 = 3.8696
  // env 1:
  //   t=3 RUNNING (last)  δ = 4 + 0.9·3.0 − 2.0 = 4.7           A = 4.7
  //   t=2 TRUNCATED       δ = 3 + 0.9·5 − 1.5 = 6.0             A = 6.0   (the stored 99 of env 0 is never read)
  //   t=1 RUNNING         δ = 2.35                              A = 2.35 + 0.72·6.0  = 6.67
  //   t=0 RUNNING         δ = 1.4                               A = 1.4  + 0.72·6.67 = 6.2024
  const env0 = [3.8696, 3.43, 1.5, 4.25];
  const env1 = [6.2024, 6.67, 6.0, 4.7];
  const values = [0.5, 1.0, 1.5, 2.0];
  // Step-major rows: t*2 + e.
  near(rb.advantages, [3.8696, 6.2024, 3.43, 6.67, 1.5, 6.0, 4.25, 4.7], "advantages");
  near(rb.returns, [0, 1, 2, 3].flatMap((t) => [env0[t]! + values[t]!, env1[t]! + values[t]!]), "returns");
  near(rb.returns, [4.3696, 6.7024, 4.43, 7.67, 3.0, 7.5, 6.25, 6.7], "returns by hand");
  assert.deepEqual(Array.from(rb.status), [RUN, RUN, RUN, RUN, TERM, TRUNC, RUN, RUN]);
  assert.deepEqual(Array.from(rb.bootstrapValues), [0, 0, 0, 0, 0, 5, 0, 0], "bootstrap kept only where TRUNCATED");
});

test("λ = 1 gives discounted returns, λ = 0 one-step TD targets", () => {
  const rb = rollout();
  rb.computeAdvantages(new Float32Array([2.5, 3.0]), 0.9, 1);
  // env 0 returns: t=2: 3; t=1: 2 + 0.9·3 = 4.7; t=0: 1 + 0.9·4.7 = 5.23; t=3: 4 + 0.9·2.5 = 6.25.
  near([0, 2, 4, 6].map((r) => rb.returns[r]!), [5.23, 4.7, 3, 6.25], "λ=1 env 0 returns");
  rb.computeAdvantages(new Float32Array([2.5, 3.0]), 0.9, 0);
  // env 1 TD targets: r + γ·V(next): 1 + 0.9·1.0, 2 + 0.9·1.5, 3 + 0.9·5, 4 + 0.9·3.0.
  near([1, 3, 5, 7].map((r) => rb.returns[r]!), [1.9, 3.35, 7.5, 6.7], "λ=0 env 1 targets");
});

test("a buffer that is not full: GAE over the stored steps, lastValue bootstraps the last stored one", () => {
  const rb = rollout();
  const partial = new RolloutBuffer({ envs: 2, steps: 4, fields });
  partial.add(step(0), new Float32Array([0.5, 0.5]), new Float32Array([1, 1]), [RUN, RUN]);
  partial.add(step(1), new Float32Array([1.0, 1.0]), new Float32Array([2, 2]), [RUN, TERM]);
  assert.equal(partial.position, 2);
  assert.equal(partial.full, false);
  partial.computeAdvantages(new Float32Array([1.5, 123]), 0.9, 0.8);
  // env 0: t=1 δ = 2 + 0.9·1.5 − 1 = 2.35, A = 2.35; t=0 A = 1.4 + 0.72·2.35 = 3.092.
  // env 1: t=1 TERMINATED A = 2 − 1 = 1 (lastValue 123 ignored); t=0 A = 1.4 + 0.72·1 = 2.12.
  near(partial.advantages.subarray(0, 4), [3.092, 2.12, 2.35, 1], "advantages");
  assert.equal([...partial.minibatches(3, new Rng(0))].reduce((n, mb) => n + mb.rows.length, 0), 4, "minibatches cover the stored rows only");
  rb.clear();
  assert.equal(rb.position, 0);
  assert.throws(() => rb.computeAdvantages(new Float32Array(2), 0.9, 0.8), /the rollout buffer is empty/);
});

test("cut: the env's last stored step becomes TRUNCATED with the bootstrap; no-op when nothing is stored or it already ended", () => {
  const rb = new RolloutBuffer({ envs: 3, steps: 4, fields: { input: 1 } });
  rb.cut(0, 7); // nothing stored: no-op
  rb.add({ input: [0, 0, 0] }, [1, 1, 1], [1, 1, 1], [RUN, TERM, RUN]);
  rb.cut(0, 7);
  rb.cut(1, 8); // already TERMINATED: no-op
  rb.cut(0, 9); // already TRUNCATED (by the cut above): no-op
  assert.deepEqual(Array.from(rb.status.subarray(0, 3)), [TRUNC, TERM, RUN]);
  assert.deepEqual(Array.from(rb.bootstrapValues.subarray(0, 3)), [7, 0, 0]);
  rb.computeAdvantages([100, 100, 2], 0.5, 0.9);
  // env 0: 1 + 0.5·7 − 1 = 3.5; env 1: 1 − 1 = 0; env 2 (RUNNING, last): 1 + 0.5·2 − 1 = 1.
  near(rb.advantages.subarray(0, 3), [3.5, 0, 1], "advantages after cut");
  assert.throws(() => rb.cut(3, 0), /env: expected an integer in \[0, 3\) but got 3/);
  // A cut invalidates computed advantages until they are recomputed.
  rb.add({ input: [0, 0, 0] }, [1, 1, 1], [1, 1, 1], [RUN, RUN, RUN]);
  rb.computeAdvantages([0, 0, 0], 0.5, 0.9);
  rb.cut(2, 0);
  assert.throws(() => rb.minibatches(2, new Rng(1)), /call computeAdvantages first/);
});

test("one minibatch epoch covers every row exactly once, each row's data kept together", () => {
  const rb = rollout();
  rb.computeAdvantages(new Float32Array([2.5, 3.0]), 0.9, 0.8);
  const seen: number[] = [];
  const sizes: number[] = [];
  for (const mb of rb.minibatches(3, new Rng(4))) {
    sizes.push(mb.rows.length);
    assert.deepEqual(Object.keys(mb).sort(), ["action", "advantages", "input", "logProb", "returns", "rows", "values"]);
    for (let i = 0; i < mb.rows.length; i++) {
      const row = mb.rows[i]!;
      const [t, e] = [Math.floor(row / 2), row % 2];
      seen.push(row);
      near(mb.input.subarray(3 * i, 3 * i + 3), [100 * t + 10 * e, 100 * t + 10 * e + 1, 100 * t + 10 * e + 2], `input of row ${row}`);
      near(mb.action.subarray(2 * i, 2 * i + 2), [-t, e], `action of row ${row}`);
      near([mb.logProb[i]!, mb.values[i]!, mb.advantages[i]!, mb.returns[i]!], [t + e / 10, rb.values[row]!, rb.advantages[row]!, rb.returns[row]!], `row ${row}`);
    }
  }
  assert.deepEqual(sizes, [3, 3, 2], "8 rows in chunks of 3: the last is smaller");
  assert.deepEqual([...seen].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.notDeepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7], "shuffled");
  // Same seed → same order; another epoch with the same rng → a fresh permutation.
  const order = (rng: Rng) => [...rb.minibatches(8, rng)].flatMap((mb) => Array.from(mb.rows));
  assert.deepEqual(order(new Rng(4)), seen);
  const rng = new Rng(5);
  assert.notDeepEqual(order(rng), order(rng));
});

test("serialize/restore round trip, including position; mismatches say what differs", () => {
  const rb = new RolloutBuffer({ envs: 2, steps: 4, fields });
  rb.add(step(0), [0.5, 0.5], [1, NaN], [RUN, TRUNC], [0, 5]);
  rb.add(step(1), [1, 1], [2, 2], [RUN, RUN]);
  const bytes = rb.serialize();
  const copy = new RolloutBuffer({ envs: 2, steps: 4, fields });
  copy.restore(bytes);
  assert.equal(copy.position, 2);
  for (const name of ["input", "action", "logProb"] as const) assert.deepEqual(copy.field(name), rb.field(name), name);
  assert.deepEqual(copy.rewards, rb.rewards);
  assert.ok(Number.isNaN(copy.rewards[1]!), "a NaN reward survives (a learned reward fills it later)");
  assert.deepEqual(copy.values, rb.values);
  assert.deepEqual(copy.status, rb.status);
  assert.deepEqual(copy.bootstrapValues, rb.bootstrapValues);
  assert.throws(() => copy.computeAdvantages([0, 0], 0.9, 0.8), /reward of step 0, env 1 is NaN/);
  copy.rewards[1] = 1;
  rb.rewards[1] = 1;
  // Continues where it left off: the next add goes to step 2 in both.
  for (const b of [rb, copy]) {
    b.add(step(2), [1.5, 1.5], [3, 3], [RUN, RUN]);
    b.computeAdvantages([2, 2], 0.9, 0.8);
  }
  assert.deepEqual(copy.advantages, rb.advantages);
  assert.deepEqual([...copy.minibatches(4, new Rng(2))], [...rb.minibatches(4, new Rng(2))]);
  // Computed advantages are part of the checkpoint.
  const again = new RolloutBuffer({ envs: 2, steps: 4, fields });
  again.restore(rb.serialize());
  assert.deepEqual(again.returns, rb.returns);
  assert.equal([...again.minibatches(6, new Rng(0))].length, 1);

  assert.throws(() => new RolloutBuffer({ envs: 3, steps: 4, fields }).restore(bytes), /rollout checkpoint: expected envs 3 but got 2/);
  assert.throws(() => new RolloutBuffer({ envs: 2, steps: 5, fields }).restore(bytes), /rollout checkpoint: expected steps 5 but got 4/);
  assert.throws(
    () => new RolloutBuffer({ envs: 2, steps: 4, fields: { ...fields, action: 1 } }).restore(bytes),
    /rollout checkpoint: expected fields \{"input":3,"action":1,"logProb":1\} but got \{"input":3,"action":2,"logProb":1\}/,
  );
  const untouched = new RolloutBuffer({ envs: 3, steps: 4, fields });
  assert.throws(() => untouched.restore(bytes));
  assert.equal(untouched.position, 0, "a failed restore changes nothing");
});

test("wrong lengths, bad statuses and a full buffer are refused clearly, before anything is written", () => {
  const rb = new RolloutBuffer({ envs: 2, steps: 2, fields });
  const ok = step(0);
  assert.throws(() => rb.add({ ...ok, action: new Float32Array(3) }, [0, 0], [0, 0], [RUN, RUN]), /action: expected 4 elements but got 3/);
  assert.throws(() => rb.add({ input: ok.input, action: ok.action } as never, [0, 0], [0, 0], [RUN, RUN]), /logProb: expected 2 elements but got nothing/);
  assert.throws(() => rb.add(ok, [0], [0, 0], [RUN, RUN]), /value: expected 2 elements but got 1/);
  assert.throws(() => rb.add(ok, [0, 0], [0, 0, 0], [RUN, RUN]), /reward: expected 2 elements but got 3/);
  assert.throws(() => rb.add(ok, [0, 0], [0, 0], [RUN]), /status: expected 2 elements but got 1/);
  assert.throws(() => rb.add(ok, [0, 0], [0, 0], [RUN, TRUNC], [1]), /bootstrapValue: expected 2 elements but got 1/);
  assert.throws(() => rb.add(ok, [0, 0], [0, 0], [RUN, 0]), /status\[1\]: expected 1 \(RUNNING\), 2 \(TERMINATED\) or 3 \(TRUNCATED\) but got 0/);
  assert.throws(() => rb.add(ok, [0, 0], [0, 0], [TRUNC, RUN]), /bootstrapValue: env 0 is TRUNCATED/);
  assert.equal(rb.position, 0, "nothing was stored");
  assert.ok(rb.field("input").every((x) => x === 0), "nothing was written");
  rb.add(ok, [0, 0], [0, 0], [RUN, RUN]);
  rb.add(step(1), [0, 0], [0, 0], [RUN, RUN]);
  assert.equal(rb.full, true);
  assert.throws(() => rb.add(step(2), [0, 0], [0, 0], [RUN, RUN]), /rollout buffer is full \(2 steps of 2 envs\)/);
  assert.throws(() => rb.computeAdvantages([0], 0.9, 0.8), /lastValue: expected 2 elements but got 1/);
  assert.throws(() => rb.computeAdvantages([0, 0], 1.5, 0.8), /gamma: expected a number in \[0, 1\] but got 1.5/);
  assert.throws(() => rb.minibatches(2, new Rng(0)), /call computeAdvantages first/);
  rb.computeAdvantages([0, 0], 0.9, 0.8);
  assert.throws(() => rb.minibatches(0, new Rng(0)), /size: expected a positive integer but got 0/);
  assert.throws(() => rb.field("nope" as never), /field "nope": expected one of input, action, logProb/);
  assert.throws(() => new RolloutBuffer({ envs: 0, steps: 2, fields }), /envs: expected a positive integer but got 0/);
  assert.throws(() => new RolloutBuffer({ envs: 1, steps: 2, fields: { values: 1 } }), /fields\.values: the name is reserved/);
  assert.throws(() => new RolloutBuffer({ envs: 1, steps: 2, fields: { input: 1.5 } }), /fields\.input: expected a positive integer size but got 1.5/);
  rb.clear();
  assert.equal(rb.position, 0);
  rb.add(ok, [0, 0], [0, 0], [RUN, RUN]);
  assert.equal(rb.position, 1, "clear makes room again");
});
