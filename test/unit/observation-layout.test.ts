// Goal tensors are found by name, never by position: a task whose server
// sends `desired_goal` first, then `observation`, then `achieved_goal` trains
// exactly as one in the usual order — the network input, HER's goals, what
// GAHIL is fed, the on-policy rollout and the reward probe all pick the right
// tensors. A goal-conditioned spec without the three names is refused, naming
// what it has.
//
// The task (Tagged-v0) makes every tensor recognisable: the observation is
// [x, y, 100 + t] (t: steps into the episode), the achieved goal is (x, y),
// moved by (0.1 + 0.1·a₀, −0.1 + 0.1·a₁) per step (small), the desired goal
// is (5 + seed mod 7, 5 + seed mod 3) (≥ 5, far from anything reached).
// x never decreases and y never increases within an episode.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { LocalVectorEnv } from "../../src/env/local-vector-env.js";
import { boundedSpec, unboundedSpec } from "../../src/env/spec.js";
import { TaskRegistry } from "../../src/env/task-registry.js";
import { newTaskStep, StepStatus, type Task, type TaskFactory, type TaskSpec } from "../../src/env/task.js";
import type { VectorEnv } from "../../src/env/vector-env.js";
import { RemoteVectorEnv } from "../../src/client/remote-vector-env.js";
import { startServer } from "../../src/server/server.js";
import type { ActResult, OnPolicyAgent, RolloutMinibatch } from "../../src/algos/agent.js";
import type { HerSample } from "../../src/replay/her-buffer.js";
import { feedLived, type OnlineRewardModel } from "../../src/reward/online-reward.js";
import type { RewardBatch } from "../../src/reward/reward-model.js";
import { Collector, type CollectedStep } from "../../src/train/collector.js";
import { InputEncoder } from "../../src/train/input-encoder.js";
import { ObservationLayout } from "../../src/train/observation-layout.js";
import { OffPolicyLearner, ONE_STEP_CREDIT } from "../../src/train/off-policy-learner.js";
import { OnPolicyLearner } from "../../src/train/on-policy-learner.js";
import { probeRewardModel } from "../../src/train/reward-probe.js";
import { Trainer } from "../../src/train/trainer.js";
import { RecordingAgent } from "../helpers/recording-agent.js";

const EPISODE = 5;
const MARK = 100;

const taggedSpec: TaskSpec = {
  name: "Tagged-v0",
  description: "goal tensors served out of the usual order: desired_goal, observation, achieved_goal",
  observations: [unboundedSpec("desired_goal", [2]), unboundedSpec("observation", [3]), unboundedSpec("achieved_goal", [2])],
  action: boundedSpec("action", [2], -1, 1),
  hasReward: true,
  goalConditioned: true,
  blackBox: false,
  maxEpisodeSteps: EPISODE,
  controlDt: 0.1,
  infoKeys: [],
  makeOptions: [],
  resetOptions: [],
};

class TaggedTask implements Task {
  readonly spec = taggedSpec;
  readonly out = newTaskStep(taggedSpec);
  private x = 0;
  private y = 0;
  private t = 0;
  private goal = [0, 0];

  reset(seed: number | undefined): void {
    const s = seed ?? 0;
    [this.x, this.y, this.t] = [0, 0, 0];
    this.goal = [5 + (s % 7), 5 + (s % 3)];
    this.out.status = StepStatus.RUNNING;
    this.out.reward = 0;
    this.out.isSuccess = false;
    this.write();
  }

  step(action: Float32Array): void {
    this.t++;
    this.x += 0.1 + 0.1 * action[0]!;
    this.y += -0.1 + 0.1 * action[1]!;
    this.write();
    this.out.reward = this.computeReward([this.x, this.y], this.goal);
    this.out.isSuccess = this.out.reward === 0;
    this.out.status = this.t >= EPISODE ? StepStatus.TRUNCATED : StepStatus.RUNNING;
  }

  computeReward(achieved: ArrayLike<number>, desired: ArrayLike<number>): number {
    return Math.hypot(achieved[0]! - desired[0]!, achieved[1]! - desired[1]!) < 0.05 ? 0 : -1;
  }

  close(): void {}

