// Original file: proto/simbridge/v1/session.proto


export interface WatchRequest {
  /**
   * Only envs of this session; "" = envs of every session.
   */
  'session_id'?: (string);
  /**
   * Only these env ids (ids are per session); empty = every env.
   */
  'env_ids'?: (number)[];
  /**
   * At most this many frames per second per env; 0 = a frame for every reset
   * and step. Frames over the rate are dropped and counted in `dropped` —
   * the frame that ends an episode too, so a rate-limited watcher sees most
   * episodes only in part (`episode` tells them apart).
   */
  'max_hz'?: (number | string);
  /**
   * Bearer token, when the server requires one.
   */
  'token'?: (string);
}

export interface WatchRequest__Output {
  /**
   * Only envs of this session; "" = envs of every session.
   */
  'session_id': (string);
  /**
   * Only these env ids (ids are per session); empty = every env.
   */
  'env_ids': (number)[];
  /**
   * At most this many frames per second per env; 0 = a frame for every reset
   * and step. Frames over the rate are dropped and counted in `dropped` —
   * the frame that ends an episode too, so a rate-limited watcher sees most
   * episodes only in part (`episode` tells them apart).
   */
  'max_hz': (number);
  /**
   * Bearer token, when the server requires one.
   */
  'token': (string);
}
