// Original file: proto/simbridge/v1/session.proto

/**
 * Per-env episode status after a reset or step.
 */
export const StepStatus = {
  STEP_STATUS_UNSPECIFIED: 0,
  /**
   * The episode goes on.
   */
  RUNNING: 1,
  /**
   * The episode ended in a terminal state: do not bootstrap.
   */
  TERMINATED: 2,
  /**
   * The episode was cut (time limit): bootstrap from the last observation.
   */
  TRUNCATED: 3,
} as const;

/**
 * Per-env episode status after a reset or step.
 */
export type StepStatus =
  | 'STEP_STATUS_UNSPECIFIED'
  | 0
  /**
   * The episode goes on.
   */
  | 'RUNNING'
  | 1
  /**
   * The episode ended in a terminal state: do not bootstrap.
   */
  | 'TERMINATED'
  | 2
  /**
   * The episode was cut (time limit): bootstrap from the last observation.
   */
  | 'TRUNCATED'
  | 3

/**
 * Per-env episode status after a reset or step.
 */
export type StepStatus__Output = typeof StepStatus[keyof typeof StepStatus]
