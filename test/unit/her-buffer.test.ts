import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { GoalSelectionStrategy, HerReplayBuffer } from "../../src/replay/her-buffer.js";
import { unpackArrays } from "../../src/replay/bytes.js";
import type { HerReplayBufferOptions, HerSample } from "../../src/replay/her-buffer.js";
import { KnownReward } from "../../src/reward/known-reward.js";
import type { RewardBatch, RewardModel } from "../../src/reward/reward-model.js";

/*
 * Hand-made episodes. Episode e, step t (0-based):
 *   obs = (e, t, 0), nextObs = (e, t+1, 0), action = (e, t)
 *   achievedGoal = ag(e, t) = (100e + t, −(100e + t)), nextAchievedGoal = ag(e, t+1)
 *   desiredGoal = (−1000 − e, 5): never achieved, so real transitions always get −1
 * A relabelled goal ag(e', t'+1) decodes to the episode e' and step t' it was taken from.
 */
const sizes = { obs: 3, goal: 2, action: 2 };

/** Sparse reward: 0 within 0.05 of the goal, else −1 (the Fetch / sparse Reacher convention). */
function computeReward(achieved: ArrayLike<number>, desired: ArrayLike<number>): number {
  let d2 = 0;
  for (let j = 0; j < achieved.length; j++) d2 += (achieved[j]! - desired[j]!) ** 2;
  return Math.sqrt(d2) < 0.05 ? 0 : -1;
}

const ag = (e: number, t: number) => [100 * e + t, -(100 * e + t)];

interface EpisodeOptions {
  env?: number;
  /** Number of steps to add from `from` (default: the whole episode). */
  from?: number;
  upTo?: number;
  /** End with TERMINATED instead of TRUNCATED. */
  terminate?: boolean;
  storedReward?: (t: number) => number;
}

function addEpisode(her: HerReplayBuffer, e: number, length: number, o: EpisodeOptions = {}): void {
  const from = o.from ?? 0;
  const upTo = o.upTo ?? length;
  for (let t = from; t < upTo; t++) {
    const last = t === length - 1;
    her.add(
      {
        obs: [e, t, 0],
        achievedGoal: ag(e, t),
        desiredGoal: [-1000 - e, 5],
        action: [e, t],
        nextObs: [e, t + 1, 0],
        nextAchievedGoal: ag(e, t + 1),
        reward: o.storedReward?.(t) ?? -1,
        isSuccess: false,
        terminated: last && o.terminate === true,
        truncated: last && o.terminate !== true,
      },
      o.env ?? 0,
    );
  }
}

function makeHer(options: Partial<HerReplayBufferOptions> = {}): HerReplayBuffer {
  return new HerReplayBuffer({ sizes, capacity: 1000, rewardModel: new KnownReward(computeReward), ...options });
}

/** One sampled transition, decoded. */
interface Decoded {
  e: number;
  t: number;
  relabelled: boolean;
  /** For relabelled ones: the episode and step t' whose next achieved goal became the goal. */
  goalEpisode: number;
  goalStep: number;
  reward: number;
  terminated: number;
}

function decode(s: HerSample): Decoded[] {
  const n = s.reward.length;
  const out: Decoded[] = [];
  for (let i = 0; i < n; i++) {
    const e = s.obs[3 * i]!;
    const t = s.obs[3 * i + 1]!;
    // Every field of row i belongs to the same step.
    assert.deepEqual([s.action[2 * i], s.action[2 * i + 1]], [e, t]);
    assert.deepEqual([s.nextObs[3 * i], s.nextObs[3 * i + 1]], [e, t + 1]);
    assert.deepEqual([s.achievedGoal[2 * i], s.achievedGoal[2 * i + 1]], ag(e, t));
    assert.deepEqual([s.nextAchievedGoal[2 * i], s.nextAchievedGoal[2 * i + 1]], ag(e, t + 1));
    const g0 = s.desiredGoal[2 * i]!;
    const relabelled = s.relabelled[i] === 1;
    if (!relabelled) assert.deepEqual([g0, s.desiredGoal[2 * i + 1]], [-1000 - e, 5]);
    const goalEpisode = relabelled ? Math.floor(g0 / 100) : -1;
    const goalStep = relabelled ? g0 - 100 * goalEpisode - 1 : -1;
    out.push({ e, t, relabelled, goalEpisode, goalStep, reward: s.reward[i]!, terminated: s.terminated[i]! });
  }
  return out;
}

