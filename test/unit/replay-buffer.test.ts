import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { ReplayBuffer } from "../../src/replay/replay-buffer.js";
import type { ReplayBufferJSON } from "../../src/replay/replay-buffer.js";

const fields = { obs: 2, action: 1, reward: 1, nextObs: 2, terminated: 1 };

/** Transition i: obs (i, 10i), action i, reward −i, nextObs (i+1, 10(i+1)), terminated every 3rd. */
function fill(rb: ReplayBuffer<typeof fields>, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    rb.add({ obs: [i, 10 * i], action: [i], reward: -i, nextObs: new Float32Array([i + 1, 10 * (i + 1)]), terminated: i % 3 === 0 ? 1 : 0 });
  }
}

test("the ring wraps around: the newest `capacity` transitions are kept in order", () => {
  const rb = new ReplayBuffer(fields, 5);
  fill(rb, 0, 3);
  assert.equal(rb.size, 3);
  assert.equal(rb.full, false);
  assert.deepEqual(Array.from(rb.gather([0, 1, 2]).action), [0, 1, 2]);
  fill(rb, 3, 8);
  assert.equal(rb.size, 5);
  assert.equal(rb.full, true);
  assert.equal(rb.totalAdded, 8);
  const all = rb.gather([0, 1, 2, 3, 4]);
  assert.deepEqual(Array.from(all.action), [3, 4, 5, 6, 7]);
  assert.deepEqual(Array.from(all.obs), [3, 30, 4, 40, 5, 50, 6, 60, 7, 70]);
  assert.deepEqual(Array.from(all.reward), [-3, -4, -5, -6, -7]);
  assert.deepEqual(Array.from(all.terminated), [1, 0, 0, 1, 0]);
});

test("samples are named batch-major arrays whose rows belong to one transition", () => {
  const rb = new ReplayBuffer(fields, 5);
  fill(rb, 0, 8);
  const rng = new Rng(3);
  const batch = rb.sample(1000, rng);
  assert.deepEqual(Object.keys(batch).sort(), ["action", "nextObs", "obs", "reward", "terminated"]);
  assert.equal(batch.obs.length, 2000);
  assert.equal(batch.action.length, 1000);
  assert.equal(batch.nextObs.length, 2000);
  const seen = new Map<number, number>();
  for (let k = 0; k < 1000; k++) {
    const i = batch.action[k]!;
    assert.ok(i >= 3 && i <= 7, `sampled an overwritten transition ${i}`);
    assert.equal(batch.obs[2 * k], i);
    assert.equal(batch.obs[2 * k + 1], 10 * i);
    assert.equal(batch.reward[k], -i);
    assert.equal(batch.nextObs[2 * k], i + 1);
    assert.equal(batch.terminated[k], i % 3 === 0 ? 1 : 0);
    seen.set(i, (seen.get(i) ?? 0) + 1);
  }
  assert.equal(seen.size, 5);
  for (const [i, n] of seen) assert.ok(n > 150 && n < 250, `transition ${i} drawn ${n}/1000 times`);
});

test("sampling into a previous sample reuses its arrays", () => {
  const rb = new ReplayBuffer(fields, 10);
  fill(rb, 0, 10);
  const rng = new Rng(1);
  const first = rb.sample(4, rng);
  const obs = first.obs;
  const again = rb.sample(4, rng, first);
  assert.equal(again, first);
  assert.equal(again.obs, obs);
  assert.throws(() => rb.sample(5, rng, first), /out\.obs: expected a Float32Array of 10 elements but got 8/);
});

test("same seed gives the same samples", () => {
  const rb = new ReplayBuffer(fields, 50);
  fill(rb, 0, 30);
  const a = rb.sample(64, new Rng(9));
  const b = rb.sample(64, new Rng(9));
  assert.deepEqual(a, b);
});

test("bad inputs are refused with the field name", () => {
  assert.throws(() => new ReplayBuffer(fields, 0), /capacity: expected a positive integer but got 0/);
  assert.throws(() => new ReplayBuffer({ obs: 0 }, 4), /fields\.obs: expected a positive integer size but got 0/);
  const rb = new ReplayBuffer(fields, 4);
  assert.throws(() => rb.sample(2, new Rng(1)), /empty replay buffer/);
  assert.throws(
    () => rb.add({ obs: [1, 2, 3], action: [0], reward: 0, nextObs: [0, 0], terminated: 0 }),
    /obs: expected 2 elements but got 3/,
  );
  assert.throws(() => rb.add({ obs: 1, action: [0], reward: 0, nextObs: [0, 0], terminated: 0 }), /obs: expected 2 elements but got a number/);
  assert.equal(rb.size, 0);
  assert.throws(() => rb.gather([0]), /indices\[0\]: expected an integer in \[0, 0\)/);
});

test("serialize → restore gives identical samples with the same rng seed", () => {
  const rb = new ReplayBuffer(fields, 7);
  fill(rb, 0, 11); // wrapped, next write position in the middle
  const bytes = rb.serialize();

  const copy = new ReplayBuffer(fields, 7);
  copy.restore(bytes);
  assert.equal(copy.size, 7);
  assert.equal(copy.totalAdded, 11);
  assert.deepEqual(copy.sample(100, new Rng(5)), rb.sample(100, new Rng(5)));

  // The ring position survives: the next add overwrites the same (oldest) transition in both.
  fill(rb, 11, 12);
  fill(copy, 11, 12);
  assert.deepEqual(copy.gather([0, 1, 2, 3, 4, 5, 6]), rb.gather([0, 1, 2, 3, 4, 5, 6]));

  const fromBytes = ReplayBuffer.fromCheckpoint(rb.serialize());
  assert.deepEqual(fromBytes.fields, fields);
  assert.deepEqual(fromBytes.sample(50, new Rng(8)), rb.sample(50, new Rng(8)));
});

test("JSON checkpoints round-trip through JSON.stringify", () => {
  const rb = new ReplayBuffer(fields, 6);
  fill(rb, 0, 4);
  const json = JSON.parse(JSON.stringify(rb)) as ReplayBufferJSON;
  assert.equal(json.format, "simbridge.ReplayBuffer");
  assert.equal(json.size, 4);
  const copy = new ReplayBuffer(fields, 6);
  copy.restore(json);
  assert.deepEqual(copy.sample(20, new Rng(2)), rb.sample(20, new Rng(2)));
});

test("restore refuses a checkpoint of a different layout", () => {
  const rb = new ReplayBuffer(fields, 6);
  fill(rb, 0, 2);
  assert.throws(() => new ReplayBuffer(fields, 7).restore(rb.serialize()), /expected capacity 7 but got 6/);
  assert.throws(() => new ReplayBuffer({ ...fields, obs: 3 }, 6).restore(rb.serialize()), /expected fields/);
  assert.throws(() => rb.restore(new Uint8Array(16)), /bad magic/);
});

test("clear forgets the transitions", () => {
  const rb = new ReplayBuffer(fields, 6);
  fill(rb, 0, 4);
  rb.clear();
  assert.equal(rb.size, 0);
  fill(rb, 10, 11);
  assert.deepEqual(Array.from(rb.sample(3, new Rng(1)).action), [10, 10, 10]);
});
