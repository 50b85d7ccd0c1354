// The browser viewer draws the Python reference server's Cart2D-v0 (capability
// "viewer_model" over the Python server's Watch): headless Chromium (Debian's
// `chromium`) via puppeteer-core, a real `python3 -m simbridge_external`
// process with two Cart2D envs stepping, and `simbridge view`'s HTTP server.
// Checked: no console errors, one tile per env, a canvas that is not blank and
// changes while the carts drive. A screenshot of one cart enlarged goes to
// dist/test/browser/output/Cart2D-v0.png.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { startViewer, type RunningViewer } from "../../src/viewer/viewer-server.js";
import { EnvDriver } from "./env-driver.js";
import { canvasStats, waitForText } from "./page-probes.js";
import { OUT, openChromiumPage } from "./chromium.js";
import { startPython, type PythonServer } from "../helpers/python-server.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let python: PythonServer | undefined;
let driver: EnvDriver | undefined;
let viewer: RunningViewer | undefined;
let browser: Browser | undefined;
let page: Page;
let consoleErrors: string[] = [];

before(async () => {
  python = await startPython();
  const address = python.address;
  driver = new EnvDriver(address, "Cart2D-v0", 2, 40);
  viewer = await startViewer({ target: address, port: 0, maxHz: 15 });
  ({ browser, page, consoleErrors } = await openChromiumPage());
});

after(async () => {
  await driver?.stop();
  await browser?.close();
  await viewer?.close();
  python?.child.kill("SIGTERM");
});

describe("simbridge view of the Python server's Cart2D-v0 in Chromium", () => {
  it("shows both carts, draws them and they move; no console errors", async () => {
    await page.goto(viewer!.url, { waitUntil: "load" });
    await waitForText(page, "#state", "live", 20_000);
    await page.waitForFunction(() => document.querySelectorAll(".tile[data-task='Cart2D-v0']").length === 2, { timeout: 20_000 });
    await sleep(1500);
    const a = await canvasStats(page);
    await sleep(1000);
    const b = await canvasStats(page);
    await page.screenshot({ path: join(OUT, "Cart2D-v0-grid.png") });
    assert.ok(a.variance > 100 && b.variance > 100, `pixel variance ${a.variance.toFixed(1)}, ${b.variance.toFixed(1)}`);
    assert.ok(a.changedFrom(b) > 0.001, `fraction of pixels changed ${a.changedFrom(b)}`);
    await page.click(`.tile[data-task="Cart2D-v0"]`);
    await sleep(800);
    const s = await canvasStats(page);
    assert.ok(s.variance > 100, `enlarged: pixel variance ${s.variance.toFixed(1)}`);
    await page.screenshot({ path: join(OUT, "Cart2D-v0.png") });
    assert.deepEqual(consoleErrors, []);
  });
});
