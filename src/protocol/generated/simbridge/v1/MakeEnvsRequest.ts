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
}