/** The hand-computed reward of row i: computeReward(nextAchievedGoal, desiredGoal). */
function assertRewardsMatchComputeReward(s: HerSample): void {
  for (let i = 0; i < s.reward.length; i++) {
    const a = s.nextAchievedGoal.slice(2 * i, 2 * i + 2);
    const d = s.desiredGoal.slice(2 * i, 2 * i + 2);
    assert.equal(s.reward[i], computeReward(a, d), `row ${i}`);
  }
}

test("FUTURE: goals come from the same episode at or after the step, covering all of [t, T−1]", () => {
  const her = makeHer();
  addEpisode(her, 0, 5);
  const s = her.sample(20_000, new Rng(1));
  const seen = new Set<string>();
  const fromT0 = [0, 0, 0, 0, 0];
  for (const d of decode(s)) {
    if (!d.relabelled) continue;
    assert.equal(d.goalEpisode, 0);
    assert.ok(d.goalStep >= d.t && d.goalStep <= 4, `t=${d.t} got goal of step ${d.goalStep}`);
    seen.add(`${d.t}->${d.goalStep}`);
    if (d.t === 0) fromT0[d.goalStep]!++;
  }
  assert.equal(seen.size, 15, "every (t, t') with t ≤ t' ≤ 4 is drawn");
  const total = fromT0.reduce((a, b) => a + b, 0);
  for (const c of fromT0) assert.ok(Math.abs(c / total - 0.2) < 0.03, `FUTURE from t=0 is uniform: ${fromT0}`);
  assertRewardsMatchComputeReward(s);
});

test("FINAL: every relabelled goal is the last achieved goal of the episode", () => {
  const her = makeHer({ goalSelection: GoalSelectionStrategy.FINAL });
  addEpisode(her, 0, 5);
  addEpisode(her, 1, 3);
  const s = her.sample(5000, new Rng(2));
  let relabelled = 0;
  for (const d of decode(s)) {
    if (!d.relabelled) continue;
    relabelled++;
    assert.equal(d.goalEpisode, d.e);
    assert.equal(d.goalStep, d.e === 0 ? 4 : 2);
    // The last step reaches the final goal (reward 0); others do not.
    assert.equal(d.reward, d.t === d.goalStep ? 0 : -1);
  }
  assert.ok(relabelled > 3000);
  assertRewardsMatchComputeReward(s);
});

test("EPISODE: goals come from anywhere in the same episode, including before the step", () => {
  const her = makeHer({ goalSelection: GoalSelectionStrategy.EPISODE });
  addEpisode(her, 0, 5);
  const s = her.sample(20_000, new Rng(3));
  const seen = new Set<string>();
  for (const d of decode(s)) {
    if (!d.relabelled) continue;
    assert.equal(d.goalEpisode, 0);
    assert.ok(d.goalStep >= 0 && d.goalStep <= 4);
    seen.add(`${d.t}->${d.goalStep}`);
  }
  assert.equal(seen.size, 25, "every (t, t') pair is drawn");
  assertRewardsMatchComputeReward(s);
});

test("relabel probability is k/(k+1): 0.8 for k = 4, 0.5 for k = 1, none for k = 0", () => {
  for (const [k, p] of [[4, 0.8], [1, 0.5], [0, 0]] as const) {
    const her = makeHer({ nSampledGoal: k });
    assert.equal(her.relabelProbability, p);
    addEpisode(her, 0, 5);
    addEpisode(her, 1, 7);
    const s = her.sample(20_000, new Rng(10 + k));
    const frac = s.relabelled.reduce((a, b) => a + b, 0) / 20_000;
    assert.ok(Math.abs(frac - p) < 0.01, `k=${k}: relabelled fraction ${frac}`);
  }
});

test("relabelled transitions come last in the batch and are scored by the model", () => {
  const her = makeHer();
  addEpisode(her, 0, 5);
  const s = her.sample(300, new Rng(4));
  const firstRelabelled = s.relabelled.indexOf(1);
  assert.ok(firstRelabelled > 0);
  for (let i = 0; i < 300; i++) assert.equal(s.relabelled[i], i >= firstRelabelled ? 1 : 0);
  // Real transitions are never successes here; some relabelled ones are (t' = t).
  for (let i = 0; i < firstRelabelled; i++) assert.equal(s.reward[i], -1);
  assert.ok(Array.from(s.reward.subarray(firstRelabelled)).some((r) => r === 0));
});

