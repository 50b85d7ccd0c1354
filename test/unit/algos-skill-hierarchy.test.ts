// The skill hierarchy: the double-DQN target and the segment rows (lived and
// hindsight goals) checked by hand, the frozen skills loaded from a DIAYN run
// folder, the learner's segments on a constructed episode, one update, the
// refusals and a checkpoint round trip.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
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
import type { RewardModel } from "../../src/reward/reward-model.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/nn/save-load.js";
import { Diayn, DIAYN_ARGS } from "../../src/algos/diayn.js";
import { makeAgent } from "../../src/algos/registry.js";
import {
  doubleQTargets,
  episodeRows,
  epsilonAt,
  futureSegments,
  SKILL_HIERARCHY_ARGS,
  SkillHierarchy,
  SkillHierarchyLearner,
  type Segment,
  type SkillHierarchyArgs,
} from "../../src/algos/skill-hierarchy.js";

await selectBackend("wasm");

const close = (a: ArrayLike<number>, b: ArrayLike<number>, eps = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < eps, `[${i}] ${a[i]} vs ${b[i]}`);
};

/** −‖achieved − desired‖ per row (PointMaze's dense reward), goals of 2. */
const negDistance = (achieved: Float32Array, desired: Float32Array, out: Float32Array) => {
  for (let i = 0; i < out.length; i++) out[i] = -Math.hypot(achieved[2 * i]! - desired[2 * i]!, achieved[2 * i + 1]! - desired[2 * i + 1]!);
};
const distanceModel: RewardModel = { name: "test", isLearned: false, rewards: (b, out) => negDistance(b.nextAchievedGoal ?? b.achievedGoal, b.desiredGoal, out) };

test("doubleQTargets: the online net picks the next skill, the target net values it, by hand", () => {
  // K = 3. Row 0: online argmax is skill 2, target says 5 there → 1 + 0.9·5 = 5.5.
  // Row 1: online argmax is skill 0 (tie with 1: the lower), target −2 → −1 + 0.9·(−2) = −2.8.
  // Row 2: terminated → the reward alone.
  const y = doubleQTargets([1, -1, 3], [0, 0, 1], [0, 1, 2, 4, 4, 0, 9, 9, 9], [7, 8, 5, -2, 6, 6, 1, 1, 1], 0.9, 3);
  close(y, [5.5, -2.8, 3]);
});

test("epsilonAt is linear from start to end over the decisions, then stays; futureSegments stay at or after their segment", () => {
  close([epsilonAt(0, 1, 0.05, 100), epsilonAt(50, 1, 0.05, 100), epsilonAt(100, 1, 0.05, 100), epsilonAt(1e6, 1, 0.05, 100), epsilonAt(3, 1, 0.05, 0)], [1, 0.525, 0.05, 0.05, 0.05]);
  const f = futureSegments(5, 3, new Rng(1));
  for (let i = 0; i < 5; i++) for (let j = 0; j < 3; j++) assert.ok(f[i * 3 + j]! >= i && f[i * 3 + j]! <= 4, `segment ${i}: ${f[i * 3 + j]}`);
  assert.deepEqual([...futureSegments(3, 2, new Rng(2)).subarray(4)], [2, 2], "the last segment can only name itself");
});

