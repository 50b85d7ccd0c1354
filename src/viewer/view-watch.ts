/**
 * A Watch stream that asks for views (WatchRequest.view, capability
 * "viewer_model"): frames as `simbridge watch` decodes them, plus the env's
 * view model key, its body poses and, in the first frame of each key, the
 * model. A server without the capability sends frames without them (the
 * viewer then draws the goals alone).
 */
import { decodeTensor } from "../protocol/tensor-codec.js";
import { decodeFrame, openWatchStream, type Frame, type WatchHandlers, type WatchOptions } from "../client/watch-client.js";
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
  return openWatchStream(address, options, true, decodeViewFrame, handlers.frame, handlers);
}
