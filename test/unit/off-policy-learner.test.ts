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
import { extraValue, RecordingAgent } from "../helpers/recording-agent.js";
import { builtinRegistry } from "../../sims/catalog.js";
import { sizeOf } from "../../src/env/spec.js";
import { LocalVectorEnv } from "../../src/env/local-vector-env.js";
import { Collector } from "../../src/train/collector.js";

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
    randomActions: false,
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

// ---- extras the agent asks replay to keep (storedExtras), through every storage path ----

const EXTRAS = { behaviour: 2, logProb: 1 };
const constantReward = { name: "constant", isLearned: false, rewards: (_b: unknown, out: Float32Array) => void out.fill(-1) };

/** `step` with the extras `agent.act` returns for its input (what the collector hands over). */
function acted(agent: RecordingAgent, step: CollectedStep): CollectedStep {
  return { ...step, extras: agent.act(step.input, step.envs).extras ?? {} };
}

/** A vector step of Line-v0 (or LineGoal-v0 with desired goal −5, input [observation, goal]): env i observes 100·t + i. */
function anyStep(goal: boolean, envs: number, t: number, status: number): CollectedStep {
  const s = lineStep(envs, t, status);
  if (!goal) return s;
  const tensors = (o: Float32Array) => [o, o.slice(), new Float32Array(envs).fill(-5)];
  const input = Float32Array.from({ length: 2 * envs }, (_, k) => (k % 2 === 0 ? s.obs[0]![k / 2]! : -5));
  return { ...s, obs: tensors(s.obs[0]!), input, nextObs: tensors(s.nextObs[0]!) };
}

/**
 * Every row of every batch carries the extras act returned for that row's own
 * step (told by its observation, the input's first element), or NaN when that
 * step was a warm-up step (`warmUp`: their observations).
 */
function assertExtrasOfOwnRow(agent: RecordingAgent, inputDim: number, warmUp = new Set<number>()): void {
  let rows = 0;
  for (const b of agent.batches) {
    assert.deepEqual(Object.keys(b.extras ?? {}).sort(), Object.keys(agent.storedExtras!).sort());
    for (let i = 0; i < b.rows; i++, rows++) {
      const o = b.obs[i * inputDim]!;
      Object.entries(agent.storedExtras!).forEach(([name, size], k) => {
        for (let j = 0; j < size; j++) {
          const got = b.extras![name]![i * size + j]!;
          if (warmUp.has(o)) assert.ok(Number.isNaN(got), `row ${i} (observation ${o}, warm-up): ${name}[${j}] = ${got}, expected NaN`);
          else assert.equal(got, Math.fround(extraValue(k, o, j)), `row ${i} (observation ${o}): ${name}[${j}]`);
        }
      });
    }
  }
  assert.ok(rows > 0, "no batch was sampled");
}

/** The batches without their extras (what an agent without storedExtras sees). */
const withoutExtras = (agent: RecordingAgent) => agent.batches.map(({ extras: _, ...rest }) => rest);

const extraPaths: Array<{ name: string; goal: boolean; overrides: Partial<OffPolicySchedule> }> = [
  { name: "plain replay", goal: false, overrides: {} },
  { name: "HER", goal: true, overrides: { her: true, herK: 4 } },
  { name: "n-step credit (one layer)", goal: false, overrides: { credit: "nstep", creditN: 3 } },
  { name: "floating credit with HER (one layer)", goal: true, overrides: { her: true, herK: 4, credit: "floating", creditN: 3 } },
  { name: "two-layer replay with HER", goal: true, overrides: { her: true, herK: 4, credit: "nstep", creditN: 2, replay: "two-layer", recalcDelay: 1 } },
];

function extrasLearner(goal: boolean, overrides: Partial<OffPolicySchedule>, storedExtras: Record<string, number> | undefined, envs = 2) {
  const spec = goal ? lineGoal : line;
  const agent = new RecordingAgent(goal ? 2 : 1, 1, 0.99, storedExtras);
  const learner = new OffPolicyLearner(spec, agent, new InputEncoder(spec, false), schedule({ batchSize: 16, ...overrides }), new Rng(0), envs, goal ? constantReward : undefined, undefined);
  return { agent, learner };
}

