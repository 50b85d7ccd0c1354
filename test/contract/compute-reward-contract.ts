/**
 * The conformance suite of `compute_reward` (proto/simbridge/v1/session.proto,
 * ComputeRewardRequest): what every goal-task server must do when it
 * announces the capability "compute_reward" — and what a black box must do
 * instead. Reusable like vector-env-contract.ts: call it from a test file
 * with a way to open a session.
 *
 *     computeRewardContract("Cart2D-v0 (Python)", { open: () => Connection.open(address), task: "Cart2D-v0" });
 *     computeRewardRefusedContract("Cart2D-v0 (Python, black box)", { open: () => Connection.open(blackBox), task: "Cart2D-v0" });
 *
 * Pick `options` under which random actions give at least two different step
 * rewards (a generous distance threshold, or a dense reward): the suite
 * checks that, so that "rewards equal the step rewards" cannot pass with a
 * constant.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Code } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import type { Connection } from "../../src/client/connection.js";
import { sizeOf } from "../../src/env/spec.js";
import { StepStatus, type Options, type TaskSpec } from "../../src/env/task.js";
import { encodeOptions } from "../../src/protocol/spec-codec.js";
import { encodeTensor } from "../../src/protocol/tensor-codec.js";
import type { Tensor } from "../../src/protocol/generated/simbridge/v1/Tensor.js";
import { rejectsWith } from "../helpers/rejects-with.js";

export interface ComputeRewardTarget {
  /** Opens a new session with the server (the suite closes it). */
  readonly open: () => Promise<Connection>;
  /** A goal task of the server's catalogue. */
  readonly task: string;
  /** Make options for the envs and the reward function. */
  readonly options?: Options;
  /** A task of the same server without a reward function (not goal-conditioned), when it has one. */
  readonly taskWithoutRewardFunction?: string;
}

const CAPABILITY = "compute_reward";

async function withSession<T>(open: () => Promise<Connection>, body: (c: Connection) => Promise<T>): Promise<T> {
  const c = await open();
  try {
    return await body(c);
  } finally {
    c.close();
  }
}

function goalShape(spec: TaskSpec): number[] {
  const g = spec.observations.find((o) => o.name === "achieved_goal");
  assert.ok(g, `${spec.name} has no achieved_goal`);
  const d = spec.observations.find((o) => o.name === "desired_goal");
  assert.deepEqual(d?.shape, g.shape, "desired_goal and achieved_goal have different shapes");
  return [...g.shape];
}

/**
 * Real transitions of `numEnvs` envs under seeded random actions: each
 * step's achieved goal (after the step), desired goal and reward, row by row.
 * Ended envs are reset with a new seed and go on.
 */
async function transitions(c: Connection, task: string, options: Options, numEnvs: number, steps: number) {
  const { envIds, spec } = await c.makeEnvs(task, numEnvs, options);
  const a = spec.observations.findIndex((o) => o.name === "achieved_goal");
  const d = spec.observations.findIndex((o) => o.name === "desired_goal");
  const g = sizeOf(spec.observations[a]!.shape);
  const per = sizeOf(spec.action.shape);
  const rng = new Rng(4242);
  let seed = 100;
  await c.reset(envIds.map((envId) => ({ envId, seed: seed++ })));
  const achieved: number[] = [];
  const desired: number[] = [];
  const reward: number[] = [];
  for (let t = 0; t < steps; t++) {
    const actions = new Float32Array(envIds.length * per);
    for (let i = 0; i < actions.length; i++) {
      const lo = spec.action.minimum?.[i % per] ?? -1;
      const hi = spec.action.maximum?.[i % per] ?? 1;
      actions[i] = rng.uniformRange(Number.isFinite(lo) ? lo : -1, Number.isFinite(hi) ? hi : 1);
    }
    const s = await c.step(envIds, actions, [envIds.length, ...spec.action.shape]);
    assert.ok(s.reward, `${task} sent no step reward, yet offers its reward function`);
    for (let row = 0; row < envIds.length; row++) {
      achieved.push(...s.observations[a]!.subarray(row * g, (row + 1) * g));
      desired.push(...s.observations[d]!.subarray(row * g, (row + 1) * g));
      reward.push(s.reward[row]!);
    }
    const ended = envIds.filter((_, row) => s.status[row] !== StepStatus.RUNNING);
    if (ended.length) await c.reset(ended.map((envId) => ({ envId, seed: seed++ })));
  }
  await c.closeEnvs(envIds);
  return { spec, achieved: Float32Array.from(achieved), desired: Float32Array.from(desired), reward, n: reward.length, g };
}