test("episodeRows: the segment transition (s_t, z, scale·Σ r, s_{t+c}) with its lived goal, then a hindsight goal, by hand", () => {
  // Two segments, obs (x, y), goal (8, 8). Segment 0: 2 steps, achieved (1, 0) then (2, 0), ends in (2, 0).
  // Segment 1: 1 step (the episode's end), achieved (2, 3).
  const episode: Segment[] = [
    { obs: Float32Array.of(0, 0), goal: Float32Array.of(8, 8), skill: 4, length: 2, achieved: Float32Array.of(1, 0, 2, 0), nextObs: Float32Array.of(2, 0), terminated: false },
    { obs: Float32Array.of(2, 0), goal: Float32Array.of(8, 8), skill: 1, length: 1, achieved: Float32Array.of(2, 3), nextObs: Float32Array.of(2, 3), terminated: true },
  ];
  // k = 1: segment 0's hindsight goal is segment 1's end (2, 3); segment 1's its own end (2, 3).
  const rows = episodeRows(episode, Int32Array.of(1, 1), 1, negDistance, 0.5);
  assert.equal(rows.rows, 4);
  // Inputs [s, g] and [s', g] per row: lived (8, 8), then (2, 3).
  close(rows.obs, [0, 0, 8, 8, 0, 0, 2, 3, 2, 0, 8, 8, 2, 0, 2, 3]);
  close(rows.nextObs, [2, 0, 8, 8, 2, 0, 2, 3, 2, 3, 8, 8, 2, 3, 2, 3]);
  close(rows.skill, [4, 4, 1, 1]);
  close(rows.terminated, [0, 0, 1, 1]);
  const d = (x: number, y: number, gx: number, gy: number) => -Math.hypot(x - gx, y - gy);
  close(rows.reward, [
    0.5 * (d(1, 0, 8, 8) + d(2, 0, 8, 8)), // lived: −(√113 + √100)/2
    0.5 * (d(1, 0, 2, 3) + d(2, 0, 2, 3)), // hindsight (2, 3): −(√10 + 3)/2
    0.5 * d(2, 3, 8, 8),
    0, // reached: the achieved goal is the goal
  ]);
  assert.equal(episodeRows([], new Int32Array(0), 4, negDistance, 1).rows, 0);
});

/** PointReach-v0's sizes: observation 4, goal 2, actions 2; 3 skills on 16-16 networks. */
const DIAYN_SMALL = { skills: 3, hidden: [16, 16], discriminatorHidden: [16, 16] };

/** A DIAYN run folder as `simbridge train --algo diayn` leaves it (args.json, checkpoint/), from a fresh DIAYN agent. */
async function skillsRun(algo = "diayn", obsDim = 4): Promise<{ dir: string; diayn: Diayn }> {
  const dir = mkdtempSync(path.join(tmpdir(), "skills-run-"));
  const diayn = new Diayn({ inputDim: obsDim + 2, actDim: 2, goalDim: 2, seed: 5 }, { ...DIAYN_ARGS, ...DIAYN_SMALL });
  writeFileSync(path.join(dir, "args.json"), JSON.stringify({ ...TRAIN_DEFAULTS, algo, task: "PointReach-v0", algoArgs: DIAYN_SMALL }));
  mkdirSync(path.join(dir, "checkpoint"));
  await saveCheckpoint(path.join(dir, "checkpoint"), { networks: diayn.checkpointContents().networks, meta: { agent: null } });
  return { dir, diayn };
}

const hierarchy = (skillsRunDir: string, args: Partial<SkillHierarchyArgs> = {}) =>
  new SkillHierarchy({ inputDim: 6, actDim: 2, goalDim: 2, seed: 1 }, { ...SKILL_HIERARCHY_ARGS, skillsRun: skillsRunDir, hidden: [16, 16], ...args });

async function context(overrides: Partial<typeof TRAIN_DEFAULTS> = {}, reward: RewardModel | "none" = distanceModel) {
  const rewardModel = reward === "none" ? undefined : reward;
  const task = await pointReachV0.create({});
  const encoder = new InputEncoder(task.spec, false);
  task.close();
  return { spec: encoder.spec, encoder, schedule: { ...TRAIN_DEFAULTS, batchSize: 4, learningStarts: 0, ...overrides }, rng: new Rng(9), envs: 1, rewardModel, onlineReward: undefined };
}

test("the low level is the DIAYN run's policy, frozen: the same actions for the chosen skill; the high level decides every c steps", async () => {
  const { dir, diayn } = await skillsRun();
  const h = hierarchy(dir, { every: 3, epsilonStart: 0, epsilonEnd: 0, lowActions: "deterministic" });
  try {
    assert.equal(h.k, 3);
    const input = Float32Array.of(0.2, -0.3, 0, 0, 0.5, 0.5);
    const state = h.initialState();
    const first = h.act(input, 1, "explore", [state]);
    const z = first.extras!["skill"]![0]!;
    const greedy = h.qValues(input, 1);
    assert.equal(greedy[z], Math.max(...greedy), "ε = 0: the greedy skill");
    close(first.actions, diayn.act(input, 1, "deterministic", [{ skill: z }]).actions);
    assert.equal(state.stepsLeft, 2);
    state.skill = (z + 1) % 3; // the next two steps keep the state's skill; the fourth decides anew
    assert.equal(h.act(input, 1, "explore", [state]).extras!["skill"]![0], (z + 1) % 3);
    h.act(input, 1, "explore", [state]);
    assert.equal(h.act(input, 1, "explore", [state]).extras!["skill"]![0], z);
    assert.equal(h.decisions, 2);
  } finally {
    h.dispose();
    diayn.dispose();
  }
});

