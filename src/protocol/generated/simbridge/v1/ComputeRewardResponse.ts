// Original file: proto/simbridge/v1/session.proto

import type { Tensor as _simbridge_v1_Tensor, Tensor__Output as _simbridge_v1_Tensor__Output } from '../../simbridge/v1/Tensor.js';

export interface ComputeRewardResponse {
  /**
   * FLOAT64 [n]: the reward of each pair, in request order (the dtype of
   * StepResult.reward).
   */
  'reward'?: (_simbridge_v1_Tensor | null);
}

export interface ComputeRewardResponse__Output {
  /**
   * FLOAT64 [n]: the reward of each pair, in request order (the dtype of
   * StepResult.reward).
   */
  'reward': (_simbridge_v1_Tensor__Output | null);
}
