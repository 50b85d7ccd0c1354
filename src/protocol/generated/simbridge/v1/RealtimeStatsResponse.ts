// Original file: proto/simbridge/v1/session.proto

import type { RealtimeEnvStats as _simbridge_v1_RealtimeEnvStats, RealtimeEnvStats__Output as _simbridge_v1_RealtimeEnvStats__Output } from '../../simbridge/v1/RealtimeEnvStats.js';

export interface RealtimeStatsResponse {
  'envs'?: (_simbridge_v1_RealtimeEnvStats)[];
}

export interface RealtimeStatsResponse__Output {
  'envs': (_simbridge_v1_RealtimeEnvStats__Output)[];
}
