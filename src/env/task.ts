/**
 * Task: one simulated environment instance, stepped synchronously in-process.
 *
 * This is what a simulator implements (the MuJoCo tasks in `sims/mujoco/`). The
 * rest of simbridge never calls a Task directly: an `EnvPool` owns tasks, checks
 * every input against the spec and keeps the episode state machine, and both the
 * in-process vector env and the gRPC server are built on it.
 *
 * Contract:
 * - `reset` starts an episode; `step` advances one control step. Both write
 *   their result into `out` in place (no allocation per step): observations in
 *   `spec.observations` order, reward, status, success flag and info values in
 *   `spec.infoKeys` order.
 * - The pool guarantees `step` only receives finite actions of the right length,
 *   and only while the episode is RUNNING. Actions outside the bounds are clipped
 *   by the task (each task documents it).
 * - A task counts its own steps and reports TRUNCATED at `spec.maxEpisodeSteps`
 *   (TERMINATED wins when both happen on the same step).
 * - The same seed passed to `reset` gives a bit-identical trajectory for the same
 *   actions. `reset` without a seed continues the task's own random stream.
 * - `validateResetOptions` throws (INVALID_ARGUMENT) for reset options `reset`
 *   would refuse, without changing anything: the pool checks every env of a
 *   batched reset before resetting any, so a failed reset changes nothing.
 * - `close` frees every native resource; the task is unusable afterwards.
 */
import type { ArraySpec } from "./spec.js";
import { StepStatus as WireStepStatus } from "../protocol/generated/simbridge/v1/StepStatus.js";

/** Per-env episode status: the numbers of `simbridge.v1.StepStatus`, taken from the generated code. */
export const StepStatus = {
  RUNNING: WireStepStatus.RUNNING,
  TERMINATED: WireStepStatus.TERMINATED,
  TRUNCATED: WireStepStatus.TRUNCATED,
} as const;
export type StepStatus = (typeof StepStatus)[keyof typeof StepStatus];

export function statusName(s: number): string {
  return s === StepStatus.RUNNING ? "RUNNING" : s === StepStatus.TERMINATED ? "TERMINATED" : s === StepStatus.TRUNCATED ? "TRUNCATED" : `STATUS_${s}`;
}

/** Values a task option (at make) or a reset option may take. */
export type OptionValue = number | boolean | string | Float64Array;
export type Options = Readonly<Record<string, OptionValue>>;

/** Documents one option a task accepts. */
export interface OptionSpec {
  readonly name: string;
  readonly type: "number" | "bool" | "string" | "tensor";
  readonly doc: string;
  readonly default?: number | boolean | string;
}

export interface TaskSpec {
  /** Registered name with version, e.g. "Reacher-v5". */
  readonly name: string;
  /** One-paragraph description. */
  readonly description: string;
  /** Observation tensors in order. Goal-conditioned tasks have "observation", "achieved_goal", "desired_goal". */
  readonly observations: readonly ArraySpec[];
  readonly action: ArraySpec;
  /** Whether steps carry a reward. A black-box task may withhold it and report only success. */
  readonly hasReward: boolean;
  readonly goalConditioned: boolean;
  /** True when the task is served as a black box: no reward function can be queried. */
  readonly blackBox: boolean;
  /**
   * True when its tasks have `computeReward` (white box, goal-conditioned):
   * a server then answers `compute_reward` for it and announces the
   * capability. Absent means false.
   */
  readonly hasRewardFunction?: boolean;
  /** Steps until TRUNCATED. */
  readonly maxEpisodeSteps: number;
  /** Simulated seconds per control step. */
  readonly controlDt: number;
  /** Names of the per-step info values (reward terms, flags), in `TaskStep.info` order. */
  readonly infoKeys: readonly string[];
  /** Options accepted when making envs of this task. */
  readonly makeOptions: readonly OptionSpec[];
  /** Options accepted at reset. */
  readonly resetOptions: readonly OptionSpec[];
}

/** The result of the last reset/step, overwritten in place. */
export interface TaskStep {
  readonly observations: Float32Array[];
  reward: number;
  status: StepStatus;
  isSuccess: boolean;
  readonly info: Float64Array;
}

export interface Task {
  readonly spec: TaskSpec;
  readonly out: TaskStep;
  reset(seed: number | undefined, options: Options): void;
  /** Throws for reset options `reset` would refuse (values out of range, wrong length); changes nothing. */
  validateResetOptions?(options: Options): void;
  step(action: Float32Array): void;
  /**
   * White-box reward function of goal-conditioned tasks: the reward a step would
   * get with `achieved` as achieved goal and `desired` as desired goal.
   * Absent on black-box tasks.
   */
  computeReward?(achieved: ArrayLike<number>, desired: ArrayLike<number>): number;
  close(): void;
}

/** Builds tasks of one kind. Specs can depend on make options (e.g. Ant's contact forces). */
export interface TaskFactory {
  readonly name: string;
  spec(options: Options): TaskSpec;
  create(options: Options): Promise<Task>;
}

export function newTaskStep(spec: TaskSpec): TaskStep {
  return {
    observations: spec.observations.map((s) => new Float32Array(s.shape.reduce((a, b) => a * b, 1))),
    reward: 0,
    status: StepStatus.RUNNING,
    isSuccess: false,
    info: new Float64Array(spec.infoKeys.length),
  };
}
