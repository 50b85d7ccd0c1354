// Original file: proto/simbridge/v1/spec.proto

import type { DType as _simbridge_v1_DType, DType__Output as _simbridge_v1_DType__Output } from '../../simbridge/v1/DType.js';

/**
 * The spec of one tensor of one environment (no batch dimension).
 */
export interface ArraySpec {
  /**
   * Field name: "observation", "achieved_goal", "desired_goal", "action", ...
   */
  'name'?: (string);
  /**
   * Element type.
   */
  'dtype'?: (_simbridge_v1_DType);
  /**
   * Dimensions of one env's tensor.
   */
  'shape'?: (number)[];
  /**
   * Per-element lower bounds, product(shape) values; empty when unbounded.
   * -inf marks an unbounded element.
   */
  'minimum'?: (number | string)[];
  /**
   * Per-element upper bounds, product(shape) values; empty when unbounded.
   */
  'maximum'?: (number | string)[];
}

/**
 * The spec of one tensor of one environment (no batch dimension).
 */
export interface ArraySpec__Output {
  /**
   * Field name: "observation", "achieved_goal", "desired_goal", "action", ...
   */
  'name': (string);
  /**
   * Element type.
   */
  'dtype': (_simbridge_v1_DType__Output);
  /**
   * Dimensions of one env's tensor.
   */
  'shape': (number)[];
  /**
   * Per-element lower bounds, product(shape) values; empty when unbounded.
   * -inf marks an unbounded element.
   */
  'minimum': (number)[];
  /**
   * Per-element upper bounds, product(shape) values; empty when unbounded.
   */
  'maximum': (number)[];
}
