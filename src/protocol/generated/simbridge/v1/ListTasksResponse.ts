// Original file: proto/simbridge/v1/session.proto

import type { TaskSpec as _simbridge_v1_TaskSpec, TaskSpec__Output as _simbridge_v1_TaskSpec__Output } from '../../simbridge/v1/TaskSpec.js';

export interface ListTasksResponse {
  /**
   * Every task this server can make, with its spec under default options.
   */
  'tasks'?: (_simbridge_v1_TaskSpec)[];
}

export interface ListTasksResponse__Output {
  /**
   * Every task this server can make, with its spec under default options.
   */
  'tasks': (_simbridge_v1_TaskSpec__Output)[];
}
