// src/bench/scaling.ts: `simbridge bench scaling` on tiny settings (two points per
// curve, a tenth of a second per measurement). Shapes and finiteness only: no
// timing thresholds, the machine is shared.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { benchScaling, criticStepFlop, scalingPlots, scalingTable, type UpdatePoint } from "../../src/bench/scaling.js";
import { BENCH_SCALING, benchCommand } from "../../src/cli/bench.js";
import { UsageError } from "../../src/cli/args.js";
import { Code } from "../../src/core/errors.js";
import { rejectsWith } from "../helpers/rejects-with.js";

const positive = (x: unknown) => typeof x === "number" && Number.isFinite(x) && x > 0;

test("env curve: one point per envs count, finite positive rates in-process and over gRPC, their ratio, the native limit or why not", async () => {
  const r = await benchScaling({ curve: "envs", envs: [1, 2], seconds: 0.1, repeats: 1, nativeSeconds: 0.1 });
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r, "the JSON is the result (no NaN or Infinity turned into null)");
  assert.deepEqual(Object.keys(r).sort(), ["envs", "load_average_end", "load_average_start"]);
  for (const l of [r.load_average_start, r.load_average_end]) assert.equal(l.length, 3);
  const c = r.envs!;
  assert.deepEqual([c.task, c.seconds, c.repeats], ["Ant-v5", 0.1, 1]);
  assert.deepEqual(c.points.map((p) => p.envs_per_request), [1, 2]);
  for (const p of c.points) {
    for (const k of ["in_process_steps_per_s", "grpc_steps_per_s", "ratio"] as const) assert.ok(positive(p[k]), `envs ${p.envs_per_request}: ${k} ${p[k]}`);
    assert.ok(Math.abs(p.ratio - p.grpc_steps_per_s / p.in_process_steps_per_s) <= 0.002 + p.ratio * 0.01, `ratio ${p.ratio} is gRPC ÷ in-process`);
  }
  const lim = c.physical_limit;
  if (lim.available) {
    assert.ok(positive(lim.native_mj_steps_per_s) && positive(lim.env_steps_per_s));
    assert.equal(lim.env_steps_per_s, Math.round(lim.native_mj_steps_per_s / lim.frame_skip));
    assert.match(lim.native_mujoco_version, /^\d+\.\d+\.\d+$/);
  } else {
    assert.ok(!existsSync("/usr/include/mujoco/mujoco.h"), `native MuJoCo is installed but the limit is missing: ${lim.reason}`);
    assert.match(lim.reason, /libmujoco-dev/);
  }
  assert.match(scalingTable(r), /physical limit: /);
  assert.deepEqual(Object.keys(scalingPlots(r)), ["scaling-envs.svg"]);
  assert.match(scalingPlots(r)["scaling-envs.svg"]!, /^<svg[\s\S]*in-process[\s\S]*<\/svg>$/);
});

test("update curves: batch and hidden points, finite positive ms and GFLOP/s, PyTorch at every point or the reason why not", async () => {
  const r = await benchScaling({ curve: "update", batches: [8, 16], hiddenForBatches: 16, hiddens: [8, 16], batchForHiddens: 8, iters: 2, repeats: 1 });
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  assert.equal(r.envs, undefined);
  const u = r.update!;
  assert.deepEqual([u.in_dim, u.iters, u.batch_curve.hidden, u.hidden_curve.batch], [40, 2, 16, 8]);
  assert.deepEqual(u.batch_curve.points.map((p) => [p.batch, p.hidden]), [[8, 16], [16, 16]]);
  assert.deepEqual(u.hidden_curve.points.map((p) => [p.batch, p.hidden]), [[8, 8], [8, 16]]);
  const points: UpdatePoint[] = [...u.batch_curve.points, ...u.hidden_curve.points];
  for (const p of points) {
    assert.ok(positive(p.simbridge_ms) && positive(p.simbridge_gflop_per_s), JSON.stringify(p));
    if (u.pytorch.available) {
      assert.ok(positive(p.pytorch_ms) && positive(p.pytorch_gflop_per_s) && positive(p.simbridge_over_pytorch), JSON.stringify(p));
    } else {
      assert.deepEqual(Object.keys(p).sort(), ["batch", "hidden", "simbridge_gflop_per_s", "simbridge_ms"], "no PyTorch fields without PyTorch");
    }
  }
  if (!u.pytorch.available) assert.match(u.pytorch.reason, /python3|PyTorch/);
  assert.match(scalingTable(r), /critic Adam step/);
  assert.deepEqual(Object.keys(scalingPlots(r)), ["scaling-batch.svg", "scaling-hidden.svg"]);
});

test("criticStepFlop: 3 × the forward matmuls' 2·B·(in·h + h·h + h)", () => {
  assert.equal(criticStepFlop(256, 256, 40), 3 * 2 * 256 * (40 * 256 + 256 * 256 + 256));
});

test("bad option values are refused with a message naming the option, before anything runs", async () => {
  const usage = (argv: string[], message: RegExp) =>
    assert.throws(
      () => BENCH_SCALING.parse(argv),
      (e: unknown) => e instanceof UsageError && message.test(e.message),
    );
  usage(["--envs", "0,abc"], /^--envs: expected an integer ≥ 1, got '0'$/);
  usage(["--envs", "2,abc"], /^--envs: expected an integer ≥ 1, got 'abc'$/);
  usage(["--batch", "-4"], /--batch/);
  usage(["--curve", "both"], /^--curve: expected envs, update or all, got 'both'$/);
  usage(["--seconds", "0"], /^--seconds: expected a positive number, got '0'$/);
  await assert.rejects(benchCommand(["scaling", "--hidden", "x"]), (e: unknown) => e instanceof UsageError && /^--hidden: expected an integer ≥ 1, got 'x'/.test(e.message));
  // The function itself checks what a caller passes.
  await rejectsWith(benchScaling({ envs: [0, 2] }), Code.INVALID_ARGUMENT, /envs must be positive integers, got 0,2/);
  await rejectsWith(benchScaling({ batches: [] }), Code.INVALID_ARGUMENT, /batches needs at least one point/);
  await rejectsWith(benchScaling({ seconds: Number.NaN }), Code.INVALID_ARGUMENT, /seconds must be a positive number/);
  await rejectsWith(benchScaling({ curve: "both" as never }), Code.INVALID_ARGUMENT, /curve must be envs, update or all/);
});
