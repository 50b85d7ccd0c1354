// The off-policy schedule and its storage, through OffPolicyLearner's public
// API with an agent that records the batches it gets: how many updates each
// vector step runs (fractional updatesPerStep accumulate exactly, and the
// carry survives a checkpoint).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { boundedSpec } from "../../src/env/spec.js";
import { StepStatus, type TaskSpec } from "../../src/env/task.js";
import type { CollectedStep } from "../../src/train/collector.js";
import { InputEncoder } from "../../src/train/input-encoder.js";
import { OffPolicyLearner, ONE_STEP_CREDIT, type OffPolicySchedule } from "../../src/train/off-policy-learner.js";
import { RecordingAgent } from "../helpers/recording-agent.js";

const line: TaskSpec = {
  name: "Line-v0",
  description: "one number in, one number out",
  observations: [boundedSpec("observation", [1], -1000, 1000)],
  action: boundedSpec("action", [1], -1, 1),
  hasReward: true,
  goalConditioned: false,
  blackBox: false,
  maxEpisodeSteps: 1000,
  controlDt: 0.1,
  infoKeys: [],
  makeOptions: [],
  resetOptions: [],
};

function schedule(overrides: Partial<OffPolicySchedule> = {}): OffPolicySchedule {
  return { batchSize: 1, bufferSize: 1000, learningStarts: 0, updatesPerStep: 1, her: false, herK: 0, ...ONE_STEP_CREDIT, ...overrides };
}

function lineLearner(envs: number, overrides: Partial<OffPolicySchedule> = {}) {
  const agent = new RecordingAgent(1, 1);
  const learner = new OffPolicyLearner(line, agent, new InputEncoder(line, false), schedule(overrides), new Rng(0), envs, undefined, undefined);
  return { agent, learner };
}

/** One vector step of `envs` envs on Line-v0: env i observes 100·t + i, then 100·t + i + 0.5. */
function lineStep(envs: number, t: number, status: number = StepStatus.RUNNING): CollectedStep {
  const obs = Float32Array.from({ length: envs }, (_, i) => 100 * t + i);
  return {
    kind: "step",
    envs,
    obs: [obs],
    input: obs.slice(),
    actions: new Float32Array(envs),
    extras: {},
    nextObs: [obs.map((x) => x + 0.5)],
    reward: new Float64Array(envs).fill(-1),
    status: new Uint8Array(envs).fill(status),
    isSuccess: new Uint8Array(envs),
  };
}

/** Updates run after each of `steps` vector steps (starting at vector step `from`). */
function updatesPerVectorStep(learner: OffPolicyLearner, agent: RecordingAgent, envs: number, steps: number, from = 0): number[] {
  const counts: number[] = [];
  for (let t = from; t < from + steps; t++) {
    learner.observe(lineStep(envs, t));
    const before = agent.batches.length;
    const losses = learner.train(envs * (t + 1));
    const ran = agent.batches.length - before;
    assert.equal(losses === undefined, ran === 0, "losses are returned exactly when an update ran");
    counts.push(ran);
  }
  return counts;
}