  private write(): void {
    const [desired, observation, achieved] = this.out.observations as [Float32Array, Float32Array, Float32Array];
    desired.set(this.goal);
    observation.set([this.x, this.y, MARK + this.t]);
    achieved.set([this.x, this.y]);
  }
}

const tagged: TaskFactory = { name: "Tagged-v0", spec: () => taggedSpec, create: async () => new TaggedTask() };

const localTagged = (envs: number) => LocalVectorEnv.make(new TaskRegistry([tagged]), "Tagged-v0", envs);

// ---- what a right tensor looks like ----

/** An observation [x, y, 100 + t]: the marker says it is one. */
function assertObservation(o: ArrayLike<number>, what: string): number {
  const t = o[2]! - MARK;
  assert.ok(Number.isInteger(t) && t >= 0 && t <= EPISODE, `${what}: [${Array.from(o)}] is not an observation`);
  return t;
}

/** A desired goal the env sampled: both elements ≥ 5. */
function isEnvGoal(g: ArrayLike<number>): boolean {
  return g[0]! >= 5 && g[1]! >= 5;
}

/** An achieved goal: within 0.2·EPISODE of the origin. */
function isAchieved(g: ArrayLike<number>): boolean {
  return Math.abs(g[0]!) <= 0.2 * EPISODE + 1e-6 && Math.abs(g[1]!) <= 0.2 * EPISODE + 1e-6;
}

const rowOf = (a: Float32Array, size: number, i: number) => a.subarray(i * size, (i + 1) * size);

/** Every row of a RewardBatch has each tensor where it belongs. */
function assertRewardBatch(b: RewardBatch, rows: number, what: string): { envGoals: number; reachedGoals: number } {
  let envGoals = 0;
  let reachedGoals = 0;
  for (let i = 0; i < rows; i++) {
    assertObservation(rowOf(b.obs!, 3, i), `${what} obs row ${i}`);
    assertObservation(rowOf(b.nextObs!, 3, i), `${what} nextObs row ${i}`);
    assert.ok(isAchieved(rowOf(b.achievedGoal, 2, i)), `${what} achievedGoal row ${i}: [${Array.from(rowOf(b.achievedGoal, 2, i))}]`);
    assert.ok(isAchieved(rowOf(b.nextAchievedGoal!, 2, i)), `${what} nextAchievedGoal row ${i}`);
    // achieved (x, y) is the observation's (x, y)
    assert.deepEqual(Array.from(rowOf(b.nextAchievedGoal!, 2, i)), Array.from(rowOf(b.nextObs!, 3, i).subarray(0, 2)), `${what} row ${i}: achieved goal ≠ position`);
    const g = rowOf(b.desiredGoal, 2, i);
    if (isEnvGoal(g)) envGoals++;
    else if (isAchieved(g)) reachedGoals++;
    else assert.fail(`${what} desiredGoal row ${i}: [${Array.from(g)}] is neither the env's goal nor one reached`);
  }
  return { envGoals, reachedGoals };
}

/** A network input row [x, y, 100 + t, goal x, goal y] (inputs not normalised). */
function assertInputRow(input: Float32Array, i: number, what: string): Float32Array {
  const r = rowOf(input, 5, i);
  assertObservation(r.subarray(0, 3), `${what} input row ${i}`);
  return r.subarray(3);
}

/** An online reward model that learns nothing and records everything it is fed and asked (copies). */
class RecordingReward implements OnlineRewardModel {
  readonly name = "recording";
  readonly isLearned = true;
  readonly ready = false;
  readonly rounds = 0;
  readonly lastRoundLoss = Number.NaN;
  readonly scored: Array<{ batch: RewardBatch; rows: number }> = [];
  readonly real: RewardBatch[] = [];
  readonly achieved: RewardBatch[] = [];
  readonly negatives: HerSample[] = [];
  rewards(batch: RewardBatch, out: Float32Array): void {
    this.scored.push({ batch: copyBatch(batch), rows: out.length });
    out.fill(-1);
  }
  addReal(batch: RewardBatch): void {
    this.real.push(copyBatch(batch));
  }
  addAchievedPositives(batch: RewardBatch): void {
    this.achieved.push(copyBatch(batch));
  }
  addRelabelledNegatives(sample: HerSample): void {
    this.negatives.push({ ...copyBatch(sample), reward: sample.reward.slice(), terminated: sample.terminated.slice(), relabelled: sample.relabelled.slice() } as HerSample);
  }
  maybeTrain() {
    return { trained: false, loss: Number.NaN };
  }
  checkpointContents() {
    return { networks: {} };
  }
  restoreMeta(): void {}
  serializeStorage(): Uint8Array {
    return new Uint8Array(0);
  }
  restoreStorage(): void {}
}

