// Relay policy learning (src/algos/relay.ts) on PointPush-v0's shapes with
// scripted demonstrations recorded in-process: behaviour cloning lowers both
// levels' losses, an imitated policy reproduces a demonstrated action and
// subgoal, the fine-tuning storage by hand (sparse reaching reward, hindsight
// goals), updates without tensor leaks, checkpoints, and the refusals.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/nn/backend.js";
import { Rng } from "../../src/core/rng.js";
import { StepStatus } from "../../src/env/task.js";
import { InputEncoder } from "../../src/train/input-encoder.js";
import { TRAIN_DEFAULTS } from "../../src/train/train-run.js";
import type { CollectedStep } from "../../src/train/collector.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/nn/save-load.js";
import { demoSpecOf, EpisodeRecorder, writeDemonstrations, type DemoEpisode } from "../../src/replay/demonstrations.js";
import { Relay, RELAY_ARGS, RelayLearner, type RelayArgs } from "../../src/algos/relay.js";
import { pointPushV0 } from "../../sims/point/point-push-v0.js";
import { pointMazeV0 } from "../../sims/point/point-maze-v0.js";
import { pointPushScripted } from "../../sims/point/scripted.js";

await selectBackend("wasm");

const dir = mkdtempSync(join(tmpdir(), "relay-"));
const spec = pointPushV0.spec({});
const encoder = new InputEncoder(spec, false);

/** `count` scripted PointPush-v0 episodes from reset seeds seed0, seed0 + 1, …, written to a file; returns its path and the episodes. */
async function scriptedDemos(name: string, count: number, seed0 = 0): Promise<{ path: string; episodes: DemoEpisode[] }> {
  const task = await pointPushV0.create({});
  const recorder = new EpisodeRecorder(1);
  const episodes: DemoEpisode[] = [];
  for (let e = 0; e < count; e++) {
    task.reset(seed0 + e, {});
    recorder.begin(0, task.out.observations);
    for (let ended: DemoEpisode | undefined; !ended; ) {
      const o = task.out.observations;
      const action = pointPushScripted(o[0]!, o[2]!);
      task.step(action);
      ended = recorder.step(0, action, task.out.observations, task.out.reward, task.out.isSuccess, task.out.status);
      if (ended) episodes.push(ended);
    }
  }
  task.close();
  const path = join(dir, `${name}.sbd`);
  writeDemonstrations(path, { task: spec.name, policy: "scripted", seed: seed0, spec: demoSpecOf(spec), episodes });
  return { path, episodes };
}

const three = await scriptedDemos("three", 3);
const one = await scriptedDemos("one", 1, 7);

/** A small relay whose subgoal is the point's x, y (the hand computations below use 2-D subgoals). */
function relay(overrides: Partial<RelayArgs> = {}): Relay {
  return new Relay({ inputDim: encoder.inputDim, actDim: 2, goalDim: 2, seed: 1 }, { ...RELAY_ARGS, hidden: [32, 32], bcSteps: 0, bcBatchSize: 64, subgoalLow: [-1, -1], subgoalHigh: [1, 1], ...overrides });
}