test("updatesPerStep 0.25 with one env: exactly one update every 4 env steps", () => {
  const { agent, learner } = lineLearner(1, { updatesPerStep: 0.25 });
  assert.deepEqual(updatesPerVectorStep(learner, agent, 1, 12), [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
});

test("updatesPerStep 1.5 with 2 envs: 3 updates per vector step", () => {
  const { agent, learner } = lineLearner(2, { updatesPerStep: 1.5 });
  assert.deepEqual(updatesPerVectorStep(learner, agent, 2, 5), [3, 3, 3, 3, 3]);
});

test("the default updatesPerStep 1 runs one update per env step, every vector step", () => {
  for (const envs of [1, 3]) {
    const { agent, learner } = lineLearner(envs);
    assert.deepEqual(updatesPerVectorStep(learner, agent, envs, 4), [envs, envs, envs, envs]);
  }
});

test("fractions that are not exact in binary lose no update: 0.1 gives 10 updates in 100 steps, one every 10th", () => {
  const { agent, learner } = lineLearner(1, { updatesPerStep: 0.1 });
  const counts = updatesPerVectorStep(learner, agent, 1, 100);
  assert.deepEqual(
    counts.flatMap((c, t) => (c ? [t + 1] : [])),
    [10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
  );
  // 0.75 with 2 envs: 1.5 per vector step.
  const two = lineLearner(2, { updatesPerStep: 0.75 });
  assert.deepEqual(updatesPerVectorStep(two.learner, two.agent, 2, 6), [1, 2, 1, 2, 1, 2]);
});

test("the carry starts when learning does: nothing accumulates during the warm-up", () => {
  const { agent, learner } = lineLearner(1, { updatesPerStep: 0.5, learningStarts: 3 });
  assert.deepEqual(updatesPerVectorStep(learner, agent, 1, 7), [0, 0, 0, 1, 0, 1, 0]);
});

test("the carry is part of the checkpoint state: a resumed learner keeps the rhythm", () => {
  const { agent, learner } = lineLearner(1, { updatesPerStep: 0.25 });
  assert.deepEqual(updatesPerVectorStep(learner, agent, 1, 6), [0, 0, 0, 1, 0, 0]);
  const state = JSON.parse(JSON.stringify(learner.state())) as unknown;
  assert.deepEqual(state, { updateCarry: 0.5 });
  const resumed = lineLearner(1, { updatesPerStep: 0.25 });
  resumed.learner.restore(state, learner.serializeStorage(true));
  assert.deepEqual(updatesPerVectorStep(resumed.learner, resumed.agent, 1, 6, 6), [0, 1, 0, 0, 0, 1]);
  // A checkpoint written before the carry existed holds {}: nothing owed.
  const old = lineLearner(1, { updatesPerStep: 0.25 });
  old.learner.restore({}, undefined);
  assert.deepEqual(old.learner.state(), { updateCarry: 0 });
});

test("updatesPerStep must be a positive number", () => {
  for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => lineLearner(1, { updatesPerStep: bad }), /updatesPerStep must be a positive number/);
  }
});

// ---- TRUNCATED is stored as non-terminal, TERMINATED as terminal ----

const lineGoal: TaskSpec = {
  ...line,
  name: "LineGoal-v0",
  goalConditioned: true,
  observations: [boundedSpec("observation", [1], -1000, 1000), boundedSpec("achieved_goal", [1], -1000, 1000), boundedSpec("desired_goal", [1], -1000, 1000)],
};

/**
 * Two vector steps of two envs: env 0 is TRUNCATED (observation 0) and env 1
 * TERMINATED (observation 1) at the first; both RUNNING (100, 101) at the second.
 */
function endings(goal: boolean): CollectedStep[] {
  const status = [
    [StepStatus.TRUNCATED, StepStatus.TERMINATED],
    [StepStatus.RUNNING, StepStatus.RUNNING],
  ];
  return status.map((s, t) => {
    const obs = Float32Array.of(100 * t, 100 * t + 1);
    const tensors = (o: Float32Array) => (goal ? [o, o.slice(), Float32Array.of(-5, -5)] : [o]);
    return { ...lineStep(2, t), obs: tensors(obs), nextObs: tensors(obs.map((x) => x + 0.5)), status: Uint8Array.from(s) };
  });
}

/** The terminated flags sampled, by the row's observation (inputs are not normalised: obs is the input's first element). */
function terminatedByObservation(agent: RecordingAgent, inputDim: number): Map<number, Set<number>> {
  const seen = new Map<number, Set<number>>();
  for (const b of agent.batches) {
    for (let i = 0; i < b.rows; i++) {
      const o = b.obs[i * inputDim]!;
      if (!seen.has(o)) seen.set(o, new Set());
      seen.get(o)!.add(b.terminated[i]!);
    }
  }
  return seen;
}

const expectedEndings = new Map([
  [0, new Set([0])], // TRUNCATED: bootstrap, not terminal
  [1, new Set([1])], // TERMINATED
  [100, new Set([0])],
  [101, new Set([0])],
]);

test("plain replay: a transition at TRUNCATED is sampled with terminated 0, at TERMINATED with 1", () => {
  const { agent, learner } = lineLearner(2, { batchSize: 4 });
  for (const s of endings(false)) learner.observe(s);
  for (let k = 0; k < 50; k++) learner.train(4);
  assert.deepEqual(terminatedByObservation(agent, 1), expectedEndings);
});

test("HER replay: a transition at TRUNCATED is sampled with terminated 0, at TERMINATED with 1, relabelled or not", () => {
  const agent = new RecordingAgent(2, 1);
  const constant = { name: "constant", isLearned: false, rewards: (_b: unknown, out: Float32Array) => void out.fill(-1) };
  const learner = new OffPolicyLearner(lineGoal, agent, new InputEncoder(lineGoal, false), schedule({ batchSize: 4, her: true, herK: 4 }), new Rng(0), 2, constant, undefined);
  for (const s of endings(true)) learner.observe(s);
  for (let k = 0; k < 50; k++) learner.train(4);
  assert.deepEqual(terminatedByObservation(agent, 2), expectedEndings);
  // Both kinds of goal were sampled: the env's (−5) and relabelled ones (reached: ≥ 0).
  const goals = new Set(agent.batches.flatMap((b) => Array.from({ length: b.rows }, (_, i) => (b.obs[2 * i + 1]! < 0 ? "env" : "relabelled"))));
  assert.deepEqual(goals, new Set(["env", "relabelled"]));
});

// ---- credit windows through the learner (src/replay/credit*.ts has the hand computations) ----

/** One env on Line-v0 for 5 steps (observation 100·t), the last TERMINATED; reward −1 each. */
function terminatingEpisode(learner: OffPolicyLearner): void {
  for (let t = 0; t < 5; t++) learner.observe(lineStep(1, t, t === 4 ? StepStatus.TERMINATED : StepStatus.RUNNING));
}

test("--credit nstep: the batches the agent gets hold n-step credit, the state n steps on and γⁿ, cut at TERMINATED", () => {
  const { agent, learner } = lineLearner(1, { credit: "nstep", creditN: 3, batchSize: 5 });
  terminatingEpisode(learner);
  for (let u = 0; u < 10; u++) learner.train(5);
  const gamma = agent.gamma;
  const seen = new Set<number>();
  for (const b of agent.batches) for (let i = 0; i < b.rows; i++) {
    seen.add(b.obs[i]! / 100);
    const t = b.obs[i]! / 100;
    const m = Math.min(3, 5 - t);
    assert.equal(b.nextObs[i], 100 * (t + m - 1) + 0.5, `row ${i}: bootstraps from the state ${m} steps on`);
    let credit = 0;
    for (let k = 0; k < m; k++) credit -= gamma ** k;
    assert.ok(Math.abs(b.reward[i]! - credit) < 1e-5, `row ${i}: credit ${b.reward[i]} vs ${credit}`);
    assert.ok(Math.abs(b.discount![i]! - (t + m === 5 ? 0 : gamma ** m)) < 1e-6, `row ${i}: discount ${b.discount![i]}`);
    assert.equal(b.terminated[i], t + m === 5 ? 1 : 0);
  }
  assert.equal(seen.size, 5, "every step of the episode starts some window");
});

test("--replay two-layer with GAE: recalculation gives new targets when the critic changes, from storage alone", () => {
  const { agent, learner } = lineLearner(1, { credit: "gae", creditN: 3, replay: "two-layer", recalcDelay: 0, batchSize: 5 });
  agent.value = (s) => s[0]! / 100; // V(s) = t
  terminatingEpisode(learner);
  learner.train(5);
  const before = new Set(agent.batches.at(-1)!.reward);
  const asked = agent.valueRows;
  agent.value = (s) => -s[0]! / 100; // the target critic moved
  learner.train(6);
  assert.ok(agent.valueRows > asked, "the recalculation asked the critic again");
  assert.ok([...agent.batches.at(-1)!.reward].some((r) => !before.has(r)), "no target changed with the critic");
  assert.ok(learner.stats()["recalculations"]! >= 2);
});

test("credit settings the learner cannot use are refused with their name", () => {
  assert.throws(() => lineLearner(1, { credit: "nstep", creditN: 0 }), /n: expected an integer in 1\.\.1000/);
  assert.throws(() => lineLearner(1, { credit: "gae", creditN: 3, creditLambda: 2 }), /lambda/);
  assert.throws(() => lineLearner(1, { replay: "two-layer", recalcDelay: -1 }), /recalc delay/);
});