function copyBatch(b: RewardBatch): RewardBatch & Required<Pick<RewardBatch, "obs" | "nextObs" | "nextAchievedGoal" | "action">> {
  return {
    achievedGoal: b.achievedGoal.slice(),
    desiredGoal: b.desiredGoal.slice(),
    obs: b.obs!.slice(),
    action: b.action!.slice(),
    nextObs: b.nextObs!.slice(),
    nextAchievedGoal: b.nextAchievedGoal!.slice(),
  };
}

// ---- the layout ----

test("the layout finds observation, achieved_goal and desired_goal by name, in any order", () => {
  const l = ObservationLayout.of(taggedSpec);
  assert.deepEqual([l.observationIndex, l.achievedGoalIndex, l.desiredGoalIndex, l.obsSize, l.goalSize], [1, 2, 0, 3, 2]);
  const tensors = ["dg", "obs", "ag"];
  assert.deepEqual([l.observation(tensors), l.achievedGoal(tensors), l.desiredGoal(tensors), l.goal(tensors)], ["obs", "ag", "dg", "dg"]);
  const encoder = new InputEncoder(taggedSpec, false);
  assert.deepEqual([encoder.obsDim, encoder.goalDim, encoder.inputDim], [3, 2, 5]);
  // Tasks without goals: the tensor named observation, or the only one.
  const plain = (names: string[]): TaskSpec => ({ ...taggedSpec, goalConditioned: false, observations: names.map((n) => unboundedSpec(n, [n.length])) });
  assert.equal(ObservationLayout.of(plain(["extra", "observation"])).observationIndex, 1);
  assert.equal(ObservationLayout.of(plain(["pixels"])).obsSize, 6);
  assert.throws(() => ObservationLayout.of(plain(["a", "b"])), /expected an observation tensor named 'observation' \(or a single tensor\), but it has 'a', 'b'/);
  assert.throws(() => ObservationLayout.of(plain(["observation"])).achievedGoal(["x"]), /not goal-conditioned/);
});

test("a goal-conditioned spec without the three names is refused, naming what it has", () => {
  const spec = (names: string[], sizes = names.map(() => 2)): TaskSpec => ({ ...taggedSpec, observations: names.map((n, i) => unboundedSpec(n, [sizes[i]!])) });
  assert.throws(
    () => ObservationLayout.of(spec(["desired_goal", "observation", "goal"])),
    (e: unknown) => e instanceof Error && e.message.includes("'achieved_goal' is missing: it has 'desired_goal', 'observation', 'goal'"),
  );
  assert.throws(() => new InputEncoder(spec(["state", "achieved", "desired"]), true), /'observation' and 'achieved_goal' and 'desired_goal' are missing: it has 'state', 'achieved', 'desired'/);
  assert.throws(() => new InputEncoder(spec([]), true), /are missing: it has none/);
  assert.throws(() => ObservationLayout.of(spec(["observation", "achieved_goal", "desired_goal"], [3, 2, 3])), /'achieved_goal' has 2 elements but 'desired_goal' has 3/);
  assert.throws(() => ObservationLayout.of(spec(["observation", "achieved_goal", "desired_goal", "desired_goal"])), /two observation tensors are named 'desired_goal'/);
});

// ---- the training core on Tagged-v0 ----

