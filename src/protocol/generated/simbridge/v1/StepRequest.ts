// Original file: proto/simbridge/v1/session.proto

import type { Tensor as _simbridge_v1_Tensor, Tensor__Output as _simbridge_v1_Tensor__Output } from '../../simbridge/v1/Tensor.js';

/**
 * Steps a batch of envs of the same spec with one action each. Every env must
 * be RUNNING (reset, and not TERMINATED or TRUNCATED since), or the request
 * fails with FAILED_PRECONDITION and no env is stepped.
 */
export interface StepRequest {
  /**
   * Which envs, in the order of the rows of `actions`.
   */
  'env_ids'?: (number)[];
  /**
   * Shape [len(env_ids), action shape...], the action spec's dtype. Non-finite
   * values fail with INVALID_ARGUMENT; out-of-bounds values are clipped.
   */
  'actions'?: (_simbridge_v1_Tensor | null);
  /**
   * Agent annotations for watchers (capability "agent_annotations", added in
   * 1.x): what the agent that chose these actions wants drawn beside the envs,
   * such as "subgoal_target", the absolute position a hierarchical agent is
   * heading for. Per name one FLOAT32 tensor of shape [len(env_ids), ...]:
   * row i belongs to env_ids[i]. The task never sees them and they never
   * change a step. The server hands row i to watchers with the frame of
   * env_ids[i] that this step produces (WatchFrame.annotations; for a
   * real-time env, the frame of the tick that applies the action) and keeps
   * nothing: a frame a watcher does not get (rate limit, slow watcher) takes
   * its annotations with it, and without watchers they are only checked.
   * Checked before any env is stepped; a violation fails the request with
   * INVALID_ARGUMENT naming the annotation, and no env is stepped:
   * - at most 8 names, each matching ^[a-z][a-z0-9_]{0,63}$;
   * - dtype FLOAT32; 1 to 8 dimensions, the first len(env_ids); at most 256
   * values per env (the product of the other dimensions); the byte count
   * matching the shape;
   * - every value finite.
   * A server without the capability (older than it) does not know this field
   * and ignores it: send annotations only when the handshake lists it.
   */
  'annotations'?: ({[key: string]: _simbridge_v1_Tensor});
}

/**
 * Steps a batch of envs of the same spec with one action each. Every env must
 * be RUNNING (reset, and not TERMINATED or TRUNCATED since), or the request
 * fails with FAILED_PRECONDITION and no env is stepped.
 */
export interface StepRequest__Output {
  /**
   * Which envs, in the order of the rows of `actions`.
   */
  'env_ids': (number)[];
  /**
   * Shape [len(env_ids), action shape...], the action spec's dtype. Non-finite
   * values fail with INVALID_ARGUMENT; out-of-bounds values are clipped.
   */
  'actions': (_simbridge_v1_Tensor__Output | null);
  /**
   * Agent annotations for watchers (capability "agent_annotations", added in
   * 1.x): what the agent that chose these actions wants drawn beside the envs,
   * such as "subgoal_target", the absolute position a hierarchical agent is
   * heading for. Per name one FLOAT32 tensor of shape [len(env_ids), ...]:
   * row i belongs to env_ids[i]. The task never sees them and they never
   * change a step. The server hands row i to watchers with the frame of
   * env_ids[i] that this step produces (WatchFrame.annotations; for a
   * real-time env, the frame of the tick that applies the action) and keeps
   * nothing: a frame a watcher does not get (rate limit, slow watcher) takes
   * its annotations with it, and without watchers they are only checked.
   * Checked before any env is stepped; a violation fails the request with
   * INVALID_ARGUMENT naming the annotation, and no env is stepped:
   * - at most 8 names, each matching ^[a-z][a-z0-9_]{0,63}$;
   * - dtype FLOAT32; 1 to 8 dimensions, the first len(env_ids); at most 256
   * values per env (the product of the other dimensions); the byte count
   * matching the shape;
   * - every value finite.
   * A server without the capability (older than it) does not know this field
   * and ignores it: send annotations only when the handshake lists it.
   */
  'annotations': ({[key: string]: _simbridge_v1_Tensor__Output});
}
