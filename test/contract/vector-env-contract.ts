/**
 * The conformance suite every environment must pass — in-process, over gRPC,
 * external simulators (after dm_env_rpc's `compliance/` and dm_env's test
 * mixin). Call `vectorEnvContract(label, makeEnv)` from a test file; it
 * registers one `describe` block of checks against the VectorEnv contract
 * (src/env/vector-env.ts).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Code } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { sizeOf } from "../../src/env/spec.js";
import { StepStatus } from "../../src/env/task.js";
import type { BatchStep, VectorEnv } from "../../src/env/vector-env.js";
import { rejectsWith } from "../helpers/rejects-with.js";

export type MakeVectorEnv = (numEnvs: number) => Promise<VectorEnv>;

export interface ContractOptions {
  /** Cap on steps when running an episode to its end (long tasks). Default: the spec's limit. */
  readonly maxStepsToEnd?: number;
}

function randomActions(env: VectorEnv, rows: number, rng: Rng): Float32Array {
  const spec = env.spec.action;
  const per = sizeOf(spec.shape);
  const a = new Float32Array(rows * per);
  for (let i = 0; i < a.length; i++) {
    const lo = spec.minimum?.[i % per] ?? -1;
    const hi = spec.maximum?.[i % per] ?? 1;
    a[i] = rng.uniformRange(Number.isFinite(lo) ? lo : -1, Number.isFinite(hi) ? hi : 1);
  }
  return a;
}

function checkBatch(env: VectorEnv, b: BatchStep, rows: readonly number[]): void {
  const spec = env.spec;
  assert.deepEqual([...b.indices], [...rows]);
  assert.equal(b.observations.length, spec.observations.length);
  spec.observations.forEach((s, k) => {
    const o = b.observations[k]!;
    assert.equal(o.length, rows.length * sizeOf(s.shape), `${s.name} length`);
    assert.ok(o.every(Number.isFinite), `${s.name} has non-finite values`);
  });
  if (spec.hasReward) {
    assert.ok(b.reward, "reward missing although spec.hasReward");
    assert.equal(b.reward.length, rows.length);
    assert.ok(b.reward.every(Number.isFinite));
  } else {
    assert.equal(b.reward, undefined, "reward sent although the task withholds it");
  }
  assert.equal(b.status.length, rows.length);
  for (const s of b.status) assert.ok(s === StepStatus.RUNNING || s === StepStatus.TERMINATED || s === StepStatus.TRUNCATED, `bad status ${s}`);
  assert.equal(b.isSuccess.length, rows.length);
  assert.equal(b.info.length, rows.length * spec.infoKeys.length);
}

