// Original file: proto/simbridge/v1/session.proto

import type { HandshakeRequest as _simbridge_v1_HandshakeRequest, HandshakeRequest__Output as _simbridge_v1_HandshakeRequest__Output } from '../../simbridge/v1/HandshakeRequest.js';
import type { ListTasksRequest as _simbridge_v1_ListTasksRequest, ListTasksRequest__Output as _simbridge_v1_ListTasksRequest__Output } from '../../simbridge/v1/ListTasksRequest.js';
import type { MakeEnvsRequest as _simbridge_v1_MakeEnvsRequest, MakeEnvsRequest__Output as _simbridge_v1_MakeEnvsRequest__Output } from '../../simbridge/v1/MakeEnvsRequest.js';
import type { ResetRequest as _simbridge_v1_ResetRequest, ResetRequest__Output as _simbridge_v1_ResetRequest__Output } from '../../simbridge/v1/ResetRequest.js';
import type { StepRequest as _simbridge_v1_StepRequest, StepRequest__Output as _simbridge_v1_StepRequest__Output } from '../../simbridge/v1/StepRequest.js';
import type { CloseEnvsRequest as _simbridge_v1_CloseEnvsRequest, CloseEnvsRequest__Output as _simbridge_v1_CloseEnvsRequest__Output } from '../../simbridge/v1/CloseEnvsRequest.js';
import type { RealtimeStatsRequest as _simbridge_v1_RealtimeStatsRequest, RealtimeStatsRequest__Output as _simbridge_v1_RealtimeStatsRequest__Output } from '../../simbridge/v1/RealtimeStatsRequest.js';
import type { ComputeRewardRequest as _simbridge_v1_ComputeRewardRequest, ComputeRewardRequest__Output as _simbridge_v1_ComputeRewardRequest__Output } from '../../simbridge/v1/ComputeRewardRequest.js';
import type { Long } from '@grpc/proto-loader';

export interface SessionRequest {
  /**
   * Chosen by the client; echoed in the response. Ids need not be unique, but
   * unique ids make responses easy to match.
   */
  'id'?: (number | string | Long);
  'handshake'?: (_simbridge_v1_HandshakeRequest | null);
  'list_tasks'?: (_simbridge_v1_ListTasksRequest | null);
  'make_envs'?: (_simbridge_v1_MakeEnvsRequest | null);
  'reset'?: (_simbridge_v1_ResetRequest | null);
  'step'?: (_simbridge_v1_StepRequest | null);
  'close_envs'?: (_simbridge_v1_CloseEnvsRequest | null);
  'realtime_stats'?: (_simbridge_v1_RealtimeStatsRequest | null);
  /**
   * The task's reward function for (achieved, desired) goal pairs
   * (capability "compute_reward").
   */
  'compute_reward'?: (_simbridge_v1_ComputeRewardRequest | null);
  'payload'?: "handshake"|"list_tasks"|"make_envs"|"reset"|"step"|"close_envs"|"realtime_stats"|"compute_reward";
}

export interface SessionRequest__Output {
  /**
   * Chosen by the client; echoed in the response. Ids need not be unique, but
   * unique ids make responses easy to match.
   */
  'id': (string);
  'handshake'?: (_simbridge_v1_HandshakeRequest__Output | null);
  'list_tasks'?: (_simbridge_v1_ListTasksRequest__Output | null);
  'make_envs'?: (_simbridge_v1_MakeEnvsRequest__Output | null);
  'reset'?: (_simbridge_v1_ResetRequest__Output | null);
  'step'?: (_simbridge_v1_StepRequest__Output | null);
  'close_envs'?: (_simbridge_v1_CloseEnvsRequest__Output | null);
  'realtime_stats'?: (_simbridge_v1_RealtimeStatsRequest__Output | null);
  /**
   * The task's reward function for (achieved, desired) goal pairs
   * (capability "compute_reward").
   */
  'compute_reward'?: (_simbridge_v1_ComputeRewardRequest__Output | null);
  'payload'?: "handshake"|"list_tasks"|"make_envs"|"reset"|"step"|"close_envs"|"realtime_stats"|"compute_reward";
}
