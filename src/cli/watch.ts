/**
 * `simbridge watch HOST:PORT`: a live view of a running server's envs over the
 * Watch RPC — redrawn in place on a terminal, one status line per second when
 * piped, or one JSON object per frame with `--jsonl`.
 *
 * The data flow is `watch()` (src/stream/watch.ts) → `monitor()` → `sampleEvery`
 * → render; this file only parses flags, renders and does I/O.
 */
import { Subject, takeUntil, take, tap, timer, type Observable } from "rxjs";
import { watch } from "../stream/watch.js";
import { monitor, type MonitorSnapshot } from "../stream/monitor.js";
import { sampleEvery, type EnvKey, type EpisodeStats } from "../stream/operators.js";
import type { Frame, WatchOptions } from "../client/watch-client.js";
import { statusName } from "../env/task.js";
import { Code, SimbridgeError } from "../core/errors.js";
import { connectOptionsFrom } from "./args.js";
import { CONNECTION_FLAGS, defineCommand } from "./flags.js";

export const WATCH = defineCommand({
  name: "watch",
  synopsis: ["HOST:PORT [--env ID ...] [--session ID] [--hz N] [--token T] [--tls-ca FILE] [--jsonl] [--frames N] [--seconds S]"],
  about:
    "Live frames of a running server's envs (every session's, unless filtered): frames/s, and per env its episode, step, status, success, " +
    "dropped frames, the latest observation (first numbers and norm) and the agent's annotations of that step when it sent any " +
    "(e.g. subgoal_target (3.12, 7.90)). Redrawn in place on a terminal; one status line per second " +
    "when stdout is not a terminal. Ctrl-C stops.",
  positionals: { meta: "HOST:PORT", min: 1, max: 1 },
  flags: {
    env: { type: "list", of: "int", split: true, meta: "ID", help: "only env ID (ids are per session)" },
    session: { type: "string", meta: "ID", help: "only this session's envs" },
    hz: { type: "number", min: 0, meta: "N", defaultText: "10 for the live view, 0 with --jsonl", help: "at most N frames per second per env; 0: every reset and step" },
    jsonl: { type: "boolean", help: "print one JSON object per frame (observations and annotations as arrays), for piping" },
    frames: { type: "int", min: 1, defaultText: "no limit", help: "stop after N frames" },
    seconds: { type: "number", above: 0, meta: "S", defaultText: "no limit", help: "stop after S seconds" },
    ...CONNECTION_FLAGS,
  },
});

export const WATCH_USAGE = WATCH.usage;

const VIEW_REFRESH_MS = 250;
const LINE_REFRESH_MS = 1000;

export async function watchCommand(argv: string[]): Promise<void> {
  const { values, positionals } = WATCH.parse(argv);
  const address = positionals[0]!;
  const jsonl = values.jsonl;
  const envIds = values.env;
  const maxHz = values.hz ?? (jsonl ? 0 : 10);
  const maxFrames = values.frames ?? 0;
  const seconds = values.seconds ?? 0;
  const { token, tls } = connectOptionsFrom(values);
  const options: WatchOptions = {
    maxHz,
    ...(envIds.length ? { envIds } : {}),
    ...(values.session ? { sessionId: values.session } : {}),
    ...(token ? { token } : {}),
    ...(tls ? { tls } : {}),
  };

  // Ctrl-C, --seconds, --frames and a closed stdout all end the stream the same way: it completes.
  const stop = new Subject<void>();
  const onSignal = () => stop.next();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const out = process.stdout;
  const onOutError = (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") stop.next(); // `simbridge watch --jsonl | head`: the reader left
  };
  out.on("error", onOutError);
  let serverEnded = false; // the source completes only when the server ends the stream (stopping here unsubscribes it)
  let frames$ = watch(address, options).pipe(
    tap({ complete: () => (serverEnded = true) }),
    takeUntil(stop),
  );
  if (maxFrames > 0) frames$ = frames$.pipe(take(maxFrames));
  if (seconds > 0) frames$ = frames$.pipe(takeUntil(timer(seconds * 1000)));

  const tty = !jsonl && out.isTTY === true;
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  try {
    if (jsonl) {
      await runToEnd(frames$.pipe(tap((f) => out.destroyed || out.write(JSON.stringify(frameToJson(f)) + "\n"))));
    } else if (tty) {
      out.write("\x1b[?25l\x1b[2J");
      try {
        await runToEnd(
          frames$.pipe(
            monitor(),
            sampleEvery(VIEW_REFRESH_MS),
            tap((s) => out.write("\x1b[H" + renderView(s, address, elapsed(), out.columns || 120).map((l) => l + "\x1b[K\n").join("") + "\x1b[J")),
          ),
        );
      } finally {
        out.write("\x1b[?25h");
      }
    } else {
      await runToEnd(frames$.pipe(monitor(), sampleEvery(LINE_REFRESH_MS), tap((s) => out.write(renderLine(s, elapsed()) + "\n"))));
    }
    if (serverEnded) process.stderr.write(`simbridge watch: the server at ${address} ended the stream (shutting down?)\n`);
  } catch (e) {
    throw withHint(e, address);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    out.off("error", onOutError);
  }
}

