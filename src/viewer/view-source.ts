/**
 * ViewSource: what a task offers a viewer (capability "viewer_model"): its
 * view model once (bodies made of simple geoms, `proto/simbridge/v1/view.proto`)
 * and, after each reset or step, its bodies' world poses.
 *
 * Tasks declare their source with `declareView(task.out.observations, source)`.
 * The key is the task's observation buffers rather than the task object so
 * that wrappers sharing them stay viewable: a black-box task (src/env/black-box.ts)
 * shares its inner task's observations and hides everything else. The table
 * is weak: a closed, dropped task takes its entry with it.
 */
import type { ViewModel } from "../protocol/generated/simbridge/v1/ViewModel.js";

/** Floats per body in `WatchFrame.body_poses`: x, y, z, then quaternion w, x, y, z. */
export const POSE_SIZE = 7;

export interface ViewSource {
  /** The model; called once per env (its result is cached), so it may be slow. */
  model(): ViewModel;
  /** Writes every body's world pose, POSE_SIZE floats per body in `model().bodies` order. */
  writePoses(out: Float32Array): void;
}

const sources = new WeakMap<object, ViewSource>();

/** Makes the task owning `observations` (its `out.observations`) viewable. */
export function declareView(observations: object, source: ViewSource): void {
  sources.set(observations, source);
}

/**
 * Forgets a closed task's view at once: its source holds the simulator, which
 * would otherwise stay reachable until a full GC collects the weak entry
 * (10k make/close cycles of MuJoCo tasks held ~30 MB more RSS that way).
 */
export function forgetView(observations: object): void {
  sources.delete(observations);
}

/** The view of a task (or of a wrapper sharing its observations); undefined when it has none. */
export function viewOf(task: { readonly out: { readonly observations: object } }): ViewSource | undefined {
  return sources.get(task.out.observations);
}
