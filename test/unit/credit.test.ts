// Credit assignment (src/replay/credit.ts, credit-sampler.ts, two-layer-replay.ts)
// against hand computations: an episode with rewards 1, 2, 3, 4.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Rng } from "../../src/core/rng.js";
import { checkCreditOptions, gaeCredit, nStepCredit, type CreditOptions } from "../../src/replay/credit.js";
import { CreditSampler, type CreditSample } from "../../src/replay/credit-sampler.js";
import { EpisodeBuffer, TransitionRef } from "../../src/replay/episode-buffer.js";
import { TwoLayerReplay } from "../../src/replay/two-layer-replay.js";
import type { RewardBatch, RewardModel } from "../../src/reward/reward-model.js";

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-5, `${what}: ${a} ≠ ${b}`);

describe("credit of a window (credit.ts)", () => {
  // γ = 0.5; rewards r0..r3 = 1, 2, 3, 4; values V(s0..s4) = 10, 20, 30, 40, 50.
  const r = [1, 2, 3, 4];
  const v = [10, 20, 30, 40, 50];

  it("n-step: Σ γ^k r, discount γ^m; TERMINATED stops bootstrapping, TRUNCATED does not", () => {
    const c = nStepCredit(r, 2, 0.5, false);
    assert.deepEqual(c, { credit: 1 + 0.5 * 2, discount: 0.25, steps: 2 });
    // The window at step 2 with n = 3 is cut to the 2 steps left.
    assert.deepEqual(nStepCredit(r.slice(2), 2, 0.5, true), { credit: 3 + 0.5 * 4, discount: 0, steps: 2 });
    assert.deepEqual(nStepCredit(r.slice(2), 2, 0.5, false), { credit: 3 + 0.5 * 4, discount: 0.25, steps: 2 });
    assert.deepEqual(nStepCredit(r, 1, 0.5, false), { credit: 1, discount: 0.5, steps: 1 });
  });

  it("GAE: credit + discount·V(s_{i+m}) is A^GAE + V(s_i), the truncated λ-return", () => {
    // γ = λ = 0.5 from step 0, m = 2: δ0 = 1 + 0.5·20 − 10 = 1, δ1 = 2 + 0.5·30 − 20 = −3,
    // A = 1 + 0.25·(−3) = 0.25, discount γ(γλ) = 0.125, credit = 0.25 + 10 − 0.125·30 = 6.5.
    const c = gaeCredit(r, v, 2, 0.5, 0.5, false);
    close(c.credit, 6.5, "credit");
    close(c.discount, 0.125, "discount");
    close(c.credit + c.discount * v[2]!, 0.25 + 10, "target");
    // From step 2 to a TERMINATED end: δ2 = 3 + 0.5·40 − 30 = −7, δ3 = 4 − 40 = −36, A = −7 + 0.25·(−36) = −16,
    // target = A + V(s2) = 14 = r2 + γ((1−λ)V(s3) + λ·r3), the λ-return.
    const t = gaeCredit(r.slice(2), v.slice(2), 2, 0.5, 0.5, true);
    close(t.credit, 14, "terminated credit");
    assert.equal(t.discount, 0);
    close(3 + 0.5 * (0.5 * 40 + 0.5 * 4), 14, "λ-return by hand");
    // TRUNCATED instead: δ3 = 4 + 0.5·50 − 40 = −11, A = −9.75, credit = −9.75 + 30 − 0.125·50 = 14.
    const u = gaeCredit(r.slice(2), v.slice(2), 2, 0.5, 0.5, false);
    close(u.credit, 14, "truncated credit");
    close(u.discount, 0.125, "truncated discount");
    // λ = 1 is the n-step return with V only at the end; λ = 0 is one-step TD whatever m.
    const mc = gaeCredit(r, v, 3, 0.5, 1, false);
    close(mc.credit + mc.discount * v[3]!, 1 + 0.5 * 2 + 0.25 * 3 + 0.125 * 40, "λ = 1");
    const td = gaeCredit(r, v, 3, 0.5, 0, false);
    assert.equal(td.discount, 0);
    close(td.credit, 1 + 0.5 * 20, "λ = 0: r0 + γV(s1), bootstrap folded in");
  });

  it("refuses options it cannot use, naming them", () => {
    const ok: CreditOptions = { mode: "nstep", n: 3, gamma: 0.98, lambda: 0.95 };
    checkCreditOptions(ok);
    assert.throws(() => checkCreditOptions({ ...ok, mode: "twostep" as never }), /credit: expected one of one, nstep, floating, gae/);
    assert.throws(() => checkCreditOptions({ ...ok, n: 0 }), /n: expected an integer in 1\.\.1000/);
    assert.throws(() => checkCreditOptions({ ...ok, mode: "one" }), /one-step credit uses n = 1/);
    assert.throws(() => checkCreditOptions({ ...ok, lambda: 1.5 }), /lambda/);
  });
});

