// Original file: proto/simbridge/v1/session.proto

import type { TaskSpec as _simbridge_v1_TaskSpec, TaskSpec__Output as _simbridge_v1_TaskSpec__Output } from '../../simbridge/v1/TaskSpec.js';

export interface MakeEnvsResponse {
  /**
   * The new envs' ids, unique within the session.
   */
  'env_ids'?: (number)[];
  /**
   * The spec under the given options.
   */
  'spec'?: (_simbridge_v1_TaskSpec | null);
}

export interface MakeEnvsResponse__Output {
  /**
   * The new envs' ids, unique within the session.
   */
  'env_ids': (number)[];
  /**
   * The spec under the given options.
   */
  'spec': (_simbridge_v1_TaskSpec__Output | null);
}