export function vectorEnvContract(label: string, makeEnv: MakeVectorEnv, options: ContractOptions = {}): void {
  describe(`VectorEnv contract: ${label}`, () => {
    it("has a well-formed spec", async () => {
      const env = await makeEnv(1);
      try {
        const s = env.spec;
        assert.match(s.name, /-v\d+$/, "task names carry a version");
        assert.ok(s.observations.length >= 1);
        assert.ok(s.maxEpisodeSteps > 0);
        assert.ok(s.controlDt > 0);
        assert.equal(s.action.dtype, "float32");
        if (s.goalConditioned) {
          assert.deepEqual(s.observations.map((o) => o.name), ["observation", "achieved_goal", "desired_goal"]);
          assert.deepEqual(s.observations[1]!.shape, s.observations[2]!.shape);
        }
        for (const o of [...s.observations, s.action]) {
          if (o.minimum) assert.equal(o.minimum.length, sizeOf(o.shape), `${o.name} minimum length`);
          if (o.maximum) assert.equal(o.maximum.length, sizeOf(o.shape), `${o.name} maximum length`);
        }
        if (s.blackBox) assert.ok(!s.infoKeys.some((k) => k.startsWith("reward")), "a black box leaks reward terms in info");
      } finally {
        await env.close();
      }
    });

    it("resets and steps a batch, and every tensor matches the spec", async () => {
      const env = await makeEnv(3);
      try {
        const rng = new Rng(1);
        const r = await env.reset();
        checkBatch(env, r, [0, 1, 2]);
        assert.ok(r.status.every((s) => s === StepStatus.RUNNING), "reset leaves envs RUNNING");
        for (let t = 0; t < 5; t++) {
          const s = await env.step(randomActions(env, 3, rng));
          checkBatch(env, s, [0, 1, 2]);
          if (s.status.some((x) => x !== StepStatus.RUNNING)) break;
        }
      } finally {
        await env.close();
      }
    });

    it("gives bit-identical trajectories for the same seed and actions", async () => {
      const env = await makeEnv(2);
      try {
        const run = async (seed: number) => {
          const rng = new Rng(99);
          const frames: number[][] = [];
          const r = await env.reset([{ index: 0, seed }, { index: 1, seed: seed + 1 }]);
          frames.push(...r.observations.map((o) => Array.from(o)));
          for (let t = 0; t < 10; t++) {
            const s = await env.step(randomActions(env, 2, rng));
            frames.push(...s.observations.map((o) => Array.from(o)), Array.from(s.reward ?? []), Array.from(s.status));
            if (s.status.some((x) => x !== StepStatus.RUNNING)) break;
          }
          return frames;
        };
        const a = await run(123);
        const b = await run(123);
        const c = await run(456);
        assert.deepEqual(a, b);
        assert.notDeepEqual(a, c, "different seeds gave the same trajectory");
      } finally {
        await env.close();
      }
    });

    it("resets a subset without touching the other envs", async () => {
      const env = await makeEnv(2);
      try {
        const rng = new Rng(3);
        const a = randomActions(env, 2, rng);
        const b = randomActions(env, 1, rng);
        await env.reset([{ index: 0, seed: 1 }, { index: 1, seed: 2 }]);
        await env.step(a);
        const reference = await env.step(b, [1]);

        await env.reset([{ index: 0, seed: 1 }, { index: 1, seed: 2 }]);
        await env.step(a);
        const r = await env.reset([{ index: 0, seed: 5 }]);
        checkBatch(env, r, [0]);
        const again = await env.step(b, [1]);
        checkBatch(env, again, [1]);
        assert.deepEqual(again.observations.map((o) => Array.from(o)), reference.observations.map((o) => Array.from(o)), "resetting env 0 changed env 1");
      } finally {
        await env.close();
      }
    });

    it("refuses to step before reset (FAILED_PRECONDITION)", async () => {
      const env = await makeEnv(1);
      try {
        await rejectsWith(env.step(randomActions(env, 1, new Rng(0))), Code.FAILED_PRECONDITION, /reset/);
      } finally {
        await env.close();
      }
    });

    it("rejects wrong shapes and non-finite actions (INVALID_ARGUMENT) and loses nothing", async () => {
      const env = await makeEnv(1);
      try {
        const rng = new Rng(4);
        const a1 = randomActions(env, 1, rng);
        const a2 = randomActions(env, 1, rng);
        await env.reset([{ index: 0, seed: 7 }]);
        await env.step(a1);
        const reference = await env.step(a2);

        await env.reset([{ index: 0, seed: 7 }]);
        await env.step(a1);
        await rejectsWith(env.step(new Float32Array(a1.length + 1)), Code.INVALID_ARGUMENT, /expected shape/);
        const nan = a2.slice();
        nan[0] = Number.NaN;
        await rejectsWith(env.step(nan), Code.INVALID_ARGUMENT, /NaN/);
        const inf = a2.slice();
        inf[inf.length - 1] = Number.POSITIVE_INFINITY;
        await rejectsWith(env.step(inf), Code.INVALID_ARGUMENT, /Infinity/);
        const after = await env.step(a2);
        assert.deepEqual(after.observations.map((o) => Array.from(o)), reference.observations.map((o) => Array.from(o)), "a rejected step changed the env");
      } finally {
        await env.close();
      }
    });

    it("rejects unknown env indices (NOT_FOUND)", async () => {
      const env = await makeEnv(1);
      try {
        await env.reset();
        await rejectsWith(env.step(randomActions(env, 1, new Rng(0)), [5]), Code.NOT_FOUND);
        await rejectsWith(env.reset([{ index: 9 }]), Code.NOT_FOUND);
      } finally {
        await env.close();
      }
    });

    it("ends episodes with TERMINATED or TRUNCATED, then refuses steps until reset", async () => {
      const env = await makeEnv(1);
      try {
        const rng = new Rng(5);
        await env.reset([{ index: 0, seed: 11 }]);
        const limit = Math.min(env.spec.maxEpisodeSteps, options.maxStepsToEnd ?? Infinity);
        let last: BatchStep | undefined;
        let t = 0;
        for (; t < limit; t++) {
          last = await env.step(randomActions(env, 1, rng));
          if (last.status[0] !== StepStatus.RUNNING) break;
        }
        if (last!.status[0] === StepStatus.RUNNING) {
          assert.ok(limit < env.spec.maxEpisodeSteps, "still RUNNING after max_episode_steps");
          return; // capped run: the time limit was not reached
        }
        if (last!.status[0] === StepStatus.TRUNCATED) assert.equal(t + 1, env.spec.maxEpisodeSteps, "TRUNCATED before the time limit");
        await rejectsWith(env.step(randomActions(env, 1, rng)), Code.FAILED_PRECONDITION, /reset/);
        const r = await env.reset([{ index: 0 }]);
        assert.equal(r.status[0], StepStatus.RUNNING);
        await env.step(randomActions(env, 1, rng));
      } finally {
        await env.close();
      }
    });

    it("refuses every call after close (FAILED_PRECONDITION)", async () => {
      const env = await makeEnv(1);
      await env.reset();
      await env.close();
      await rejectsWith(env.reset(), Code.FAILED_PRECONDITION);
      await rejectsWith(env.step(randomActions(env, 1, new Rng(0))), Code.FAILED_PRECONDITION);
    });
  });
}
