// DIAYN over gRPC on a black-box server (no reward crosses the wire): four
// skills on PointReach-v0 become tellable apart within 2000 steps, and the
// skills report draws them and compares their coverage with a random policy.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinRegistry } from "../../sims/catalog.js";
import { startServer } from "../../src/server/server.js";
import { trainArgs, trainRun, type TrainArgs } from "../../src/train/train-run.js";
import { readMetrics } from "../../src/train/metrics-log.js";
import { skillsReport } from "../../src/train/skills-report.js";
import { quiet } from "../helpers/training-runs.js";

/**
 * 4 skills, 2 envs, 64×64 networks, learning from step 500 on batches of 128.
 * Measured on seeds 0–2 at 3000 steps (in-process): discriminator accuracy
 * 0.85, 0.91, 0.84 over 5 episodes per skill (chance 0.25).
 */
function diaynArgs(server: string, overrides: Partial<TrainArgs>): TrainArgs {
  return trainArgs("PointReach-v0", {
    algo: "diayn",
    server,
    envs: 2,
    backend: "wasm",
    steps: 2000,
    batchSize: 128,
    learningStarts: 500,
    checkpointEvery: 0,
    finalEvalEpisodes: 10,
    algoArgs: { skills: 4, hidden: [64, 64], discriminatorHidden: [64, 64] },
    ...overrides,
  });
}

describe("DIAYN over gRPC (PointReach-v0, black box)", () => {
  it("learns skills a discriminator tells apart far better than chance, without any reward", async () => {
    const server = await startServer({ registry: builtinRegistry().asBlackBox(), port: 0 });
    try {
      const dir = mkdtempSync(join(tmpdir(), "smoke-diayn-"));
      await trainRun(diaynArgs(server.address, { steps: 1, learningStarts: 1 }), join(dir, "untrained"), { resume: false, ...quiet });
      await trainRun(diaynArgs(server.address, {}), join(dir, "diayn"), { resume: false, ...quiet });
      const untrained = await skillsReport(join(dir, "untrained"), { episodes: 3, cell: 0.1, server: server.address });
      const svg = join(dir, "skills.svg");
      const trained = await skillsReport(join(dir, "diayn"), { episodes: 3, cell: 0.1, server: server.address, svg });
      assert.ok(trained.discriminator_accuracy >= 0.5 && trained.discriminator_accuracy >= untrained.discriminator_accuracy + 0.2, `accuracy ${trained.discriminator_accuracy} trained vs ${untrained.discriminator_accuracy} untrained (chance 0.25)`);
      assert.ok(trained.coverage_cells > 0 && trained.random_coverage_cells > 0);
      assert.ok(existsSync(svg));
      assert.equal((readFileSync(svg, "utf8").match(/<polyline/g) ?? []).length, 4 * 3 + 4 * 3, "one line per episode: 4 skills × 3, and the random policy's 12");
      const train = readMetrics(join(dir, "diayn", "metrics.jsonl")).filter((m) => m["kind"] === "train");
      assert.ok(train.some((m) => typeof m["discriminator_accuracy"] === "number" && typeof m["intrinsic_reward"] === "number"));
    } finally {
      await server.close();
    }
  });
});
