// Original file: proto/simbridge/v1/session.proto

import type { Value as _simbridge_v1_Value, Value__Output as _simbridge_v1_Value__Output } from '../../simbridge/v1/Value.js';
import type { Long } from '@grpc/proto-loader';

export interface EnvReset {
  /**
   * Which env.
   */
  'env_id'?: (number);
  /**
   * Seeds the episode: the same seed and the same actions give a bit-identical
   * trajectory. Without a seed the env continues its own random stream.
   * Servers must accept seeds in [0, 2^53) (the TypeScript server refuses
   * larger ones with INVALID_ARGUMENT, since JavaScript numbers end there).
   */
  'seed'?: (number | string | Long);
  /**
   * Reset options (see TaskSpec.reset_options).
   */
  'options'?: ({[key: string]: _simbridge_v1_Value});
  '_seed'?: "seed";
}

export interface EnvReset__Output {
  /**
   * Which env.
   */
  'env_id': (number);
  /**
   * Seeds the episode: the same seed and the same actions give a bit-identical
   * trajectory. Without a seed the env continues its own random stream.
   * Servers must accept seeds in [0, 2^53) (the TypeScript server refuses
   * larger ones with INVALID_ARGUMENT, since JavaScript numbers end there).
   */
  'seed'?: (string);
  /**
   * Reset options (see TaskSpec.reset_options).
   */
  'options': ({[key: string]: _simbridge_v1_Value__Output});
  '_seed'?: "seed";
}
