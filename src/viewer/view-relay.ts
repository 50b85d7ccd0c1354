/**
 * ViewRelay: the Node side of the browser viewer. It holds one Watch stream
 * with views (view-watch.ts) to a simbridge server, rate-limited on the server
 * like any watch, and turns its frames into small JSON events for browsers:
 * `model` (once per view model key), `frame` (one env's state: episode, step,
 * sim time, reward, success, body poses, goals), `gone` (an env that stopped
 * or vanished) and `status` (connection state, the server's env count, frame
 * rates) once a second.
 *
 * It keeps only the latest frame of each env and each model (bounded by what
 * the server has open), so a late browser starts from the present. When the
 * stream ends or fails (the server restarted, or is down) it says
 * "reconnecting", forgets the envs (their ids die with the server's sessions)
 * and opens the stream again with backoff; the Status RPC, called every
 * second, tells when the server answers again.
 */
import * as grpc from "@grpc/grpc-js";
import { loadProtocol } from "../protocol/service-definition.js";
import { fetchServerStatus } from "../client/server-status.js";
import type { TlsClientOptions } from "../client/tls.js";
import { channelCredentials, channelOptions } from "../client/tls.js";
import type { ListTasksResponse__Output } from "../protocol/generated/simbridge/v1/ListTasksResponse.js";
import { openViewWatch, type ViewFrame } from "./view-watch.js";

export interface RelayOptions {
  /** HOST:PORT of the simbridge server. */
  readonly target: string;
  readonly token?: string;
  readonly tls?: TlsClientOptions;
  /** Frames per second per env asked of the server (default 15). */
  readonly maxHz?: number;
  /** An env without a frame for this long is gone (default 10 000 ms). */
  readonly staleMs?: number;
}

export type ConnectionState = "connecting" | "live" | "reconnecting";

export interface RelayStatus {
  readonly state: ConnectionState;
  readonly target: string;
  /** Envs open on the server (Status RPC); -1 while unknown. */
  readonly serverEnvs: number;
  /** Envs with a recent frame. */
  readonly envs: number;
  /** Frames received per second over the last second. */
  readonly framesPerSecond: number;
  /** Frames the server dropped for this watcher (rate limit, slow relay), in all. */
  readonly droppedUpstream: number;
  readonly error?: string;
}

/** What a browser draws for one env at one moment. */
export interface FrameEvent {
  readonly id: string;
  readonly task: string;
  readonly envId: number;
  readonly sessionId: string;
  readonly episode: number;
  readonly step: number;
  readonly simTime: number;
  readonly status: number;
  readonly reward: number | null;
  readonly success: boolean;
  readonly dropped: number;
  readonly key: string;
  readonly poses: number[] | null;
  readonly goal: number[] | null;
  readonly achieved: number[] | null;
  readonly subgoal: number[] | null;
  readonly wallTimeUs: number;
}

export type RelayEvent =
  | { readonly type: "model"; readonly key: string; readonly model: unknown }
  | { readonly type: "frame"; readonly frame: FrameEvent }
  | { readonly type: "gone"; readonly id: string }
  | { readonly type: "status"; readonly status: RelayStatus };

const MAX_BACKOFF_MS = 4000;

export class ViewRelay {
  readonly latest = new Map<string, FrameEvent>();
  readonly models = new Map<string, unknown>();
  private readonly listeners = new Set<(e: RelayEvent) => void>();
  private readonly observationNames = new Map<string, string[]>();
  private watch: { cancel(): void } | undefined;
  private state: ConnectionState = "connecting";
  private serverEnvs = -1;
  private framesThisSecond = 0;
  private framesPerSecond = 0;
  private droppedUpstream = 0;
  private lastError: string | undefined;
  private backoffMs = 250;
  private retry: NodeJS.Timeout | undefined;
  private readonly ticker: NodeJS.Timeout;
  private readonly lastSeen = new Map<string, number>();
  private closed = false;

