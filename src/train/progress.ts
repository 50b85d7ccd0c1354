/**
 * A one-line progress bar on stderr: steps done, steps/s, recent success and
 * return. On a terminal it redraws in place; elsewhere (CI, pipes) it prints a
 * line at most every `intervalMs` so logs stay short.
 */
export interface ProgressState {
  readonly step: number;
  readonly total: number;
  readonly stepsPerSecond: number;
  readonly recentReturn?: number;
  readonly recentSuccess?: number;
  readonly extra?: string;
}

export class ProgressBar {
  private lastDraw = 0;
  private readonly tty: boolean;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly intervalMs = stream.isTTY ? 200 : 10_000,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  update(s: ProgressState, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    const line = formatProgress(s);
    if (this.tty) this.stream.write(`\r${line}\x1b[K`);
    else this.stream.write(`${line}\n`);
  }

  done(s: ProgressState): void {
    this.update(s, true);
    if (this.tty) this.stream.write("\n");
  }
}

export function formatProgress(s: ProgressState, width = 24): string {
  const frac = s.total > 0 ? Math.min(1, s.step / s.total) : 0;
  const filled = Math.round(frac * width);
  const bar = "█".repeat(filled) + "░".repeat(width - filled);
  const parts = [`${bar} ${s.step}/${s.total}`, `${Math.round(s.stepsPerSecond)} steps/s`];
  if (s.recentSuccess !== undefined && Number.isFinite(s.recentSuccess)) parts.push(`success ${s.recentSuccess.toFixed(2)}`);
  if (s.recentReturn !== undefined && Number.isFinite(s.recentReturn)) parts.push(`return ${s.recentReturn.toFixed(2)}`);
  if (s.extra) parts.push(s.extra);
  return parts.join("  ");
}