test("stored env rewards never reach a sample with rewardSource \"model\" (poison check)", () => {
  const poison = (t: number) => (t % 2 === 0 ? NaN : 1e9);
  for (const goalSelection of Object.values(GoalSelectionStrategy)) {
    const her = makeHer({ goalSelection });
    addEpisode(her, 0, 5, { storedReward: poison });
    addEpisode(her, 1, 4, { storedReward: poison, env: 0 });
    addEpisode(her, 2, 3, { storedReward: poison, upTo: 2 }); // in progress
    const s = her.sample(10_000, new Rng(5));
    for (const r of s.reward) assert.ok(r === 0 || r === -1, `${goalSelection}: reward ${r} leaked from storage`);
    assertRewardsMatchComputeReward(s);
  }
});

test("rewardSource \"stored\" uses env rewards for real transitions only, and refuses NaN ones", () => {
  const her = makeHer({ rewardSource: "stored" });
  addEpisode(her, 0, 5, { storedReward: () => 1e9 });
  const s = her.sample(5000, new Rng(6));
  for (const d of decode(s)) {
    if (d.relabelled) assert.equal(d.reward, d.goalStep === d.t ? 0 : -1);
    else assert.equal(d.reward, 1e9);
  }
  const blackBox = makeHer({ rewardSource: "stored" });
  addEpisode(blackBox, 0, 5, { storedReward: () => NaN });
  assert.throws(() => blackBox.sample(100, new Rng(7)), /no env reward \(NaN\); use rewardSource "model"/);
});

test("the model is called once per batch: on everything (model) or on the relabelled rows only (stored)", () => {
  class CountingModel implements RewardModel {
    readonly name = "counting";
    readonly isLearned = true;
    calls: number[] = [];
    value = 7;
    rewards(batch: RewardBatch, out: Float32Array): void {
      this.calls.push(out.length);
      assert.equal(batch.desiredGoal.length, 2 * out.length);
      assert.equal(batch.obs?.length, 3 * out.length);
      assert.equal(batch.action?.length, 2 * out.length);
      out.fill(this.value);
    }
  }
  const model = new CountingModel();
  const her = makeHer({ rewardModel: model });
  addEpisode(her, 0, 5);
  const s = her.sample(200, new Rng(8));
  assert.deepEqual(model.calls, [200]);
  assert.ok(s.reward.every((r) => r === 7));
  // A learned model changes between calls: nothing is cached.
  model.value = 3;
  her.sample(200, new Rng(8), s);
  assert.ok(s.reward.every((r) => r === 3));

  const stored = makeHer({ rewardModel: model, rewardSource: "stored" });
  addEpisode(stored, 0, 5, { storedReward: () => -1 });
  model.calls = [];
  const t = stored.sample(200, new Rng(9));
  const relabelled = t.relabelled.reduce((a, b) => a + b, 0);
  assert.deepEqual(model.calls, [relabelled]);
  for (let i = 0; i < 200; i++) assert.equal(t.reward[i], t.relabelled[i] === 1 ? 3 : -1);
});

test("episodes of different lengths from several envs: goals never cross episodes", () => {
  const her = makeHer({ numEnvs: 2, capacity: 200 });
  const lengths = [3, 7, 5, 1, 4];
  // Interleave: env 0 runs episodes 0, 2, 4; env 1 runs 1, 3 — step by step in parallel.
  for (let t = 0; t < 7; t++) {
    addEpisode(her, 0, 3, { env: 0, from: t, upTo: Math.min(t + 1, 3) });
    addEpisode(her, 1, 7, { env: 1, from: t, upTo: Math.min(t + 1, 7) });
  }
  addEpisode(her, 2, 5, { env: 0 });
  addEpisode(her, 3, 1, { env: 1 });
  addEpisode(her, 4, 4, { env: 0 });
  assert.equal(her.size, 3 + 7 + 5 + 1 + 4);
  assert.equal(her.episodes.episodesCompleted, 5);
  const s = her.sample(20_000, new Rng(11));
  const perEpisode = [0, 0, 0, 0, 0];
  for (const d of decode(s)) {
    perEpisode[d.e]!++;
    assert.ok(d.t < lengths[d.e]!);
    if (d.relabelled) {
      assert.equal(d.goalEpisode, d.e);
      assert.ok(d.goalStep >= d.t && d.goalStep < lengths[d.e]!);
    }
    assert.equal(d.terminated, 0, "TRUNCATED steps are not terminal");
  }
  // Sampling is uniform over transitions, so an episode is drawn in proportion to its length.
  for (let e = 0; e < 5; e++) assert.ok(Math.abs(perEpisode[e]! / 20_000 - lengths[e]! / 20) < 0.015, `episode ${e}: ${perEpisode}`);
  assertRewardsMatchComputeReward(s);
});