function f32(values: readonly number[]): Tensor {
  return encodeTensor(Float32Array.from(values), [values.length]);
}

/** A FLOAT32 tensor of `rows` × goal shape, filled with `fill`. */
function goals(rows: number, shape: readonly number[], fill = 0.1): Tensor {
  return encodeTensor(new Float32Array(rows * sizeOf(shape)).fill(fill), [rows, ...shape]);
}

export function computeRewardContract(label: string, target: ComputeRewardTarget): void {
  const options = target.options ?? {};
  describe(`compute_reward contract: ${label}`, () => {
    it("announces the capability, and the task's spec says has_reward_function", async () => {
      await withSession(target.open, async (c) => {
        assert.ok(c.server.capabilities.includes(CAPABILITY), `capabilities: ${c.server.capabilities.join(", ")}`);
        const spec = (await c.listTasks()).find((s) => s.name === target.task);
        assert.ok(spec, `${target.task} is not in the catalogue`);
        assert.deepEqual([spec.hasRewardFunction, spec.goalConditioned, spec.hasReward, spec.blackBox], [true, true, true, false]);
        goalShape(spec);
        const made = await c.makeEnvs(target.task, 1, options);
        assert.equal(made.spec.hasRewardFunction, true, "the spec under the options");
        await c.closeEnvs(made.envIds);
      });
    });

    it("rewards equal the task's own step rewards for the same (achieved, desired) pairs, row by row", async () => {
      await withSession(target.open, async (c) => {
        const t = await transitions(c, target.task, options, 4, 30);
        const shape = [t.n, ...goalShape(t.spec)];
        const got = await c.computeReward(target.task, t.achieved, t.desired, shape, options);
        assert.ok(got instanceof Float64Array && got.length === t.n, "reward: FLOAT64 [n]");
        for (let i = 0; i < t.n; i++) {
          // Exact for rewards computed from the goals as they travel (float32); a
          // dense reward computed from the simulator's float64 state may differ by float32 rounding.
          assert.ok(Math.abs(got[i]! - t.reward[i]!) <= 1e-6 * Math.max(1, Math.abs(t.reward[i]!)), `pair ${i}: compute_reward ${got[i]}, step reward ${t.reward[i]}`);
        }
        assert.ok(new Set(t.reward).size >= 2, `every step reward was ${t.reward[0]}: choose options under which random actions give different rewards`);
        // Rows are independent: the pairs in reverse order get the rewards in reverse order.
        const reverse = (a: Float32Array) => {
          const out = new Float32Array(a.length);
          for (let i = 0; i < t.n; i++) out.set(a.subarray((t.n - 1 - i) * t.g, (t.n - i) * t.g), i * t.g);
          return out;
        };
        const back = await c.computeReward(target.task, reverse(t.achieved), reverse(t.desired), shape, options);
        assert.deepEqual(Array.from(back).reverse(), Array.from(got));
        // An empty batch is a batch.
        const empty = await c.computeReward(target.task, new Float32Array(0), new Float32Array(0), [0, ...goalShape(t.spec)], options);
        assert.equal(empty.length, 0);
      });
    });

    it("refuses bad requests with their code, naming the field; nothing changes and the session goes on", async () => {
      await withSession(target.open, async (c) => {
        const spec = (await c.listTasks()).find((s) => s.name === target.task)!;
        const g = goalShape(spec);
        const gs = g.join(", ");
        const wide = [...g.slice(0, -1), g.at(-1)! + 1];
        const base = { task: target.task, options: encodeOptions(options) };
        const nan = goals(3, g);
        nan.data = Buffer.from(Float32Array.from({ length: 3 * sizeOf(g) }, (_, i) => (i === 2 ? NaN : 0)).buffer);
        const inf = goals(3, g);
        inf.data = Buffer.from(Float32Array.from({ length: 3 * sizeOf(g) }, (_, i) => (i === 1 ? Infinity : 0)).buffer);
        const short = goals(3, g);
        short.data = Buffer.alloc(2 * sizeOf(g) * 4);
        const cases: Array<[string, object, number, string, RegExp]> = [
          ["achieved_goal of the wrong goal shape", { achieved_goal: goals(3, wide), desired_goal: goals(3, g) }, Code.INVALID_ARGUMENT, "achieved_goal", new RegExp(`expected shape \\[3, ${gs}\\] but got \\[3, ${wide.join(", ")}\\]`)],
          ["desired_goal with other rows than achieved_goal", { achieved_goal: goals(3, g), desired_goal: goals(2, g) }, Code.INVALID_ARGUMENT, "desired_goal", new RegExp(`expected shape \\[3, ${gs}\\] but got \\[2, ${gs}\\]`)],
          ["achieved_goal without its batch dimension", { achieved_goal: f32(new Array(sizeOf(g)).fill(0)), desired_goal: goals(1, g) }, Code.INVALID_ARGUMENT, "achieved_goal", /expected shape \[n, /],
          ["achieved_goal as FLOAT64", { achieved_goal: encodeTensor(new Float64Array(sizeOf(g)), [1, ...g]), desired_goal: goals(1, g) }, Code.INVALID_ARGUMENT, "achieved_goal", /float32/],
          ["no desired_goal", { achieved_goal: goals(1, g) }, Code.INVALID_ARGUMENT, "desired_goal", /missing/],
          ["bytes that do not match the shape", { achieved_goal: short, desired_goal: goals(3, g) }, Code.INVALID_ARGUMENT, "achieved_goal", /bytes/],
          ["NaN in desired_goal", { achieved_goal: goals(3, g), desired_goal: nan }, Code.INVALID_ARGUMENT, "desired_goal", /NaN/],
          ["Infinity in achieved_goal", { achieved_goal: inf, desired_goal: goals(3, g) }, Code.INVALID_ARGUMENT, "achieved_goal", /Infinity/],
          ["an unknown task", { task: "NoSuchTask-v0", achieved_goal: goals(1, g), desired_goal: goals(1, g) }, Code.NOT_FOUND, "task", /NoSuchTask-v0/],
          ["an unknown option", { options: encodeOptions({ no_such_option: 1 }), achieved_goal: goals(1, g), desired_goal: goals(1, g) }, Code.INVALID_ARGUMENT, "options.no_such_option", /no_such_option/],
        ];
        if (target.taskWithoutRewardFunction) {
          const other = target.taskWithoutRewardFunction;
          cases.push([`${other}, which has no reward function`, { task: other, options: {}, achieved_goal: goals(1, g), desired_goal: goals(1, g) }, Code.UNIMPLEMENTED, "task", new RegExp(`${other}.*no reward function`)]);
        }
        for (const [what, fields, code, field, pattern] of cases) {
          const e = await rejectsWith(c.request({ compute_reward: { ...base, ...fields } }), code, pattern);
          assert.equal(e.field, `compute_reward.${field}`, what);
        }
        // The session goes on: a good request still gets its rewards.
        const ok = await c.computeReward(target.task, new Float32Array(sizeOf(g)), new Float32Array(sizeOf(g)), [1, ...g], options);
        assert.equal(ok.length, 1);
      });
    });
  });
}

/** What a black box (or a server without the capability) must do: not announce it, and refuse with UNIMPLEMENTED. */
export function computeRewardRefusedContract(label: string, target: Pick<ComputeRewardTarget, "open" | "task">): void {
  describe(`compute_reward refused: ${label}`, () => {
    it("does not announce compute_reward, the spec has no reward function, and a request is UNIMPLEMENTED naming the task; the session goes on", async () => {
      await withSession(target.open, async (c) => {
        assert.ok(!c.server.capabilities.includes(CAPABILITY), `a black box announces ${CAPABILITY}`);
        const spec = (await c.listTasks()).find((s) => s.name === target.task);
        assert.ok(spec, `${target.task} is not in the catalogue`);
        assert.equal(spec.blackBox, true);
        assert.ok(!spec.hasRewardFunction, "a black box says has_reward_function");
        const g = goalShape(spec);
        const e = await rejectsWith(
          c.computeReward(target.task, new Float32Array(2 * sizeOf(g)), new Float32Array(2 * sizeOf(g)), [2, ...g]),
          Code.UNIMPLEMENTED,
          new RegExp(`${target.task}.*black box`),
        );
        assert.equal(e.field, "compute_reward.task");
        assert.ok((await c.listTasks()).length > 0, "the session goes on");
      });
    });
  });
}
