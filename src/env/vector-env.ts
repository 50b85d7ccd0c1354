/**
 * VectorEnv: the one interface a learner sees, whether its envs run in-process
 * (`LocalVectorEnv`) or behind a gRPC server (`RemoteVectorEnv`).
 *
 * Contract (the conformance suite in test/contract/ checks every implementation):
 * - `numEnvs` envs of one task, addressed by index 0..numEnvs-1.
 * - `reset(entries)` resets the listed envs (all when omitted), each with its
 *   own optional seed and options; the same seed gives the same trajectory.
 * - `step(actions, indices)` steps the listed envs (all when omitted) with one
 *   action row each (`actions` is [indices.length × action size], float32).
 *   Every listed env must be RUNNING; otherwise nothing is stepped and a
 *   FAILED_PRECONDITION error is thrown. There is no auto-reset: an env whose
 *   status becomes TERMINATED or TRUNCATED waits for an explicit reset.
 * - `step(actions, indices, annotations)`: optional agent annotations for
 *   watchers, per name [indices.length × size] float32 (row i for env
 *   `indices[i]`), e.g. `subgoal_target`. They never change the step. A remote
 *   env sends them when its server offers watchers them (capability
 *   "agent_annotations"), whose checks (at most 8 names of
 *   ^[a-z][a-z0-9_]{0,63}$, at most 256 finite values per env) then fail the
 *   step with INVALID_ARGUMENT; otherwise, and in-process, they are ignored.
 * - Errors are `SimbridgeError`s with gRPC codes; after an error every env is
 *   as it was before the call — except ABORTED, which a remote env throws
 *   after it lost its server and reconnected: every env was re-created and
 *   must be reset before stepping.
 * - `close()` frees every env; any call afterwards fails with FAILED_PRECONDITION.
 */
import type { Options, StepStatus, TaskSpec } from "./task.js";

/** The result of a reset or step: row i belongs to env `indices[i]`. */
export interface BatchStep {
  readonly indices: readonly number[];
  /** One array per `spec.observations` entry, [rows × size]. */
  readonly observations: readonly Float32Array[];
  /** [rows]; undefined when the task withholds reward (black box). 0 after reset. */
  readonly reward: Float64Array | undefined;
  /** [rows] of StepStatus. */
  readonly status: Uint8Array;
  /** [rows], 1 where the env's episode goal is reached. */
  readonly isSuccess: Uint8Array;
  /** [rows × spec.infoKeys.length]. */
  readonly info: Float64Array;
  /** Real-time envs only: [rows], ticks the env advanced on a held action before this step's action (0 = on time). */
  readonly lateTicks?: Uint32Array;
}

/**
 * Agent annotations of a step, for watchers: per name, [rows × size] float32
 * row-major, row i for the i-th env stepped (protocol: StepRequest.annotations).
 */
export type Annotations = Readonly<Record<string, Float32Array>>;

export interface ResetEntry {
  readonly index: number;
  readonly seed?: number;
  readonly options?: Options;
}

export interface VectorEnv {
  readonly spec: TaskSpec;
  readonly numEnvs: number;
  reset(entries?: readonly ResetEntry[]): Promise<BatchStep>;
  step(actions: Float32Array, indices?: readonly number[], annotations?: Annotations): Promise<BatchStep>;
  close(): Promise<void>;
}

/** Row `row` of a batch as one env's view (copies). */
export interface TimeStep {
  readonly observations: Readonly<Record<string, Float32Array>>;
  readonly reward: number | undefined;
  readonly status: StepStatus;
  readonly isSuccess: boolean;
  readonly info: Readonly<Record<string, number>>;
}

export function timeStepAt(spec: TaskSpec, batch: BatchStep, row: number): TimeStep {
  const observations: Record<string, Float32Array> = {};
  spec.observations.forEach((s, k) => {
    const size = batch.observations[k]!.length / batch.indices.length;
    observations[s.name] = batch.observations[k]!.slice(row * size, (row + 1) * size);
  });
  const info: Record<string, number> = {};
  const nInfo = spec.infoKeys.length;
  spec.infoKeys.forEach((key, j) => (info[key] = batch.info[row * nInfo + j]!));
  return {
    observations,
    reward: batch.reward ? batch.reward[row]! : undefined,
    status: batch.status[row]! as StepStatus,
    isSuccess: batch.isSuccess[row] === 1,
    info,
  };
}

export function allIndices(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * The shape to report for a flat action array meant for `rows` envs:
 * [rows, ...action shape] when the length fits, else [length] so that the
 * shape check names the mismatch.
 */
export function batchActionShape(spec: TaskSpec, rows: number, actions: Float32Array): number[] {
  const per = spec.action.shape.reduce((a, b) => a * b, 1);
  return actions.length === rows * per ? [rows, ...spec.action.shape] : [actions.length];
}