function runToEnd<T>(source: Observable<T>): Promise<void> {
  return new Promise<void>((resolve, reject) => source.subscribe({ error: reject, complete: resolve }));
}

function withHint(e: unknown, address: string): unknown {
  if (!(e instanceof SimbridgeError)) return e;
  if (e.code === Code.UNAVAILABLE) return new SimbridgeError(e.code, `${e.message} (is a simbridge server running at ${address}?)`);
  if (e.code === Code.UNAUTHENTICATED) return new SimbridgeError(e.code, `${e.message} (pass --token or set SIMBRIDGE_TOKEN)`);
  return e;
}

// ---------------------------------------------------------------- output formats

/**
 * A frame as one JSON object (proto field names; observations as arrays of
 * numbers, in TaskSpec order; `annotations` by name, only when the frame has any).
 */
export function frameToJson(f: Frame) {
  const names = Object.keys(f.annotations);
  return {
    sequence: f.sequence,
    session_id: f.sessionId,
    env_id: f.envId,
    task: f.task,
    episode: f.episode,
    episode_step: f.episodeStep,
    sim_time: f.simTime,
    wall_time_us: f.wallTimeUs,
    dropped: f.dropped,
    status: statusName(f.status),
    observations: f.observations.map((o) => Array.from(o, shortestFloat32)),
    reward: f.reward ?? null,
    is_success: f.isSuccess,
    ...(names.length > 0 ? { annotations: Object.fromEntries(names.map((n) => [n, Array.from(f.annotations[n]!, shortestFloat32)])) } : {}),
  };
}

/** The shortest decimal that reads back as the same float32 (0.1 rather than 0.10000000149011612). */
export function shortestFloat32(v: number): number {
  if (!Number.isFinite(v)) return v;
  for (let p = 1; p < 9; p++) {
    const s = Number(v.toPrecision(p));
    if (Math.fround(s) === v) return s;
  }
  return v;
}

/** "[0.120 -0.400 0.000 …] norm 0.421": the first `count` numbers and the Euclidean norm. */
export function summarizeObservation(o: Float32Array, count = 3): string {
  let sq = 0;
  for (let i = 0; i < o.length; i++) sq += o[i]! * o[i]!;
  const head = Array.from(o.subarray(0, count), (v) => fixed(v, 3)).join(" ");
  return `[${head}${o.length > count ? " …" : ""}] norm ${fixed(Math.sqrt(sq), 3)}`;
}

/**
 * "subgoal_target (3.12, 7.90)": each annotation of a frame by name with its
 * first `count` values (then "…" and the count); "" when it has none.
 */
export function summarizeAnnotations(annotations: Readonly<Record<string, Float32Array>>, count = 4): string {
  return Object.keys(annotations)
    .map((name) => {
      const v = annotations[name]!;
      const head = Array.from(v.subarray(0, count), (x) => fixed(x, 2)).join(", ");
      return `${name} (${head}${v.length > count ? `, … ${v.length} values` : ""})`;
    })
    .join("  ");
}

function fixed(v: number, digits: number): string {
  if (!Number.isFinite(v)) return String(v);
  const s = v.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s; // no "-0.000"
}

function rate(v: number | undefined): string {
  return (v ?? 0).toFixed(1);
}

