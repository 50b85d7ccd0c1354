// Original file: proto/simbridge/v1/session.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Counts over the whole server at the moment of the call.
 */
export interface StatusResponse {
  /**
   * Open Session streams.
   */
  'sessions'?: (number);
  /**
   * Envs open over all sessions.
   */
  'envs'?: (number);
  /**
   * Open Watch streams.
   */
  'watchers'?: (number);
  /**
   * Requests read from Session streams and not yet answered.
   */
  'pending_requests'?: (number);
  /**
   * Responses made and not yet written to their connection (unsent): their
   * client is not reading, or the network is slow.
   */
  'queued_responses'?: (number);
  /**
   * Sessions the server has stopped reading from because their client does
   * not take its responses.
   */
  'paused_sessions'?: (number);
  /**
   * The flow-control bound: a session's pending requests plus queued
   * responses never exceed it.
   */
  'max_in_flight_per_session'?: (number);
  /**
   * The highest pending requests plus queued responses of any one session
   * since the server started.
   */
  'peak_in_flight_per_session'?: (number);
  /**
   * Resident memory of the server process, bytes (0 when unknown).
   */
  'rss_bytes'?: (number | string | Long);
  /**
   * Free-form server name and version (as in HandshakeResponse).
   */
  'server_name'?: (string);
}

/**
 * Counts over the whole server at the moment of the call.
 */
export interface StatusResponse__Output {
  /**
   * Open Session streams.
   */
  'sessions': (number);
  /**
   * Envs open over all sessions.
   */
  'envs': (number);
  /**
   * Open Watch streams.
   */
  'watchers': (number);
  /**
   * Requests read from Session streams and not yet answered.
   */
  'pending_requests': (number);
  /**
   * Responses made and not yet written to their connection (unsent): their
   * client is not reading, or the network is slow.
   */
  'queued_responses': (number);
  /**
   * Sessions the server has stopped reading from because their client does
   * not take its responses.
   */
  'paused_sessions': (number);
  /**
   * The flow-control bound: a session's pending requests plus queued
   * responses never exceed it.
   */
  'max_in_flight_per_session': (number);
  /**
   * The highest pending requests plus queued responses of any one session
   * since the server started.
   */
  'peak_in_flight_per_session': (number);
  /**
   * Resident memory of the server process, bytes (0 when unknown).
   */
  'rss_bytes': (string);
  /**
   * Free-form server name and version (as in HandshakeResponse).
   */
  'server_name': (string);
}
