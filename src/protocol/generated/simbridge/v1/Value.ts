// Original file: proto/simbridge/v1/tensor.proto

import type { Tensor as _simbridge_v1_Tensor, Tensor__Output as _simbridge_v1_Tensor__Output } from '../../simbridge/v1/Tensor.js';

/**
 * A value of a make or reset option.
 */
export interface Value {
  /**
   * A real number.
   */
  'number'?: (number | string);
  /**
   * A flag.
   */
  'flag'?: (boolean);
  /**
   * Free text.
   */
  'text'?: (string);
  /**
   * A tensor (for example a goal position).
   */
  'tensor'?: (_simbridge_v1_Tensor | null);
  'kind'?: "number"|"flag"|"text"|"tensor";
}

/**
 * A value of a make or reset option.
 */
export interface Value__Output {
  /**
   * A real number.
   */
  'number'?: (number);
  /**
   * A flag.
   */
  'flag'?: (boolean);
  /**
   * Free text.
   */
  'text'?: (string);
  /**
   * A tensor (for example a goal position).
   */
  'tensor'?: (_simbridge_v1_Tensor__Output | null);
  'kind'?: "number"|"flag"|"text"|"tensor";
}