/** 12 vector steps of 2 envs, episodes of 4 steps (the last TRUNCATED, or TERMINATED every third). */
function feed(learner: OffPolicyLearner, agent: RecordingAgent, goal: boolean, from = 0): void {
  for (let t = from; t < from + 12; t++) {
    const status = t % 4 !== 3 ? StepStatus.RUNNING : t % 3 === 0 ? StepStatus.TERMINATED : StepStatus.TRUNCATED;
    learner.observe(acted(agent, anyStep(goal, 2, t, status)));
  }
}

for (const { name, goal, overrides } of extraPaths) {
  test(`${name}: every batch carries each row's own extras; the draws are those of a run without extras`, () => {
    const { agent, learner } = extrasLearner(goal, overrides, EXTRAS);
    const twin = extrasLearner(goal, overrides, undefined);
    feed(learner, agent, goal);
    feed(twin.learner, twin.agent, goal);
    for (let k = 0; k < 20; k++) {
      learner.train(24);
      twin.learner.train(24);
    }
    assertExtrasOfOwnRow(agent, goal ? 2 : 1);
    assert.ok(twin.agent.batches.every((b) => b.extras === undefined), "no extras for an agent that declares none");
    assert.deepEqual(withoutExtras(agent), twin.agent.batches);
    if (goal) {
      const goals = new Set(agent.batches.flatMap((b) => Array.from({ length: b.rows }, (_, i) => (b.obs[2 * i + 1]! < 0 ? "lived" : "hindsight"))));
      assert.deepEqual(goals, new Set(["lived", "hindsight"]), "hindsight rows keep the extras of the goal lived");
    }
  });

  test(`${name}: a checkpoint keeps the extras with their rows; one without extras is refused`, () => {
    const { agent, learner } = extrasLearner(goal, overrides, EXTRAS);
    feed(learner, agent, goal);
    const resumed = extrasLearner(goal, overrides, EXTRAS);
    resumed.learner.restore(learner.state(), learner.serializeStorage(true));
    for (let k = 0; k < 20; k++) resumed.learner.train(24);
    assertExtrasOfOwnRow(resumed.agent, goal ? 2 : 1);
    // Stored steps and new ones side by side.
    feed(resumed.learner, resumed.agent, goal, 12);
    for (let k = 0; k < 20; k++) resumed.learner.train(48);
    assertExtrasOfOwnRow(resumed.agent, goal ? 2 : 1);
    const plain = extrasLearner(goal, overrides, undefined);
    feed(plain.learner, plain.agent, goal);
    const bytes = plain.learner.serializeStorage(true);
    extrasLearner(goal, overrides, undefined).learner.restore(plain.learner.state(), bytes);
    assert.throws(() => extrasLearner(goal, overrides, EXTRAS).learner.restore(plain.learner.state(), bytes), /expected (fields|extras) .*behaviour/);
  });
}

test("stored extras act did not return, or returned at another size, are refused with their name", () => {
  const { agent, learner } = extrasLearner(false, {}, EXTRAS);
  const step = acted(agent, anyStep(false, 2, 0, StepStatus.RUNNING));
  assert.throws(() => learner.observe(anyStep(false, 2, 0, StepStatus.RUNNING)), /recording declares the stored extra "behaviour" but act returned none \(it returned no extras\)/);
  assert.throws(() => learner.observe({ ...step, extras: { behaviour: step.extras["behaviour"]! } }), /recording declares the stored extra "logProb" but act returned none \(it returned behaviour\)/);
  assert.throws(
    () => learner.observe({ ...step, extras: { ...step.extras, behaviour: new Float32Array(3) } }),
    /recording's stored extra "behaviour": expected 2 values per row \(4 for 2 envs\) but act returned 3/,
  );
  assert.equal(learner.stats()["replay_size"], 0, "nothing refused was stored");
  learner.observe(step);
  assert.equal(learner.stats()["replay_size"], 2);
  assert.throws(() => extrasLearner(false, {}, { behaviour: 0 }), /recording declares the stored extra "behaviour" with 0 values per row/);
  // The same on the episode paths.
  const her = extrasLearner(true, { her: true, herK: 4 }, EXTRAS);
  assert.throws(() => her.learner.observe({ ...step, extras: { logProb: step.extras["logProb"]! } }), /stored extra "behaviour" but act returned none/);
});

