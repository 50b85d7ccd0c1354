/**
 * Learning-curve plots as standalone SVG files a person can open in a browser.
 * No plotting library: a line chart with axes, ticks, a legend and one or more
 * series is a few dozen lines of SVG.
 */

export interface Series {
  readonly label: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface LinePlot {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Fixed y range (e.g. [0, 1] for success rates); default fits the data. */
  readonly yRange?: readonly [number, number];
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

export function renderLinePlot(plot: LinePlot, width = 720, height = 420): string {
  const m = { left: 70, right: 20, top: 40, bottom: 55 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const all = plot.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  let [x0, x1] = extent(all.map((p) => p[0]));
  let [y0, y1] = plot.yRange ?? extent(all.map((p) => p[1]));
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0)) * w;
  const sy = (y: number) => m.top + h - ((y - y0) / (y1 - y0)) * h;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${esc(plot.title)}</text>`);
  for (const t of ticks(x0, x1)) {
    out.push(`<line x1="${sx(t)}" x2="${sx(t)}" y1="${m.top}" y2="${m.top + h}" stroke="#eee"/>`);
    out.push(`<text x="${sx(t)}" y="${m.top + h + 18}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of ticks(y0, y1)) {
    out.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${sy(t)}" y2="${sy(t)}" stroke="#eee"/>`);
    out.push(`<text x="${m.left - 8}" y="${sy(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${w}" height="${h}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${m.left + w / 2}" y="${height - 12}" text-anchor="middle">${esc(plot.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${m.top + h / 2}) rotate(-90)" text-anchor="middle">${esc(plot.yLabel)}</text>`);
  plot.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length) {
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ")}"/>`);
    }
    out.push(`<rect x="${m.left + 10}" y="${m.top + 8 + i * 18}" width="12" height="3" fill="${color}"/>`);
    out.push(`<text x="${m.left + 28}" y="${m.top + 13 + i * 18}">${esc(s.label)}</text>`);
  });
  out.push(`</svg>`);
  return out.join("\n");
}

function extent(values: number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** About five round tick values between lo and hi. */
export function ticks(lo: number, hi: number): number[] {
  const span = hi - lo;
  const raw = span / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => span / s <= 6) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * span; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  if (Math.abs(v) >= 1000) return `${Number((v / 1000).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
