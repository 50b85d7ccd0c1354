// DIAYN: the skill reward and the policy's input checked by hand, acting with
// a skill per env, one update end to end, the learner's refusals, a checkpoint
// round trip, and the coverage count of the skills report.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/nn/backend.js";
import { Rng } from "../../src/core/rng.js";
import { StepStatus } from "../../src/env/task.js";
import { pointReachV0 } from "../../sims/point/point-reach-v0.js";
import { InputEncoder } from "../../src/train/input-encoder.js";
import { TRAIN_DEFAULTS } from "../../src/train/train-run.js";
import type { CollectedStep } from "../../src/train/collector.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/nn/save-load.js";
import { Diayn, DIAYN_ARGS, DiaynLearner, skillReward, withSkill, type DiaynArgs } from "../../src/algos/diayn.js";
import { cellsVisited } from "../../src/train/skills-report.js";

await selectBackend("wasm");

const close = (a: ArrayLike<number>, b: ArrayLike<number>, eps = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < eps, `[${i}] ${a[i]} vs ${b[i]}`);
};

/** PointReach-v0's shape (observation 4, goal 2, action 2), small networks. */
const small = (args: Partial<DiaynArgs> = {}) => new Diayn({ inputDim: 6, actDim: 2, goalDim: 2, seed: 3 }, { ...DIAYN_ARGS, hidden: [16, 16], discriminatorHidden: [16, 16], ...args });

test("skillReward = log softmax(q)_z + log K, by hand", () => {
  // K = 2: equal logits are chance (0); logits (ln 3, 0) give q = (3/4, 1/4).
  close(skillReward([0, 0, Math.log(3), 0, Math.log(3), 0], [1, 0, 1], 2), [0, Math.log(0.75 * 2), Math.log(0.25 * 2)]);
  // K = 3, shifted logits (the max-shift must not matter): q = (1, 2, 5)/8 for z = 2.
  close(skillReward([100 + Math.log(1), 100 + Math.log(2), 100 + Math.log(5)], [2], 3), [Math.log((5 / 8) * 3)]);
});

test("withSkill writes [s, one-hot z] per row", () => {
  assert.deepEqual([...withSkill([1, 2, 3, 4], 2, [2, 0], 3)], [1, 2, 0, 0, 1, 3, 4, 1, 0, 0]);
});

test("act: each row acts with its state's skill (extras.skill), ignores the goal, and skills change the action", () => {
  const d = small({ skills: 4 });
  try {
    const input = Float32Array.from([0.1, -0.2, 0, 0, 0.5, 0.5, 0.1, -0.2, 0, 0, -0.9, 0.3]);
    const r = d.act(input, 2, "deterministic", [{ skill: 1 }, { skill: 3 }]);
    assert.deepEqual([...r.extras!["skill"]!], [1, 3]);
    // Same state, other goal: the same action (DIAYN reads no goal); other skill: another action.
    const a = d.act(input, 2, "deterministic", [{ skill: 1 }, { skill: 1 }]).actions;
    close(a.subarray(0, 2), a.subarray(2, 4));
    assert.notDeepEqual([...r.actions.subarray(0, 2)], [...r.actions.subarray(2, 4)]);
    // Fresh states draw every skill.
    const seen = new Set(Array.from({ length: 200 }, () => d.initialState().skill));
    assert.deepEqual([...seen].sort(), [0, 1, 2, 3]);
    assert.throws(() => small({ skills: 1 }), /skills must be an integer ≥ 2/);
    assert.throws(() => small({ discriminatorDims: 5 }), /discriminatorDims must be an integer in \[1, 4\]/);
  } finally {
    d.dispose();
  }
});

/** A DIAYN learner on PointReach-v0's spec with raw inputs, learning from step 0 on batches of 8. */
async function learner(d: Diayn, overrides: Partial<typeof TRAIN_DEFAULTS> = {}) {
  const task = await pointReachV0.create({});
  const encoder = new InputEncoder(task.spec, false);
  task.close();
  const schedule = { ...TRAIN_DEFAULTS, batchSize: 8, learningStarts: 0, ...overrides };
  return { encoder, learner: new DiaynLearner(d, { spec: encoder.spec, encoder, schedule, rng: new Rng(9), envs: 2, rewardModel: undefined, onlineReward: undefined }) };
}