test("warm-up: random actions carry no extras, so their rows hold NaN; an agent's step without extras is refused", () => {
  for (const { name, goal, overrides } of extraPaths) {
    const { agent, learner } = extrasLearner(goal, { ...overrides, learningStarts: 6 }, EXTRAS, 2);
    const warmUp = new Set<number>();
    for (let t = 0; t < 10; t++) {
      const envStep = 2 * t;
      const status = t % 4 !== 3 ? StepStatus.RUNNING : StepStatus.TRUNCATED;
      const step = anyStep(goal, 2, t, status);
      if (learner.randomActions(envStep)) step.obs[0]!.forEach((o) => warmUp.add(o));
      learner.observe(learner.randomActions(envStep) ? { ...step, randomActions: true } : acted(agent, step)); // the collector hands random steps no extras
      for (let k = 0; k < 5; k++) learner.train(envStep + 2);
    }
    assert.deepEqual([...warmUp].sort((a, b) => a - b), [0, 1, 100, 101, 200, 201], name);
    assertExtrasOfOwnRow(agent, goal ? 2 : 1, warmUp);
    const rows = agent.batches.flatMap((b) => Array.from({ length: b.rows }, (_, i) => b.obs[i * (goal ? 2 : 1)]!));
    assert.ok(rows.some((o) => warmUp.has(o)) && rows.some((o) => !warmUp.has(o)), `${name}: both kinds of row sampled`);
    assert.throws(() => learner.observe(anyStep(goal, 2, 10, StepStatus.RUNNING)), /declares the stored extra "behaviour" but act returned none \(it returned no extras\)/, name);
  }
});

test("warm-up through the collector: the steps it takes at random are stored with NaN extras, the agent's with act's", async () => {
  const env = await LocalVectorEnv.make(builtinRegistry(), "PointReach-v0", 2, { max_episode_steps: 5 });
  try {
    const encoder = new InputEncoder(env.spec, false);
    const agent = new RecordingAgent(encoder.inputDim, sizeOf(env.spec.action.shape), 0.99, EXTRAS);
    const rng = new Rng(4);
    const learner = new OffPolicyLearner(env.spec, agent, encoder, schedule({ batchSize: 16, learningStarts: 8 }), rng, 2, undefined, undefined);
    const collector = new Collector(env, agent, encoder, { rng, withholdReward: false });
    const warmUp = new Set<number>();
    for (let k = 0; k < 12; k++) {
      const random = learner.randomActions(collector.steps);
      const step = await collector.collect(random);
      assert.equal(step.kind, "step");
      if (step.kind !== "step") return;
      assert.equal(step.randomActions, random, "the collector says which steps it took at random");
      if (random) for (let i = 0; i < 2; i++) warmUp.add(step.input[i * encoder.inputDim]!);
      learner.observe(step);
      learner.train(collector.steps);
    }
    assert.equal(warmUp.size, 8, "4 vector steps of 2 envs at random");
    assert.equal(agent.inputs.length, 8, "act was called for the other 8 only");
    assertExtrasOfOwnRow(agent, encoder.inputDim, warmUp);
  } finally {
    await env.close();
  }
});

// ---- batch requests: the agent says what batch it wants (OffPolicyAgent.nextBatch) ----

