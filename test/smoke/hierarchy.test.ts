// Hierarchical learners over gRPC (the embedded server on loopback): each
// must improve on PointMaze-v0 within a short budget, and its run folder must
// show the subgoals it pursued.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evalRun, trainArgs, trainRun, type TrainArgs } from "../../src/train/train-run.js";
import { readMetrics } from "../../src/train/metrics-log.js";
import { quiet } from "../helpers/training-runs.js";
import { builtinRegistry } from "../../sims/catalog.js";
import { startServer } from "../../src/server/server.js";
import { RemoteVectorEnv } from "../../src/client/remote-vector-env.js";
import { collectDemonstrations, scriptedPolicy } from "../../src/cli/collect.js";
import { demoSpecOf, writeDemonstrations } from "../../src/replay/demonstrations.js";

/**
 * PointMaze-v0 cut to 50-step episodes with the goal fixed in the first
 * corridor cell (4, 0), dense reward: an untrained policy rarely gets there.
 * 3000 steps on 2 envs, 64×64 networks; subgoals every 5 steps within ±2
 * (what 5 steps of at most 0.2 can reach) and actor lr 1e-3 (the paper's
 * 1e-4 learns nothing measurable in 3000 steps: success 0–0.36 on seeds 0–2).
 */
function hiroArgs(overrides: Partial<TrainArgs>): TrainArgs {
  return trainArgs("PointMaze-v0", {
    algo: "hiro",
    envs: 2,
    backend: "wasm",
    checkpointEvery: 0,
    taskOptions: { max_episode_steps: 50, goal: "4,0" },
    steps: 3000,
    batchSize: 64,
    bufferSize: 50_000,
    learningStarts: 500,
    finalEvalEpisodes: 50,
    algoArgs: { hidden: [64, 64], period: 5, subgoalRange: [2, 2], actorLr: 1e-3 },
    ...overrides,
  });
}

describe("HIRO over gRPC (PointMaze-v0)", () => {
  it("improves on the untrained policy within 3000 steps, logs its subgoals per episode, and evaluates from its folder", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smoke-hiro-"));
    const untrained = await trainRun(hiroArgs({ steps: 1, learningStarts: 1 }), join(dir, "untrained"), { resume: false, ...quiet });
    const run = await trainRun(hiroArgs({ checkpointEvery: 3000 }), join(dir, "hiro"), { resume: false, ...quiet });
    // Measured on seeds 0–2 (this config): success 0.84–1.0 after 3000 steps, 0–0.12 untrained.
    assert.ok(run.eval.success_rate >= untrained.eval.success_rate + 0.3, `success ${run.eval.success_rate} after 3000 steps vs ${untrained.eval.success_rate} untrained`);
    assert.ok(run.eval.return_mean > untrained.eval.return_mean, `return ${run.eval.return_mean} vs ${untrained.eval.return_mean} untrained`);

    const episodes = readMetrics(join(dir, "hiro", "metrics.jsonl")).filter((r) => r["kind"] === "episode");
    assert.ok(episodes.length >= 50);
    for (const e of episodes) {
      const subgoals = e["subgoals"] as number[][];
      // A new subgoal every 5 steps of a 50-step episode: 10 targets (fewer only if two decisions coincide).
      assert.ok(subgoals.length >= 5 && subgoals.length <= 10, `${subgoals.length} subgoals in a 50-step episode`);
      for (const t of subgoals) assert.equal(t.length, 2);
    }
    const again = await evalRun(join(dir, "hiro"), 50);
    assert.equal(again.success_rate, run.eval.success_rate, "the checkpoint evaluates as the run's final evaluation did");
    // `simbridge eval --option goal=8,0`: the same policy judged at another goal (the far corridor end).
    const elsewhere = await evalRun(join(dir, "hiro"), 50, { taskOptions: { goal: "8,0" } });
    assert.notEqual(elsewhere.return_mean, run.eval.return_mean, "the evaluation goal reached the envs");
  });
});

