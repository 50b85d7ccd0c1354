// Original file: proto/simbridge/v1/session.proto

import type { Error as _simbridge_v1_Error, Error__Output as _simbridge_v1_Error__Output } from '../../simbridge/v1/Error.js';
import type { HandshakeResponse as _simbridge_v1_HandshakeResponse, HandshakeResponse__Output as _simbridge_v1_HandshakeResponse__Output } from '../../simbridge/v1/HandshakeResponse.js';
import type { ListTasksResponse as _simbridge_v1_ListTasksResponse, ListTasksResponse__Output as _simbridge_v1_ListTasksResponse__Output } from '../../simbridge/v1/ListTasksResponse.js';
import type { MakeEnvsResponse as _simbridge_v1_MakeEnvsResponse, MakeEnvsResponse__Output as _simbridge_v1_MakeEnvsResponse__Output } from '../../simbridge/v1/MakeEnvsResponse.js';
import type { StepResult as _simbridge_v1_StepResult, StepResult__Output as _simbridge_v1_StepResult__Output } from '../../simbridge/v1/StepResult.js';
import type { CloseEnvsResponse as _simbridge_v1_CloseEnvsResponse, CloseEnvsResponse__Output as _simbridge_v1_CloseEnvsResponse__Output } from '../../simbridge/v1/CloseEnvsResponse.js';
import type { RealtimeStatsResponse as _simbridge_v1_RealtimeStatsResponse, RealtimeStatsResponse__Output as _simbridge_v1_RealtimeStatsResponse__Output } from '../../simbridge/v1/RealtimeStatsResponse.js';
import type { ComputeRewardResponse as _simbridge_v1_ComputeRewardResponse, ComputeRewardResponse__Output as _simbridge_v1_ComputeRewardResponse__Output } from '../../simbridge/v1/ComputeRewardResponse.js';
import type { Long } from '@grpc/proto-loader';

export interface SessionResponse {
  /**
   * The id of the request this answers, exactly (the whole uint64 range). For
   * a request that could not be decoded or was over the size limit, servers
   * should echo the id when field 1 can still be read from the bytes (it comes
   * first on the wire); 0 when it cannot (garbage, a malformed varint).
   */
  'id'?: (number | string | Long);
  /**
   * Set when the request failed; the payload is then empty.
   */
  'error'?: (_simbridge_v1_Error | null);
  'handshake'?: (_simbridge_v1_HandshakeResponse | null);
  'list_tasks'?: (_simbridge_v1_ListTasksResponse | null);
  'make_envs'?: (_simbridge_v1_MakeEnvsResponse | null);
  'reset'?: (_simbridge_v1_StepResult | null);
  'step'?: (_simbridge_v1_StepResult | null);
  'close_envs'?: (_simbridge_v1_CloseEnvsResponse | null);
  'realtime_stats'?: (_simbridge_v1_RealtimeStatsResponse | null);
  'compute_reward'?: (_simbridge_v1_ComputeRewardResponse | null);
  'payload'?: "handshake"|"list_tasks"|"make_envs"|"reset"|"step"|"close_envs"|"realtime_stats"|"compute_reward";
}

export interface SessionResponse__Output {
  /**
   * The id of the request this answers, exactly (the whole uint64 range). For
   * a request that could not be decoded or was over the size limit, servers
   * should echo the id when field 1 can still be read from the bytes (it comes
   * first on the wire); 0 when it cannot (garbage, a malformed varint).
   */
  'id': (string);
  /**
   * Set when the request failed; the payload is then empty.
   */
  'error': (_simbridge_v1_Error__Output | null);
  'handshake'?: (_simbridge_v1_HandshakeResponse__Output | null);
  'list_tasks'?: (_simbridge_v1_ListTasksResponse__Output | null);
  'make_envs'?: (_simbridge_v1_MakeEnvsResponse__Output | null);
  'reset'?: (_simbridge_v1_StepResult__Output | null);
  'step'?: (_simbridge_v1_StepResult__Output | null);
  'close_envs'?: (_simbridge_v1_CloseEnvsResponse__Output | null);
  'realtime_stats'?: (_simbridge_v1_RealtimeStatsResponse__Output | null);
  'compute_reward'?: (_simbridge_v1_ComputeRewardResponse__Output | null);
  'payload'?: "handshake"|"list_tasks"|"make_envs"|"reset"|"step"|"close_envs"|"realtime_stats"|"compute_reward";
}