/** Scores reward = nextAchievedGoal − desiredGoal: a row with the goal lived (−5) and observation o gets o + 0.5 + 5. */
const goalGap = {
  name: "gap",
  isLearned: false,
  rewards: (b: { desiredGoal: Float32Array; nextAchievedGoal?: Float32Array }, out: Float32Array) => {
    for (let i = 0; i < out.length; i++) out[i] = b.nextAchievedGoal![i]! - b.desiredGoal[i]!;
  },
};

const requestPaths: Array<{ name: string; goal: boolean; overrides: Partial<OffPolicySchedule>; hindsight: boolean; reward: (o: number) => number }> = [
  { name: "plain replay", goal: false, overrides: {}, hindsight: false, reward: () => -1 },
  { name: "HER (one-step)", goal: true, overrides: { her: true, herK: 4 }, hindsight: true, reward: (o) => o + 5.5 },
  { name: "credit windows with HER (one layer)", goal: true, overrides: { her: true, herK: 4, credit: "nstep", creditN: 1 }, hindsight: true, reward: (o) => o + 5.5 },
  { name: "credit windows without HER (one layer, env rewards)", goal: true, overrides: { credit: "nstep", creditN: 1 }, hindsight: false, reward: () => -1 },
  { name: "two-layer replay with HER", goal: true, overrides: { her: true, herK: 4, credit: "nstep", creditN: 1, replay: "two-layer", recalcDelay: 1 }, hindsight: true, reward: (o) => o + 5.5 },
];

/** A learner of 2 envs on Line-v0 / LineGoal-v0 (reward model goalGap with goals) whose agent follows `requests`. */
function requestLearner(goal: boolean, overrides: Partial<OffPolicySchedule>, requests?: readonly unknown[], envs = 2) {
  const spec = goal ? lineGoal : line;
  const agent = new RecordingAgent(goal ? 2 : 1, 1);
  if (requests) agent.script(requests);
  const learner = new OffPolicyLearner(spec, agent, new InputEncoder(spec, false), schedule({ batchSize: 16, ...overrides }), new Rng(0), envs, goal ? goalGap : undefined, undefined);
  return { agent, learner };
}

/**
 * `steps` vector steps of 2 envs (episodes of 4 steps, the last TRUNCATED), training after each;
 * returns, per batch, the vector steps stored when it was sampled.
 */
function runRequests(learner: OffPolicyLearner, agent: RecordingAgent, goal: boolean, steps: number): number[] {
  const storedAt: number[] = [];
  for (let t = 0; t < steps; t++) {
    learner.observe(anyStep(goal, 2, t, t % 4 === 3 ? StepStatus.TRUNCATED : StepStatus.RUNNING));
    learner.train(2 * (t + 1));
    while (storedAt.length < agent.batches.length) storedAt.push(t + 1);
  }
  return storedAt;
}

for (const { name, goal, overrides, hindsight, reward } of requestPaths) {
  test(`${name}: a recent request draws only the newest transitions (per env lane), relabel false only lived goals, rows as asked`, () => {
    // recent 5 over 2 envs: the newest 2 steps of env 0 and 3 of env 1, as the newest 5 added (env 0 first in a step).
    for (const lived of goal ? [true, false] : [false]) {
      const recentRequest = lived ? { rows: 5, recent: 5, relabel: false } : { rows: 5, recent: 5 };
      checkRecentRequests(goal, overrides, recentRequest, lived, hindsight, reward);
    }
  });
}

/**
 * 30 steps of `recentRequest` alternating with { rows: 7 }: rows as asked; recent rows within the window
 * (each env lane's share of the newest 5) and all of it drawn; with `lived`, only goals lived, rewarded as
 * `reward`; the other batches from all of storage, with hindsight goals when the run has them.
 */