function learner(agent: Relay, demos: string, schedule: Partial<typeof TRAIN_DEFAULTS> = {}): RelayLearner {
  return new RelayLearner(agent, {
    spec,
    encoder,
    schedule: { ...TRAIN_DEFAULTS, batchSize: 16, learningStarts: 0, ...schedule },
    rng: new Rng(9),
    envs: 1,
    rewardModel: undefined,
    onlineReward: undefined,
    demos,
  });
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]} (tolerance ${tol})`);
};

test("behaviour cloning on three demonstrations: both levels' MSE falls (mean of the last tenth of the steps vs the first)", () => {
  const agent = relay({ bcSteps: 300 });
  try {
    const l = learner(agent, three.path);
    const { imitation: i } = l;
    assert.equal(i.episodes, 3);
    // W_l = 5, W_h = 25 over three 50-step episodes: Σ_t min(W, 50 − t) per episode.
    assert.equal(i.lowTuples, 3 * (45 * 5 + 15));
    assert.equal(i.highTuples, 3 * (25 * 25 + (25 * 26) / 2));
    assert.ok(i.low[1] < 0.5 * i.low[0], `low level: ${i.low[0]} → ${i.low[1]}`);
    assert.ok(i.high[1] < 0.5 * i.high[0], `high level: ${i.high[0]} → ${i.high[1]}`);
    assert.deepEqual(Object.keys(l.stats()).sort(), ["bc_high_loss", "bc_low_loss", "demo_episodes", "low_replay_size"]);
  } finally {
    agent.dispose();
  }
});

test("imitation only: on a demonstrated state the policy takes the demonstrated action and commands the state W_l steps ahead", () => {
  const agent = relay({ bcSteps: 800, fineTune: 0, hidden: [64, 64] });
  try {
    learner(agent, one.path);
    const e = one.episodes[0]!;
    const [obs, , goal] = e.observations as [Float32Array, Float32Array, Float32Array];
    const input = Float32Array.from([...obs.subarray(0, 8), ...goal.subarray(0, 2)]);
    const acted = agent.act(input, 1, "deterministic", [agent.initialState()]);
    close(acted.actions, e.actions.subarray(0, 2), 0.1, "action at s_0");
    // For the desired goal (where the block ends) the relabelled subgoal is s_{0+W_l}[:2] = s_5's x, y.
    close(acted.extras!["subgoal"]!, obs.subarray(5 * 8, 5 * 8 + 2), 0.05, "subgoal at s_0");
    assert.deepEqual([...acted.extras!["subgoal_target"]!], [...acted.extras!["subgoal"]!]);
  } finally {
    agent.dispose();
  }
});

/** One collected step of one env from point (x, y) to (x', y') (block far away), acting under `subgoal`. */
function step(from: [number, number], to: [number, number], subgoal: [number, number], status: StepStatus = StepStatus.RUNNING): CollectedStep {
  const obs = (p: [number, number]) => [Float32Array.from([p[0], p[1], 0, 0, 0.8, 0.8, 0.8 - p[0], 0.8 - p[1]]), Float32Array.from([0.8, 0.8]), Float32Array.from([0.5, -0.5])];
  return {
    kind: "step",
    envs: 1,
    obs: obs(from),
    input: Float32Array.from([...obs(from)[0]!, 0.5, -0.5]),
    actions: Float32Array.from([to[0] - from[0], to[1] - from[1]].map((d) => d * 10)),
    extras: { subgoal: Float32Array.from(subgoal), subgoal_target: Float32Array.from(subgoal) },
    randomActions: false,
    nextObs: obs(to),
    reward: Float64Array.of(-1),
    status: Uint8Array.of(status),
    isSuccess: Uint8Array.of(0),
  };
}

test("fine-tuning storage: each step once for the subgoal lived and once per hindsight goal; reward 0 and the end exactly where the subgoal is reached", () => {
  const agent = relay({ period: 2, hindsightGoals: 1, subgoalThreshold: 0.05 });
  try {
    const l = learner(agent, three.path);
    // Segment 1: (0, 0) → (0.1, 0) → (0.2, 0) under the subgoal (0.2, 0.02): reached at the second step (0.02 < 0.05).
    l.observe(step([0, 0], [0.1, 0], [0.2, 0.02]));
    assert.equal(l.stats()["low_replay_size"], 0, "the segment is stored when it closes");
    l.observe(step([0.1, 0], [0.2, 0], [0.2, 0.02]));
    assert.equal(l.stats()["low_replay_size"], 4);
    assert.equal(l.stats()["subgoal_reached"], 1);
    const rows = l.replay.gather([0, 1, 2, 3]);
    const dims = agent.lowInputDim;
    // Inputs: [s with x, y zeroed, g − s[:2]]; the first row: s = (0, 0), g = the subgoal lived.
    close(rows.obs.subarray(0, dims), [0, 0, 0, 0, 0.8, 0.8, 0.8, 0.8, 0.2, 0.02], 1e-6, "row 0 input");
    close(rows.nextObs.subarray(0, dims), [0, 0, 0, 0, 0.8, 0.8, 0.7, 0.8, 0.1, 0.02], 1e-6, "row 0 next input");
    close(rows.action.subarray(0, 2), [1, 0], 1e-6, "row 0 action");
    // Row 0: (0.1, 0) is 0.1 from (0.2, 0.02): −1, not the end. Row 2: (0.2, 0) reaches it: 0, the end.
    assert.deepEqual([rows.reward[0], rows.terminated[0]], [-1, 0]);
    assert.deepEqual([rows.reward[2], rows.terminated[2]], [0, 1]);
    // Row 1: step 0 with a hindsight goal, (0.1, 0) or (0.2, 0): reached only when it is (0.1, 0).
    const g1 = [rows.obs[dims + 8]!, rows.obs[dims + 9]!];
    const hit1 = Math.hypot(g1[0]! - 0.1, g1[1]!) < 1e-6;
    assert.ok(hit1 || Math.hypot(g1[0]! - 0.2, g1[1]!) < 1e-6, `hindsight goal ${g1}`);
    assert.deepEqual([rows.reward[1], rows.terminated[1]], hit1 ? [0, 1] : [-1, 0]);
    // Row 3: step 1's only later state is (0.2, 0), which it reaches.
    close(rows.obs.subarray(3 * dims + 8, 3 * dims + 10), [0.2 - 0.1, 0], 1e-6, "row 3 hindsight goal − s");
    assert.deepEqual([rows.reward[3], rows.terminated[3]], [0, 1]);
    // An episode that ends after one step closes its partial segment; (0.3, 0.3) misses (0.9, 0.9).
    l.observe(step([0.2, 0], [0.3, 0.3], [0.9, 0.9], StepStatus.TRUNCATED));
    assert.equal(l.stats()["low_replay_size"], 6);
    assert.equal(l.stats()["subgoal_reached"], 1 / 2);
  } finally {
    agent.dispose();
  }
});

test("fine-tuning: updates after learningStarts with finite losses (the BC regulariser included), no tensor leaks", () => {
  const agent = relay({ period: 3, bcSteps: 5 });
  try {
    const l = learner(agent, three.path, { learningStarts: 10 });
    const rng = new Rng(4);
    const state = agent.initialState();
    let x = 0;
    let y = 0;
    const run = (n: number, from: number) => {
      const seen = new Set<string>();
      for (let i = 0; i < n; i++) {
        const input = Float32Array.from([x, y, 0, 0, 0.8, 0.8, 0.8 - x, 0.8 - y, 0.5, -0.5]);
        const acted = agent.act(input, 1, "explore", [state]);
        const to: [number, number] = [x + 0.1 * acted.actions[0]!, y + 0.1 * acted.actions[1]!];
        l.observe({ ...step([x, y], to, [0, 0]), actions: acted.actions, extras: acted.extras! });
        [x, y] = to;
        x += 0.01 * rng.normal();
        const losses = l.train(from + i + 1);
        if (from + i + 1 < 10) assert.equal(losses, undefined);
        for (const [k, v] of Object.entries(losses ?? {})) {
          seen.add(k);
          assert.ok(Number.isFinite(v), `${k} = ${v}`);
        }
      }
      return seen;
    };
    run(20, 0);
    const before = tf.memory().numTensors;
    const seen = run(30, 20);
    assert.equal(tf.memory().numTensors, before, "tensors leaked");
    assert.deepEqual([...seen].sort(), ["low_actor_loss", "low_bc_loss", "low_critic_loss"]);
    assert.ok(agent.low.updates > 0);
  } finally {
    agent.dispose();
  }
});

test("fineTune 0: imitation only — nothing is stored, no update runs, the policy acts without noise", () => {
  const agent = relay({ fineTune: 0, bcSteps: 2 });
  try {
    const l = learner(agent, three.path);
    l.observe(step([0, 0], [0.1, 0], [0.2, 0]));
    assert.equal(l.train(5000), undefined);
    assert.equal(l.replay.size, 0);
    assert.equal(l.serializeStorage(true), undefined);
    const input = Float32Array.from([0.1, 0.1, 0, 0, 0.3, 0.3, 0.2, 0.2, 0.5, -0.5]);
    assert.deepEqual([...agent.act(input, 1, "explore").actions], [...agent.act(input, 1, "deterministic").actions]);
  } finally {
    agent.dispose();
  }
});

test("checkpoint round trip: both levels, the optimisers and the counters restore exactly", async () => {
  const ckpt = join(dir, "ckpt");
  const agent = relay({ bcSteps: 20 });
  const copy = relay();
  try {
    learner(agent, three.path);
    await saveCheckpoint(ckpt, agent.checkpointContents());
    const manifest = await loadCheckpoint(ckpt, copy.checkpointContents());
    copy.restoreMeta(manifest.meta);
    const input = Float32Array.from([0.2, -0.1, 0, 0, 0.3, 0.1, 0.1, 0.2, 0.5, 0.5]);
    const a = agent.act(input, 1, "deterministic", [agent.initialState()]);
    const b = copy.act(input, 1, "deterministic", [copy.initialState()]);
    assert.deepEqual([...b.actions], [...a.actions]);
    assert.deepEqual([...b.extras!["subgoal"]!], [...a.extras!["subgoal"]!]);
    assert.equal(copy.highOptimizer.step, agent.highOptimizer.step);
    assert.equal(copy.low.actorOptimizer.step, 20);
  } finally {
    agent.dispose();
    copy.dispose();
    rmSync(ckpt, { recursive: true, force: true });
  }
});

test("refuses: no demonstrations, another task's, --her, normalised inputs, bad arguments, a task without goals", async () => {
  const agent = relay();
  try {
    assert.throws(() => learner(agent, ""), /relay imitates demonstrations: give --demos FILE \(record one with: simbridge collect/);
    assert.throws(() => learner(agent, join(dir, "missing.sbd")), /missing\.sbd does not exist/);
    const maze = pointMazeV0.spec({});
    const mazeEncoder = new InputEncoder(maze, false);
    const mazeRelay = new Relay({ inputDim: mazeEncoder.inputDim, actDim: 2, goalDim: 2, seed: 1 }, { ...RELAY_ARGS, hidden: [8], bcSteps: 0 });
    try {
      const context = { spec: maze, encoder: mazeEncoder, schedule: TRAIN_DEFAULTS, rng: new Rng(1), envs: 1, rewardModel: undefined, onlineReward: undefined, demos: three.path };
      assert.throws(() => new RelayLearner(mazeRelay, context), /were recorded on 'PointPush-v0', but this run's task is PointMaze-v0/);
    } finally {
      mazeRelay.dispose();
    }
    assert.throws(() => learner(agent, three.path, { her: true }), /--her does not apply/);
    assert.throws(
      () => new RelayLearner(agent, { spec, encoder: new InputEncoder(spec, true), schedule: TRAIN_DEFAULTS, rng: new Rng(1), envs: 1, rewardModel: undefined, onlineReward: undefined, demos: three.path }),
      /raw network inputs/,
    );
    assert.throws(() => relay({ fineTune: 2 }), /fineTune is 1 .* or 0/);
    assert.throws(() => relay({ subgoalLow: [-1, -1, -1] }), /subgoalLow and subgoalHigh/);
    assert.throws(() => relay({ windowLow: 0 }), /windowLow must be an integer ≥ 1/);
    assert.throws(() => new Relay({ inputDim: 4, actDim: 2, seed: 0 }), /goal-conditioned task/);
  } finally {
    agent.dispose();
  }
});
