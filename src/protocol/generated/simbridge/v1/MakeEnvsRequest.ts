// Original file: proto/simbridge/v1/session.proto

import type { Value as _simbridge_v1_Value, Value__Output as _simbridge_v1_Value__Output } from '../../simbridge/v1/Value.js';

/**
 * Makes `count` environments of one task. They form a group: one step request
 * may batch any envs of groups with the same spec.
 */
export interface MakeEnvsRequest {
  /**
   * Task name from the catalogue; unknown names fail with NOT_FOUND.
   */
  'task'?: (string);
  /**
   * How many envs to make (at least 1).
   */
  'count'?: (number);
  /**
   * Task options (see TaskSpec.make_options); unknown ones fail with INVALID_ARGUMENT.
   */
  'options'?: ({[key: string]: _simbridge_v1_Value});
  /**
   * 0 (default): lockstep, each env waits for its next action. > 0: real-time
   * mode at this control rate (Hz), as a real robot behaves: the group's envs
   * advance on the server's wall clock every tick whether or not an action
   * came, holding the last action applied (zero after a reset). A step
   * request's actions are applied at the next tick and answered after it;
   * `StepResult.late_ticks` counts the ticks that passed on a held action
   * before them. Requires the server's "realtime" capability.
   */
  'realtime_hz'?: (number | string);
}

/**
 * Makes `count` environments of one task. They form a group: one step request
 * may batch any envs of groups with the same spec.
 */
export interface MakeEnvsRequest__Output {
  /**
   * Task name from the catalogue; unknown names fail with NOT_FOUND.
   */
  'task': (string);
  /**
   * How many envs to make (at least 1).
   */
  'count': (number);
  /**
   * Task options (see TaskSpec.make_options); unknown ones fail with INVALID_ARGUMENT.
   */
  'options': ({[key: string]: _simbridge_v1_Value__Output});
  /**
   * 0 (default): lockstep, each env waits for its next action. > 0: real-time
   * mode at this control rate (Hz), as a real robot behaves: the group's envs
   * advance on the server's wall clock every tick whether or not an action
   * came, holding the last action applied (zero after a reset). A step
   * request's actions are applied at the next tick and answered after it;
   * `StepResult.late_ticks` counts the ticks that passed on a held action
   * before them. Requires the server's "realtime" capability.
   */
  'realtime_hz': (number);
}
