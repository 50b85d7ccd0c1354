// The collector: actions in, transitions out, resets of ended envs, per-env
// agent state, episode records, the black-box rule and reconnection; the
// loop's early stop and time split.
import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinRegistry } from "../../sims/catalog.js";
import { Code, SimbridgeError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { LocalVectorEnv } from "../../src/env/local-vector-env.js";
import { StepStatus } from "../../src/env/task.js";
import type { VectorEnv } from "../../src/env/vector-env.js";
import type { ActMode, ActResult, Agent } from "../../src/algos/agent.js";
import { Collector, type EpisodeRecord } from "../../src/train/collector.js";
import { InputEncoder } from "../../src/train/input-encoder.js";
import { evaluate } from "../../src/train/evaluate.js";
import { Trainer } from "../../src/train/trainer.js";
import type { Learner } from "../../src/train/learner.js";

/** An agent that counts its steps per episode in its per-env state and reports the count as an extra. */
class CountingAgent implements Agent<{ steps: number; id: number }> {
  readonly name = "counting";
  readonly kind = "off-policy";
  readonly actDim = 2;
  readonly ended: Array<{ steps: number; id: number }> = [];
  private nextId = 0;
  constructor(readonly inputDim: number) {}
  initialState() {
    return { steps: 0, id: this.nextId++ };
  }
  endEpisode(state: { steps: number; id: number }): void {
    this.ended.push({ ...state });
  }
  act(input: Float32Array, rows: number, _mode: ActMode, states?: Array<{ steps: number; id: number }>): ActResult {
    assert.equal(input.length, rows * this.inputDim);
    assert.equal(states?.length, rows);
    const count = new Float32Array(rows);
    states!.forEach((s, i) => (count[i] = ++s.steps));
    return { actions: new Float32Array(rows * 2).fill(0.5), extras: { count } };
  }
  checkpointContents() {
    return { networks: {}, optimizers: {} };
  }
  restoreMeta(): void {}
  dispose(): void {}
}

async function pointReach(envs: number, steps: number, registry = builtinRegistry()) {
  return LocalVectorEnv.make(registry, "PointReach-v0", envs, { max_episode_steps: steps });
}

test("steps every env, hands out transitions with extras, resets ended envs and keeps per-env agent state", async () => {
  const env = await pointReach(2, 3);
  const encoder = new InputEncoder(env.spec, false);
  const agent = new CountingAgent(encoder.inputDim);
  const episodes: EpisodeRecord[] = [];
  const c = new Collector(env, agent, encoder, { rng: new Rng(1), withholdReward: false, onEpisode: (e) => episodes.push(e) });
  const first = await c.collect();
  assert.equal(first.kind, "step");
  if (first.kind !== "step") return;
  assert.deepEqual(Array.from(first.extras["count"]!), [1, 1]);
  assert.deepEqual(Array.from(first.status), [StepStatus.RUNNING, StepStatus.RUNNING]);
  assert.ok(first.reward, "a white-box env's reward is handed out");
  // The next observation is where the point moved to: 0.5 × max speed 0.1 along both axes.
  assert.ok(Math.abs(first.nextObs[0]![0]! - first.obs[0]![0]! - 0.05) < 1e-6);
  let last = first;
  for (let t = 1; t < 3; t++) {
    const s = await c.collect();
    assert.equal(s.kind, "step");
    if (s.kind === "step") last = s;
  }
  assert.deepEqual(Array.from(last.status), [StepStatus.TRUNCATED, StepStatus.TRUNCATED]);
  assert.deepEqual(Array.from(last.extras["count"]!), [3, 3]);
  assert.equal(c.steps, 6);
  assert.equal(episodes.length, 2);
  assert.deepEqual(
    episodes.map((e) => [e.step, e.episode, e.length]),
    [
      [6, 1, 3],
      [6, 2, 3],
    ],
  );
  // Both states were ended with their 3 steps; new episodes start from fresh states.
  assert.deepEqual(agent.ended.map((s) => s.steps), [3, 3]);
  const next = await c.collect();
  if (next.kind !== "step") assert.fail("expected a step");
  assert.deepEqual(Array.from(next.extras["count"]!), [1, 1]);
  // The ended envs were reset: their observations now differ from the final ones handed out.
  assert.notDeepEqual(Array.from(next.obs[0]!), Array.from(last.nextObs[0]!));
  await env.close();
});

test("the black-box rule: with a learned reward no env reward leaves the collector, not even in episode records", async () => {
  const env = await pointReach(1, 2);
  const encoder = new InputEncoder(env.spec, false);
  const episodes: EpisodeRecord[] = [];
  const c = new Collector(env, new CountingAgent(encoder.inputDim), encoder, { rng: new Rng(2), withholdReward: true, onEpisode: (e) => episodes.push(e) });
  for (let t = 0; t < 2; t++) {
    const s = await c.collect();
    if (s.kind !== "step") assert.fail("expected a step");
    assert.equal(s.reward, undefined);
  }
  assert.equal(episodes.length, 1);
  assert.equal(episodes[0]!.return, null);
  await env.close();
});

test("random actions come from the shared Rng, uniform in [−1, 1], without asking the agent", async () => {
  const env = await pointReach(3, 5);
  const encoder = new InputEncoder(env.spec, false);
  const agent = new CountingAgent(encoder.inputDim);
  const c = new Collector(env, agent, encoder, { rng: new Rng(3), withholdReward: false });
  const s = await c.collect(true);
  if (s.kind !== "step") assert.fail("expected a step");
  assert.deepEqual(s.extras, {});
  assert.ok(s.actions.every((a) => a >= -1 && a <= 1));
  assert.equal(new Set(s.actions).size, 6);
  await env.close();
});

test("a lost server that came back (ABORTED) cuts the episodes in flight and resets every env", async () => {
  const inner = await pointReach(2, 10);
  let failNext = false;
  const flaky: VectorEnv = {
    spec: inner.spec,
    numEnvs: inner.numEnvs,
    reset: (entries) => inner.reset(entries),
    step: (actions, indices) => {
      if (failNext) {
        failNext = false;
        return Promise.reject(new SimbridgeError(Code.ABORTED, "server restarted; envs re-created"));
      }
      return inner.step(actions, indices);
    },
    close: () => inner.close(),
  };
  const encoder = new InputEncoder(inner.spec, false);
  const agent = new CountingAgent(encoder.inputDim);
  const c = new Collector(flaky, agent, encoder, { rng: new Rng(4), withholdReward: false });
  await c.collect();
  await c.collect();
  const before = c.observations.map((o) => o.slice());
  failNext = true;
  const cut = await c.collect();
  assert.equal(cut.kind, "cut");
  if (cut.kind !== "cut") return;
  assert.match(cut.message, /server restarted/);
  assert.deepEqual(cut.obs.map((o) => Array.from(o)), before.map((o) => Array.from(o)), "the cut carries the last observations");
  assert.equal(c.steps, 4, "a cut collects no step");
  // The agent acted three times (the third step never happened) and heard both episodes end.
  assert.deepEqual(agent.ended.map((s) => s.steps), [3, 3]);
  const after = await c.collect();
  if (after.kind !== "step") assert.fail("expected a step");
  assert.deepEqual(Array.from(after.extras["count"]!), [1, 1], "fresh episodes after the cut");
  await inner.close();
});

test("evaluation keeps per-env agent state too: one state per env slot, fresh at every episode", async () => {
  const env = await pointReach(3, 4);
  const encoder = new InputEncoder(env.spec, false);
  const agent = new CountingAgent(encoder.inputDim);
  const trainer = new Trainer(env.spec, agent, encoder, undefined, { steps: 0, envs: 3, evalEvery: 0, evalEpisodes: 0, logEvery: 1 }, new Rng(5), undefined);
  const r = await evaluate(env, trainer.policy(), 7, 100);
  assert.equal(r.episodes, 7);
  // 7 episodes in 3 slots: the 4 restarts ended the states before them, each after its episode's 4 steps.
  assert.deepEqual(agent.ended.map((s) => s.steps), [4, 4, 4, 4]);
  assert.equal(new Set(agent.ended.map((s) => s.id)).size, 4, "one state per episode");
  await env.close();
});

test("episode records list a hierarchical agent's subgoal targets: each distinct extras.subgoal_target in order", async () => {
  const env = await pointReach(2, 5);
  const encoder = new InputEncoder(env.spec, false);
  // Env 0 changes its target every 2 steps; env 1 keeps one target all episode.
  class SubgoalAgent extends CountingAgent {
    override act(input: Float32Array, rows: number, mode: ActMode, states?: Array<{ steps: number; id: number }>): ActResult {
      const acted = super.act(input, rows, mode, states);
      const count = acted.extras!["count"]!;
      const subgoal_target = Float32Array.from([Math.ceil(count[0]! / 2), 0.12345, 7, 7]);
      return { ...acted, extras: { ...acted.extras, subgoal_target } };
    }
  }
  const episodes: EpisodeRecord[] = [];
  const c = new Collector(env, new SubgoalAgent(encoder.inputDim), encoder, { rng: new Rng(1), withholdReward: false, onEpisode: (e) => episodes.push(e) });
  for (let i = 0; i < 5; i++) await c.collect();
  assert.equal(episodes.length, 2);
  assert.deepEqual(episodes[0]!.subgoals, [[1, 0.123], [2, 0.123], [3, 0.123]]);
  assert.deepEqual(episodes[1]!.subgoals, [[7, 7]]);
  // The next episodes start with empty lists.
  for (let i = 0; i < 5; i++) await c.collect();
  assert.deepEqual(episodes[2]!.subgoals, [[1, 0.123], [2, 0.123], [3, 0.123]]);
  await env.close();
});

/** `inner`, recording the annotations of every step in `sent`. */
function recordingAnnotations(inner: VectorEnv): { recording: VectorEnv; sent: Array<Readonly<Record<string, Float32Array>> | undefined> } {
  const sent: Array<Readonly<Record<string, Float32Array>> | undefined> = [];
  const recording: VectorEnv = {
    spec: inner.spec,
    numEnvs: inner.numEnvs,
    reset: (entries) => inner.reset(entries),
    step: (actions, indices, annotations) => {
      sent.push(annotations);
      return inner.step(actions, indices, annotations);
    },
    close: () => inner.close(),
  };
  return { recording, sent };
}

test("a hierarchical agent's extras.subgoal_target reaches the env as the step's annotation subgoal_target; none without it, none when unfit", async () => {
  const inner = await pointReach(2, 50);
  const { recording, sent } = recordingAnnotations(inner);
  const encoder = new InputEncoder(inner.spec, false);
  let target = Float32Array.from([1.5, -2, 3, 4.25]);
  class SubgoalAgent extends CountingAgent {
    override act(input: Float32Array, rows: number, mode: ActMode, states?: Array<{ steps: number; id: number }>): ActResult {
      const acted = super.act(input, rows, mode, states);
      return { ...acted, extras: { ...acted.extras, subgoal_target: target } };
    }
  }
  const c = new Collector(recording, new SubgoalAgent(encoder.inputDim), encoder, { rng: new Rng(6), withholdReward: false });
  const s = await c.collect();
  if (s.kind !== "step") assert.fail("expected a step");
  assert.deepEqual(Object.keys(sent[0]!), ["subgoal_target"]);
  assert.equal(sent[0]!["subgoal_target"], target, "the agent's extra itself, [envs × 2], no copy");
  assert.equal(s.extras["subgoal_target"], target, "and it stays an extra for storage");
  // Random actions (the warm-up) have no extras, so no annotations.
  await c.collect(true);
  assert.equal(sent[1], undefined);
  // What the server would refuse is left out rather than failing the step: a NaN, a length that is no [envs × k].
  target = Float32Array.from([1, NaN, 3, 4]);
  await c.collect();
  assert.equal(sent[2], undefined);
  target = Float32Array.from([1, 2, 3]);
  await c.collect();
  assert.equal(sent[3], undefined);
  // A flat agent's extras carry no subgoal_target: no annotations.
  const flat = new Collector(recording, new CountingAgent(encoder.inputDim), encoder, { rng: new Rng(7), withholdReward: false });
  await flat.collect();
  assert.equal(sent.at(-1), undefined);
  await inner.close();
});

test("evaluation sends the policy's subgoal targets with each step too (a live view of an evaluation shows the subgoal)", async () => {
  const inner = await pointReach(2, 4);
  const { recording, sent } = recordingAnnotations(inner);
  const encoder = new InputEncoder(inner.spec, false);
  class SubgoalAgent extends CountingAgent {
    override act(input: Float32Array, rows: number, mode: ActMode, states?: Array<{ steps: number; id: number }>): ActResult {
      const acted = super.act(input, rows, mode, states);
      // Each row's target says how many steps its episode has taken.
      const subgoal_target = Float32Array.from({ length: 2 * rows }, (_, i) => acted.extras!["count"]![i >> 1]!);
      return { ...acted, extras: { ...acted.extras, subgoal_target } };
    }
  }
  const withTargets = new Trainer(inner.spec, new SubgoalAgent(encoder.inputDim), encoder, undefined, { steps: 0, envs: 2, evalEvery: 0, evalEpisodes: 0, logEvery: 1 }, new Rng(5), undefined);
  const r = await evaluate(recording, withTargets.policy(), 2, 100);
  assert.equal(r.episodes, 2);
  assert.equal(sent.length, 4, "2 envs, 4 steps each, stepped together");
  sent.forEach((a, t) => assert.deepEqual(Array.from(a!["subgoal_target"]!), [t + 1, t + 1, t + 1, t + 1]));
  // A flat agent's policy has none.
  sent.length = 0;
  const flat = new Trainer(inner.spec, new CountingAgent(encoder.inputDim), encoder, undefined, { steps: 0, envs: 2, evalEvery: 0, evalEpisodes: 0, logEvery: 1 }, new Rng(5), undefined);
  await evaluate(recording, flat.policy(), 2, 100);
  assert.ok(sent.length > 0 && sent.every((a) => a === undefined));
  await inner.close();
});

/** A learner that stores nothing and never learns: the loop alone is under test. */
function idleLearner(agent: Agent): Learner {
  return {
    agent,
    randomActions: () => false,
    observe: () => undefined,
    cut: () => undefined,
    train: () => undefined,
    stats: () => ({}),
    state: () => ({}),
    serializeStorage: () => undefined,
    restore: () => undefined,
  };
}

/** `inner` with every step reported as a success (`success` 1) or as none (0). */
function withSuccess(inner: VectorEnv, success: 0 | 1): VectorEnv {
  return {
    spec: inner.spec,
    numEnvs: inner.numEnvs,
    reset: (entries) => inner.reset(entries),
    step: async (actions, indices, annotations) => ({ ...(await inner.step(actions, indices, annotations)), isSuccess: new Uint8Array(indices?.length ?? inner.numEnvs).fill(success) }),
    close: () => inner.close(),
  };
}

test("the loop stops once two evaluations in a row reach stopAtSuccess, not before; it splits its time into env, acting, learning and evaluation", async () => {
  const env = await pointReach(2, 5);
  const encoder = new InputEncoder(env.spec, false);
  const agent = new CountingAgent(encoder.inputDim);
  const config = { steps: 400, envs: 2, evalEvery: 20, evalEpisodes: 4, logEvery: 20, stopAtSuccess: 0.9 };
  const records: Array<Record<string, unknown>> = [];
  const hooks = { metric: (r: Record<string, unknown>) => void records.push(r) };
  const succeeding = await pointReach(2, 5);
  const trainer = new Trainer(env.spec, agent, encoder, idleLearner(agent), config, new Rng(5), undefined);
  assert.deepEqual(await trainer.train(env, hooks, withSuccess(succeeding, 1)), { stoppedEarly: true });
  assert.equal(trainer.currentStep, 40, "stopped at the second evaluation");
  assert.deepEqual(records.filter((r) => r["kind"] === "stop").map((r) => r["step"]), [40]);
  const split = trainer.timeSplit;
  for (const part of ["env", "act", "eval"] as const) assert.ok(split[part] > 0, `${part} time ${split[part]}`);
  assert.ok(split.learn >= 0);
  const logged = records.find((r) => r["kind"] === "train")!;
  for (const k of ["env_s", "act_s", "learn_s", "eval_s"]) assert.equal(typeof logged[k], "number", k);

  // An evaluation that never succeeds: the run goes to the end.
  const failing = await pointReach(2, 5);
  const again = new Trainer(env.spec, agent, encoder, idleLearner(agent), { ...config, steps: 100 }, new Rng(5), undefined);
  assert.deepEqual(await again.train(env, hooks, withSuccess(failing, 0)), { stoppedEarly: false });
  assert.equal(again.currentStep, 100);
  for (const e of [env, succeeding, failing]) await e.close();
});
