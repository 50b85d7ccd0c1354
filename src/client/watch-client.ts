/**
 * The client side of the Watch RPC: live frames of a server's envs, decoded.
 * `openWatch` is callback-based; `src/stream/watch.ts` wraps it as an rxjs
 * Observable.
 */
import * as grpc from "@grpc/grpc-js";
import { Code, SimbridgeError } from "../core/errors.js";
import { loadProtocol } from "../protocol/service-definition.js";
import { decodeTensor } from "../protocol/tensor-codec.js";
import { decodeFrameAnnotations } from "../protocol/annotations.js";
import type { WatchFrame__Output } from "../protocol/generated/simbridge/v1/WatchFrame.js";
import type { StepStatus } from "../env/task.js";
import { channelCredentials, channelOptions, type TlsClientOptions } from "./tls.js";

/** One env's state after a reset or step, as a watcher sees it. */
export interface Frame {
  /** Consecutive per watch stream, from 1. */
  readonly sequence: number;
  readonly sessionId: string;
  readonly envId: number;
  readonly task: string;
  readonly episode: number;
  readonly episodeStep: number;
  /** Simulated seconds since the episode's reset. */
  readonly simTime: number;
  /** Server wall clock, microseconds since the Unix epoch. */
  readonly wallTimeUs: number;
  /** Frames of this env skipped since the previous one sent (rate limit or slow watcher). */
  readonly dropped: number;
  readonly status: StepStatus;
  /** In TaskSpec.observations order. */
  readonly observations: readonly Float32Array[];
  readonly reward: number | undefined;
  readonly isSuccess: boolean;
  /**
   * The agent annotations of the step that produced this frame, this env's
   * row, by name (e.g. `subgoal_target`: the absolute x, y a hierarchical
   * agent heads for). Empty for resets, steps without annotations and
   * servers without the capability "agent_annotations". No prototype.
   */
  readonly annotations: Readonly<Record<string, Float32Array>>;
}

export interface WatchOptions {
  /** Only this session's envs (default: every session). */
  readonly sessionId?: string;
  /** Only these env ids (default: all). */
  readonly envIds?: readonly number[];
  /** At most this many frames per second per env (default 0: every frame). */
  readonly maxHz?: number;
  readonly token?: string;
  readonly tls?: TlsClientOptions;
}

export interface WatchHandlers {
  frame(frame: Frame): void;
  error(e: SimbridgeError): void;
  end(): void;
}

export function decodeFrame(f: WatchFrame__Output): Frame {
  return {
    sequence: Number(f.sequence),
    sessionId: f.session_id,
    envId: f.env_id,
    task: f.task,
    episode: Number(f.episode),
    episodeStep: f.episode_step,
    simTime: f.sim_time,
    wallTimeUs: Number(f.wall_time_us),
    dropped: Number(f.dropped),
    status: f.status as StepStatus,
    observations: f.observations.map((t, k) => {
      const d = decodeTensor(t, `observations[${k}]`).data;
      return d instanceof Float32Array ? d : Float32Array.from(d);
    }),
    reward: f.reward ?? undefined,
    isSuccess: f.is_success,
    annotations: decodeFrameAnnotations(f.annotations),
  };
}

/** Opens a Watch stream; `cancel()` ends it (no error is reported then). */
export function openWatch(address: string, options: WatchOptions, handlers: WatchHandlers): { cancel(): void } {
  return openWatchStream(address, options, false, decodeFrame, handlers.frame, handlers);
}

/**
 * A Watch stream whose frames `decode` turns into what `onFrame` takes;
 * `view` asks for views (body poses and models: the viewer's stream).
 */
export function openWatchStream<F>(
  address: string,
  options: WatchOptions,
  view: boolean,
  decode: (f: WatchFrame__Output) => F,
  onFrame: (frame: F) => void,
  handlers: Pick<WatchHandlers, "error" | "end">,
): { cancel(): void } {
  const { proto } = loadProtocol();
  const client = new proto.simbridge.v1.EnvironmentService(address, channelCredentials(options.tls), {
    ...channelOptions(options.tls),
    "grpc.max_receive_message_length": -1,
  });
  const metadata = new grpc.Metadata();
  if (options.token) metadata.set("authorization", `Bearer ${options.token}`);
  const call = client.Watch(
    { session_id: options.sessionId ?? "", env_ids: [...(options.envIds ?? [])], max_hz: options.maxHz ?? 0, token: options.token ?? "", ...(view ? { view: true } : {}) },
    metadata,
  );
  let cancelled = false;
  call.on("data", (f: WatchFrame__Output) => onFrame(decode(f)));
  call.on("error", (e: grpc.ServiceError) => {
    client.close();
    if (!cancelled) handlers.error(new SimbridgeError(e.code as Code, `watch ${address}: ${e.details || e.message}`));
  });
  call.on("end", () => {
    client.close();
    if (!cancelled) handlers.end();
  });
  return {
    cancel() {
      cancelled = true;
      call.cancel();
      client.close();
    },
  };
}