/** One stored episode of 4 steps: obs = [t], rewards 1..4, achieved goal after step t = [t + 1]; goal [9]. */
function episode(ending: "terminated" | "truncated", rewards = [1, 2, 3, 4]): EpisodeBuffer {
  const eb = new EpisodeBuffer({ sizes: { obs: 1, goal: 1, action: 1 }, capacity: 100 });
  rewards.forEach((reward, t) =>
    eb.add({
      obs: [t], achievedGoal: [t], desiredGoal: [9], action: [0.1 * t], nextObs: [t + 1], nextAchievedGoal: [t + 1], reward,
      isSuccess: false, terminated: ending === "terminated" && t === 3, truncated: ending === "truncated" && t === 3,
    }),
  );
  return eb;
}

function firstEpisode(eb: EpisodeBuffer): TransitionRef {
  const ref = new TransitionRef();
  assert.ok(eb.lastEpisode(0, ref));
  return ref;
}

/** Rows of a sample ordered by their first step (obs). */
function byStep(s: CreditSample): Array<{ t: number; credit: number; discount: number; boot: number; steps: number }> {
  return Array.from({ length: s.rows }, (_, i) => ({ t: s.obs[i]!, credit: s.credit[i]!, discount: s.discount[i]!, boot: s.bootstrapObs[i]!, steps: s.steps[i]! })).sort((a, b) => a.t - b.t);
}

/** −|achieved − desired| after the step, shifted by `bias` (a learned model that drifts). */
class DistanceReward implements RewardModel {
  readonly name = "distance";
  bias = 0;
  calls = 0;
  constructor(readonly isLearned = false) {}
  rewards(batch: RewardBatch, out: Float32Array): void {
    this.calls++;
    for (let i = 0; i < out.length; i++) out[i] = -Math.abs(batch.nextAchievedGoal![i]! - batch.desiredGoal[i]!) + this.bias;
  }
}

