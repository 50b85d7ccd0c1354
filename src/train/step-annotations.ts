/**
 * Which of an agent's `act` extras go to the env as agent annotations
 * (StepRequest.annotations, drawn by watchers and the viewer): a hierarchy's
 * `subgoal_target` (the absolute position its low level is steering to), when
 * it fits the protocol's limits for these rows. Used by the collector while
 * training and by the policy evaluation runs, so a live view shows the
 * subgoal in both.
 */
import type { Annotations } from "../env/vector-env.js";
import { annotationsFit } from "../protocol/annotations.js";

export function stepAnnotations(extras: Readonly<Record<string, Float32Array>> | undefined, rows: number): Annotations | undefined {
  const targets = extras?.["subgoal_target"];
  return targets && annotationsFit({ subgoal_target: targets }, rows) ? { subgoal_target: targets } : undefined;
}