test("only TERMINATED steps carry terminated = 1", () => {
  const her = makeHer({ nSampledGoal: 0 });
  addEpisode(her, 0, 3, { terminate: true });
  addEpisode(her, 1, 3);
  for (const d of decode(her.sample(2000, new Rng(12)))) assert.equal(d.terminated, d.e === 0 && d.t === 2 ? 1 : 0);
});

test("episodes in progress: sampled up to the stored steps, or not at all with sampleInProgress false", () => {
  for (const goalSelection of [GoalSelectionStrategy.FUTURE, GoalSelectionStrategy.FINAL]) {
    const her = makeHer({ goalSelection });
    addEpisode(her, 0, 5);
    addEpisode(her, 1, 10, { upTo: 3 }); // steps 0..2 stored, still running
    assert.equal(her.size, 8);
    const s = her.sample(10_000, new Rng(13));
    let fromOpen = 0;
    for (const d of decode(s)) {
      if (d.e !== 1) continue;
      fromOpen++;
      assert.ok(d.t <= 2);
      if (d.relabelled) {
        assert.equal(d.goalEpisode, 1);
        if (goalSelection === GoalSelectionStrategy.FINAL) assert.equal(d.goalStep, 2, "FINAL of an open episode = the latest stored step");
        else assert.ok(d.goalStep >= d.t && d.goalStep <= 2, "no goal from a step not yet lived");
      }
    }
    assert.ok(fromOpen > 3000);
    assertRewardsMatchComputeReward(s);
  }

  const finishedOnly = makeHer({ sampleInProgress: false });
  addEpisode(finishedOnly, 1, 10, { upTo: 3 });
  assert.equal(finishedOnly.size, 0);
  assert.throws(() => finishedOnly.sample(10, new Rng(1)), /no complete episode stored yet/);
  finishedOnly.endEpisode(0); // e.g. the agent reset the env early
  assert.equal(finishedOnly.size, 3);
  addEpisode(finishedOnly, 9, 10, { upTo: 4 });
  assert.equal(finishedOnly.size, 3, "the new open episode is not sampleable");
  for (const d of decode(finishedOnly.sample(2000, new Rng(2)))) assert.notEqual(d.e, 9);
});

test("when the ring wraps, an episode whose start is overwritten is never sampled again", () => {
  const her = makeHer({ capacity: 8 });
  addEpisode(her, 0, 5);
  addEpisode(her, 1, 5); // overwrites steps 0, 1 of episode 0 → episode 0 dropped
  assert.equal(her.size, 5);
  for (const d of decode(her.sample(3000, new Rng(14)))) assert.equal(d.e, 1);
  addEpisode(her, 2, 2); // overwrites steps 2, 3 of episode 0 only
  assert.equal(her.size, 7);
  addEpisode(her, 3, 2); // overwrites step 4 of episode 0 and step 0 of episode 1 → episode 1 dropped
  assert.equal(her.size, 4);
  const eps = new Set<number>();
  for (const d of decode(her.sample(3000, new Rng(15)))) {
    eps.add(d.e);
    if (d.relabelled) assert.equal(d.goalEpisode, d.e);
  }
  assert.deepEqual([...eps].sort(), [2, 3]);
});

test("an episode longer than the ring is never sampled, and the buffer recovers after it", () => {
  const her = makeHer({ capacity: 4 });
  addEpisode(her, 0, 6, { upTo: 5 });
  assert.equal(her.size, 0);
  addEpisode(her, 0, 6, { from: 5 });
  assert.equal(her.size, 0);
  assert.throws(() => her.sample(1, new Rng(1)), /episode buffer is empty/);
  addEpisode(her, 1, 3);
  assert.equal(her.size, 3);
  for (const d of decode(her.sample(500, new Rng(16)))) assert.equal(d.e, 1);
});

