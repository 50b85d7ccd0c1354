import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { ArraySpec as _simbridge_v1_ArraySpec, ArraySpec__Output as _simbridge_v1_ArraySpec__Output } from './simbridge/v1/ArraySpec.js';
import type { CloseEnvsRequest as _simbridge_v1_CloseEnvsRequest, CloseEnvsRequest__Output as _simbridge_v1_CloseEnvsRequest__Output } from './simbridge/v1/CloseEnvsRequest.js';
import type { CloseEnvsResponse as _simbridge_v1_CloseEnvsResponse, CloseEnvsResponse__Output as _simbridge_v1_CloseEnvsResponse__Output } from './simbridge/v1/CloseEnvsResponse.js';
import type { ComputeRewardRequest as _simbridge_v1_ComputeRewardRequest, ComputeRewardRequest__Output as _simbridge_v1_ComputeRewardRequest__Output } from './simbridge/v1/ComputeRewardRequest.js';
import type { ComputeRewardResponse as _simbridge_v1_ComputeRewardResponse, ComputeRewardResponse__Output as _simbridge_v1_ComputeRewardResponse__Output } from './simbridge/v1/ComputeRewardResponse.js';
import type { EnvReset as _simbridge_v1_EnvReset, EnvReset__Output as _simbridge_v1_EnvReset__Output } from './simbridge/v1/EnvReset.js';
import type { EnvironmentServiceClient as _simbridge_v1_EnvironmentServiceClient, EnvironmentServiceDefinition as _simbridge_v1_EnvironmentServiceDefinition } from './simbridge/v1/EnvironmentService.js';
import type { Error as _simbridge_v1_Error, Error__Output as _simbridge_v1_Error__Output } from './simbridge/v1/Error.js';
import type { HandshakeRequest as _simbridge_v1_HandshakeRequest, HandshakeRequest__Output as _simbridge_v1_HandshakeRequest__Output } from './simbridge/v1/HandshakeRequest.js';
import type { HandshakeResponse as _simbridge_v1_HandshakeResponse, HandshakeResponse__Output as _simbridge_v1_HandshakeResponse__Output } from './simbridge/v1/HandshakeResponse.js';
import type { ListTasksRequest as _simbridge_v1_ListTasksRequest, ListTasksRequest__Output as _simbridge_v1_ListTasksRequest__Output } from './simbridge/v1/ListTasksRequest.js';
import type { ListTasksResponse as _simbridge_v1_ListTasksResponse, ListTasksResponse__Output as _simbridge_v1_ListTasksResponse__Output } from './simbridge/v1/ListTasksResponse.js';
import type { MakeEnvsRequest as _simbridge_v1_MakeEnvsRequest, MakeEnvsRequest__Output as _simbridge_v1_MakeEnvsRequest__Output } from './simbridge/v1/MakeEnvsRequest.js';
import type { MakeEnvsResponse as _simbridge_v1_MakeEnvsResponse, MakeEnvsResponse__Output as _simbridge_v1_MakeEnvsResponse__Output } from './simbridge/v1/MakeEnvsResponse.js';
import type { OptionSpec as _simbridge_v1_OptionSpec, OptionSpec__Output as _simbridge_v1_OptionSpec__Output } from './simbridge/v1/OptionSpec.js';
import type { RealtimeEnvStats as _simbridge_v1_RealtimeEnvStats, RealtimeEnvStats__Output as _simbridge_v1_RealtimeEnvStats__Output } from './simbridge/v1/RealtimeEnvStats.js';
import type { RealtimeStatsRequest as _simbridge_v1_RealtimeStatsRequest, RealtimeStatsRequest__Output as _simbridge_v1_RealtimeStatsRequest__Output } from './simbridge/v1/RealtimeStatsRequest.js';
import type { RealtimeStatsResponse as _simbridge_v1_RealtimeStatsResponse, RealtimeStatsResponse__Output as _simbridge_v1_RealtimeStatsResponse__Output } from './simbridge/v1/RealtimeStatsResponse.js';
import type { ResetRequest as _simbridge_v1_ResetRequest, ResetRequest__Output as _simbridge_v1_ResetRequest__Output } from './simbridge/v1/ResetRequest.js';
import type { SessionRequest as _simbridge_v1_SessionRequest, SessionRequest__Output as _simbridge_v1_SessionRequest__Output } from './simbridge/v1/SessionRequest.js';
import type { SessionResponse as _simbridge_v1_SessionResponse, SessionResponse__Output as _simbridge_v1_SessionResponse__Output } from './simbridge/v1/SessionResponse.js';
import type { StatusRequest as _simbridge_v1_StatusRequest, StatusRequest__Output as _simbridge_v1_StatusRequest__Output } from './simbridge/v1/StatusRequest.js';
import type { StatusResponse as _simbridge_v1_StatusResponse, StatusResponse__Output as _simbridge_v1_StatusResponse__Output } from './simbridge/v1/StatusResponse.js';
import type { StepRequest as _simbridge_v1_StepRequest, StepRequest__Output as _simbridge_v1_StepRequest__Output } from './simbridge/v1/StepRequest.js';
import type { StepResult as _simbridge_v1_StepResult, StepResult__Output as _simbridge_v1_StepResult__Output } from './simbridge/v1/StepResult.js';
import type { TaskSpec as _simbridge_v1_TaskSpec, TaskSpec__Output as _simbridge_v1_TaskSpec__Output } from './simbridge/v1/TaskSpec.js';
import type { Tensor as _simbridge_v1_Tensor, Tensor__Output as _simbridge_v1_Tensor__Output } from './simbridge/v1/Tensor.js';
import type { Value as _simbridge_v1_Value, Value__Output as _simbridge_v1_Value__Output } from './simbridge/v1/Value.js';
import type { ViewGeom as _simbridge_v1_ViewGeom, ViewGeom__Output as _simbridge_v1_ViewGeom__Output } from './simbridge/v1/ViewGeom.js';
import type { ViewModel as _simbridge_v1_ViewModel, ViewModel__Output as _simbridge_v1_ViewModel__Output } from './simbridge/v1/ViewModel.js';
import type { WatchFrame as _simbridge_v1_WatchFrame, WatchFrame__Output as _simbridge_v1_WatchFrame__Output } from './simbridge/v1/WatchFrame.js';
import type { WatchRequest as _simbridge_v1_WatchRequest, WatchRequest__Output as _simbridge_v1_WatchRequest__Output } from './simbridge/v1/WatchRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  simbridge: {
    v1: {
      ArraySpec: MessageTypeDefinition<_simbridge_v1_ArraySpec, _simbridge_v1_ArraySpec__Output>
      CloseEnvsRequest: MessageTypeDefinition<_simbridge_v1_CloseEnvsRequest, _simbridge_v1_CloseEnvsRequest__Output>
      CloseEnvsResponse: MessageTypeDefinition<_simbridge_v1_CloseEnvsResponse, _simbridge_v1_CloseEnvsResponse__Output>
      ComputeRewardRequest: MessageTypeDefinition<_simbridge_v1_ComputeRewardRequest, _simbridge_v1_ComputeRewardRequest__Output>
      ComputeRewardResponse: MessageTypeDefinition<_simbridge_v1_ComputeRewardResponse, _simbridge_v1_ComputeRewardResponse__Output>
      DType: EnumTypeDefinition
      EnvReset: MessageTypeDefinition<_simbridge_v1_EnvReset, _simbridge_v1_EnvReset__Output>
      EnvironmentService: SubtypeConstructor<typeof grpc.Client, _simbridge_v1_EnvironmentServiceClient> & { service: _simbridge_v1_EnvironmentServiceDefinition }
      Error: MessageTypeDefinition<_simbridge_v1_Error, _simbridge_v1_Error__Output>
      HandshakeRequest: MessageTypeDefinition<_simbridge_v1_HandshakeRequest, _simbridge_v1_HandshakeRequest__Output>
      HandshakeResponse: MessageTypeDefinition<_simbridge_v1_HandshakeResponse, _simbridge_v1_HandshakeResponse__Output>
      ListTasksRequest: MessageTypeDefinition<_simbridge_v1_ListTasksRequest, _simbridge_v1_ListTasksRequest__Output>
      ListTasksResponse: MessageTypeDefinition<_simbridge_v1_ListTasksResponse, _simbridge_v1_ListTasksResponse__Output>
      MakeEnvsRequest: MessageTypeDefinition<_simbridge_v1_MakeEnvsRequest, _simbridge_v1_MakeEnvsRequest__Output>
      MakeEnvsResponse: MessageTypeDefinition<_simbridge_v1_MakeEnvsResponse, _simbridge_v1_MakeEnvsResponse__Output>
      OptionSpec: MessageTypeDefinition<_simbridge_v1_OptionSpec, _simbridge_v1_OptionSpec__Output>
      RealtimeEnvStats: MessageTypeDefinition<_simbridge_v1_RealtimeEnvStats, _simbridge_v1_RealtimeEnvStats__Output>
      RealtimeStatsRequest: MessageTypeDefinition<_simbridge_v1_RealtimeStatsRequest, _simbridge_v1_RealtimeStatsRequest__Output>
      RealtimeStatsResponse: MessageTypeDefinition<_simbridge_v1_RealtimeStatsResponse, _simbridge_v1_RealtimeStatsResponse__Output>
      ResetRequest: MessageTypeDefinition<_simbridge_v1_ResetRequest, _simbridge_v1_ResetRequest__Output>
      SessionRequest: MessageTypeDefinition<_simbridge_v1_SessionRequest, _simbridge_v1_SessionRequest__Output>
      SessionResponse: MessageTypeDefinition<_simbridge_v1_SessionResponse, _simbridge_v1_SessionResponse__Output>
      StatusRequest: MessageTypeDefinition<_simbridge_v1_StatusRequest, _simbridge_v1_StatusRequest__Output>
      StatusResponse: MessageTypeDefinition<_simbridge_v1_StatusResponse, _simbridge_v1_StatusResponse__Output>
      StepRequest: MessageTypeDefinition<_simbridge_v1_StepRequest, _simbridge_v1_StepRequest__Output>
      StepResult: MessageTypeDefinition<_simbridge_v1_StepResult, _simbridge_v1_StepResult__Output>
      StepStatus: EnumTypeDefinition
      TaskSpec: MessageTypeDefinition<_simbridge_v1_TaskSpec, _simbridge_v1_TaskSpec__Output>
      Tensor: MessageTypeDefinition<_simbridge_v1_Tensor, _simbridge_v1_Tensor__Output>
      Value: MessageTypeDefinition<_simbridge_v1_Value, _simbridge_v1_Value__Output>
      ViewGeom: MessageTypeDefinition<_simbridge_v1_ViewGeom, _simbridge_v1_ViewGeom__Output>
      ViewGeomShape: EnumTypeDefinition
      ViewModel: MessageTypeDefinition<_simbridge_v1_ViewModel, _simbridge_v1_ViewModel__Output>
      WatchFrame: MessageTypeDefinition<_simbridge_v1_WatchFrame, _simbridge_v1_WatchFrame__Output>
      WatchRequest: MessageTypeDefinition<_simbridge_v1_WatchRequest, _simbridge_v1_WatchRequest__Output>
    }
  }
}