describe("CreditSampler over a stored episode", () => {
  const gamma = 0.5;

  for (const ending of ["terminated", "truncated"] as const) {
    it(`n-step (n = 2) windows of rewards 1, 2, 3, 4, ${ending}`, () => {
      const eb = episode(ending);
      const sampler = new CreditSampler({ episodes: eb, credit: { mode: "nstep", n: 2, gamma, lambda: 0.95 }, rewardSource: "stored", relabelProbability: 0 });
      const rows = byStep(sampler.episode(firstEpisode(eb), new Rng(0)));
      assert.deepEqual(rows, [
        { t: 0, credit: 1 + 0.5 * 2, discount: 0.25, boot: 2, steps: 2 },
        { t: 1, credit: 2 + 0.5 * 3, discount: 0.25, boot: 3, steps: 2 },
        { t: 2, credit: 3 + 0.5 * 4, discount: ending === "terminated" ? 0 : 0.25, boot: 4, steps: 2 },
        { t: 3, credit: 4, discount: ending === "terminated" ? 0 : 0.5, boot: 4, steps: 1 },
      ]);
    });

    it(`GAE (n = 2, λ = 0.5) with V(s) = 10·(s + 1), ${ending}`, () => {
      const eb = episode(ending);
      const seen: number[] = [];
      const values = (obs: Float32Array, _goal: Float32Array, rows: number) => {
        seen.push(rows);
        return Float32Array.from(obs.subarray(0, rows), (s) => 10 * (s + 1));
      };
      const sampler = new CreditSampler({ episodes: eb, credit: { mode: "gae", n: 2, gamma, lambda: 0.5 }, rewardSource: "stored", relabelProbability: 0, values });
      const rows = byStep(sampler.episode(firstEpisode(eb), new Rng(0)));
      assert.deepEqual(seen, [3 + 3 + 3 + 2], "one value call: m + 1 states per window (m = 2, 2, 2, 1)");
      close(rows[0]!.credit, 6.5, "window at 0");
      close(rows[0]!.discount, 0.125, "discount at 0");
      close(rows[2]!.credit, 14, "window at 2");
      assert.equal(rows[2]!.discount, ending === "terminated" ? 0 : 0.125);
      // The last window has one step: δ3 = 4 + γV(s4)·(not terminal) − V(s3).
      close(rows[3]!.credit, ending === "terminated" ? 4 : 4 + 0.5 * 50 - 40 + 40 - 0.5 * 50, "window at 3");
    });
  }

  it("floating n draws every n in 1..N, afresh each time the episode is processed", () => {
    const eb = new EpisodeBuffer({ sizes: { obs: 1, goal: 1, action: 1 }, capacity: 1000 });
    for (let t = 0; t < 100; t++) eb.add({ obs: [t], achievedGoal: [0], desiredGoal: [0], action: [0], nextObs: [t + 1], nextAchievedGoal: [0], reward: 1, isSuccess: false, terminated: false, truncated: t === 99 });
    const sampler = new CreditSampler({ episodes: eb, credit: { mode: "floating", n: 10, gamma: 1, lambda: 0.95 }, rewardSource: "stored", relabelProbability: 0 });
    const rng = new Rng(1);
    const first = byStep(sampler.episode(firstEpisode(eb), rng));
    const second = byStep(sampler.episode(firstEpisode(eb), rng));
    const drawn = new Set(first.filter((w) => w.t < 90).map((w) => w.steps));
    assert.deepEqual([...drawn].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const w of first) {
      assert.equal(w.credit, w.steps, "γ = 1, rewards 1: credit = m");
      assert.equal(w.boot, w.t + w.steps, "bootstraps from s_{t+m}");
      assert.ok(w.steps <= 100 - w.t, "cut at the episode's end");
    }
    assert.notDeepEqual(first.map((w) => w.steps), second.map((w) => w.steps), "reprocessing draws new n");
  });

  it("with HER the relabelled windows come last and every window's rewards are for its own goal", () => {
    const eb = episode("truncated");
    const model = new DistanceReward();
    const sampler = new CreditSampler({ episodes: eb, credit: { mode: "nstep", n: 2, gamma, lambda: 0.95 }, rewardModel: model, rewardSource: "model", relabelProbability: 0.8 });
    const s = sampler.sample(64, new Rng(4));
    let seenRelabelled = false;
    for (let i = 0; i < s.rows; i++) {
      if (s.relabelled[i] === 1) seenRelabelled = true;
      else assert.ok(!seenRelabelled, "a real window after a relabelled one");
      const t = s.obs[i]!;
      const g = s.desiredGoal[i]!;
      // Window rewards −|t + 1 + k − g| for k < m.
      let want = 0;
      for (let k = 0; k < s.steps[i]!; k++) want += 0.5 ** k * -Math.abs(t + 1 + k - g);
      close(s.credit[i]!, want, `row ${i}`);
      if (s.relabelled[i] === 1) assert.ok(g >= t + 1 && g <= 4, `hindsight goal ${g} not reached at or after step ${t}`);
      else assert.equal(g, 9);
    }
    assert.ok(seenRelabelled);
    assert.equal(model.calls, 1, "one model call for all windows");
  });

  it("refuses a stored reward that is missing (a black box) instead of training on NaN", () => {
    const eb = episode("truncated", [1, Number.NaN, 3, 4]);
    const sampler = new CreditSampler({ episodes: eb, credit: { mode: "nstep", n: 3, gamma, lambda: 0.95 }, rewardSource: "stored", relabelProbability: 0 });
    assert.throws(() => sampler.episode(firstEpisode(eb), new Rng(0)), /no env reward \(NaN\)/);
  });
});

