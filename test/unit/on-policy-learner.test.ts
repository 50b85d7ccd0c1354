// The on-policy schedule: a learning phase every full rollout, with GAE that
// bootstraps from V(final observation) at TRUNCATED and not at TERMINATED —
// checked against a hand computation with both endings in one rollout.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { boundedSpec } from "../../src/env/spec.js";
import { StepStatus, type TaskSpec } from "../../src/env/task.js";
import type { ActResult, OnPolicyAgent, RolloutMinibatch } from "../../src/algos/agent.js";
import type { CollectedStep } from "../../src/train/collector.js";
import { InputEncoder } from "../../src/train/input-encoder.js";
import { OnPolicyLearner } from "../../src/train/on-policy-learner.js";

const spec: TaskSpec = {
  name: "Line-v0",
  description: "one number in, one number out",
  observations: [boundedSpec("observation", [1], -100, 100)],
  action: boundedSpec("action", [1], -1, 1),
  hasReward: true,
  goalConditioned: false,
  blackBox: false,
  maxEpisodeSteps: 100,
  controlDt: 0.1,
  infoKeys: [],
  makeOptions: [],
  resetOptions: [],
};

/** V(s) = s: bootstraps are readable from the observations. Records what it learns from. */
class FakePpo implements OnPolicyAgent {
  readonly name = "fake";
  readonly kind = "on-policy";
  readonly inputDim = 1;
  readonly actDim = 1;
  readonly schedule = { rolloutSteps: 4, gamma: 0.9, gaeLambda: 0.8, scaleRewards: false, minibatches: 2 };
  readonly seen: Array<{ rows: RolloutMinibatch[]; progress: number }> = [];
  act(): ActResult {
    throw new Error("not used");
  }
  value(input: Float32Array): Float32Array {
    return input.slice();
  }
  logProb(_input: Float32Array, _action: Float32Array, rows: number): Float32Array {
    return new Float32Array(rows);
  }
  learn(minibatches: () => Iterable<RolloutMinibatch>, progress: number): Record<string, number> {
    this.seen.push({ rows: [...minibatches()], progress });
    return { fake_loss: 1 };
  }
  checkpointContents() {
    return { networks: {}, optimizers: {} };
  }
  restoreMeta(): void {}
  dispose(): void {}
}

const R = StepStatus.RUNNING;
const TERM = StepStatus.TERMINATED;
const TRUNC = StepStatus.TRUNCATED;

/** Two envs, four steps: env 0 terminates at t = 2, env 1 is truncated at t = 1 (final observation 5). */
function steps(): CollectedStep[] {
  const rewards = [1, 2, 3, 4];
  const values = [
    [0.5, 0.2],
    [1.0, 0.4],
    [1.5, 0.6],
    [2.0, 0.8],
  ];
  const status = [
    [R, R],
    [R, TRUNC],
    [TERM, R],
    [R, R],
  ];
  // Inputs name the row (10·t + env); next observations are 5 at env 1's truncation, 10 and 7 at the end.
  const nextObs = [
    [0, 0],
    [0, 5],
    [0, 0],
    [10, 7],
  ];
  return rewards.map((r, t) => ({
    kind: "step",
    envs: 2,
    obs: [Float32Array.of(10 * t, 10 * t + 1)],
    input: Float32Array.of(10 * t, 10 * t + 1),
    actions: Float32Array.of(0, 0),
    extras: { logProb: Float32Array.of(-1, -1), value: Float32Array.from(values[t]!) },
    randomActions: false,
    nextObs: [Float32Array.from(nextObs[t]!)],
    reward: Float64Array.of(r, r),
    status: Uint8Array.from(status[t]!),
    isSuccess: new Uint8Array(2),
  }));
}

