import { test } from "node:test";
import assert from "node:assert/strict";
import { benchPhysics } from "../../src/bench/physics.js";
import { Code, SimbridgeError } from "../../src/core/errors.js";

const positive = (x: unknown) => typeof x === "number" && Number.isFinite(x) && x > 0;

test("benchPhysics returns positive finite rates for Reacher-v5 and Ant-v5 (short run)", async () => {
  for (const [task, frameSkip] of [["Reacher-v5", 2], ["Ant-v5", 5]] as const) {
    const r = await benchPhysics({ task, seconds: 0.3, seed: 1 });
    assert.equal(r.task, task);
    assert.equal(r.frame_skip, frameSkip);
    assert.ok(positive(r.mj_steps_per_s), `mj_steps_per_s ${r.mj_steps_per_s}`);
    assert.ok(positive(r.env_steps_per_s), `env_steps_per_s ${r.env_steps_per_s}`);
    assert.ok(positive(r.env_mj_steps_per_s));
    assert.ok(Number.isFinite(r.env_over_raw_overhead) && r.env_over_raw_overhead > -1);
    assert.match(r.mujoco_version, /^\d+\.\d+/);
    // The native baseline is there, or a note says why not.
    if (r.native_mj_steps_per_s === undefined) assert.equal(typeof r.native_note, "string");
    else {
      assert.ok(positive(r.native_mj_steps_per_s));
      assert.ok(positive(r.wasm_over_native));
    }
    assert.doesNotThrow(() => JSON.stringify(r));
  }
});

test("benchPhysics rejects an unknown task and bad durations", async () => {
  await assert.rejects(benchPhysics({ task: "Nope-v0", seconds: 0.1 }), (e: unknown) => e instanceof SimbridgeError && e.code === Code.NOT_FOUND && /Nope-v0/.test(e.message));
  await assert.rejects(benchPhysics({ task: "Ant-v5", seconds: 0 }), (e: unknown) => e instanceof SimbridgeError && e.code === Code.INVALID_ARGUMENT);
});
