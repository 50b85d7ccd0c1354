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
  /**
   * Ask for what a viewer draws (capability "viewer_model", added in 1.x):
   * every frame of an env whose task has a view then carries its body poses
   * and view_model_key, and the first frame of each model key this watcher
   * gets carries the model itself. A server without the capability ignores
   * the field and sends frames without them.
   */
  'view'?: (boolean);
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
  /**
   * Ask for what a viewer draws (capability "viewer_model", added in 1.x):
   * every frame of an env whose task has a view then carries its body poses
   * and view_model_key, and the first frame of each model key this watcher
   * gets carries the model itself. A server without the capability ignores
   * the field and sends frames without them.
   */
  'view': (boolean);
}