/**
 * Relay policy learning, imitation only, on PointPush-v0 with dense reward
 * (return = −Σ‖block − target‖ over 50 steps: a policy that pushes the block
 * the wrong way scores below one that leaves it alone). 20 scripted episodes
 * recorded over gRPC; both levels cloned for 1000 steps; the subgoal is the
 * first 6 observation entries (the point's x, y, vx, vy and the block's x, y:
 * seed 003's best relay subgoal). Measured on seeds 0–2 (demonstrations and
 * run seeded alike), 100 evaluation episodes: return −23.7, −27.5, −26.3
 * imitated vs −29.6, −29.0, −29.1 untrained (success 0.04, 0.02, 0 vs 0).
 * With the default point-only subgoal (x, y) imitation scored below the
 * untrained policy (−33.5 on seed 0, same 1000 steps): from 20 demonstrations the low level
 * does not learn which way the demonstrator took around the block.
 */
describe("relay over gRPC (PointPush-v0, imitation only)", () => {
  it("a policy imitated from 20 scripted demonstrations keeps the block nearer the target than an untrained one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smoke-relay-"));
    const demos = join(dir, "push.sbd");
    const server = await startServer({ registry: builtinRegistry(), port: 0 });
    try {
      const env = await RemoteVectorEnv.connect(server.address, "PointPush-v0");
      try {
        const episodes = await collectDemonstrations(env, scriptedPolicy(env.spec), 20, 0);
        writeDemonstrations(demos, { task: env.spec.name, policy: "scripted", seed: 0, spec: demoSpecOf(env.spec), episodes });
      } finally {
        await env.close();
      }
    } finally {
      await server.close();
    }
    const relayArgs = (algoArgs: TrainArgs["algoArgs"]) =>
      trainArgs("PointPush-v0", { algo: "relay", demos, steps: 1, backend: "wasm", checkpointEvery: 0, taskOptions: { reward_type: "dense" }, algoArgs: { fineTune: 0, ...algoArgs } });
    const untrained = await trainRun(relayArgs({ bcSteps: 0 }), join(dir, "untrained"), { resume: false, ...quiet });
    const imitated = await trainRun(relayArgs({ bcSteps: 1000, subgoalLow: [-1, -1, -0.25, -0.25, -1, -1], subgoalHigh: [1, 1, 0.25, 0.25, 1, 1] }), join(dir, "relay"), { resume: false, ...quiet });
    assert.ok(imitated.eval.return_mean >= untrained.eval.return_mean + 1, `return ${imitated.eval.return_mean} imitated vs ${untrained.eval.return_mean} untrained`);
    assert.ok(imitated.eval.success_rate >= untrained.eval.success_rate, `success ${imitated.eval.success_rate} imitated vs ${untrained.eval.success_rate} untrained`);
    const again = await evalRun(join(dir, "relay"), 100);
    assert.equal(again.return_mean, imitated.eval.return_mean, "the checkpoint evaluates as the run's final evaluation did");
  });
});

/**
 * Relay on PointMaze-v0 against a black-box server (no reward crosses the
 * wire: relay reads none): 20 scripted episodes to random goals, 50 steps
 * each, both levels cloned for 1000 steps with the subgoal = x, y (the maze's
 * [−2, 10]², reached within 0.5), judged at the goal (4, 0); then 1500 steps
 * of fine-tuning the low level. Measured on seeds 0–2: success 1.0 imitated
 * (0 untrained) on every seed; fine-tuned 1.0 on seeds 0–1.
 */
describe("relay over gRPC (PointMaze-v0, black box)", () => {
  it("imitates 20 scripted episodes into a policy that reaches the goal, and fine-tunes without a reward", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smoke-relay-maze-"));
    const demos = join(dir, "maze.sbd");
    const options = { max_episode_steps: 50, goal: "random" };
    const server = await startServer({ registry: builtinRegistry().asBlackBox(), port: 0 });
    try {
      const env = await RemoteVectorEnv.connect(server.address, "PointMaze-v0", 2, options);
      try {
        const episodes = await collectDemonstrations(env, scriptedPolicy(env.spec), 20, 0);
        writeDemonstrations(demos, { task: env.spec.name, policy: "scripted", seed: 0, spec: demoSpecOf(env.spec), episodes });
      } finally {
        await env.close();
      }
      const relayArgs = (algoArgs: TrainArgs["algoArgs"], steps = 1) =>
        trainArgs("PointMaze-v0", {
          algo: "relay",
          server: server.address,
          demos,
          steps,
          envs: 2,
          backend: "wasm",
          checkpointEvery: 0,
          learningStarts: 500,
          batchSize: 64,
          finalEvalEpisodes: 50,
          taskOptions: options,
          evalTaskOptions: { goal: "4,0" },
          algoArgs: { hidden: [64, 64], subgoalLow: [-2, -2], subgoalHigh: [10, 10], subgoalThreshold: 0.5, ...algoArgs },
        });
      const untrained = await trainRun(relayArgs({ fineTune: 0, bcSteps: 0 }), join(dir, "untrained"), { resume: false, ...quiet });
      const imitated = await trainRun(relayArgs({ fineTune: 0, bcSteps: 1000 }), join(dir, "imitated"), { resume: false, ...quiet });
      assert.ok(imitated.eval.success_rate >= untrained.eval.success_rate + 0.5, `success ${imitated.eval.success_rate} imitated vs ${untrained.eval.success_rate} untrained`);
      const tuned = await trainRun(relayArgs({ fineTune: 1, bcSteps: 1000 }, 1500), join(dir, "tuned"), { resume: false, ...quiet });
      const train = readMetrics(join(dir, "tuned", "metrics.jsonl")).filter((m) => m["kind"] === "train");
      assert.ok(train.some((m) => typeof m["low_critic_loss"] === "number"), "the low level was fine-tuned");
      assert.ok(tuned.eval.success_rate >= untrained.eval.success_rate + 0.5, `success ${tuned.eval.success_rate} fine-tuned vs ${untrained.eval.success_rate} untrained`);
    } finally {
      await server.close();
    }
  });
});

