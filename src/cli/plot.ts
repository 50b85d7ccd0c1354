/**
 * `simbridge plot`: learning curves of several run folders in one SVG, for
 * comparisons and ablations (evaluation success or return vs env steps).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readMetrics } from "../train/metrics-log.js";
import { RunFolder } from "../train/run-folder.js";
import { readRunArgs, runLabel as algoLabel, type TrainArgs } from "../train/train-run.js";
import { renderLinePlot, type Series } from "../train/svg-plot.js";
import { UsageError } from "./args.js";
import { defineCommand } from "./flags.js";

const METRICS = {
  success: { kind: "eval", key: "success_rate", label: "evaluation success rate", range: [0, 1] as const },
  return: { kind: "eval", key: "return_mean", label: "evaluation return", range: undefined },
  auroc: { kind: "reward_quality", key: "auroc", label: "learned reward AUROC", range: [0.4, 1] as const },
};

export const PLOT = defineCommand({
  name: "plot",
  synopsis: [`RUN_FOLDER... --out FILE.svg [--metric ${Object.keys(METRICS).join("|")}] [--title T] [--label L ...]`],
  about:
    "One series per run folder, from its evaluations in metrics.jsonl (success rate, mean return, or the learned reward's AUROC), " +
    "labelled by its algorithm, replay, reward and seed (or by --label, in order).",
  positionals: { meta: "RUN_FOLDER", min: 1 },
  flags: {
    out: { type: "string", meta: "FILE.svg", required: true, help: "the SVG to write" },
    metric: { type: "enum", values: Object.keys(METRICS) as Array<keyof typeof METRICS>, default: "success", help: "what to plot against env steps" },
    title: { type: "string", meta: "T", defaultText: "TASK: the metric", help: "the plot's title" },
    label: { type: "list", meta: "L", help: "the series' labels, in the order of the run folders" },
  },
});

export const PLOT_USAGE = PLOT.usage;

export function runLabel(args: TrainArgs): string {
  const reward = (args.reward ?? "auto") === "auto" ? (args.her ? "known" : "env") : args.reward;
  return `${algoLabel(args)}, reward ${reward}${args.blackBox ? " (black box)" : ""}, seed ${args.seed}`;
}

export async function plotCommand(argv: string[]): Promise<void> {
  const { values, positionals } = PLOT.parse(argv);
  const labels = values.label;
  if (labels.length > positionals.length) throw new UsageError(`--label: ${labels.length} labels for ${positionals.length} run folders`);
  const metric = METRICS[values.metric];
  const series: Series[] = positionals.map((dir, i) => {
    const args = readRunArgs(new RunFolder(dir));
    const points = readMetrics(join(dir, "metrics.jsonl"))
      .filter((m) => m["kind"] === metric.kind && m["final"] !== true && typeof m[metric.key] === "number")
      .map((m) => [m["step"] as number, m[metric.key] as number] as const);
    return { label: labels[i] ?? runLabel(args), points };
  });
  const first = new RunFolder(positionals[0]!).readJson<TrainArgs>("args.json");
  const svg = renderLinePlot({
    title: values.title ?? `${first.task}: ${metric.label}`,
    xLabel: "env steps",
    yLabel: metric.label,
    series,
    ...(metric.range ? { yRange: metric.range } : {}),
  });
  writeFileSync(values.out, svg + "\n");
  console.log(`wrote ${values.out} (${series.length} runs)`);
}
