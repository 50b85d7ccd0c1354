// Checks every off-policy agent (src/algos/agent.ts) must pass,
// whatever its update rule: no tensor leaks, a checkpoint that restores the
// agent exactly, and a one-step bandit learned. Each algorithm's test file
// builds the agent and adds its own assertions.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { loadCheckpoint, saveCheckpoint } from "../../src/nn/save-load.js";
import type { OffPolicyAgent, TransitionBatch } from "../../src/algos/agent.js";
import { Rng } from "../../src/core/rng.js";

/** Random transitions in [−1, 1]; about one in ten is terminal. */
export function randomBatch(rng: Rng, rows: number, inputDim: number, actDim: number): TransitionBatch {
  const fill = (n: number) => Float32Array.from({ length: n }, () => rng.uniformRange(-1, 1));
  return {
    rows,
    obs: fill(rows * inputDim),
    action: fill(rows * actDim),
    reward: fill(rows),
    nextObs: fill(rows * inputDim),
    terminated: Float32Array.from({ length: rows }, () => (rng.uniform() < 0.1 ? 1 : 0)),
  };
}

/**
 * 300 updates on one batch, each followed by an act call (explore and
 * deterministic in turn): the tensor count must not move. `checkLosses` sees
 * every update's losses.
 */
export function assertNoTensorLeaks(agent: OffPolicyAgent, checkLosses: (losses: Record<string, number>) => void): void {
  const batch = randomBatch(new Rng(2), 32, agent.inputDim, agent.actDim);
  // The first calls create optimiser slots and other lasting tensors: count after them.
  agent.update(batch);
  agent.act(batch.obs, 32, "explore");
  const before = tf.memory().numTensors;
  for (let i = 0; i < 300; i++) {
    checkLosses(agent.update(batch));
    agent.act(batch.obs.subarray(0, 4 * agent.inputDim), 4, i % 2 === 0 ? "explore" : "deterministic");
  }
  assert.equal(tf.memory().numTensors, before);
}

/** What the algorithm's own checks get after a save → load round trip. */
export interface RoundTrip {
  /** Trained for 5 updates, then saved. */
  readonly saved: OffPolicyAgent;
  /** Made with another seed, then loaded from the checkpoint of `saved`. */
  readonly loaded: OffPolicyAgent;
  /** 8 rows of random transitions the actions were compared on. */
  readonly probe: TransitionBatch;
  /** The losses of the update both made after the load (identical). */
  readonly losses: Record<string, number>;
}

/**
 * save → load → identical actions and an identical next update. `make(seed)`
 * builds the agent; `then` adds the algorithm's own checks. Both agents and the
 * checkpoint folder are removed afterwards.
 */
export async function assertSaveLoadRoundTrip(make: (seed: number) => OffPolicyAgent, then: (r: RoundTrip) => void): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "agent-ckpt-"));
  const agents: OffPolicyAgent[] = [];
  try {
    const rng = new Rng(5);
    const saved = make(11);
    agents.push(saved);
    const { inputDim, actDim } = saved;
    for (let i = 0; i < 5; i++) saved.update(randomBatch(rng, 16, inputDim, actDim));
    saved.act(new Float32Array(inputDim), 1, "explore"); // advances the exploration RNG, which the checkpoint must carry
    await saveCheckpoint(dir, saved.checkpointContents());

    const loaded = make(99);
    agents.push(loaded);
    const probe = randomBatch(rng, 8, inputDim, actDim);
    assert.notDeepEqual(loaded.act(probe.obs, 8, "deterministic").actions, saved.act(probe.obs, 8, "deterministic").actions);
    const manifest = await loadCheckpoint(dir, loaded.checkpointContents());
    loaded.restoreMeta(manifest.meta);

    assert.deepEqual(loaded.act(probe.obs, 8, "deterministic").actions, saved.act(probe.obs, 8, "deterministic").actions);
    assert.deepEqual(loaded.act(probe.obs, 8, "explore").actions, saved.act(probe.obs, 8, "explore").actions);
    const next = randomBatch(rng, 16, inputDim, actDim);
    const losses = saved.update(next);
    assert.deepEqual(loaded.update(next), losses);
    then({ saved, loaded, probe, losses });
  } finally {
    for (const agent of agents) agent.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A one-step bandit: three fixed observations, reward −(a − 0.5)², every step
 * terminal; each of `steps` updates sees 64 explored actions. The agent
 * (inputDim 3, actDim 1) must start more than 0.2 away from 0.5 and end with a
 * deterministic action within 0.1 of it.
 */
export function assertLearnsOneStepBandit(agent: OffPolicyAgent, steps: number): void {
  const obs = [0.3, -0.2, 0.5];
  const rows = 64;
  const o = Float32Array.from({ length: rows * 3 }, (_, i) => obs[i % 3]!);
  const start = agent.act(o.subarray(0, 3), 1, "deterministic").actions[0]!;
  assert.ok(Math.abs(start - 0.5) > 0.2, `starts away from 0.5: ${start}`);
  for (let step = 0; step < steps; step++) {
    const action = agent.act(o, rows, "explore").actions;
    const reward = Float32Array.from(action, (a) => -((a - 0.5) ** 2));
    agent.update({ rows, obs: o, action, reward, nextObs: o, terminated: new Float32Array(rows).fill(1) });
  }
  const final = agent.act(o.subarray(0, 3), 1, "deterministic").actions[0]!;
  assert.ok(Math.abs(final - 0.5) < 0.1, `deterministic action ${final}`);
}