test("serialize → restore gives identical samples with the same rng seed", () => {
  const her = makeHer({ numEnvs: 2, capacity: 20 });
  addEpisode(her, 0, 6, { env: 0 });
  addEpisode(her, 1, 9, { env: 1 });
  addEpisode(her, 2, 6, { env: 0 });
  addEpisode(her, 3, 4, { env: 1, upTo: 2 }); // in progress
  const copy = makeHer({ numEnvs: 2, capacity: 20 });
  copy.restore(her.serialize());
  assert.equal(copy.size, her.size);
  assert.deepEqual(copy.sample(500, new Rng(17)), her.sample(500, new Rng(17)));
  // The open episode continues identically in both.
  addEpisode(her, 3, 4, { env: 1, from: 2 });
  addEpisode(copy, 3, 4, { env: 1, from: 2 });
  assert.equal(copy.episodes.episodesCompleted, her.episodes.episodesCompleted);
  assert.deepEqual(copy.sample(500, new Rng(18)), her.sample(500, new Rng(18)));
  assert.throws(() => makeHer({ capacity: 30 }).restore(her.serialize()), /expected \[sizes, numEnvs, capacityPerEnv\]/);
});

test("sampling into a previous sample reuses its arrays; bad inputs are refused", () => {
  const her = makeHer();
  addEpisode(her, 0, 5);
  const rng = new Rng(19);
  const s = her.sample(16, rng);
  const obs = s.obs;
  assert.equal(her.sample(16, rng, s).obs, obs);
  assert.throws(() => her.sample(8, rng, s), /out\.obs: expected a Float32Array of 24 elements/);
  assert.throws(() => her.add({ ...stepOf(0), obs: [1, 2] }), /obs: expected 3 elements but got 2/);
  assert.throws(() => her.add(stepOf(0), 1), /env: expected an integer in \[0, 1\) but got 1/);
  assert.throws(() => makeHer({ nSampledGoal: -1 }), /nSampledGoal: expected a non-negative integer/);
  assert.throws(() => makeHer({ goalSelection: "best" as never }), /goalSelection: expected one of future, final, episode/);
});

function stepOf(t: number) {
  return {
    obs: [0, t, 0], achievedGoal: ag(0, t), desiredGoal: [0, 0], action: [0, t], nextObs: [0, t + 1, 0],
    nextAchievedGoal: ag(0, t + 1), reward: 0, isSuccess: false, terminated: false,
  };
}

// ---- extras: what the agent's act returned with the step, stored and sampled with it ----

const extras = { behaviour: 2, logProb: 1 };
/** The extras stored with step t of episode e: behaviour (e, t + 0.5), logProb −(100e + t). */
const extrasOf = (e: number, t: number) => ({ behaviour: [e, t + 0.5], logProb: [-(100 * e + t)] });

/** addEpisode's steps, with their extras. */
function addEpisodeWithExtras(her: HerReplayBuffer, e: number, length: number, o: EpisodeOptions = {}): void {
  const from = o.from ?? 0;
  const upTo = o.upTo ?? length;
  for (let t = from; t < upTo; t++) {
    const last = t === length - 1;
    her.add(
      {
        obs: [e, t, 0], achievedGoal: ag(e, t), desiredGoal: [-1000 - e, 5], action: [e, t], nextObs: [e, t + 1, 0], nextAchievedGoal: ag(e, t + 1),
        reward: -1, isSuccess: false, terminated: last && o.terminate === true, truncated: last && o.terminate !== true, extras: extrasOf(e, t),
      },
      o.env ?? 0,
    );
  }
}

/** Every row's extras are those stored with its own step (decoded from obs), relabelled or not. */
function assertExtrasOfOwnStep(s: HerSample): void {
  assert.ok(s.extras, "the sample carries extras");
  for (let i = 0; i < s.reward.length; i++) {
    const want = extrasOf(s.obs[3 * i]!, s.obs[3 * i + 1]!);
    assert.deepEqual(Array.from(s.extras["behaviour"]!.subarray(2 * i, 2 * i + 2)), want.behaviour, `row ${i} behaviour`);
    assert.deepEqual([s.extras["logProb"]![i]], want.logProb, `row ${i} logProb`);
  }
}