/** One status line (non-terminal output). */
export function renderLine(s: MonitorSnapshot, seconds: number): string {
  const parts = [`${seconds.toFixed(1)}s`, `frames ${s.frames} (${rate(s.framesPerSecond)}/s)`, `dropped ${s.dropped}`, `envs ${s.latest.size}`];
  if (s.episodes) parts.push(episodesText(s.episodes));
  return parts.join("  ");
}

/**
 * "episodes 28  success 25% (4 ends seen of last 28)  length 29.5  return -28.00 (2 whole)":
 * through a rate-limited watch most episodes are seen in part; each figure uses
 * only the episodes it is exact for (see `episodeStats`).
 */
export function episodesText(e: EpisodeStats): string {
  const parts = [`episodes ${e.episodes}`];
  if (e.successRate !== undefined && e.meanSteps !== undefined) {
    parts.push(`success ${(100 * e.successRate).toFixed(0)}% (ends seen: ${e.ended} of the last ${e.window})`, `length ${e.meanSteps.toFixed(1)}`);
  } else {
    parts.push(`(no episode end seen in the last ${e.window}; try a higher --hz)`);
  }
  if (e.meanReturn !== undefined) parts.push(`return ${e.meanReturn.toFixed(2)} (${e.complete} whole)`);
  return parts.join("  ");
}

const COLUMNS: ReadonlyArray<[string, number]> = [
  ["session", 8],
  ["env", 4],
  ["task", 16],
  ["episode", 7],
  ["step", 6],
  ["sim s", 7],
  ["status", 10],
  ["success", 7],
  ["frames/s", 8],
  ["steps/s", 8],
  ["dropped", 8],
  ["reward", 7],
];

function row(cells: readonly string[]): string {
  return cells.map((c, i) => (i < COLUMNS.length ? c.padEnd(COLUMNS[i]![1]) : c)).join(" ");
}

/** The full-screen view (terminal output), as lines no wider than `width`. */
export function renderView(s: MonitorSnapshot, address: string, seconds: number, width = 120): string[] {
  const lines = [
    `simbridge watch ${address}   ${seconds.toFixed(1)} s   ${s.frames} frames   ${rate(s.framesPerSecond)} frames/s   ${s.dropped} dropped   (Ctrl-C to stop)`,
  ];
  const e = s.episodes;
  lines.push(e ? episodesText(e) : "episodes 0");
  lines.push("");
  if (s.latest.size === 0) {
    lines.push("waiting for frames (no env has been reset or stepped yet)…");
  } else {
    lines.push(row([...COLUMNS.map(([name]) => name), "observation[0]"]));
    const keys = [...s.latest.keys()].sort(byEnv(s.latest));
    for (const k of keys) {
      const f = s.latest.get(k)!;
      const o = f.observations[0];
      const annotations = summarizeAnnotations(f.annotations);
      lines.push(
        row([
          f.sessionId.slice(0, 8),
          String(f.envId),
          f.task.slice(0, 16),
          String(f.episode),
          String(f.episodeStep),
          f.simTime.toFixed(2),
          statusName(f.status),
          f.isSuccess ? "yes" : "no",
          rate(s.framesPerSecondPerEnv.get(k)),
          rate(s.stepsPerSecondPerEnv.get(k)),
          String(s.droppedPerEnv.get(k) ?? 0),
          f.reward === undefined ? "-" : fixed(f.reward, 3),
          o ? summarizeObservation(o) : "-",
          ...(annotations ? [` ${annotations}`] : []),
        ]),
      );
      const last = s.lastEpisodePerEnv.get(k);
      if (last) {
        lines.push(
          `${"".padEnd(9)}last episode ${last.episode}: ${last.steps} steps, ${last.simTime.toFixed(2)} sim s, ${last.status ? statusName(last.status) : "end not seen"}, ` +
            `success ${last.success ? "yes" : "no"}${last.return !== undefined ? `, return ${last.return.toFixed(3)}` : ""}${last.complete ? "" : " (partly seen)"}`,
        );
      }
    }
  }
  return lines.map((l) => (l.length > width ? l.slice(0, Math.max(1, width - 1)) + "…" : l));
}

function byEnv(latest: ReadonlyMap<EnvKey, Frame>) {
  return (a: EnvKey, b: EnvKey) => {
    const fa = latest.get(a)!;
    const fb = latest.get(b)!;
    return fa.sessionId < fb.sessionId ? -1 : fa.sessionId > fb.sessionId ? 1 : fa.envId - fb.envId;
  };
}
