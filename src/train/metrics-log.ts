/**
 * MetricsLog: one JSON object per line in `metrics.jsonl`, appended as
 * training goes, so a killed run keeps everything it logged and a resumed run
 * continues the same file. `readMetrics` reads it back (for plots and tests).
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";

/** A value: a number, word or flag; or a list of points (e.g. an episode's subgoal targets). */
export type MetricValue = number | string | boolean | null | readonly (readonly number[])[];
export type MetricRecord = Record<string, MetricValue>;

export class MetricsLog {
  constructor(readonly path: string) {
    if (!existsSync(path)) writeFileSync(path, "");
  }

  write(record: MetricRecord): void {
    appendFileSync(this.path, JSON.stringify(record) + "\n");
  }

  /** Drops records past `step` (used on resume: what came after the checkpoint is redone). */
  truncateAfter(step: number, key = "step"): void {
    const kept = readMetrics(this.path).filter((r) => typeof r[key] !== "number" || (r[key] as number) <= step);
    writeFileSync(this.path, kept.map((r) => JSON.stringify(r) + "\n").join(""));
  }
}

export function readMetrics(path: string): MetricRecord[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as MetricRecord];
      } catch {
        return []; // a line cut by a kill mid-write
      }
    });
}