test("GAE over a rollout with a TERMINATED and a TRUNCATED ending matches the hand computation", () => {
  const agent = new FakePpo();
  const learner = new OnPolicyLearner(spec, agent, new InputEncoder(spec, false), new Rng(0), 2, undefined, undefined, { her: "none", herK: 0 });
  const all = steps();
  all.forEach((s, t) => {
    learner.observe(s);
    const envStep = 2 * (t + 1);
    const losses = learner.train(envStep, 16);
    assert.equal(losses === undefined, t < 3, `learning at step ${t}`);
  });
  assert.equal(agent.seen.length, 1);
  assert.equal(agent.seen[0]!.progress, 0, "the first rollout learns at the full learning rate");
  const rows = agent.seen[0]!.rows;
  assert.equal(rows.length, 2, "two minibatches of 4 rows");
  const byInput = new Map<number, { advantage: number; ret: number }>();
  for (const mb of rows) for (let i = 0; i < mb.rows; i++) byInput.set(mb.input[i]!, { advantage: mb.advantages[i]!, ret: mb.returns[i]! });
  // γ = 0.9, λ = 0.8 (γλ = 0.72). env 0: t3 runs on with V(last) = 10; t2 TERMINATED (no bootstrap, no carry).
  //   A3 = 4 + 0.9·10 − 2 = 11;  A2 = 3 − 1.5 = 1.5;  A1 = 2 + 0.9·1.5 − 1 + 0.72·1.5 = 3.43;  A0 = 1 + 0.9·1 − 0.5 + 0.72·3.43 = 3.8696
  // env 1: t1 TRUNCATED bootstraps from V(final observation) = 5 and carries nothing back from t2.
  //   A3 = 4 + 0.9·7 − 0.8 = 9.5;  A2 = 3 + 0.9·0.8 − 0.6 + 0.72·9.5 = 9.96;  A1 = 2 + 0.9·5 − 0.4 = 6.1;  A0 = 1 + 0.9·0.4 − 0.2 + 0.72·6.1 = 5.552
  const expected: Record<number, [number, number]> = {
    0: [3.8696, 0.5],
    10: [3.43, 1.0],
    20: [1.5, 1.5],
    30: [11, 2.0],
    1: [5.552, 0.2],
    11: [6.1, 0.4],
    21: [9.96, 0.6],
    31: [9.5, 0.8],
  };
  for (const [input, [advantage, value]] of Object.entries(expected)) {
    const got = byInput.get(Number(input));
    assert.ok(got, `row ${input} missing`);
    assert.ok(Math.abs(got.advantage - advantage) < 1e-4, `row ${input}: advantage ${got.advantage}, expected ${advantage}`);
    assert.ok(Math.abs(got.ret - (advantage + value)) < 1e-4, `row ${input}: return ${got.ret}, expected ${advantage + value}`);
  }
  assert.deepEqual(learner.stats(), { rollout_position: 0, learning_phases: 1 });
});

test("a cut episode bootstraps from V(its last observation); the rollout survives a checkpoint", () => {
  const agent = new FakePpo();
  const make = () => new OnPolicyLearner(spec, agent, new InputEncoder(spec, false), new Rng(0), 2, undefined, undefined, { her: "none", herK: 0 });
  const learner = make();
  const all = steps();
  learner.observe(all[0]!);
  learner.observe(all[1]!);
  learner.observe(all[2]!);
  // A checkpoint now: the collector's observations are 8 and 9 (V = 8, 9 are the cut bootstraps on resume).
  const state = learner.state([Float32Array.of(8, 9)]);
  const storage = learner.serializeStorage();
  const resumed = make();
  resumed.restore(state, storage);
  assert.deepEqual(resumed.stats(), { rollout_position: 3, learning_phases: 0 });
  resumed.observe({ ...all[3]!, status: Uint8Array.of(R, R) });
  resumed.train(8, 16);
  const byInput = new Map<number, number>();
  for (const mb of agent.seen.at(-1)!.rows) for (let i = 0; i < mb.rows; i++) byInput.set(mb.input[i]!, mb.advantages[i]!);
  // env 1's t2 was RUNNING when the checkpoint was taken: on resume it became TRUNCATED with V = 9.
  //   A(t2, env 1) = 3 + 0.9·9 − 0.6 = 10.5 (nothing carried from t3, a new episode).
  assert.ok(Math.abs(byInput.get(21)! - 10.5) < 1e-4, `cut bootstrap: ${byInput.get(21)}`);
  // env 0's t2 had TERMINATED: the cut leaves it alone.
  assert.ok(Math.abs(byInput.get(20)! - 1.5) < 1e-4);
});