function checkRecentRequests(goal: boolean, overrides: Partial<OffPolicySchedule>, recentRequest: object, lived: boolean, hindsight: boolean, reward: (o: number) => number): void {
  const { agent, learner } = requestLearner(goal, overrides, [recentRequest, { rows: 7 }]);
  const storedAt = runRequests(learner, agent, goal, 30);
  const inputDim = goal ? 2 : 1;
  const seen = new Set<string>();
  let hindsightRows = 0;
  let oldRows = 0;
  agent.batches.forEach((b, k) => {
    const recent = k % 2 === 0;
    assert.equal(b.rows, recent ? 5 : 7, `batch ${k}: rows`);
    assert.equal(b.obs.length, b.rows * inputDim);
    assert.equal(b.reward.length, b.rows);
    for (let i = 0; i < b.rows; i++) {
      const o = b.obs[i * inputDim]!;
      const env = o % 100;
      const age = storedAt[k]! - Math.floor(o / 100); // 1: the newest vector step
      if (goal && b.obs[i * inputDim + 1]! !== -5) hindsightRows++;
      if (!recent) {
        if (age > 3) oldRows++;
        continue;
      }
      assert.ok(age >= 1 && age <= (env === 0 ? 2 : 3), `batch ${k} row ${i}: observation ${o} is ${age} steps old (env ${env}) at ${storedAt[k]} steps stored`);
      seen.add(`env ${env} age ${age}`);
      if (!lived && goal) continue;
      if (goal) assert.equal(b.obs[i * inputDim + 1], -5, `batch ${k} row ${i}: the goal lived`);
      assert.ok(Math.abs(b.reward[i]! - reward(o)) < 1e-4, `batch ${k} row ${i}: reward ${b.reward[i]} for the goal lived, want ${reward(o)}`);
    }
  });
  assert.deepEqual([...seen].sort(), ["env 0 age 1", "env 0 age 2", "env 1 age 1", "env 1 age 2", "env 1 age 3"], "the whole window is drawn");
  assert.ok(agent.batches.length >= 50, `${agent.batches.length} batches`);
  assert.ok(oldRows > 0, "batches without recent draw from all of storage");
  if (hindsight) assert.ok(hindsightRows > 0, "batches without relabel keep HER");
}

for (const { name, goal, overrides } of extraPaths) {
  test(`${name}: a request of the run's batch size (relabel true or left out) draws exactly the batches of no request`, () => {
    for (const request of [{ rows: 16 }, { rows: 16, relabel: true }]) {
      const asked = extrasLearner(goal, overrides, undefined);
      asked.agent.script([request]);
      const plain = extrasLearner(goal, overrides, undefined);
      feed(asked.learner, asked.agent, goal);
      feed(plain.learner, plain.agent, goal);
      for (let k = 0; k < 20; k++) {
        asked.learner.train(24);
        plain.learner.train(24);
      }
      assert.ok(plain.agent.batches.length > 0);
      assert.deepEqual(asked.agent.batches, plain.agent.batches, JSON.stringify(request));
      assert.equal(plain.agent.nextBatch, undefined);
    }
  });
}

test("two-layer replay with HER: relabel false without recent is credited fresh from all of the full memory, goals lived", () => {
  const { agent, learner } = requestLearner(true, { her: true, herK: 4, credit: "nstep", creditN: 1, replay: "two-layer", recalcDelay: 1 }, [{ rows: 6, relabel: false }]);
  const storedAt = runRequests(learner, agent, true, 20);
  assert.ok(agent.batches.length >= 30);
  const rows = agent.batches.flatMap((b, k) => Array.from({ length: b.rows }, (_, i) => ({ o: b.obs[2 * i]!, goal: b.obs[2 * i + 1]!, r: b.reward[i]!, age: storedAt[k]! - Math.floor(b.obs[2 * i]! / 100) })));
  assert.ok(rows.every(({ goal }) => goal === -5), "goals lived");
  assert.ok(rows.every(({ o, r }) => Math.abs(r - (o + 5.5)) < 1e-4), "rewarded for the goal lived by the model");
  assert.ok(rows.some(({ age }) => age > 8) && rows.some(({ age }) => age === 1), "old steps and the newest (episodes in progress too)");
  assert.equal(learner.stats()["recalculations"], 0, "the fast memory is neither read nor recalculated");
});

