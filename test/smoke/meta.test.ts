// Meta-learning over gRPC (a real server on port 0): MAESN meta-trained on a
// small PointGoal-v0 family learns to adapt — one inner policy-gradient step
// on a task's own episodes gains far more return at the end of meta-training
// than an untrained policy's step (and than at its start) — and the run writes its meta-test after 0 and 1 steps.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinRegistry } from "../../sims/catalog.js";
import { startServer } from "../../src/server/server.js";
import { META_DEFAULTS, metaRun, type MetaAlgo } from "../../src/meta/meta-run.js";
import { readMetrics } from "../../src/train/metrics-log.js";

const gain = (records: ReturnType<typeof readMetrics>) => records.reduce((s, r) => s + (r["post_return"] as number) - (r["pre_return"] as number), 0) / records.length;

async function tinyRun(address: string, algo: MetaAlgo, seed: number) {
  const dir = join(mkdtempSync(join(tmpdir(), "simbridge-meta-")), "run");
  const run = await metaRun(
    { ...META_DEFAULTS, algo, family: "point-goal", iterations: 40, metaBatch: 5, episodes: 8, trainTasks: 5, testTasks: 4, testEpisodes: 5, adaptSteps: 1, seed, server: address, backend: "wasm", algoArgs: { outerLr: 0.01 } },
    dir,
    {},
    () => undefined,
  );
  return { run, metrics: readMetrics(join(dir, "metrics.jsonl")).filter((r) => typeof r["pre_return"] === "number") };
}

describe("MAESN over gRPC (PointGoal-v0)", () => {
  it("learns to adapt: the one-step gain in return grows over meta-training; the meta-test reports 0 and 1 steps", async () => {
    const server = await startServer({ registry: builtinRegistry(), port: 0, maxEnvsPerSession: 256 });
    try {
      const { run, metrics } = await tinyRun(server.address, "maesn", 0);
      assert.equal(metrics.length, 40);
      const early = gain(metrics.slice(0, 10));
      const late = gain(metrics.slice(-10));
      // Measured on seeds 0–2: early 4.73 / 2.29 / 4.28, late 7.06 / 8.87 / 7.77; an untrained policy gains about 2.
      assert.ok(late > 5 && late > early + 1, `one-step gain early ${early.toFixed(2)}, late ${late.toFixed(2)}`);
      assert.equal(run.test.success_after.length, 2);
      assert.equal(run.test.episodes_per_step, 20);
    } finally {
      await server.close();
    }
  });
});
