// `simbridge serve --view PORT` and `simbridge train --view PORT`: the viewer
// starts beside the server (or the run's embedded server) and serves its page
// until the server drains or the run ends.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChild } from "../../src/bench/child-process.js";
import { packageRoot } from "../../src/protocol/service-definition.js";
import { trainArgs, trainRun } from "../../src/train/train-run.js";

describe("--view", () => {
  it("simbridge serve --view 0 prints the viewer's URL, whose page is served, and a drain stops both", async () => {
    const { child, match } = await startChild([join(packageRoot(), "bin", "simbridge.js"), "serve", "--port", "0", "--task", "PointReach-v0", "--view", "0"], /simbridge view on (\S+)/);
    try {
      const page = await fetch(match[1]!);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<html/i);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      assert.equal(await exited, 0);
    }
  });

  it("simbridge train --view 0 logs the viewer's URL, serves the page while it trains, and closes it with the run", async () => {
    let page: Promise<Response> | undefined;
    let url = "";
    await trainRun(
      trainArgs("PointReach-v0", { her: true, steps: 300, envs: 2, backend: "wasm", learningStarts: 100, batchSize: 32, finalEvalEpisodes: 4, checkpointEvery: 0, algoArgs: { hidden: [16, 16] } }),
      mkdtempSync(join(tmpdir(), "simbridge-train-view-")),
      {
        resume: false,
        progress: false,
        viewPort: 0,
        log: (line) => {
          const m = /^simbridge view on (\S+)/.exec(line);
          if (m) page = fetch((url = m[1]!));
        },
      },
    );
    assert.ok(page, "no viewer URL was logged");
    assert.equal((await page).status, 200);
    await assert.rejects(fetch(url), "the viewer closes with the run");
  });
});
