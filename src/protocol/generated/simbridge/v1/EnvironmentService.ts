// Original file: proto/simbridge/v1/session.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ListTasksRequest as _simbridge_v1_ListTasksRequest, ListTasksRequest__Output as _simbridge_v1_ListTasksRequest__Output } from '../../simbridge/v1/ListTasksRequest.js';
import type { ListTasksResponse as _simbridge_v1_ListTasksResponse, ListTasksResponse__Output as _simbridge_v1_ListTasksResponse__Output } from '../../simbridge/v1/ListTasksResponse.js';
import type { SessionRequest as _simbridge_v1_SessionRequest, SessionRequest__Output as _simbridge_v1_SessionRequest__Output } from '../../simbridge/v1/SessionRequest.js';
import type { SessionResponse as _simbridge_v1_SessionResponse, SessionResponse__Output as _simbridge_v1_SessionResponse__Output } from '../../simbridge/v1/SessionResponse.js';
import type { WatchFrame as _simbridge_v1_WatchFrame, WatchFrame__Output as _simbridge_v1_WatchFrame__Output } from '../../simbridge/v1/WatchFrame.js';
import type { WatchRequest as _simbridge_v1_WatchRequest, WatchRequest__Output as _simbridge_v1_WatchRequest__Output } from '../../simbridge/v1/WatchRequest.js';

export interface EnvironmentServiceClient extends grpc.Client {
  /**
   * The task catalogue as one unary call, for tools such as grpcurl. Needs the
   * bearer token in the `authorization` metadata when the server has one.
   */
  ListTasks(argument: _simbridge_v1_ListTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_simbridge_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  ListTasks(argument: _simbridge_v1_ListTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_simbridge_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  ListTasks(argument: _simbridge_v1_ListTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_simbridge_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  ListTasks(argument: _simbridge_v1_ListTasksRequest, callback: grpc.requestCallback<_simbridge_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The task catalogue as one unary call, for tools such as grpcurl. Needs the
   * bearer token in the `authorization` metadata when the server has one.
   */
  listTasks(argument: _simbridge_v1_ListTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_simbridge_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listTasks(argument: _simbridge_v1_ListTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_simbridge_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listTasks(argument: _simbridge_v1_ListTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_simbridge_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listTasks(argument: _simbridge_v1_ListTasksRequest, callback: grpc.requestCallback<_simbridge_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The session: requests in, responses out, in order.
   */
  Session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_simbridge_v1_SessionRequest, _simbridge_v1_SessionResponse__Output>;
  Session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_simbridge_v1_SessionRequest, _simbridge_v1_SessionResponse__Output>;
  /**
   * The session: requests in, responses out, in order.
   */
  session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_simbridge_v1_SessionRequest, _simbridge_v1_SessionResponse__Output>;
  session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_simbridge_v1_SessionRequest, _simbridge_v1_SessionResponse__Output>;
  
  /**
   * Live frames of running envs (any session's), pushed by the server and
   * rate-limited per watcher. Watching never slows stepping: frames a watcher
   * cannot take in time are dropped and counted. Needs the bearer token when
   * the server has one (request field or `authorization` metadata).
   */
  Watch(argument: _simbridge_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_simbridge_v1_WatchFrame__Output>;
  Watch(argument: _simbridge_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_simbridge_v1_WatchFrame__Output>;
  /**
   * Live frames of running envs (any session's), pushed by the server and
   * rate-limited per watcher. Watching never slows stepping: frames a watcher
   * cannot take in time are dropped and counted. Needs the bearer token when
   * the server has one (request field or `authorization` metadata).
   */
  watch(argument: _simbridge_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_simbridge_v1_WatchFrame__Output>;
  watch(argument: _simbridge_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_simbridge_v1_WatchFrame__Output>;
  
}

export interface EnvironmentServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * The task catalogue as one unary call, for tools such as grpcurl. Needs the
   * bearer token in the `authorization` metadata when the server has one.
   */
  ListTasks: grpc.handleUnaryCall<_simbridge_v1_ListTasksRequest__Output, _simbridge_v1_ListTasksResponse>;
  
  /**
   * The session: requests in, responses out, in order.
   */
  Session: grpc.handleBidiStreamingCall<_simbridge_v1_SessionRequest__Output, _simbridge_v1_SessionResponse>;
  
  /**
   * Live frames of running envs (any session's), pushed by the server and
   * rate-limited per watcher. Watching never slows stepping: frames a watcher
   * cannot take in time are dropped and counted. Needs the bearer token when
   * the server has one (request field or `authorization` metadata).
   */
  Watch: grpc.handleServerStreamingCall<_simbridge_v1_WatchRequest__Output, _simbridge_v1_WatchFrame>;
  
}

export interface EnvironmentServiceDefinition extends grpc.ServiceDefinition {
  ListTasks: MethodDefinition<_simbridge_v1_ListTasksRequest, _simbridge_v1_ListTasksResponse, _simbridge_v1_ListTasksRequest__Output, _simbridge_v1_ListTasksResponse__Output>
  Session: MethodDefinition<_simbridge_v1_SessionRequest, _simbridge_v1_SessionResponse, _simbridge_v1_SessionRequest__Output, _simbridge_v1_SessionResponse__Output>
  Watch: MethodDefinition<_simbridge_v1_WatchRequest, _simbridge_v1_WatchFrame, _simbridge_v1_WatchRequest__Output, _simbridge_v1_WatchFrame__Output>
}
