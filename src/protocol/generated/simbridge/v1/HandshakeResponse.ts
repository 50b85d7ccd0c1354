// Original file: proto/simbridge/v1/session.proto

import type { Long } from '@grpc/proto-loader';

export interface HandshakeResponse {
  /**
   * The server's protocol version, semver.
   */
  'protocol_version'?: (string);
  /**
   * Free-form server name and version.
   */
  'server_name'?: (string);
  /**
   * Features this server offers ("vector_envs", "partial_reset",
   * "per_env_seed", "black_box", "compute_reward", "agent_annotations", ...).
   */
  'capabilities'?: (string)[];
  /**
   * Most envs this session may have open at once.
   */
  'max_envs'?: (number);
  /**
   * Largest request this server accepts, in bytes; larger ones fail with
   * RESOURCE_EXHAUSTED and the session goes on.
   */
  'max_message_bytes'?: (number | string | Long);
  /**
   * Identifies the session in server logs.
   */
  'session_id'?: (string);
  /**
   * How many envs this server would host in all, across sessions: its share
   * when a client spreads envs over a fleet of servers (added in 1.x; 0 =
   * not declared, and a fleet then splits evenly).
   */
  'capacity'?: (number);
}

export interface HandshakeResponse__Output {
  /**
   * The server's protocol version, semver.
   */
  'protocol_version': (string);
  /**
   * Free-form server name and version.
   */
  'server_name': (string);
  /**
   * Features this server offers ("vector_envs", "partial_reset",
   * "per_env_seed", "black_box", "compute_reward", "agent_annotations", ...).
   */
  'capabilities': (string)[];
  /**
   * Most envs this session may have open at once.
   */
  'max_envs': (number);
  /**
   * Largest request this server accepts, in bytes; larger ones fail with
   * RESOURCE_EXHAUSTED and the session goes on.
   */
  'max_message_bytes': (string);
  /**
   * Identifies the session in server logs.
   */
  'session_id': (string);
  /**
   * How many envs this server would host in all, across sessions: its share
   * when a client spreads envs over a fleet of servers (added in 1.x; 0 =
   * not declared, and a fleet then splits evenly).
   */
  'capacity': (number);
}
