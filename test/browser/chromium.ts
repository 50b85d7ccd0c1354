// Headless Chromium for the browser tests: Debian's chromium (deps/apt-packages.txt)
// driven by puppeteer-core, one page at 1280 × 800 whose console errors are collected.
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

export const CHROMIUM = process.env["CHROMIUM"] ?? "/usr/bin/chromium";
/** The tests' output folder (screenshots), beside the compiled tests: dist/test/browser/output, built, never committed. */
export const OUT = join(dirname(fileURLToPath(import.meta.url)), "output");

export interface ChromiumPage {
  readonly browser: Browser;
  readonly page: Page;
  /** Console errors and uncaught page errors, as they come. */
  readonly consoleErrors: string[];
}

export async function openChromiumPage(): Promise<ChromiumPage> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install chromium (deps/apt-packages.txt)`);
  mkdirSync(OUT, { recursive: true });
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container needs --no-sandbox; WebGL runs on SwiftShader (software GL: no GPU here).
    args: ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist", "--window-size=1280,800"],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const consoleErrors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  return { browser, page, consoleErrors };
}
