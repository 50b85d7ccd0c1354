/**
 * `simbridge plot`: learning curves of several run folders in one SVG, for
 * comparisons and ablations (evaluation success or return vs env steps).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readMetrics } from "../train/metrics-log.js";
import { RunFolder } from "../train/run-folder.js";
import type { TrainArgs } from "../train/train-run.js";
import { renderLinePlot, type Series } from "../train/svg-plot.js";
import { parse, UsageError } from "./args.js";

export const PLOT_USAGE = `usage: simbridge plot RUN_FOLDER... --out FILE.svg [--metric success|return|auroc] [--title T] [--label L ...]
  One series per run folder, from its evaluations in metrics.jsonl (success rate, mean return, or the
  learned reward's AUROC), labelled by its algorithm, replay, reward and seed (or by --label, in order).`;

const METRICS = {
  success: { kind: "eval", key: "success_rate", label: "evaluation success rate", range: [0, 1] as const },
  return: { kind: "eval", key: "return_mean", label: "evaluation return", range: undefined },
  auroc: { kind: "reward_quality", key: "auroc", label: "learned reward AUROC", range: [0.4, 1] as const },
};

export function runLabel(args: TrainArgs): string {
  const reward = (args.reward ?? "auto") === "auto" ? (args.her ? "known" : "env") : args.reward;
  return `${args.algo}${args.her ? "+HER" : ""}, reward ${reward}${args.blackBox ? " (black box)" : ""}, seed ${args.seed}`;
}

export async function plotCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(
    argv,
    { out: { type: "string" }, metric: { type: "string" }, title: { type: "string" }, label: { type: "string", multiple: true } },
    PLOT_USAGE,
  );
  const labels = values.label ?? [];
  if (labels.length > positionals.length) throw new UsageError(`${labels.length} labels for ${positionals.length} run folders`);
  if (!values.out) throw new UsageError(`--out is required\n\n${PLOT_USAGE}`);
  if (positionals.length === 0) throw new UsageError(`name at least one run folder\n\n${PLOT_USAGE}`);
  const metric = METRICS[(values.metric ?? "success") as keyof typeof METRICS];
  if (!metric) throw new UsageError(`--metric: expected one of ${Object.keys(METRICS).join(", ")}, got '${values.metric}'`);
  const series: Series[] = positionals.map((dir, i) => {
    const args = new RunFolder(dir).readJson<TrainArgs>("args.json");
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
