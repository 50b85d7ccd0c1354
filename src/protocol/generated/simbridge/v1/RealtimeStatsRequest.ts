// Original file: proto/simbridge/v1/session.proto


export interface RealtimeStatsRequest {
  /**
   * Real-time envs to report on; empty = every real-time env of the session.
   */
  'env_ids'?: (number)[];
}

export interface RealtimeStatsRequest__Output {
  /**
   * Real-time envs to report on; empty = every real-time env of the session.
   */
  'env_ids': (number)[];
}
