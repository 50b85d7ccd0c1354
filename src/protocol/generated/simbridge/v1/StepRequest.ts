// Original file: proto/simbridge/v1/session.proto

import type { Tensor as _simbridge_v1_Tensor, Tensor__Output as _simbridge_v1_Tensor__Output } from '../../simbridge/v1/Tensor.js';

/**
 * Steps a batch of envs of the same spec with one action each. Every env must
 * be RUNNING (reset, and not TERMINATED or TRUNCATED since), or the request
 * fails with FAILED_PRECONDITION and no env is stepped.
 */
export interface StepRequest {
  /**
   * Which envs, in the order of the rows of `actions`.
   */
  'env_ids'?: (number)[];
  /**
   * Shape [len(env_ids), action shape...], the action spec's dtype. Non-finite
   * values fail with INVALID_ARGUMENT; out-of-bounds values are clipped.
   */
  'actions'?: (_simbridge_v1_Tensor | null);
}

/**
 * Steps a batch of envs of the same spec with one action each. Every env must
 * be RUNNING (reset, and not TERMINATED or TRUNCATED since), or the request
 * fails with FAILED_PRECONDITION and no env is stepped.
 */
export interface StepRequest__Output {
  /**
   * Which envs, in the order of the rows of `actions`.
   */
  'env_ids': (number)[];
  /**
   * Shape [len(env_ids), action shape...], the action spec's dtype. Non-finite
   * values fail with INVALID_ARGUMENT; out-of-bounds values are clipped.
   */
  'actions': (_simbridge_v1_Tensor__Output | null);
}
