/**
 * A Watch stream that asks for views (WatchRequest.view, capability
 * "viewer_model"): frames as `simbridge watch` decodes them, plus the env's
 * view model key, its body poses and, in the first frame of each key, the
 * model. A server without the capability sends frames without them (the
 * viewer then draws the goals alone).
 */
import * as grpc from "@grpc/grpc-js";
import { Code, SimbridgeError } from "../core/errors.js";
import { loadProtocol } from "../protocol/service-definition.js";
import { decodeTensor } from "../protocol/tensor-codec.js";
import { decodeFrame, type Frame, type WatchHandlers, type WatchOptions } from "../client/watch-client.js";
import { channelCredentials, channelOptions } from "../client/tls.js";
import type { WatchFrame__Output } from "../protocol/generated/simbridge/v1/WatchFrame.js";
import type { ViewModel__Output } from "../protocol/generated/simbridge/v1/ViewModel.js";

export interface ViewFrame extends Frame {
  /** "" when the env's task has no view (or the server predates views). */
  readonly viewModelKey: string;
  /** [bodies × 7]: x, y, z, qw, qx, qy, qz per body; undefined without a view. */
  readonly bodyPoses: Float32Array | undefined;
  /** The model of `viewModelKey`, in the first frame of that key. */
  readonly viewModel: ViewModel__Output | undefined;
}

export interface ViewWatchHandlers extends Omit<WatchHandlers, "frame"> {
  frame(frame: ViewFrame): void;
}

export function decodeViewFrame(f: WatchFrame__Output): ViewFrame {
  const poses = f.body_poses ? decodeTensor(f.body_poses, "body_poses").data : undefined;
  return {
    ...decodeFrame(f),
    viewModelKey: f.view_model_key ?? "",
    bodyPoses: poses === undefined ? undefined : poses instanceof Float32Array ? poses : Float32Array.from(poses),
    viewModel: f.view_model ?? undefined,
  };
}

/** Opens a Watch stream with views; `cancel()` ends it (no error is reported then). */
export function openViewWatch(address: string, options: WatchOptions, handlers: ViewWatchHandlers): { cancel(): void } {
  const { proto } = loadProtocol();
  const client = new proto.simbridge.v1.EnvironmentService(address, channelCredentials(options.tls), {
    ...channelOptions(options.tls),
    "grpc.max_receive_message_length": -1,
  });
  const metadata = new grpc.Metadata();
  if (options.token) metadata.set("authorization", `Bearer ${options.token}`);
  const call = client.Watch(
    { session_id: options.sessionId ?? "", env_ids: [...(options.envIds ?? [])], max_hz: options.maxHz ?? 0, token: options.token ?? "", view: true },
    metadata,
  );
  let cancelled = false;
  call.on("data", (f: WatchFrame__Output) => handlers.frame(decodeViewFrame(f)));
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
