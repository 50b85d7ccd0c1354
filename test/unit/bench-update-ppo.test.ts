import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { benchUpdatePpo } from "../../src/bench/update.js";
import { benchCommand } from "../../src/cli/bench.js";
import { UsageError } from "../../src/cli/args.js";

const POSITIVE = [
  "epoch_ms",
  "minibatch_step_ms",
  "baseline_naive_tfjs_epoch_ms",
  "speedup",
  "act_ms",
  "baseline_naive_tfjs_act_ms",
  "act_speedup",
  "max_weight_change",
] as const;

test("benchUpdatePpo: the fields, positive finite numbers, the baseline learns the same weights, no tensors left behind", async () => {
  const result = await benchUpdatePpo({ rows: 128, iters: 1, backend: "wasm" });
  assert.equal(result.algo, "ppo");
  assert.match(result.backend, /^wasm/);
  assert.deepEqual(
    { rows: result.rows, obs_dim: result.obs_dim, act_dim: result.act_dim, hidden: result.hidden, minibatches: result.minibatches, minibatch: result.minibatch, act_rows: result.act_rows },
    { rows: 128, obs_dim: 10, act_dim: 2, hidden: [64, 64], minibatches: 32, minibatch: 4, act_rows: 8 },
  );
  for (const key of POSITIVE) assert.ok(Number.isFinite(result[key]) && result[key] > 0, `${key} = ${result[key]}`);
  // Same start, same minibatches, one epoch each: float32 rounding apart, the same weights.
  assert.ok(Number.isFinite(result.baseline_max_weight_diff) && result.baseline_max_weight_diff < 1e-2 * result.max_weight_change, JSON.stringify(result));

  const before = tf.memory().numTensors;
  await benchUpdatePpo({ rows: 40, obsDim: 3, actDim: 1, actRows: 2, iters: 1, backend: "wasm" });
  assert.equal(tf.memory().numTensors, before);
});

test("bench update --algo ppo prints one JSON line; flags of the other algorithm are refused", async () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(" "));
  try {
    await benchCommand(["update", "--algo", "ppo", "--rows", "64", "--obs-dim", "4", "--act-dim", "3", "--iters", "1", "--backend", "wasm", "--json"]);
  } finally {
    console.log = log;
  }
  assert.equal(lines.length, 1);
  const out = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(out["algo"], "ppo");
  assert.equal(out["rows"], 64);
  assert.equal(out["obs_dim"], 4);
  assert.equal(out["act_dim"], 3);
  for (const key of POSITIVE) assert.ok(typeof out[key] === "number" && Number.isFinite(out[key]) && (out[key] as number) > 0, `${key} = ${String(out[key])}`);

  await assert.rejects(benchCommand(["update", "--algo", "ppo", "--batch", "8"]), UsageError);
  await assert.rejects(benchCommand(["update", "--rows", "64"]), UsageError);
  await assert.rejects(benchCommand(["update", "--algo", "sac"]), UsageError);
});
