/**
 * rxjs operators for live monitoring over `watch(address)` frames.
 *
 * Each operator is small, pure (no state shared between subscriptions) and
 * takes its scheduler as a parameter where time matters, so marble tests run
 * it in virtual time (`test/unit/stream-*.test.ts`). Compose them over one
 * shared source:
 *
 * ```ts
 * const frames$ = watch("127.0.0.1:50051", { maxHz: 30 }).pipe(share());
 * frames$.pipe(framesPerSecond(1000)).subscribe((fps) => ...);
 * frames$.pipe(episodeSummaries(), episodeStats(100)).subscribe((s) => ...);
 * ```
 *
 * Envs are keyed by `envKey(frame)` = "sessionId/envId" (env ids are per session).
 *
 * A watch stream may skip frames (`max_hz`, or a watcher too slow to take them;
 * `Frame.dropped` counts them), so operators that accumulate over an episode say
 * whether they saw all of it.
 */
import { asyncScheduler, map, Observable, type MonoTypeOperatorFunction, type OperatorFunction, type SchedulerLike, type Subscription } from "rxjs";
import type { Frame } from "../client/watch-client.js";
import { StepStatus } from "../env/task.js";

/** Identifies one env across sessions: "sessionId/envId". */
export type EnvKey = string;

export function envKey(frame: Pick<Frame, "sessionId" | "envId">): EnvKey {
  return `${frame.sessionId}/${frame.envId}`;
}

// ---------------------------------------------------------------- rates

/**
 * Per key, the weighted count of frames of the last `windowMs`, in events per
 * second (count × 1000 / windowMs). Emits a fresh Map on every frame and
 * whenever frames leave the window (so a rate falls to 0 once frames stop);
 * keys whose window is empty are removed. A frame at time t counts until
 * t + windowMs (excluded). Completes and errors with the source. During the
 * first `windowMs` after subscribing the rate is under-estimated (the window
 * is not full yet).
 */