test("refusals: no or a missing skills run, a non-DIAYN run, other sizes; --her, no reward function, a learned reward", async () => {
  const { dir, diayn } = await skillsRun();
  const td3Run = await skillsRun("td3");
  const wider = await skillsRun("diayn", 7);
  diayn.dispose();
  td3Run.diayn.dispose();
  wider.diayn.dispose();
  assert.throws(() => hierarchy(""), /--set skillsRun=DIR/);
  assert.throws(() => hierarchy(path.join(dir, "nowhere")), /is not a run folder \(no args\.json\)/);
  assert.throws(() => hierarchy(td3Run.dir), /is a td3 run; the low level must be skills learned by --algo diayn/);
  assert.throws(() => hierarchy(wider.dir), /trained on PointReach-v0 with 7 observation entries; this task has 4/);
  assert.throws(() => new SkillHierarchy({ inputDim: 6, actDim: 3, goalDim: 2, seed: 1 }, { ...SKILL_HIERARCHY_ARGS, skillsRun: dir }), /with 2 actions; this task has 3/);
  assert.throws(() => hierarchy(dir, { lowActions: "noisy" }), /lowActions is deterministic or sampled/);
  assert.throws(() => makeAgent("skill-hier", { inputDim: 6, actDim: 2, goalDim: 2, seed: 0 }, { skillsRun: dir, every: 0 }), /every must be a positive integer/);
  const h = hierarchy(dir);
  const [her, noReward, plain] = [await context({ her: true }), await context({}, "none"), await context()];
  try {
    assert.throws(() => new SkillHierarchyLearner(h, her), /relabels its own segments with hindsight goals: --her does not apply/);
    assert.throws(() => new SkillHierarchyLearner(h, noReward), /task's reward function: use --reward known/);
    assert.throws(() => new SkillHierarchyLearner(h, { ...plain, onlineReward: {} as never }), /does not support a learned reward \(--reward gahil\)/);
  } finally {
    h.dispose();
  }
});

/** One env on PointReach-v0's layout: the point moves by (0.1, 0) a step; the episode is TRUNCATED after `length` steps. */
function liveEpisode(h: SkillHierarchy, l: SkillHierarchyLearner, length: number, afterStep: (t: number) => void = () => undefined) {
  const goal = [0.5, 0.5];
  const state = h.initialState();
  let x = 0;
  for (let t = 1; t <= length; t++) {
    const obsOf = (px: number) => [Float32Array.of(px, 0, 0, 0), Float32Array.of(px, 0), Float32Array.from(goal)];
    const input = Float32Array.of(x, 0, 0, 0, goal[0]!, goal[1]!);
    const acted = h.act(input, 1, "explore", [state]);
    const step: CollectedStep = {
      kind: "step", envs: 1, obs: obsOf(x), input, actions: acted.actions, extras: acted.extras!, randomActions: false, nextObs: obsOf(x + 0.1),
      reward: undefined, status: Uint8Array.of(t === length ? StepStatus.TRUNCATED : StepStatus.RUNNING), isSuccess: new Uint8Array(1),
    };
    l.observe(step);
    afterStep(t);
    x += 0.1;
  }
}

test("learner: an episode's segments become rows at its end, lived goal by hand, hindsight goals from achieved segment ends", async () => {
  const { dir, diayn } = await skillsRun();
  diayn.dispose();
  const lived = hierarchy(dir, { every: 2, hindsightGoals: 0, rewardScale: 1 });
  const relabelled = hierarchy(dir, { every: 2, hindsightGoals: 2, rewardScale: 1 });
  try {
    const l = new SkillHierarchyLearner(lived, await context());
    assert.equal(l.randomActions(), false);
    liveEpisode(lived, l, 4, (t) => {
      if (t < 4) assert.equal(l.replay.size, 0, "rows wait for the episode's end (hindsight goals come from later segments)");
    });
    assert.equal(l.replay.size, 2, "segments of 2 and 2 steps");
    const b = l.replay.gather([0, 1]);
    // Segment 0: s = (0, 0, 0, 0), achieved x = 0.1 then 0.2, ends at x = 0.2; segment 1 from 0.2 to 0.4.
    close(b.obs, [0, 0, 0, 0, 0.5, 0.5, 0.2, 0, 0, 0, 0.5, 0.5]);
    close(b.nextObs, [0.2, 0, 0, 0, 0.5, 0.5, 0.4, 0, 0, 0, 0.5, 0.5]);
    const r = (x: number) => -Math.hypot(x - 0.5, 0.5);
    close(b.reward, [r(0.1) + r(0.2), r(0.3) + r(0.4)]);
    close(b.terminated, [0, 0]);

    const lr = new SkillHierarchyLearner(relabelled, await context());
    liveEpisode(relabelled, lr, 5);
    assert.equal(lr.replay.size, 3 * 3, "3 segments (2, 2, 1 steps), each with its goal and 2 hindsight goals");
    const all = lr.replay.gather([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const ends = [0.2, 0.4, 0.5];
    for (let seg = 0; seg < 3; seg++) {
      close(all.obs.subarray(seg * 3 * 6 + 4, seg * 3 * 6 + 6), [0.5, 0.5]);
      for (let j = 1; j <= 2; j++) {
        const row = seg * 3 + j;
        const gx = all.obs[row * 6 + 4]!;
        assert.equal(all.obs[row * 6 + 5], 0, "a hindsight goal is an achieved (x, 0)");
        assert.ok(ends.slice(seg).some((e) => Math.abs(e - gx) < 1e-6), `segment ${seg}'s hindsight goal x = ${gx} is the end of it or a later segment`);
      }
    }
    // The last segment's hindsight goals are its own end: reward −0 (reached).
    close(all.reward.subarray(7, 9), [0, 0]);
  } finally {
    lived.dispose();
    relabelled.dispose();
  }
});

test("update: a double-DQN step moves Q(s, z) towards its target, without tensor leaks; checkpoint round trip keeps Q and the counters", async () => {
  const { dir, diayn } = await skillsRun();
  diayn.dispose();
  const h = hierarchy(dir, { every: 2, lr: 1e-2 });
  const again = hierarchy(dir, { every: 2 });
  try {
    const l = new SkillHierarchyLearner(h, await context({ batchSize: 4 }));
    liveEpisode(h, l, 8);
    assert.equal(l.replay.size, 4 * 5);
    const before = tf.memory().numTensors;
    let losses: Record<string, number> | undefined;
    for (let t = 1; t <= 40; t++) losses = l.train(t) ?? losses;
    assert.equal(tf.memory().numTensors, before);
    assert.equal(h.updates, 20, "1 update per decision: 1 env / c = 2");
    assert.ok(Number.isFinite(losses!["high_q_loss"]) && Number.isFinite(losses!["high_q"]));
    // The TD error on a fixed batch falls over repeated updates on it.
    const batch = l.replay.gather([0, 1, 2, 3]);
    const first = h.update(batch, 4)["high_q_loss"]!;
    let last = first;
    for (let i = 0; i < 30; i++) last = h.update(batch, 4)["high_q_loss"]!;
    assert.ok(last < first, `loss ${first} → ${last}`);

    const ckpt = mkdtempSync(path.join(tmpdir(), "skill-hier-ckpt-"));
    const saved = h.checkpointContents();
    assert.equal((saved.meta as { skillsRun: string }).skillsRun, path.resolve(dir), "the skills run is recorded in meta");
    await saveCheckpoint(ckpt, saved);
    const manifest = await loadCheckpoint(ckpt, again.checkpointContents());
    again.restoreMeta(manifest.meta);
    const input = Float32Array.of(0.3, 0, 0, 0, 0.5, 0.5);
    close(again.qValues(input, 1), h.qValues(input, 1));
    assert.deepEqual([again.updates, again.decisions], [h.updates, h.decisions]);
    assert.throws(() => again.restoreMeta({ updates: 1 }), /checkpoint meta must be/);
  } finally {
    h.dispose();
    again.dispose();
  }
});