describe("TwoLayerReplay", () => {
  function replay(recalcDelay: number, model: RewardModel, values?: (obs: Float32Array, goal: Float32Array, rows: number) => Float32Array) {
    const eb = episode("truncated");
    const sampler = new CreditSampler({
      episodes: eb,
      credit: { mode: values ? "gae" : "nstep", n: 2, gamma: 0.5, lambda: 0.5 },
      rewardModel: model,
      rewardSource: "model",
      relabelProbability: 0,
      ...(values ? { values } : {}),
    });
    return new TwoLayerReplay({ sampler, fastCapacity: 1000, recalcDelay, recalcEpisodes: 2 });
  }

  it("credits an ended episode once, however often its end is reported", () => {
    const two = replay(3, new DistanceReward());
    two.episodeEnded(0, new Rng(0));
    two.episodeEnded(0, new Rng(0));
    assert.equal(two.size, 4);
  });

  it("recalculation changes the targets when the critic changes, and only reads storage", () => {
    let scale = 10;
    const two = replay(0, new DistanceReward(), (obs, _g, rows) => Float32Array.from(obs.subarray(0, rows), (s) => scale * s));
    const rng = new Rng(2);
    two.episodeEnded(0, rng);
    const before = new Set(Array.from(two.fast.sample(200, new Rng(0))["credit"]!));
    scale = -10; // the target critic moved
    two.sample(16, rng); // rd = 0: every sample recalculates
    assert.equal(two.recalculations, 1);
    const after = Array.from(two.sample(256, rng).credit);
    assert.ok(after.some((c) => !before.has(c)), "no target changed after the critic did");
  });

  it("staleness: a drifting learned reward is refreshed by recalculation and not without it", () => {
    const stale = new DistanceReward(true);
    const fresh = new DistanceReward(true);
    const never = replay(Infinity, stale);
    const always = replay(0, fresh);
    const rng = new Rng(3);
    never.episodeEnded(0, rng);
    always.episodeEnded(0, rng);
    assert.equal(never.staleness(stale, 64).meanAbsChange, 0);
    stale.bias = fresh.bias = 0.5; // the model trained on
    for (let i = 0; i < 50; i++) {
      never.sample(8, rng);
      always.sample(8, rng);
    }
    close(never.staleness(stale, 256).meanAbsChange, 0.5, "never recalculated: every stored reward is 0.5 off");
    assert.ok(always.staleness(fresh, 256).meanAbsChange < 0.1, `recalculated: ${always.staleness(fresh, 256).meanAbsChange}`);
    assert.ok(always.staleness(fresh, 256).currentStd > 0, "the current rewards' spread, for scale");
    assert.equal(never.recalculations, 0);
  });

  it("restores what it serialized, full and fast memory", () => {
    const a = replay(3, new DistanceReward());
    a.episodeEnded(0, new Rng(0));
    const b = replay(3, new DistanceReward());
    b.restore(a.serialize());
    assert.equal(b.size, 4);
    b.episodeEnded(0, new Rng(0));
    assert.equal(b.size, 4, "a restored episode is not credited twice");
    assert.deepEqual(b.sample(8, new Rng(5)), a.sample(8, new Rng(5)));
    assert.throws(() => b.restore(new EpisodeBuffer({ sizes: { obs: 1, goal: 1, action: 1 }, capacity: 100 }).serialize()), /expected a TwoLayerReplay/);
  });
});