function slidingRates(
  windowMs: number,
  scheduler: SchedulerLike,
  keyOf: (f: Frame) => EnvKey,
  weightOf: (f: Frame) => number,
): OperatorFunction<Frame, ReadonlyMap<EnvKey, number>> {
  if (!(windowMs > 0 && Number.isFinite(windowMs))) throw new RangeError(`windowMs: must be a positive number, got ${windowMs}`);
  return (source) =>
    new Observable<ReadonlyMap<EnvKey, number>>((subscriber) => {
      // Events in arrival (= time) order; `head` is the oldest still in the window.
      let queue: { t: number; key: EnvKey; w: number }[] = [];
      let head = 0;
      const sums = new Map<EnvKey, number>();
      let timer: Subscription | undefined;
      const emit = () => {
        const rates = new Map<EnvKey, number>();
        for (const [k, s] of sums) rates.set(k, (s * 1000) / windowMs);
        subscriber.next(rates);
      };
      const expire = (now: number): boolean => {
        const start = head;
        while (head < queue.length && queue[head]!.t + windowMs <= now) {
          const e = queue[head++]!;
          const s = sums.get(e.key)! - e.w;
          if (s === 0) sums.delete(e.key);
          else sums.set(e.key, s);
        }
        if (head > 1024 && head * 2 > queue.length) {
          queue = queue.slice(head);
          head = 0;
        }
        return head !== start;
      };
      // One timer at a time, due when the oldest event leaves the window.
      const arm = () => {
        if (timer || head >= queue.length || subscriber.closed) return;
        const due = Math.max(0, queue[head]!.t + windowMs - scheduler.now());
        timer = scheduler.schedule(() => {
          timer = undefined;
          if (expire(scheduler.now())) emit();
          arm();
        }, due);
      };
      const sub = source.subscribe({
        next: (f) => {
          const now = scheduler.now();
          expire(now);
          const key = keyOf(f);
          const w = weightOf(f);
          queue.push({ t: now, key, w });
          sums.set(key, (sums.get(key) ?? 0) + w);
          emit();
          arm();
        },
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
      return () => {
        sub.unsubscribe();
        timer?.unsubscribe();
      };
    });
}

const ALL: EnvKey = "";
const one = () => 1;
const oneplusDropped = (f: Frame) => 1 + f.dropped;
const total = (rates: ReadonlyMap<EnvKey, number>) => rates.get(ALL) ?? 0;

/**
 * Frames per second reaching this watcher, all envs together, over a sliding
 * window of `windowMs`. Emits on every frame and when frames leave the window
 * (down to 0 once frames stop).
 */
export function framesPerSecond(windowMs: number, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<Frame, number> {
  const rates = slidingRates(windowMs, scheduler, () => ALL, one);
  return (source) => source.pipe(rates, map(total));
}

/** Like `framesPerSecond`, per env: a Map from `envKey` to frames per second (envs without frames in the window are absent). */
export function framesPerSecondPerEnv(windowMs: number, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<Frame, ReadonlyMap<EnvKey, number>> {
  return slidingRates(windowMs, scheduler, envKey, one);
}

/**
 * The envs' own reset+step rate as seen through a rate-limited watcher, per
 * env: each frame counts 1 + its `dropped` (the frames skipped before it).
 * With `max_hz` 0 and a fast enough watcher it equals `framesPerSecondPerEnv`.
 * Frames skipped before the watch started are not counted.
 */
export function stepsPerSecondPerEnv(windowMs: number, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<Frame, ReadonlyMap<EnvKey, number>> {
  return slidingRates(windowMs, scheduler, envKey, oneplusDropped);
}

/** `stepsPerSecondPerEnv` summed over all envs. */
export function stepsPerSecond(windowMs: number, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<Frame, number> {
  const rates = slidingRates(windowMs, scheduler, () => ALL, oneplusDropped);
  return (source) => source.pipe(rates, map(total));
}

// ---------------------------------------------------------------- state

/**
 * A running reduction that emits a fresh snapshot per input: `step` mutates the
 * private accumulator, `snapshot` copies what goes out.
 */
function reduceEach<T, A, R>(seed: () => A, step: (acc: A, value: T) => void, snapshot: (acc: A) => R): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      const acc = seed();
      return source.subscribe({
        next: (v) => {
          step(acc, v);
          subscriber.next(snapshot(acc));
        },
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
    });
}

/**
 * The latest frame of every env seen so far, keyed by `envKey`, in order of
 * first appearance. Emits a fresh Map per frame (never mutated afterwards).
 */
export function latestPerEnv(): OperatorFunction<Frame, ReadonlyMap<EnvKey, Frame>> {
  return reduceEach(
    () => new Map<EnvKey, Frame>(),
    (m, f) => void m.set(envKey(f), f),
    (m) => new Map(m),
  );
}

/** Running total of `Frame.dropped` over all envs: frames this watcher did not get. Emits per frame. */
export function droppedFrames(): OperatorFunction<Frame, number> {
  return reduceEach(
    () => ({ n: 0 }),
    (acc, f) => void (acc.n += f.dropped),
    (acc) => acc.n,
  );
}

/** Running total of `Frame.dropped` per env (`envKey`). Emits a fresh Map per frame. */
export function droppedFramesPerEnv(): OperatorFunction<Frame, ReadonlyMap<EnvKey, number>> {
  return reduceEach(
    () => new Map<EnvKey, number>(),
    (m, f) => {
      const k = envKey(f);
      m.set(k, (m.get(k) ?? 0) + f.dropped);
    },
    (m) => new Map(m),
  );
}

// ---------------------------------------------------------------- episodes

/** One finished episode of one env, as far as this watcher saw it. */
export interface EpisodeSummary {
  readonly sessionId: string;
  readonly envId: number;
  readonly task: string;
  /** The env's episode number (1 for its first). */
  readonly episode: number;
  /** `episodeStep` of the last frame seen: the episode's length when `status` is set. */
  readonly steps: number;
  /**
   * Sum of the rewards of the step frames seen (the reset frame's reward is not
   * part of the return); undefined when no frame carried a reward (black box).
   * Exact only when `complete`.
   */
  readonly return: number | undefined;
  /** `isSuccess` of the last frame seen. */
  readonly success: boolean;
  /** Simulated seconds at the last frame seen. */
  readonly simTime: number;
  /** Server wall clock of the last frame seen, µs since the Unix epoch. */
  readonly wallTimeUs: number;
  /**
   * How the episode ended: TERMINATED or TRUNCATED, or undefined when its last
   * frame was not seen (skipped by the rate limit, or the env was reset before
   * its episode ended) and the episode was known to be over only because a
   * frame of a later episode arrived.
   */
  readonly status: StepStatus | undefined;
  /** Frames of this episode seen. */
  readonly frames: number;
  /** Whether every frame of the episode was seen (reset, every step, the end): `return` is exact. */
  readonly complete: boolean;
}

interface OpenEpisode {
  sessionId: string;
  envId: number;
  task: string;
  episode: number;
  steps: number;
  ret: number | undefined;
  success: boolean;
  simTime: number;
  wallTimeUs: number;
  status: StepStatus | undefined;
  frames: number;
  /** Already emitted (its end was seen); later frames of the same episode are ignored. */
  done: boolean;
}

function summary(e: OpenEpisode): EpisodeSummary {
  return {
    sessionId: e.sessionId,
    envId: e.envId,
    task: e.task,
    episode: e.episode,
    steps: e.steps,
    return: e.ret,
    success: e.success,
    simTime: e.simTime,
    wallTimeUs: e.wallTimeUs,
    status: e.status,
    frames: e.frames,
    complete: e.status !== undefined && e.frames === e.steps + 1,
  };
}

/**
 * One `EpisodeSummary` per finished episode: emitted at the frame that ends it
 * (status TERMINATED or TRUNCATED), or, when that frame was not seen, at the
 * first frame of a later episode of the same env (then `status` is undefined).
 * Episodes still running when the source completes are not emitted.
 */
export function episodeSummaries(): OperatorFunction<Frame, EpisodeSummary> {
  return (source) =>
    new Observable<EpisodeSummary>((subscriber) => {
      const open = new Map<EnvKey, OpenEpisode>();
      return source.subscribe({
        next: (f) => {
          const k = envKey(f);
          let e = open.get(k);
          if (e && f.episode < e.episode) return; // cannot happen on one stream; ignore rather than corrupt
          if (e && f.episode > e.episode) {
            if (!e.done) subscriber.next(summary(e));
            e = undefined;
          }
          if (!e) {
            e = { sessionId: f.sessionId, envId: f.envId, task: f.task, episode: f.episode, steps: 0, ret: undefined, success: false, simTime: 0, wallTimeUs: 0, status: undefined, frames: 0, done: false };
            open.set(k, e);
          }
          if (e.done) return;
          e.frames++;
          e.steps = f.episodeStep;
          if (f.reward !== undefined && f.episodeStep > 0) e.ret = (e.ret ?? 0) + f.reward;
          e.success = f.isSuccess;
          e.simTime = f.simTime;
          e.wallTimeUs = f.wallTimeUs;
          if (f.status !== StepStatus.RUNNING) {
            e.status = f.status;
            e.done = true;
            subscriber.next(summary(e));
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}

/**
 * Aggregates of the last episodes (see `episodeStats`). Through a rate-limited
 * watcher most episodes are seen only in part, so each aggregate uses only the
 * episodes it is exact for.
 */
export interface EpisodeStats {
  /** Episodes summarised since subscribing. */
  readonly episodes: number;
  /** Episodes aggregated below: the last `lastN`. */
  readonly window: number;
  /** Of those, episodes whose last frame was seen (`status` set): the basis of `successRate` and `meanSteps`. */
  readonly ended: number;
  /** Of those, episodes seen whole (`complete`): the basis of `meanReturn`. */
  readonly complete: number;
  /** Fraction of the `ended` episodes with `success`; undefined when `ended` is 0. */
  readonly successRate: number | undefined;
  /** Mean length of the `ended` episodes; undefined when `ended` is 0. */
  readonly meanSteps: number | undefined;
  /** Mean return of the `complete` episodes that have one; undefined if none has. */
  readonly meanReturn: number | undefined;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);

/** Success rate, mean length and mean return over the last `lastN` episode summaries; emits per summary. */
export function episodeStats(lastN = 100): OperatorFunction<EpisodeSummary, EpisodeStats> {
  if (!(Number.isInteger(lastN) && lastN >= 1)) throw new RangeError(`lastN: must be an integer ≥ 1, got ${lastN}`);
  return reduceEach(
    () => ({ count: 0, recent: [] as EpisodeSummary[] }),
    (acc, s) => {
      acc.count++;
      acc.recent.push(s);
      if (acc.recent.length > lastN) acc.recent.shift();
    },
    ({ count, recent }) => {
      const ended = recent.filter((s) => s.status !== undefined);
      const complete = ended.filter((s) => s.complete);
      return {
        episodes: count,
        window: recent.length,
        ended: ended.length,
        complete: complete.length,
        successRate: mean(ended.map((s) => (s.success ? 1 : 0))),
        meanSteps: mean(ended.map((s) => s.steps)),
        meanReturn: mean(complete.filter((s) => s.return !== undefined).map((s) => s.return!)),
      };
    },
  );
}

// ---------------------------------------------------------------- pacing

/**
 * At most one value per `ms`, always the latest, for redrawing a view: the
 * first value passes at once and opens a period of `ms`; at the end of a period
 * the latest value that arrived during it (if any) is emitted and opens the
 * next period. On completion a value still waiting is emitted at once (unlike
 * `sampleTime`/`throttleTime`, which drop or delay it), then the output
 * completes. Errors pass at once.
 */
export function sampleEvery<T>(ms: number, scheduler: SchedulerLike = asyncScheduler): MonoTypeOperatorFunction<T> {
  if (!(ms >= 0 && Number.isFinite(ms))) throw new RangeError(`ms: must be a number ≥ 0, got ${ms}`);
  return (source) =>
    new Observable<T>((subscriber) => {
      let pending: { value: T } | undefined;
      let period: Subscription | undefined;
      const open = () => {
        if (subscriber.closed) return;
        period = scheduler.schedule(() => {
          period = undefined;
          if (pending) {
            const { value } = pending;
            pending = undefined;
            subscriber.next(value);
            open();
          }
        }, ms);
      };
      const sub = source.subscribe({
        next: (value) => {
          if (period) {
            pending = { value };
            return;
          }
          subscriber.next(value);
          open();
        },
        error: (e) => subscriber.error(e),
        complete: () => {
          period?.unsubscribe();
          period = undefined;
          if (pending) subscriber.next(pending.value);
          pending = undefined;
          subscriber.complete();
        },
      });
      return () => {
        sub.unsubscribe();
        period?.unsubscribe();
      };
    });
}
