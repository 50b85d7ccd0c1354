/**
 * `monitor()`: the state of a live view (what `simbridge watch` draws), built by
 * composing the small operators of `operators.ts` over one multicast source.
 *
 * Snapshots hold references to the operators' immutable Maps, so each one is
 * cheap; it may emit several times per frame (once per part that changed), so a
 * view samples it, e.g. `frames$.pipe(monitor(), sampleEvery(250))`.
 */
import { asyncScheduler, combineLatest, connect, map, scan, startWith, type OperatorFunction, type SchedulerLike } from "rxjs";
import type { Frame } from "../client/watch-client.js";
import {
  droppedFrames,
  droppedFramesPerEnv,
  envKey,
  episodeStats,
  episodeSummaries,
  framesPerSecond,
  framesPerSecondPerEnv,
  latestPerEnv,
  stepsPerSecondPerEnv,
  type EnvKey,
  type EpisodeStats,
  type EpisodeSummary,
} from "./operators.js";

export interface MonitorOptions {
  /** Sliding window of the rates (default 1000 ms). */
  readonly windowMs?: number;
  /** Episodes in `episodes` aggregates (default 100). */
  readonly lastEpisodes?: number;
  readonly scheduler?: SchedulerLike;
}

export interface MonitorSnapshot {
  /** Frames received since subscribing. */
  readonly frames: number;
  /** Frames per second received, all envs. */
  readonly framesPerSecond: number;
  /** Frames the server skipped for this watcher (sum of `Frame.dropped`). */
  readonly dropped: number;
  /** Latest frame per env, in order of first appearance. */
  readonly latest: ReadonlyMap<EnvKey, Frame>;
  /** Frames per second received per env (absent: none in the window). */
  readonly framesPerSecondPerEnv: ReadonlyMap<EnvKey, number>;
  /** The envs' own reset+step rate (frames + dropped) per env. */
  readonly stepsPerSecondPerEnv: ReadonlyMap<EnvKey, number>;
  readonly droppedPerEnv: ReadonlyMap<EnvKey, number>;
  /** Each env's last finished episode. */
  readonly lastEpisodePerEnv: ReadonlyMap<EnvKey, EpisodeSummary>;
  /** Aggregates of the last episodes (all envs); undefined before the first one ends. */
  readonly episodes: EpisodeStats | undefined;
}

const EMPTY = new Map<never, never>();

/** Frames → view snapshots; the first snapshot (empty) is emitted on subscription. */
export function monitor(options: MonitorOptions = {}): OperatorFunction<Frame, MonitorSnapshot> {
  const windowMs = options.windowMs ?? 1000;
  const scheduler = options.scheduler ?? asyncScheduler;
  const lastEpisodes = options.lastEpisodes ?? 100;
  return connect((frames) => {
    const episodes = frames.pipe(episodeSummaries(), connect((s) => combineLatest({
      last: s.pipe(scan((m, e) => new Map(m).set(envKey(e), e), new Map<EnvKey, EpisodeSummary>()), startWith(EMPTY)),
      stats: s.pipe(episodeStats(lastEpisodes), startWith(undefined)),
    })), startWith({ last: EMPTY, stats: undefined }));
    return combineLatest({
      frames: frames.pipe(scan((n) => n + 1, 0), startWith(0)),
      framesPerSecond: frames.pipe(framesPerSecond(windowMs, scheduler), startWith(0)),
      dropped: frames.pipe(droppedFrames(), startWith(0)),
      latest: frames.pipe(latestPerEnv(), startWith(EMPTY)),
      framesPerSecondPerEnv: frames.pipe(framesPerSecondPerEnv(windowMs, scheduler), startWith(EMPTY)),
      stepsPerSecondPerEnv: frames.pipe(stepsPerSecondPerEnv(windowMs, scheduler), startWith(EMPTY)),
      droppedPerEnv: frames.pipe(droppedFramesPerEnv(), startWith(EMPTY)),
      episodes,
    }).pipe(
      map(
        (v): MonitorSnapshot => ({
          frames: v.frames,
          framesPerSecond: v.framesPerSecond,
          dropped: v.dropped,
          latest: v.latest,
          framesPerSecondPerEnv: v.framesPerSecondPerEnv,
          stepsPerSecondPerEnv: v.stepsPerSecondPerEnv,
          droppedPerEnv: v.droppedPerEnv,
          lastEpisodePerEnv: v.episodes.last,
          episodes: v.episodes.stats,
        }),
      ),
    );
  });
}
