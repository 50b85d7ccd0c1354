// Reading the viewer page from a test: its WebGL canvas's pixels (the page
// keeps its drawing buffer) and its text.
import type { Page } from "puppeteer-core";

export interface CanvasStats {
  /** Variance of the grey level over the sampled pixels (0: one flat colour). */
  readonly variance: number;
  readonly grey: Uint8Array;
  /** The fraction of sampled pixels whose grey level differs by more than 8 from `other`'s. */
  changedFrom(other: CanvasStats): number;
}

export async function canvasStats(page: Page): Promise<CanvasStats> {
  const grey = await page.$eval("#view", (c) => {
    const canvas = c as HTMLCanvasElement;
    const w = 320;
    const h = Math.max(1, Math.round((canvas.height / canvas.width) * w));
    const small = document.createElement("canvas");
    small.width = w;
    small.height = h;
    const ctx = small.getContext("2d")!;
    ctx.drawImage(canvas, 0, 0, w, h);
    const px = ctx.getImageData(0, 0, w, h).data;
    const out: number[] = [];
    for (let i = 0; i < px.length; i += 4) out.push(Math.round(0.299 * px[i]! + 0.587 * px[i + 1]! + 0.114 * px[i + 2]!));
    return out;
  });
  const g = Uint8Array.from(grey);
  const mean = g.reduce((s, v) => s + v, 0) / g.length;
  const variance = g.reduce((s, v) => s + (v - mean) ** 2, 0) / g.length;
  return {
    variance,
    grey: g,
    changedFrom(other) {
      const n = Math.min(g.length, other.grey.length);
      let changed = 0;
      for (let i = 0; i < n; i++) if (Math.abs(g[i]! - other.grey[i]!) > 8) changed++;
      return changed / n;
    },
  };
}

export async function waitForText(page: Page, selector: string, text: string, timeout: number): Promise<void> {
  await page.waitForFunction((s: string, t: string) => document.querySelector(s)?.textContent === t, { timeout }, selector, text).catch((e: Error) => {
    throw new Error(`${selector} never read '${text}' within ${timeout} ms: ${e.message}`);
  });
}
