// Original file: proto/simbridge/v1/tensor.proto

import type { DType as _simbridge_v1_DType, DType__Output as _simbridge_v1_DType__Output } from '../../simbridge/v1/DType.js';

/**
 * A dense tensor in row-major (C) order. The bytes map straight onto a typed
 * array: `data.length == product(shape) * sizeof(dtype)`, or the tensor is
 * rejected with INVALID_ARGUMENT.
 */
export interface Tensor {
  /**
   * Element type.
   */
  'dtype'?: (_simbridge_v1_DType);
  /**
   * Dimensions, outermost first. Empty for a scalar. Batched tensors have the
   * number of envs as their first dimension.
   */
  'shape'?: (number)[];
  /**
   * Raw little-endian element bytes.
   */
  'data'?: (Buffer | Uint8Array | string);
}

/**
 * A dense tensor in row-major (C) order. The bytes map straight onto a typed
 * array: `data.length == product(shape) * sizeof(dtype)`, or the tensor is
 * rejected with INVALID_ARGUMENT.
 */
export interface Tensor__Output {
  /**
   * Element type.
   */
  'dtype': (_simbridge_v1_DType__Output);
  /**
   * Dimensions, outermost first. Empty for a scalar. Batched tensors have the
   * number of envs as their first dimension.
   */
  'shape': (number)[];
  /**
   * Raw little-endian element bytes.
   */
  'data': (Buffer);
}