test("refuses a step without the extras it stores, and a rewardless step without a reward model", () => {
  const agent = new FakePpo();
  const learner = new OnPolicyLearner(spec, agent, new InputEncoder(spec, false), new Rng(0), 2, undefined, undefined, { her: "none", herK: 0 });
  const s = steps()[0]!;
  assert.throws(() => learner.observe({ ...s, extras: {} }), /must return the extras logProb and value/);
  assert.throws(() => learner.observe({ ...s, reward: undefined }), /gives the learner no reward.*--reward gahil/);
});

test("sampled-goal relabelling: copies take goals the env sampled in the rollout, one per episode, with log-probs and values recomputed", () => {
  // A goal task: observation [x], achieved goal [x], desired goal [g]; the network input is [x, g].
  const goalSpec: TaskSpec = {
    ...spec,
    name: "LineGoal-v0",
    goalConditioned: true,
    observations: [boundedSpec("observation", [1], -100, 100), boundedSpec("achieved_goal", [1], -100, 100), boundedSpec("desired_goal", [1], -100, 100)],
  };
  const agent = new FakePpo();
  Object.assign(agent, { inputDim: 2 });
  agent.logProb = (input: Float32Array, _action: Float32Array, rows: number) => Float32Array.from({ length: rows }, (_, r) => -input[2 * r + 1]!); // −goal
  agent.value = (input: Float32Array) => Float32Array.from({ length: input.length / 2 }, (_, r) => input[2 * r]! + input[2 * r + 1]!);
  const rewardCalls: number[] = [];
  const model = {
    name: "equal",
    isLearned: false,
    rewards(batch: { nextAchievedGoal?: Float32Array; achievedGoal: Float32Array; desiredGoal: Float32Array }, out: Float32Array) {
      rewardCalls.push(out.length);
      const reached = batch.nextAchievedGoal ?? batch.achievedGoal;
      for (let i = 0; i < out.length; i++) out[i] = reached[i] === batch.desiredGoal[i] ? 0 : -1;
    },
  };
  const learner = new OnPolicyLearner(goalSpec, agent, new InputEncoder(goalSpec, false), new Rng(7), 1, model, undefined, { her: "sampled", herK: 2 });
  // One env, 4 steps: episode 1 (goal 50) truncated at t = 1, episode 2 (goal 60) runs on.
  const goals = [50, 50, 60, 60];
  const status = [R, TRUNC, R, R];
  goals.forEach((g, t) => {
    learner.observe({
      kind: "step",
      envs: 1,
      obs: [Float32Array.of(t), Float32Array.of(t), Float32Array.of(g)],
      input: Float32Array.of(t, g),
      actions: Float32Array.of(0),
      extras: { logProb: Float32Array.of(-g), value: Float32Array.of(t + g) },
      randomActions: false,
      nextObs: [Float32Array.of(t + 1), Float32Array.of(t + 1), Float32Array.of(g)],
      reward: Float64Array.of(-1),
      status: Uint8Array.of(status[t]!),
      isSuccess: new Uint8Array(1),
    });
    learner.train(t + 1, 100);
  });
  const rows = agent.seen[0]!.rows.flatMap((mb) => Array.from({ length: mb.rows }, (_, i) => ({ x: mb.input[2 * i]!, g: mb.input[2 * i + 1]!, logProb: mb.logProb[i]!, value: mb.values[i]! })));
  assert.equal(rows.length, 4 * 3, "the real lane and two relabelled copies");
  for (const r of rows) {
    assert.ok(r.g === 50 || r.g === 60, `goal ${r.g} is not one the env sampled`);
    assert.equal(r.logProb, -r.g, "log π_old recomputed under the row's goal");
    assert.equal(r.value, r.x + r.g, "V_old recomputed under the row's goal");
  }
  // Each episode segment of a copy has one goal.
  for (const x of [0, 2]) {
    const segment = rows.filter((r) => r.x === x || r.x === x + 1);
    const byLane = new Map<number, number[]>();
    for (const r of segment) byLane.set(r.x, [...(byLane.get(r.x) ?? []), r.g]);
    assert.deepEqual([...byLane.get(x)!].sort(), [...byLane.get(x + 1)!].sort(), `segment at ${x}: goals per step differ`);
  }
  assert.ok(rewardCalls.length > 0 && rewardCalls.every((n) => n === 2), "the model scores the two copies of each step");
});
