// Original file: proto/simbridge/v1/session.proto

import type { EnvReset as _simbridge_v1_EnvReset, EnvReset__Output as _simbridge_v1_EnvReset__Output } from '../../simbridge/v1/EnvReset.js';

/**
 * Resets a subset of envs, each with its own seed and options.
 */
export interface ResetRequest {
  'envs'?: (_simbridge_v1_EnvReset)[];
}

/**
 * Resets a subset of envs, each with its own seed and options.
 */
export interface ResetRequest__Output {
  'envs': (_simbridge_v1_EnvReset__Output)[];
}
