// Original file: proto/simbridge/v1/session.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ListTasksRequest as _simbridge_v1_ListTasksRequest, ListTasksRequest__Output as _simbridge_v1_ListTasksRequest__Output } from '../../simbridge/v1/ListTasksRequest.js';
import type { ListTasksResponse as _simbridge_v1_ListTasksResponse, ListTasksResponse__Output as _simbridge_v1_ListTasksResponse__Output } from '../../simbridge/v1/ListTasksResponse.js';
import type { SessionRequest as _simbridge_v1_SessionRequest, SessionRequest__Output as _simbridge_v1_SessionRequest__Output } from '../../simbridge/v1/SessionRequest.js';
import type { SessionResponse as _simbridge_v1_SessionResponse, SessionResponse__Output as _simbridge_v1_SessionResponse__Output } from '../../simbridge/v1/SessionResponse.js';
import type { StatusRequest as _simbridge_v1_StatusRequest, StatusRequest__Output as _simbridge_v1_StatusRequest__Output } from '../../simbridge/v1/StatusRequest.js';
import type { StatusResponse as _simbridge_v1_StatusResponse, StatusResponse__Output as _simbridge_v1_StatusResponse__Output } from '../../simbridge/v1/StatusResponse.js';
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
   * The session: requests in, responses out, in order. Flow control: a client
   * that does not read its responses is not read from either (the server holds
   * a bounded number of requests and responses per session, then HTTP/2 pushes
   * back on the client's writes); no response is dropped.
   */
  Session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_simbridge_v1_SessionRequest, _simbridge_v1_SessionResponse__Output>;
  Session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_simbridge_v1_SessionRequest, _simbridge_v1_SessionResponse__Output>;
  /**
   * The session: requests in, responses out, in order. Flow control: a client
   * that does not read its responses is not read from either (the server holds
   * a bounded number of requests and responses per session, then HTTP/2 pushes
   * back on the client's writes); no response is dropped.
   */
  session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_simbridge_v1_SessionRequest, _simbridge_v1_SessionResponse__Output>;
  session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_simbridge_v1_SessionRequest, _simbridge_v1_SessionResponse__Output>;
  
  /**
   * The server's live counts: sessions, envs, pending requests, responses not
   * yet sent, watchers (`simbridge status`). Added in 1.x: a server without it
   * answers UNIMPLEMENTED. Needs the bearer token in the `authorization`
   * metadata when the server has one.
   */
  Status(argument: _simbridge_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_simbridge_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _simbridge_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_simbridge_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _simbridge_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_simbridge_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _simbridge_v1_StatusRequest, callback: grpc.requestCallback<_simbridge_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The server's live counts: sessions, envs, pending requests, responses not
   * yet sent, watchers (`simbridge status`). Added in 1.x: a server without it
   * answers UNIMPLEMENTED. Needs the bearer token in the `authorization`
   * metadata when the server has one.
   */
  status(argument: _simbridge_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_simbridge_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _simbridge_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_simbridge_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _simbridge_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_simbridge_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _simbridge_v1_StatusRequest, callback: grpc.requestCallback<_simbridge_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  
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
   * The session: requests in, responses out, in order. Flow control: a client
   * that does not read its responses is not read from either (the server holds
   * a bounded number of requests and responses per session, then HTTP/2 pushes
   * back on the client's writes); no response is dropped.
   */
  Session: grpc.handleBidiStreamingCall<_simbridge_v1_SessionRequest__Output, _simbridge_v1_SessionResponse>;
  
  /**
   * The server's live counts: sessions, envs, pending requests, responses not
   * yet sent, watchers (`simbridge status`). Added in 1.x: a server without it
   * answers UNIMPLEMENTED. Needs the bearer token in the `authorization`
   * metadata when the server has one.
   */
  Status: grpc.handleUnaryCall<_simbridge_v1_StatusRequest__Output, _simbridge_v1_StatusResponse>;
  
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
  Status: MethodDefinition<_simbridge_v1_StatusRequest, _simbridge_v1_StatusResponse, _simbridge_v1_StatusRequest__Output, _simbridge_v1_StatusResponse__Output>
  Watch: MethodDefinition<_simbridge_v1_WatchRequest, _simbridge_v1_WatchFrame, _simbridge_v1_WatchRequest__Output, _simbridge_v1_WatchFrame__Output>
}
