/**
 * WatchHub: fans the resets and steps of every session out to Watch streams.
 *
 * Sessions call `publish` after each reset/step with a lazy frame builder; the
 * hub decides per watcher whether a frame is due (its env filter, its `max_hz`
 * rate limit, whether its stream can take more) and only then builds the frame.
 * A watcher whose stream is full (grpc-js `write` returned false) gets nothing
 * until it drains: its frames are dropped and counted, so a slow watcher never
 * slows stepping and never grows the server's memory.
 *
 * A step's agent annotations (StepRequest.annotations) ride in the frame body:
 * the builder cuts the env's row from the request when, and only when, some
 * watcher takes the frame. The hub buffers nothing, so a dropped frame drops
 * its annotations, and a client that sends annotations with no one watching
 * costs no memory (publishers return before building anything).
 *
 * Views (WatchRequest.view, capability "viewer_model"): a frame body may carry
 * a lazy view of its env. Only watchers that asked for views read it (the
 * body poses are read then, once for all of them), and each such watcher gets
 * a model in the first frame of its key and only the key afterwards.
 */
import type { WatchFrame } from "../protocol/generated/simbridge/v1/WatchFrame.js";
import type { Tensor } from "../protocol/generated/simbridge/v1/Tensor.js";
import type { ViewModel } from "../protocol/generated/simbridge/v1/ViewModel.js";

export interface WatchFilter {
  /** "" = every session. */
  readonly sessionId: string;
  /** Empty = every env. */
  readonly envIds: readonly number[];
  /** 0 = every frame. */
  readonly maxHz: number;
  /** Send body poses and view models (WatchRequest.view). */
  readonly view?: boolean;
}

/** An env's view at one frame: its model's key, the body poses, the model. */
export interface FrameView {
  readonly key: string;
  readonly poses: Tensor;
  model(): ViewModel;
}

/** Where a watcher's frames go: returns false when it cannot take more now. */
export interface WatchSink {
  write(frame: WatchFrame): boolean;
  /** Calls `fn` once the sink can take frames again. */
  onDrain(fn: () => void): void;
}

/** The part of a frame the hub fills in per watcher, with the env's view for watchers that want it. */
export type FrameBody = Omit<WatchFrame, "sequence" | "dropped" | "view_model_key" | "body_poses" | "view_model"> & {
  readonly view?: () => FrameView | undefined;
};

/** Model keys a watcher remembers having received; past it, it forgets them all (and gets models again). */
const MAX_MODEL_KEYS = 256;

interface PerEnv {
  lastSentMs: number;
  dropped: number;
}

class Watcher {
  sequence = 0;
  blocked = false;
  readonly perEnv = new Map<string, PerEnv>();
  private readonly minIntervalMs: number;
  private readonly modelKeys = new Set<string>();

  constructor(
    readonly filter: WatchFilter,
    readonly sink: WatchSink,
  ) {
    this.minIntervalMs = filter.maxHz > 0 ? 1000 / filter.maxHz : 0;
  }

  matches(sessionId: string, envId: number): boolean {
    return (this.filter.sessionId === "" || this.filter.sessionId === sessionId) && (this.filter.envIds.length === 0 || this.filter.envIds.includes(envId));
  }

  offer(key: string, nowMs: number, build: () => FrameBody): void {
    let env = this.perEnv.get(key);
    if (!env) {
      env = { lastSentMs: -Infinity, dropped: 0 };
      this.perEnv.set(key, env);
    }
    if (this.blocked || nowMs - env.lastSentMs < this.minIntervalMs) {
      env.dropped++;
      return;
    }
    env.lastSentMs = nowMs;
    const { view, ...body } = build();
    const frame: WatchFrame = { ...body, sequence: ++this.sequence, dropped: env.dropped, ...(this.filter.view && view ? this.viewFields(view()) : {}) };
    env.dropped = 0;
    if (!this.sink.write(frame)) {
      this.blocked = true;
      this.sink.onDrain(() => (this.blocked = false));
    }
  }

  private viewFields(view: FrameView | undefined): Partial<WatchFrame> {
    if (!view) return {};
    const first = !this.modelKeys.has(view.key);
    if (first) {
      if (this.modelKeys.size >= MAX_MODEL_KEYS) this.modelKeys.clear();
      this.modelKeys.add(view.key);
    }
    return { view_model_key: view.key, body_poses: view.poses, ...(first ? { view_model: view.model() } : {}) };
  }
}

export class WatchHub {
  private readonly watchers = new Set<Watcher>();

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** True when some watcher could want frames of this env (cheap pre-check for publishers). */
  wants(sessionId: string, envId: number): boolean {
    for (const w of this.watchers) if (w.matches(sessionId, envId)) return true;
    return false;
  }

  /**
   * Offers one env's new state to every matching watcher; `build` runs at most
   * once, given the publish time (performance.now() ms) the rate limits used:
   * the frame's wall time is that instant, so frames a watcher gets are at
   * least 1/max_hz apart by their own timestamps even when the process is
   * descheduled between the limiter's check and the build (under load).
   */
  publish(sessionId: string, envId: number, build: (nowMs: number) => FrameBody): void {
    if (this.watchers.size === 0) return;
    const now = performance.now();
    let body: FrameBody | undefined;
    const lazy = () => (body ??= memoView(build(now)));
    const key = `${sessionId}/${envId}`;
    for (const w of this.watchers) if (w.matches(sessionId, envId)) w.offer(key, now, lazy);
  }

  /** Adds a watcher; returns the function that removes it. */
  subscribe(filter: WatchFilter, sink: WatchSink): () => void {
    const w = new Watcher(filter, sink);
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }
}

/** The body with its view read at most once (the first watcher that wants it reads the poses). */
function memoView(body: FrameBody): FrameBody {
  const read = body.view;
  if (!read) return body;
  let view: FrameView | undefined;
  let done = false;
  return {
    ...body,
    view: () => {
      if (!done) {
        view = read();
        done = true;
      }
      return view;
    },
  };
}