test("extras come with every sampled row from its own stored step, relabelled or not; the draws are those without extras", () => {
  for (const goalSelection of Object.values(GoalSelectionStrategy)) {
    const withExtras = makeHer({ numEnvs: 2, capacity: 40, goalSelection, extras });
    const without = makeHer({ numEnvs: 2, capacity: 40, goalSelection });
    for (const [e, length, env, upTo] of [[0, 6, 0, 6], [1, 9, 1, 9], [2, 5, 0, 5], [3, 4, 1, 2]] as const) {
      addEpisodeWithExtras(withExtras, e, length, { env, upTo });
      addEpisode(without, e, length, { env, upTo });
    }
    const s = withExtras.sample(3000, new Rng(30));
    assertExtrasOfOwnStep(s);
    assert.ok(s.relabelled.some((r) => r === 1) && s.relabelled.some((r) => r === 0));
    // Relabelled rows still come last, and the rest of the sample is what a buffer without extras draws.
    const { extras: got, ...rest } = s;
    assert.ok(got);
    assert.deepEqual(rest, without.sample(3000, new Rng(30)));
    // Refilling a previous sample refills its extras too.
    const again = withExtras.sample(3000, new Rng(31), s);
    assert.equal(again.extras, got);
    assertExtrasOfOwnStep(again);
  }
});

test("serialize → restore keeps the extras; checkpoints restore only into buffers with the same extras", () => {
  const her = makeHer({ numEnvs: 2, capacity: 20, extras });
  addEpisodeWithExtras(her, 0, 6, { env: 0 });
  addEpisodeWithExtras(her, 1, 9, { env: 1 });
  addEpisodeWithExtras(her, 3, 4, { env: 1, upTo: 2 }); // in progress
  const copy = makeHer({ numEnvs: 2, capacity: 20, extras });
  copy.restore(her.serialize());
  const s = copy.sample(500, new Rng(32));
  assertExtrasOfOwnStep(s);
  assert.deepEqual(s, her.sample(500, new Rng(32)));
  // Without extras the checkpoint is what it always was, and restores into a buffer without extras.
  const plain = makeHer({ numEnvs: 2, capacity: 20 });
  addEpisode(plain, 0, 6, { env: 0 });
  const { header, arrays } = unpackArrays(plain.serialize());
  assert.equal("extras" in header, false);
  assert.ok(Object.keys(arrays).every((name) => !name.startsWith("extra")));
  const plainCopy = makeHer({ numEnvs: 2, capacity: 20 });
  plainCopy.restore(plain.serialize());
  assert.deepEqual(plainCopy.sample(100, new Rng(33)), plain.sample(100, new Rng(33)));
  assert.throws(() => makeHer({ numEnvs: 2, capacity: 20, extras }).restore(plain.serialize()), /expected extras \{"behaviour":2,"logProb":1\} but got \{\}/);
  assert.throws(() => makeHer({ numEnvs: 2, capacity: 20 }).restore(her.serialize()), /expected extras \{\} but got \{"behaviour":2,"logProb":1\}/);
  assert.throws(() => makeHer({ numEnvs: 2, capacity: 20, extras: { behaviour: 3, logProb: 1 } }).restore(her.serialize()), /expected extras/);
});

test("missing, wrong-size or undeclared extras are refused, naming them", () => {
  const her = makeHer({ extras });
  const step = { ...stepOf(0), extras: extrasOf(0, 0) };
  her.add(step);
  assert.throws(() => her.add(stepOf(1)), /extras: expected behaviour \(2\), logProb \(1\) but got none/);
  assert.throws(() => her.add({ ...step, extras: { behaviour: [1, 2, 3], logProb: [0] } }), /extras\.behaviour: expected 2 elements but got 3/);
  assert.throws(() => her.add({ ...step, extras: { behaviour: [1, 2] } }), /extras\.logProb: expected 1 elements but got nothing/);
  assert.throws(() => her.add({ ...step, extras: { ...extrasOf(0, 1), value: [1] } }), /extras\.value: not one of this buffer's extras \(behaviour, logProb\)/);
  assert.throws(() => makeHer().add(step), /extras\.behaviour: this buffer stores no extras/);
  assert.throws(() => makeHer({ extras: { behaviour: 0 } }), /extras\.behaviour: expected a positive integer size but got 0/);
  assert.equal(her.size, 1, "a refused step is not stored");
  assert.throws(() => her.sample(4, new Rng(1), makeHer().allocateSample(4)), /out\.extras\.behaviour: expected a Float32Array of 8 elements/);
});
