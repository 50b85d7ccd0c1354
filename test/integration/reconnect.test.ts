// A training run survives its server dying: a real `simbridge serve` process is
// killed mid-run and restarted on the same port; the run reconnects with
// backoff, re-creates its envs and finishes, keeping its replay. Its HER
// rewards come from the server's reward function (compute_reward), which
// reconnects too.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trainArgs, trainRun } from "../../src/train/train-run.js";
import { readMetrics } from "../../src/train/metrics-log.js";
import { startServeProcess } from "../../src/bench/child-process.js";


function serve(port: number): Promise<{ child: ChildProcess; address: string }> {
  return startServeProcess(["--task", "PointReach-v0", "--port", String(port)]);
}

describe("reconnection", () => {
  it("training continues after the server process is killed and restarted", async () => {
    const first = await serve(0);
    const port = Number(first.address.split(":").pop());
    const dir = mkdtempSync(join(tmpdir(), "simbridge-reconnect-"));
    const lines: string[] = [];
    const run = trainRun(
      trainArgs("PointReach-v0", {
        her: true, steps: 2500, envs: 2, server: first.address, backend: "wasm", batchSize: 64, bufferSize: 20_000,
        learningStarts: 300, finalEvalEpisodes: 10, logEvery: 100, checkpointEvery: 0, algoArgs: { hidden: [32, 32] },
      }),
      dir,
      { resume: false, log: (l) => lines.push(l), progress: false },
    );
    // Kill the server once the run is well under way, then bring it back on the same port.
    const metricsPath = join(dir, "metrics.jsonl");
    while (!(existsSync(metricsPath) && readMetrics(metricsPath).some((m) => m["kind"] === "train" && (m["step"] as number) >= 1000))) {
      await new Promise((r) => setTimeout(r, 50));
    }
    // The replacement is spawned at once, with no await in between: the run scores HER goals with the
    // server's reward function (compute_reward), whose calls block this thread while they reconnect,
    // so a restart scheduled on this thread could wait behind them. Spawned now, it comes up on its own.
    first.child.kill("SIGKILL");
    const second = await serve(port);
    try {
      const result = await run;
      assert.equal(result.eval.episodes, 10);
      const metrics = readMetrics(metricsPath);
      const reconnect = metrics.find((m) => m["kind"] === "reconnect");
      assert.ok(reconnect, "no reconnect record in metrics.jsonl");
      const replayAtLoss = reconnect["replay_size"] as number;
      const later = metrics.filter((m) => m["kind"] === "train" && (m["step"] as number) > (reconnect["step"] as number));
      assert.ok(later.length > 0, "no training after the reconnect");
      assert.ok((later.at(-1)!["replay_size"] as number) > replayAtLoss, "the replay was lost or stopped growing");
      assert.ok(lines.some((l) => /reconnected to/.test(l)), lines.join("\n"));
      // The reward function's session was lost with the server and reconnected as well.
      assert.ok(lines.some((l) => /^compute_reward: \d+ requests, .*, [1-9]\d* reconnects?$/.test(l)), lines.join("\n"));
    } finally {
      second.child.kill("SIGTERM");
    }
  });
});