describe("extras through credit windows and the two-layer replay", () => {
  // Named like built-in fields on purpose: extras never collide with them.
  const extras = { reward: 1, obs: 2 };
  /** Extras of step t: reward −100 − t, obs (t, t + 0.25); step 2 lived during a warm-up (NaN). */
  const extrasOf = (t: number) => (t === 2 ? { reward: [NaN], obs: [NaN, NaN] } : { reward: [-100 - t], obs: [t, t + 0.25] });

  /** episode()'s steps with extras (or without), two episodes of 4 steps. */
  function stored(withExtras: boolean): EpisodeBuffer {
    const eb = new EpisodeBuffer({ sizes: { obs: 1, goal: 1, action: 1 }, capacity: 100, ...(withExtras ? { extras } : {}) });
    for (let e = 0; e < 2; e++) {
      [1, 2, 3, 4].forEach((reward, t) =>
        eb.add({
          obs: [t], achievedGoal: [t], desiredGoal: [9], action: [0.1 * t], nextObs: [t + 1], nextAchievedGoal: [t + 1], reward,
          isSuccess: false, terminated: false, truncated: t === 3, ...(withExtras ? { extras: extrasOf(t) } : {}),
        }),
      );
    }
    return eb;
  }

  /** Every row's extras are those of its window's first step (obs = t); the rest of the row is what storage without extras gives. */
  function assertFirstStepExtras(s: { rows: number; obs: Float32Array; extras?: Readonly<Record<string, Float32Array>> }): void {
    assert.ok(s.extras);
    assert.deepEqual(Object.keys(s.extras).sort(), ["obs", "reward"]);
    for (let i = 0; i < s.rows; i++) {
      const want = extrasOf(s.obs[i]!);
      assert.deepEqual([s.extras["reward"]![i]], want.reward, `row ${i} (t = ${s.obs[i]})`);
      assert.deepEqual(Array.from(s.extras["obs"]!.subarray(2 * i, 2 * i + 2)), want.obs, `row ${i} (t = ${s.obs[i]})`);
    }
  }

  const sampler = (eb: EpisodeBuffer, values?: (obs: Float32Array, goal: Float32Array, rows: number) => Float32Array) =>
    new CreditSampler({
      episodes: eb,
      credit: { mode: values ? "gae" : "floating", n: 3, gamma: 0.5, lambda: 0.5 },
      rewardModel: new DistanceReward(),
      rewardSource: "model",
      relabelProbability: 0.8,
      ...(values ? { values } : {}),
    });

  it("one layer: each window carries its first step's extras, hindsight goal or not, and draws what it draws without them", () => {
    const values = (obs: Float32Array, _g: Float32Array, rows: number) => Float32Array.from(obs.subarray(0, rows), (x) => 10 * x);
    for (const v of [undefined, values]) {
      const s = sampler(stored(true), v).sample(200, new Rng(6));
      assertFirstStepExtras(s);
      assert.ok(s.relabelled.some((r) => r === 1) && s.relabelled.some((r) => r === 0));
      const { extras: _, ...rest } = s;
      assert.deepEqual(rest, sampler(stored(false), v).sample(200, new Rng(6)));
      assertFirstStepExtras(sampler(stored(true), v).episode(firstEpisode(stored(true)), new Rng(7)));
    }
  });

  function twoLayer(withExtras: boolean, recalcDelay = 0) {
    return new TwoLayerReplay({ sampler: sampler(stored(withExtras)), fastCapacity: 1000, recalcDelay, recalcEpisodes: 2 });
  }

  it("two layers: fast-memory fields extra:NAME stay with their rows, relabelled last, through recalculation", () => {
    const two = twoLayer(true);
    assert.deepEqual(two.fast.fields["extra:reward"], 1);
    assert.deepEqual(two.fast.fields["extra:obs"], 2);
    assert.equal(two.fast.fields["reward"], 1);
    const plain = twoLayer(false);
    const [a, b] = [new Rng(8), new Rng(8)];
    two.episodeEnded(0, a);
    plain.episodeEnded(0, b);
    for (let k = 0; k < 5; k++) {
      const s = two.sample(64, a); // rd = 0: every sample recalculates
      assertFirstStepExtras(s);
      let seenRelabelled = false;
      for (let i = 0; i < s.rows; i++) {
        if (s.relabelled[i] === 1) seenRelabelled = true;
        else assert.ok(!seenRelabelled, "a real window after a relabelled one");
      }
      // The built-in reward is the window's first reward for its goal, never the extra named "reward".
      for (let i = 0; i < s.rows; i++) assert.ok(s.reward[i]! <= 0 && s.reward[i]! > -10, `row ${i}: reward ${s.reward[i]}`);
      const { extras: _, ...rest } = s;
      assert.deepEqual(rest, plain.sample(64, b));
    }
    assert.equal(two.recalculations, 5);
  });

  it("two layers: restore keeps the extras of both memories; a checkpoint without extras does not restore into a replay with them", () => {
    const a = twoLayer(true, 3);
    a.episodeEnded(0, new Rng(0));
    const b = twoLayer(true, 3);
    b.restore(a.serialize());
    const s = b.sample(32, new Rng(9));
    assertFirstStepExtras(s);
    assert.deepEqual(s, a.sample(32, new Rng(9)));
    b.recalculate(new Rng(10)); // from the restored full memory
    assertFirstStepExtras(b.sample(256, new Rng(11)));
    const plain = twoLayer(false, 3);
    plain.episodeEnded(0, new Rng(0));
    twoLayer(false, 3).restore(plain.serialize());
    assert.throws(() => twoLayer(true, 3).restore(plain.serialize()), /expected extras \{"reward":1,"obs":2\} but got \{\}/);
  });
});