  constructor(private readonly options: RelayOptions) {
    this.open();
    this.ticker = setInterval(() => void this.tick(), 1000);
    void this.tick();
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(fn: (e: RelayEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  status(): RelayStatus {
    return {
      state: this.state,
      target: this.options.target,
      serverEnvs: this.serverEnvs,
      envs: this.latest.size,
      framesPerSecond: this.framesPerSecond,
      droppedUpstream: this.droppedUpstream,
      ...(this.lastError ? { error: this.lastError } : {}),
    };
  }

  close(): void {
    this.closed = true;
    clearInterval(this.ticker);
    clearTimeout(this.retry);
    this.watch?.cancel();
    this.listeners.clear();
  }

  private emit(e: RelayEvent): void {
    for (const fn of this.listeners) fn(e);
  }

  private open(): void {
    if (this.closed) return;
    void this.loadObservationNames();
    this.watch = openViewWatch(
      this.options.target,
      { maxHz: this.options.maxHz ?? 15, ...(this.options.token ? { token: this.options.token } : {}), ...(this.options.tls ? { tls: this.options.tls } : {}) },
      {
        frame: (f) => this.onFrame(f),
        error: (e) => this.lost(e.message),
        end: () => this.lost("the server ended the stream"),
      },
    );
  }

  /** The stream is gone: forget the envs (their ids die with the server's sessions) and open it again. */
  private lost(reason: string): void {
    this.watch = undefined;
    if (this.closed) return;
    this.lastError = reason;
    this.setState("reconnecting");
    for (const id of [...this.latest.keys()]) this.forget(id);
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.open(), this.backoffMs);
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit({ type: "status", status: this.status() });
  }

  private forget(id: string): void {
    this.latest.delete(id);
    this.lastSeen.delete(id);
    this.emit({ type: "gone", id });
  }

  private onFrame(f: ViewFrame): void {
    this.backoffMs = 250;
    this.lastError = undefined;
    this.setState("live");
    this.framesThisSecond++;
    this.droppedUpstream += f.dropped;
    if (f.viewModel && f.viewModelKey && !this.models.has(f.viewModelKey)) {
      this.models.set(f.viewModelKey, f.viewModel);
      this.emit({ type: "model", key: f.viewModelKey, model: f.viewModel });
    }
    const names = this.observationNames.get(f.task) ?? (f.observations.length === 3 ? ["observation", "achieved_goal", "desired_goal"] : []);
    const named = (name: string) => {
      const k = names.indexOf(name);
      return k >= 0 && f.observations[k] ? Array.from(f.observations[k]) : null;
    };
    const subgoal = f.annotations["subgoal_target"];
    const frame: FrameEvent = {
      id: `${f.sessionId}/${f.envId}`,
      task: f.task,
      envId: f.envId,
      sessionId: f.sessionId,
      episode: f.episode,
      step: f.episodeStep,
      simTime: f.simTime,
      status: f.status,
      reward: f.reward ?? null,
      success: f.isSuccess,
      dropped: f.dropped,
      key: f.viewModelKey,
      poses: f.bodyPoses ? Array.from(f.bodyPoses, (v) => Math.round(v * 1e5) / 1e5) : null,
      goal: named("desired_goal"),
      achieved: named("achieved_goal"),
      subgoal: subgoal ? Array.from(subgoal) : null,
      wallTimeUs: f.wallTimeUs,
    };
    this.latest.set(frame.id, frame);
    this.lastSeen.set(frame.id, performance.now());
    this.emit({ type: "frame", frame });
  }

  /** Once a second: frame rate, stale envs, the server's counts. */
  private async tick(): Promise<void> {
    this.framesPerSecond = this.framesThisSecond;
    this.framesThisSecond = 0;
    const now = performance.now();
    const staleMs = this.options.staleMs ?? 10_000;
    for (const [id, seen] of this.lastSeen) if (now - seen > staleMs) this.forget(id);
    try {
      const s = await fetchServerStatus(this.options.target, { timeoutMs: 900, ...(this.options.token ? { token: this.options.token } : {}), ...(this.options.tls ? { tls: this.options.tls } : {}) });
      this.serverEnvs = s.envs;
      if (this.watch) this.setState("live");
    } catch (e) {
      this.serverEnvs = -1;
      this.lastError = e instanceof Error ? e.message : String(e);
      if (this.state === "live") this.setState("reconnecting");
    }
    if (!this.closed) this.emit({ type: "status", status: this.status() });
  }

  /** Observation names per task (ListTasks), to find desired_goal and achieved_goal in frames. */
  private async loadObservationNames(): Promise<void> {
    const { proto } = loadProtocol();
    const client = new proto.simbridge.v1.EnvironmentService(this.options.target, channelCredentials(this.options.tls), channelOptions(this.options.tls));
    const metadata = new grpc.Metadata();
    if (this.options.token) metadata.set("authorization", `Bearer ${this.options.token}`);
    try {
      const r = await new Promise<ListTasksResponse__Output>((resolve, reject) =>
        client.ListTasks({}, metadata, { deadline: Date.now() + 5000 }, (err, res) => (err ? reject(err) : resolve(res!))),
      );
      for (const t of r.tasks) this.observationNames.set(t.name, t.observations.map((o) => o.name));
    } catch {
      /* the stream's own error says what is wrong */
    } finally {
      client.close();
    }
  }
}
