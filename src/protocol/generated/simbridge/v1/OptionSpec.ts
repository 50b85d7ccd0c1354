// Original file: proto/simbridge/v1/spec.proto

import type { Value as _simbridge_v1_Value, Value__Output as _simbridge_v1_Value__Output } from '../../simbridge/v1/Value.js';

/**
 * Documents one option a task accepts at make or at reset.
 */
export interface OptionSpec {
  /**
   * Option name as used in `MakeEnvsRequest.options` / `EnvReset.options`.
   */
  'name'?: (string);
  /**
   * "number", "bool", "string" or "tensor".
   */
  'type'?: (string);
  /**
   * What it does.
   */
  'doc'?: (string);
  /**
   * Default value, when there is one.
   */
  'default_value'?: (_simbridge_v1_Value | null);
}

/**
 * Documents one option a task accepts at make or at reset.
 */
export interface OptionSpec__Output {
  /**
   * Option name as used in `MakeEnvsRequest.options` / `EnvReset.options`.
   */
  'name': (string);
  /**
   * "number", "bool", "string" or "tensor".
   */
  'type': (string);
  /**
   * What it does.
   */
  'doc': (string);
  /**
   * Default value, when there is one.
   */
  'default_value': (_simbridge_v1_Value__Output | null);
}