/**
 * HAC's two levels on the same task and budget shape as HIRO's above, 5000
 * steps: level 0 first has to learn to reach absolute subgoals with a sparse
 * reward (its own hindsight goals), which 3000 steps do not reliably give
 * (success 0, 1.0, 0.88 on seeds 0–2 at 3000 steps, measured in-process).
 * H = 20 attempts per subgoal (the paper's range for 2 levels), subgoals
 * anywhere in the maze's [−2, 10]², reached within 0.8 per dim (HAC's
 * defaults), 40 updates per level after each top-level attempt sequence.
 */
function hacArgs(overrides: Partial<TrainArgs>): TrainArgs {
  return trainArgs("PointMaze-v0", {
    algo: "hac",
    envs: 2,
    backend: "wasm",
    checkpointEvery: 0,
    taskOptions: { max_episode_steps: 50, goal: "4,0" },
    steps: 5000,
    batchSize: 64,
    bufferSize: 50_000,
    learningStarts: 500,
    finalEvalEpisodes: 50,
    algoArgs: { levels: 2, horizon: 20, hidden: [64, 64] },
    ...overrides,
  });
}

describe("HAC over gRPC (PointMaze-v0)", () => {
  it("improves on the untrained policy within 5000 steps, logs its subgoals per episode, and evaluates from its folder", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smoke-hac-"));
    const untrained = await trainRun(hacArgs({ steps: 2, learningStarts: 2 }), join(dir, "untrained"), { resume: false, ...quiet });
    const run = await trainRun(hacArgs({ checkpointEvery: 5000 }), join(dir, "hac"), { resume: false, ...quiet });
    // Measured on seeds 0–2 (this config): success 0.98, 0.88, 0.98 after 5000 steps (60–68 s each on a busy 2-core machine), 0 untrained.
    assert.ok(run.eval.success_rate >= untrained.eval.success_rate + 0.3, `success ${run.eval.success_rate} after 5000 steps vs ${untrained.eval.success_rate} untrained`);

    const records = readMetrics(join(dir, "hac", "metrics.jsonl"));
    const episodes = records.filter((r) => r["kind"] === "episode");
    assert.ok(episodes.length >= 90);
    for (const e of episodes) {
      const subgoals = e["subgoals"] as number[][];
      // At most 20 steps per subgoal in a 50-step episode: 3 targets or more, unless the top level repeats one (at a bound).
      assert.ok(subgoals.length >= 1 && subgoals.length <= 50, `${subgoals.length} subgoals in a 50-step episode`);
      for (const t of subgoals) {
        assert.equal(t.length, 2);
        for (const v of t) assert.ok(v >= -2 && v <= 10, `subgoal ${t} within the bounds`);
      }
    }
    const last = records.filter((r) => r["kind"] === "train").at(-1)!;
    assert.ok((last["subgoal_hit_rate"] as number) > 0, "level 0 reached some of its subgoals");
    const again = await evalRun(join(dir, "hac"), 50);
    assert.equal(again.success_rate, run.eval.success_rate, "the checkpoint evaluates as the run's final evaluation did");
  });
});
