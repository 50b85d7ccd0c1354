// The browser viewer in a real browser: headless Chromium (Debian's
// `chromium`) driven by puppeteer-core, against a real simbridge server with
// Ant-v5 and ReacherGoal-v0 envs stepping, `simbridge view`'s HTTP server, and
// a real training run (TD3 + HER on PointReach-v0, a child process) whose
// metrics.jsonl the page charts. Checked: the page loads with no console
// errors; the WebGL canvas is not blank (pixel variance over a threshold) and
// changes while envs step; the page's env count is the server's; the chart
// gains points while the run trains; after a server restart the page says
// "reconnecting", then "live" again with frames. Screenshots (the grid, Ant-v5
// and ReacherGoal-v0 enlarged) go to dist/test/browser/output/.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { builtinRegistry } from "../../sims/catalog.js";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { packageRoot } from "../../src/protocol/service-definition.js";
import { startViewer, type RunningViewer } from "../../src/viewer/viewer-server.js";
import { EnvDriver } from "./env-driver.js";
import { canvasStats, waitForText } from "./page-probes.js";
import { OUT, openChromiumPage } from "./chromium.js";

const registry = builtinRegistry();

let server: RunningServer;
let port = 0;
let viewer: RunningViewer;
let browser: Browser;
let page: Page;
let runDir: string;
let training: ChildProcess | undefined;
const drivers: EnvDriver[] = [];
let consoleErrors: string[] = [];
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

before(async () => {
  runDir = mkdtempSync(join(tmpdir(), "simbridge-view-run-"));
  server = await startServer({ registry, port: 0 });
  port = server.port;
  drivers.push(new EnvDriver(server.address, "Ant-v5", 2), new EnvDriver(server.address, "ReacherGoal-v0", 2));
  viewer = await startViewer({ target: server.address, port: 0, runDir, maxHz: 15 });
  ({ browser, page, consoleErrors } = await openChromiumPage());
});

after(async () => {
  training?.kill("SIGKILL");
  for (const d of drivers) await d.stop();
  await browser?.close();
  await viewer?.close();
  await server?.close();
  rmSync(runDir, { recursive: true, force: true });
});

describe("simbridge view in Chromium", () => {
  it("loads with no console errors and shows every env of the server", async () => {
    await page.goto(viewer.url, { waitUntil: "load" });
    await waitForText(page, "#state", "live", 20_000);
    await page.waitForFunction(() => document.querySelectorAll(".tile").length === 4, { timeout: 20_000 });
    const count = Number(await page.$eval("#env-count", (e) => e.textContent));
    assert.equal(count, server.status().envs);
    assert.deepEqual(consoleErrors, []);
  });

  it("draws a canvas that is not blank and changes while the envs step", async () => {
    await sleep(1500);
    const a = await canvasStats(page);
    await page.screenshot({ path: join(OUT, "grid-1.png") });
    await sleep(1000);
    const b = await canvasStats(page);
    await page.screenshot({ path: join(OUT, "grid-2.png") });
    assert.ok(a.variance > 100, `pixel variance ${a.variance.toFixed(1)}`);
    assert.ok(b.variance > 100, `pixel variance ${b.variance.toFixed(1)}`);
    assert.ok(a.changedFrom(b) > 0.001, `fraction of pixels changed ${a.changedFrom(b)}`);
    const fps = Number(await page.$eval("#render-fps", (e) => e.textContent));
    const framesIn = Number(await page.$eval("#frames-in", (e) => e.textContent));
    console.log(`# render fps ${fps}, frames/s into the viewer ${framesIn}`);
  });

  it("enlarges one env on click (screenshots of Ant-v5 and ReacherGoal-v0 with its goal markers)", async () => {
    for (const task of ["Ant-v5", "ReacherGoal-v0"]) {
      await page.click(`.tile[data-task="${task}"]`);
      await sleep(800);
      const s = await canvasStats(page);
      assert.ok(s.variance > 100, `${task}: pixel variance ${s.variance.toFixed(1)}`);
      await page.screenshot({ path: join(OUT, `${task}.png`) });
      await page.click(`.tile[data-task="${task}"]`);
    }
  });

  it("charts a training run's metrics and gains points while it trains", async () => {
    training = spawn(
      process.execPath,
      [join(packageRoot(), "bin", "simbridge.js"), "train", "--algo", "td3", "--her", "--task", "PointReach-v0", "--server", server.address, "--steps", "100000",
        "--learning-starts", "100", "--log-every", "100", "--eval-every", "400", "--eval-episodes", "3", "--set", "hidden=32,32", "--backend", "wasm",
        "--checkpoint-every", "0", "--out", runDir],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    training.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const points = () => page.$eval("#charts", (e) => Number((e as HTMLElement).dataset["points"] ?? 0));
    await page.waitForFunction(() => Number(document.getElementById("charts")!.dataset["points"]) > 0, { timeout: 60_000 }).catch((e: Error) => {
      throw new Error(`${e.message}; training stderr: ${stderr.slice(-2000)}`);
    });
    const first = await points();
    await page.waitForFunction((n: number) => Number(document.getElementById("charts")!.dataset["points"]) > n, { timeout: 60_000 }, first);
    assert.ok((await points()) > first);
    await page.screenshot({ path: join(OUT, "training.png") });
  });

  it("says reconnecting when the server restarts, then goes live again", async () => {
    await server.close();
    await waitForText(page, "#state", "reconnecting", 10_000);
    await page.screenshot({ path: join(OUT, "reconnecting.png") });
    server = await startServer({ registry, port });
    await waitForText(page, "#state", "live", 20_000);
    // The drivers reconnect by themselves and make their envs again.
    await page.waitForFunction(() => document.querySelectorAll(".tile[data-task='Ant-v5']").length === 2, { timeout: 30_000 });
    const before = Number(await page.$eval("#frames-in", (e) => e.textContent));
    await sleep(2200);
    const framesIn = Number(await page.$eval("#frames-in", (e) => e.textContent));
    assert.ok(framesIn > 0 || before > 0, "frames flow again");
    assert.deepEqual(consoleErrors, []);
  });
});