test("each update asks first and gets its own request; a request storage cannot answer yet waits, and the agent's order never skips", () => {
  // One env, 2 updates per step: rows 2 is answerable from 2 stored, rows 6 from 6.
  const { agent, learner } = lineLearner(1, { updatesPerStep: 2 });
  agent.script([{ rows: 2 }, { rows: 6 }]);
  const ran = updatesPerVectorStep(learner, agent, 1, 9);
  assert.deepEqual(ran, [0, 1, 0, 0, 0, 2, 2, 2, 2], "step 2: rows 2, then rows 6 must wait for 6 stored (those updates are not owed)");
  assert.deepEqual(agent.batches.map((b) => b.rows), [2, 6, 2, 6, 2, 6, 2, 6, 2]);
  assert.ok(agent.asked >= agent.batches.length);
});

test("a recent request trains once its window holds min(rows, recent) transitions", () => {
  const { agent, learner } = lineLearner(1);
  agent.script([{ rows: 8, recent: 3 }]);
  assert.deepEqual(updatesPerVectorStep(learner, agent, 1, 5), [0, 0, 1, 1, 1]);
  agent.batches.forEach((b, k) => {
    assert.equal(b.rows, 8);
    const newest = k + 2; // vector step of the newest stored transition
    assert.ok([...b.obs].every((o) => o / 100 >= newest - 2 && o / 100 <= newest), `batch ${k}: ${[...b.obs]}`);
  });
});

for (const { name, overrides } of requestPaths.filter((p) => p.goal && p.overrides.replay === undefined)) {
  test(`${name}: a recent window never reaches steps of an episode dropped by wrap-around`, () => {
    // 5 slots per env lane, episodes of 4: after 10 steps slots hold steps 5..9, whose episode 4..7 lost its first step.
    const small = { ...overrides, bufferSize: 10 };
    // recent 6: steps 7, 8, 9 of each lane, 7 dropped; recent 100: the whole lane. Either window holds 4.
    const answered = requestLearner(true, small, [{ rows: 4, recent: 6, relabel: false }, { rows: 3, recent: 100 }]);
    const waits = requestLearner(true, small, [{ rows: 5, recent: 6 }]);
    for (let t = 0; t < 10; t++) {
      const step = anyStep(true, 2, t, t % 4 === 3 ? StepStatus.TRUNCATED : StepStatus.RUNNING);
      answered.learner.observe(step);
      waits.learner.observe(step);
    }
    for (let k = 0; k < 20; k++) {
      answered.learner.train(20);
      waits.learner.train(20);
    }
    assert.equal(answered.agent.batches.length, 40);
    const obs = new Set(answered.agent.batches.flatMap((b) => Array.from({ length: b.rows }, (_, i) => b.obs[2 * i]!)));
    assert.deepEqual([...obs].sort((a, b) => a - b), [800, 801, 900, 901], "only the episode in progress (steps 8, 9) is whole");
    assert.equal(waits.agent.batches.length, 0, "the window holds 4, fewer than min(5, 6)");
  });
}

test("requests are checked: the error names the agent and the field", () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ rows: 0 }, /recording\.nextBatch\(\): rows must be a positive integer, got 0/],
    [{ rows: 2.5 }, /rows must be a positive integer, got 2\.5/],
    [{}, /rows must be a positive integer, got undefined/],
    [{ rows: 2, recent: 0 }, /recording\.nextBatch\(\): recent must be a positive integer \(or left out\), got 0/],
    [{ rows: 2, recent: 1.5 }, /recent must be a positive integer/],
    [{ rows: 2, relabel: "no" }, /recording\.nextBatch\(\): relabel must be true or false \(or left out\), got "no"/],
    [null, /recording\.nextBatch\(\) must return a batch request/],
  ];
  for (const [request, message] of bad) {
    const { agent, learner } = lineLearner(1);
    agent.script([request]);
    learner.observe(lineStep(1, 0));
    assert.throws(() => learner.train(1), message, JSON.stringify(request));
    assert.equal(agent.batches.length, 0);
  }
});
