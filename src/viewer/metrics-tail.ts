/**
 * MetricsTail: follows a run folder's `metrics.jsonl` while training appends
 * to it (polling its size once a second: appends are small and a poll works on
 * every file system), keeping the records a learning-curve chart needs —
 * kinds "train", "eval" and "reward_quality", numbers only — up to a bound.
 * A file that shrinks (a resumed run truncated it) is read again from the top.
 */
import { existsSync, openSync, readSync, closeSync, statSync } from "node:fs";
import { join } from "node:path";

export type ChartRecord = Readonly<Record<string, number | string>>;

const KINDS = new Set(["train", "eval", "reward_quality"]);
/** Records kept (the oldest go first); a long run's curve keeps its recent past. */
const MAX_RECORDS = 5000;

export class MetricsTail {
  readonly records: ChartRecord[] = [];
  private offset = 0;
  private partial = "";
  private readonly timer: NodeJS.Timeout;
  private readonly path: string;

  constructor(
    runDir: string,
    private readonly onRecords: (records: ChartRecord[], reset: boolean) => void,
    intervalMs = 1000,
  ) {
    this.path = join(runDir, "metrics.jsonl");
    this.poll();
    this.timer = setInterval(() => this.poll(), intervalMs);
  }

  close(): void {
    clearInterval(this.timer);
  }

  poll(): void {
    if (!existsSync(this.path)) return;
    const size = statSync(this.path).size;
    let reset = false;
    if (size < this.offset) {
      this.offset = 0;
      this.partial = "";
      this.records.length = 0;
      reset = true;
    }
    if (size === this.offset && !reset) return;
    const fd = openSync(this.path, "r");
    const buffer = Buffer.alloc(size - this.offset);
    try {
      readSync(fd, buffer, 0, buffer.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    const lines = (this.partial + buffer.toString("utf8")).split("\n");
    this.partial = lines.pop() ?? "";
    const fresh = lines.flatMap((l) => chartRecord(l));
    this.records.push(...fresh);
    if (this.records.length > MAX_RECORDS) this.records.splice(0, this.records.length - MAX_RECORDS);
    if (fresh.length || reset) this.onRecords(fresh, reset);
  }
}

/** A metrics line as a chart record ([] for other kinds and for lines that do not parse). */
export function chartRecord(line: string): ChartRecord[] {
  if (!line.trim()) return [];
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch {
    return [];
  }
  if (!r || typeof r !== "object" || !KINDS.has((r as { kind?: unknown }).kind as string)) return [];
  const out: Record<string, number | string> = Object.create(null);
  for (const [k, v] of Object.entries(r)) if ((typeof v === "number" && Number.isFinite(v)) || k === "kind") out[k] = v as number | string;
  return typeof out["step"] === "number" ? [out] : [];
}
