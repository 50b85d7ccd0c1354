/**
 * Live learning curves of a run folder's metrics (uPlot): success, return,
 * the losses, and the learned reward's AUROC (GAHIL), against env steps.
 * Records arrive as the run appends them; the charts redraw at most twice a
 * second. `#charts[data-points]` counts the points drawn (the browser test reads it).
 */
import uPlot from "sb-uplot";

type ChartRecord = Record<string, number | string>;

interface ChartSpec {
  readonly title: string;
  /** Series: label → which records and field. */
  readonly series: (r: ChartRecord) => Array<[string, number]>;
}

const COLOURS = ["#2a7ab0", "#d9822b", "#3c9a45", "#b03a5b", "#7d5ba6", "#8c6d31", "#4a4a4a"];

const CHARTS: ChartSpec[] = [
  {
    title: "success",
    series: (r) => [
      ...(r["kind"] === "train" && typeof r["recent_success"] === "number" ? [["recent success (train)", r["recent_success"]] as [string, number]] : []),
      ...(r["kind"] === "eval" && typeof r["success_rate"] === "number" ? [["success rate (eval)", r["success_rate"]] as [string, number]] : []),
    ],
  },
  {
    title: "return",
    series: (r) => [
      ...(r["kind"] === "train" && typeof r["recent_return"] === "number" ? [["recent return (train)", r["recent_return"]] as [string, number]] : []),
      ...(r["kind"] === "eval" && typeof r["return_mean"] === "number" ? [["mean return (eval)", r["return_mean"]] as [string, number]] : []),
    ],
  },
  {
    title: "losses",
    series: (r) => (r["kind"] === "train" ? Object.entries(r).filter((e): e is [string, number] => /loss/.test(e[0]) && typeof e[1] === "number") : []),
  },
  {
    title: "reward AUROC (GAHIL)",
    series: (r) => (r["kind"] === "reward_quality" && typeof r["auroc"] === "number" ? [["AUROC", r["auroc"]]] : []),
  },
];

export class LearningCharts {
  private readonly records: ChartRecord[] = [];
  private readonly plots = new Map<string, { plot: any; labels: string[] }>();
  private dirty = false;

  constructor(private readonly host: HTMLElement) {
    setInterval(() => this.redraw(), 500);
  }

  add(records: ChartRecord[], reset: boolean): void {
    if (reset) this.records.length = 0;
    this.records.push(...records);
    this.dirty = true;
  }

  private redraw(): void {
    if (!this.dirty) return;
    this.dirty = false;
    let points = 0;
    for (const spec of CHARTS) {
      const bySeries = new Map<string, Map<number, number>>();
      for (const r of this.records) {
        for (const [label, value] of spec.series(r)) {
          if (!bySeries.has(label)) bySeries.set(label, new Map());
          bySeries.get(label)!.set(r["step"] as number, value);
        }
      }
      if (bySeries.size === 0) continue;
      const labels = [...bySeries.keys()].sort();
      const xs = [...new Set(labels.flatMap((l) => [...bySeries.get(l)!.keys()]))].sort((a, b) => a - b);
      const data = [xs, ...labels.map((l) => xs.map((x) => bySeries.get(l)!.get(x) ?? null))];
      points += labels.reduce((s, l) => s + bySeries.get(l)!.size, 0);
      let chart = this.plots.get(spec.title);
      if (chart && chart.labels.join("\u0000") !== labels.join("\u0000")) {
        chart.plot.root.remove();
        chart.plot.destroy();
        chart = undefined;
      }
      if (!chart) {
        const box = document.createElement("div");
        box.className = "chart";
        this.host.appendChild(box);
        const plot = new uPlot(
          {
            title: spec.title,
            width: 360,
            height: 190,
            scales: { x: { time: false } },
            axes: [{ label: "env steps" }, {}],
            series: [{ label: "step" }, ...labels.map((label, i) => ({ label, stroke: COLOURS[i % COLOURS.length], width: 1.5, spanGaps: true, points: { show: xs.length < 60 } }))],
          },
          data,
          box,
        );
        chart = { plot, labels };
        this.plots.set(spec.title, chart);
      } else {
        chart.plot.setData(data);
      }
    }
    this.host.dataset["points"] = String(points);
    this.host.hidden = points === 0;
  }
}
