import { test } from "node:test";
import assert from "node:assert/strict";
import { KnownReward } from "../../src/reward/known-reward.js";
import { judgedGoal } from "../../src/reward/reward-model.js";
import type { TaskSpec } from "../../src/env/task.js";

const negDistance = (a: ArrayLike<number>, d: ArrayLike<number>) => -Math.hypot(a[0]! - d[0]!, a[1]! - d[1]!);

test("KnownReward scores a batch row by row with the task's computeReward", () => {
  const model = new KnownReward(negDistance);
  assert.equal(model.isLearned, false);
  assert.equal(model.name, "known");
  const out = new Float32Array(3);
  model.rewards(
    { achievedGoal: new Float32Array([0, 0, 1, 1, 3, 4]), desiredGoal: new Float32Array([0, 0, 1, 2, 0, 0]) },
    out,
  );
  assert.deepEqual(Array.from(out), [-0, -1, -5]);
});

test("the judged goal is nextAchievedGoal when given (so a HER sample can be passed as it is)", () => {
  const model = new KnownReward(negDistance);
  const batch = {
    achievedGoal: new Float32Array([9, 9]),
    nextAchievedGoal: new Float32Array([3, 4]),
    desiredGoal: new Float32Array([0, 0]),
  };
  assert.equal(judgedGoal(batch), batch.nextAchievedGoal);
  const out = new Float32Array(1);
  model.rewards(batch, out);
  assert.equal(out[0], -5);
});

test("computeReward receives reused scratch rows of the goal size", () => {
  const seen: ArrayLike<number>[] = [];
  const model = new KnownReward((a, d) => {
    seen.push(a, d);
    assert.equal(a.length, 3);
    return a[2]! + d[2]!;
  });
  const out = new Float32Array(2);
  model.rewards({ achievedGoal: new Float32Array([0, 0, 1, 0, 0, 2]), desiredGoal: new Float32Array([0, 0, 10, 0, 0, 20]) }, out);
  assert.deepEqual(Array.from(out), [11, 22]);
  assert.equal(seen[0], seen[2], "no new array per row");
});

test("mismatched goal arrays are refused", () => {
  const model = new KnownReward(negDistance);
  assert.throws(
    () => model.rewards({ achievedGoal: new Float32Array(4), desiredGoal: new Float32Array(6) }, new Float32Array(3)),
    /expected achieved and desired goals of 3 rows each but got 4 and 6 elements/,
  );
});

test("fromTask wraps a white-box task and refuses a black box", () => {
  const spec = { name: "ToyReach-v0", blackBox: false } as TaskSpec;
  const task = {
    spec,
    scale: 2,
    computeReward(this: { scale: number }, a: ArrayLike<number>, d: ArrayLike<number>) {
      return this.scale * negDistance(a, d);
    },
  };
  const model = KnownReward.fromTask(task);
  assert.equal(model.name, "known:ToyReach-v0");
  const out = new Float32Array(1);
  model.rewards({ achievedGoal: new Float32Array([3, 4]), desiredGoal: new Float32Array([0, 0]) }, out);
  assert.equal(out[0], -10, "computeReward is called on the task");
  assert.throws(() => KnownReward.fromTask({ spec: { ...spec, blackBox: true }, computeReward: negDistance }), /black-box task has no reward function/);
  assert.throws(() => KnownReward.fromTask({ spec }), /black-box task has no reward function/);
});