/** A point moved by 0.1 × action, two envs, 10-step episodes, acting with `d`. */
function runSteps(d: Diayn, l: DiaynLearner, steps: number) {
  const states = [d.initialState(), d.initialState()];
  let pos = [0, 0, 0, 0];
  let losses: Record<string, number> | undefined;
  for (let t = 1; t <= steps; t++) {
    const obsOf = (p: number[]) => [Float32Array.from([p[0]!, p[1]!, 0, 0, p[2]!, p[3]!, 0, 0]), Float32Array.from(p), new Float32Array(4)];
    const obs = obsOf(pos);
    const input = Float32Array.from([pos[0]!, pos[1]!, 0, 0, 0, 0, pos[2]!, pos[3]!, 0, 0, 0, 0]);
    const acted = d.act(input, 2, "explore", states);
    const next = pos.map((p, i) => Math.max(-1, Math.min(1, p + 0.1 * acted.actions[i]!)));
    const ended = t % 10 === 0;
    const step: CollectedStep = {
      kind: "step", envs: 2, obs, input, actions: acted.actions, extras: acted.extras!, randomActions: false, nextObs: obsOf(next),
      reward: undefined, status: Uint8Array.of(ended ? StepStatus.TRUNCATED : StepStatus.RUNNING, ended ? StepStatus.TRUNCATED : StepStatus.RUNNING), isSuccess: new Uint8Array(2),
    };
    l.observe(step);
    losses = l.train(t * 2) ?? losses;
    pos = ended ? [0, 0, 0, 0] : next;
    if (ended) states.splice(0, 2, d.initialState(), d.initialState());
  }
  return losses;
}

test("learner: stores (s, z, a, s'), no reward; updates SAC and the discriminator with finite losses and no tensor leaks", async () => {
  const d = small({ skills: 3 });
  try {
    const { learner: l } = await learner(d);
    assert.equal(l.randomActions(), false, "a uniform action carries no skill");
    runSteps(d, l, 20);
    assert.equal(l.replay.size, 40);
    const before = tf.memory().numTensors;
    const losses = runSteps(d, l, 20)!;
    assert.equal(tf.memory().numTensors, before);
    for (const k of ["critic_loss", "actor_loss", "discriminator_loss", "discriminator_accuracy", "intrinsic_reward", "alpha"]) assert.ok(Number.isFinite(losses[k]), `${k} = ${losses[k]}`);
    close([losses["alpha"]!], [0.1], 1e-6);
    assert.ok(losses["intrinsic_reward"]! <= Math.log(3) + 1e-6);
    assert.deepEqual(l.stats(), { replay_size: 80, skills: 3 });
  } finally {
    d.dispose();
  }
});

test("learner refusals: --her, credit modes, a learned reward, normalised inputs", async () => {
  const d = small();
  try {
    const { encoder } = await learner(d);
    const context = { spec: encoder.spec, encoder, schedule: TRAIN_DEFAULTS, rng: new Rng(1), envs: 1, rewardModel: undefined, onlineReward: undefined };
    assert.throws(() => new DiaynLearner(d, { ...context, schedule: { ...TRAIN_DEFAULTS, her: true } }), /--her does not apply/);
    assert.throws(() => new DiaynLearner(d, { ...context, schedule: { ...TRAIN_DEFAULTS, credit: "nstep" } }), /--credit and --replay/);
    assert.throws(() => new DiaynLearner(d, { ...context, onlineReward: {} as never }), /reads no reward at all/);
    assert.throws(() => new DiaynLearner(d, { ...context, encoder: new InputEncoder(encoder.spec, true) }), /raw network inputs/);
  } finally {
    d.dispose();
  }
});

test("checkpoint round trip: the policy, critics and discriminator act and judge the same after loading", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "diayn-"));
  const d = small({ skills: 3 });
  const copy = new Diayn({ inputDim: 6, actDim: 2, goalDim: 2, seed: 99 }, { ...DIAYN_ARGS, hidden: [16, 16], discriminatorHidden: [16, 16], skills: 3 });
  try {
    const { learner: l } = await learner(d);
    runSteps(d, l, 20);
    await saveCheckpoint(dir, d.checkpointContents());
    const manifest = await loadCheckpoint(dir, copy.checkpointContents());
    copy.restoreMeta(manifest.meta);
    const input = Float32Array.from([0.3, 0.1, 0, 0, 0, 0]);
    close(copy.act(input, 1, "deterministic", [{ skill: 2 }]).actions, d.act(input, 1, "deterministic", [{ skill: 2 }]).actions);
    const obs = Float32Array.from([0.3, 0.1, 0, 0]);
    close(copy.discriminate(obs, 1), d.discriminate(obs, 1));
  } finally {
    d.dispose();
    copy.dispose();
  }
});

test("coverage counts distinct grid cells", () => {
  assert.equal(cellsVisited([[[0.1, 0.1], [0.2, 0.4], [0.6, 0.1]], [[-0.1, 0.1]]], 0.5), 3);
  assert.equal(cellsVisited([], 1), 0);
});