test("TD3-shaped training on reordered tensors: inputs, HER goals and GAHIL's feed all use the right tensors", async () => {
  const env = await localTagged(2);
  try {
    const spec = env.spec;
    const encoder = new InputEncoder(spec, false);
    const agent = new RecordingAgent(encoder.inputDim, 2);
    const reward = new RecordingReward();
    const rng = new Rng(3);
    const schedule = { batchSize: 16, bufferSize: 1000, learningStarts: 10, updatesPerStep: 1, her: true, herK: 4, ...ONE_STEP_CREDIT };
    const learner = new OffPolicyLearner(spec, agent, encoder, schedule, rng, 2, reward, reward);
    const trainer = new Trainer(spec, agent, encoder, learner, { steps: 40, envs: 2, evalEvery: 0, evalEpisodes: 1, logEvery: 1000 }, rng, reward);
    await trainer.train(env, { metric: () => undefined });

    // The network input: [observation, desired goal], and the goal is the env's.
    assert.ok(agent.inputs.length > 0);
    for (const [k, input] of agent.inputs.entries()) {
      for (let i = 0; i < input.length / 5; i++) assert.ok(isEnvGoal(assertInputRow(input, i, `act ${k}`)), `act ${k} row ${i}: the input's goal is not the desired goal`);
    }
    // HER: the reward model judges achieved goals against the env's goals or goals reached later in the episode.
    let envGoals = 0;
    let reachedGoals = 0;
    for (const [k, s] of reward.scored.entries()) {
      const c = assertRewardBatch(s.batch, s.rows, `HER sample ${k}`);
      envGoals += c.envGoals;
      reachedGoals += c.reachedGoals;
      for (let i = 0; i < s.rows; i++) {
        const g = rowOf(s.batch.desiredGoal, 2, i);
        if (!isAchieved(g)) continue;
        // FUTURE: a goal reached at or after this step; x never decreases and y never increases here.
        const next = rowOf(s.batch.nextObs!, 3, i);
        assert.ok(g[0]! >= next[0]! - 1e-6 && g[1]! <= next[1]! + 1e-6, `HER sample ${k} row ${i}: goal [${Array.from(g)}] was not reached after [${Array.from(next)}]`);
      }
    }
    assert.ok(envGoals > 0 && reachedGoals > 0, `real ${envGoals}, relabelled ${reachedGoals}`);
    // The agent learns on inputs built from the same tensors: relabelled rows carry reached goals.
    let relabelledInputs = 0;
    for (const [k, b] of agent.batches.entries()) {
      for (let i = 0; i < b.rows; i++) {
        const g = assertInputRow(b.obs, i, `batch ${k} obs`);
        const ng = assertInputRow(b.nextObs, i, `batch ${k} nextObs`);
        assert.deepEqual(Array.from(ng), Array.from(g), "obs and nextObs are encoded with the same goal");
        if (isAchieved(g)) relabelledInputs++;
        else assert.ok(isEnvGoal(g));
      }
    }
    assert.ok(agent.batches.length > 0 && relabelledInputs > 0);
    // GAHIL's feed (feedLived): lived transitions under their own goals.
    assert.equal(reward.real.length, 20);
    for (const [k, b] of reward.real.entries()) assert.equal(assertRewardBatch(b, 2, `lived ${k}`).envGoals, 2);
    // (the model itself relabels these with their nextAchievedGoal, which must be the achieved goal)
    assert.equal(reward.achieved.length, 20);
    for (const [k, b] of reward.achieved.entries()) assertRewardBatch(b, 2, `achieved ${k}`);
    for (const [k, s] of reward.negatives.entries()) assertRewardBatch(s, s.relabelled.length, `negatives ${k}`);
  } finally {
    await env.close();
  }
});

test("feedLived picks the tensors by the layout it is given", () => {
  const layout = ObservationLayout.of(taggedSpec);
  const reward = new RecordingReward();
  const obs = [Float32Array.of(6, 7), Float32Array.of(0.1, -0.1, MARK + 1), Float32Array.of(0.1, -0.1)];
  const next = [Float32Array.of(6, 7), Float32Array.of(0.2, -0.2, MARK + 2), Float32Array.of(0.2, -0.2)];
  feedLived(reward, layout, obs, Float32Array.of(0, 0), next, Uint8Array.of(0));
  const b = reward.real[0]!;
  assert.deepEqual(
    [b.obs!, b.achievedGoal, b.desiredGoal, b.nextObs!, b.nextAchievedGoal!].map((a) => Array.from(a)),
    [Array.from(obs[1]!), Array.from(obs[2]!), [6, 7], Array.from(next[1]!), Array.from(next[2]!)],
  );
});

