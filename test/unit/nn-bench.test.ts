import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { benchUpdate } from "../../src/bench/update.js";
import { benchGahilRound } from "../../src/bench/gahil-round.js";

test("benchUpdate smoke: positive finite numbers, no tensors left behind", async () => {
  const result = await benchUpdate({ batch: 8, hidden: 16, obsDim: 5, actDim: 2, iters: 3, backend: "wasm" });
  assert.match(result.backend, /^wasm/);
  for (const key of ["critic_step_ms", "td3_update_ms", "forward_ms", "baseline_transpose_flag_critic_step_ms"] as const) {
    assert.ok(Number.isFinite(result[key]) && result[key] > 0, `${key} = ${result[key]}`);
  }
  // Both sides when python3-torch is installed (this machine), the reason otherwise (CI's).
  if (result.pytorch.available) {
    assert.ok(result.pytorch.ms > 0 && Math.abs(result.pytorch.simbridge_over_pytorch - result.critic_step_ms / result.pytorch.ms) < 0.01, JSON.stringify(result.pytorch));
  } else {
    assert.match(result.pytorch.reason, /PyTorch|python/);
  }
  const before = tf.memory().numTensors;
  await benchUpdate({ batch: 8, hidden: 16, obsDim: 5, actDim: 2, iters: 3, backend: "wasm" });
  assert.equal(tf.memory().numTensors, before);
});

test("benchGahilRound: one discriminator round timed, the PyTorch side or why not, no tensors left behind", async () => {
  const before = tf.memory().numTensors;
  const r = await benchGahilRound({ batch: 16, goalDim: 2, obsDim: 6, actDim: 2, iters: 2, backend: "wasm" });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual([r.rows_per_class, r.steps_per_round, r.input_size, r.hidden], [16, 6, 2 + 2 + 6 + 6 + 2, [400, 300]]);
  assert.ok(Number.isFinite(r.round_ms) && r.round_ms > 0, JSON.stringify(r));
  if (r.pytorch.available) assert.ok(r.pytorch.ms > 0 && r.pytorch.simbridge_over_pytorch > 0, JSON.stringify(r.pytorch));
  else assert.match(r.pytorch.reason, /PyTorch|python/);
});