/** A PPO-shaped agent: zero actions, V = 0, log π = 0; records the minibatches it learns from. */
class RecordingPpo implements OnPolicyAgent {
  readonly name = "recording-ppo";
  readonly kind = "on-policy";
  readonly inputDim = 5;
  readonly actDim = 2;
  readonly schedule = { rolloutSteps: EPISODE * 2, gamma: 0.9, gaeLambda: 0.9, scaleRewards: false, minibatches: 1 };
  readonly learned: RolloutMinibatch[] = [];
  act(_input: Float32Array, rows: number): ActResult {
    return { actions: new Float32Array(rows * 2), extras: { logProb: new Float32Array(rows), value: new Float32Array(rows) } };
  }
  value(_input: Float32Array, rows: number): Float32Array {
    return new Float32Array(rows);
  }
  logProb(_input: Float32Array, _action: Float32Array, rows: number): Float32Array {
    return new Float32Array(rows);
  }
  learn(minibatches: () => Iterable<RolloutMinibatch>): Record<string, number> {
    for (const mb of minibatches()) this.learned.push({ ...mb, input: mb.input.slice() });
    return {};
  }
  checkpointContents() {
    return { networks: {} };
  }
  restoreMeta(): void {}
  dispose(): void {}
}

test("on-policy rollouts on reordered tensors: the reward model and relabelling with sampled goals see the right tensors", async () => {
  const env = await localTagged(2);
  try {
    const encoder = new InputEncoder(env.spec, false);
    const agent = new RecordingPpo();
    const reward = new RecordingReward();
    const rng = new Rng(5);
    const learner = new OnPolicyLearner(env.spec, agent, encoder, rng, 2, reward, reward, { her: "sampled", herK: 1 });
    // withholdReward: the rewards come from the model, which scores the stored tensors.
    const collector = new Collector(env, agent, encoder, { rng, withholdReward: true });
    for (let t = 0; t < agent.schedule.rolloutSteps; t++) {
      const step = (await collector.collect()) as CollectedStep;
      learner.observe(step);
      learner.train(2 * (t + 1), 100);
    }
    assert.ok(reward.scored.length >= 2, "the rollout and the relabelled copies were scored");
    for (const [k, s] of reward.scored.entries()) assert.equal(assertRewardBatch(s.batch, s.rows, `rollout scoring ${k}`).reachedGoals, 0, "PPO relabels with env-sampled goals only");
    assert.equal(agent.learned.length, 1);
    const mb = agent.learned[0]!;
    assert.equal(mb.rows, 2 * agent.schedule.rolloutSteps * 2, "the real lanes and one relabelled copy each");
    for (let i = 0; i < mb.rows; i++) assert.ok(isEnvGoal(assertInputRow(mb.input, i, "minibatch")), `minibatch row ${i}`);
  } finally {
    await env.close();
  }
});

test("the reward probe scores the right tensors", async () => {
  const env = await localTagged(1);
  try {
    const reward = new RecordingReward();
    const q = await probeRewardModel(env, (_obs, rows) => new Float32Array(rows * 2), reward, (a, d) => new TaggedTask().computeReward(a, d), { episodes: 2, relabels: 2, seed: 1 });
    assert.equal(q.transitions, 2 * EPISODE * 3);
    const c = assertRewardBatch(reward.scored[0]!.batch, q.transitions, "probe");
    assert.deepEqual([c.envGoals, c.reachedGoals], [2 * EPISODE, 2 * EPISODE * 2]);
  } finally {
    await env.close();
  }
});

test("over gRPC the names survive: the collector's input from a remote Tagged-v0 is [observation, desired_goal]", async () => {
  const server = await startServer({ registry: new TaskRegistry([tagged]), port: 0 });
  let env: VectorEnv | undefined;
  try {
    env = await RemoteVectorEnv.connect(server.address, "Tagged-v0", 2);
    assert.deepEqual(env.spec.observations.map((o) => o.name), ["desired_goal", "observation", "achieved_goal"]);
    const encoder = new InputEncoder(env.spec, false);
    const collector = new Collector(env, new RecordingAgent(5, 2), encoder, { rng: new Rng(1), withholdReward: false });
    for (let t = 0; t < 3; t++) {
      const step = (await collector.collect()) as CollectedStep;
      for (let i = 0; i < 2; i++) {
        assert.ok(isEnvGoal(assertInputRow(step.input, i, `remote step ${t}`)));
        assert.equal(assertObservation(rowOf(step.input, 5, i), "input"), t);
      }
    }
  } finally {
    await env?.close();
    await server.close();
  }
});
