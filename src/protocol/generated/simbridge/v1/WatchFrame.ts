// Original file: proto/simbridge/v1/session.proto

import type { StepStatus as _simbridge_v1_StepStatus, StepStatus__Output as _simbridge_v1_StepStatus__Output } from '../../simbridge/v1/StepStatus.js';
import type { Tensor as _simbridge_v1_Tensor, Tensor__Output as _simbridge_v1_Tensor__Output } from '../../simbridge/v1/Tensor.js';
import type { ViewModel as _simbridge_v1_ViewModel, ViewModel__Output as _simbridge_v1_ViewModel__Output } from '../../simbridge/v1/ViewModel.js';
import type { Long } from '@grpc/proto-loader';

/**
 * One env's state after a reset or step.
 */
export interface WatchFrame {
  /**
   * Consecutive per watcher, from 1.
   */
  'sequence'?: (number | string | Long);
  'session_id'?: (string);
  'env_id'?: (number);
  /**
   * Task name.
   */
  'task'?: (string);
  /**
   * The env's episode number (1 for its first episode).
   */
  'episode'?: (number | string | Long);
  /**
   * Steps since the episode's reset (0 for the reset itself).
   */
  'episode_step'?: (number);
  /**
   * Simulated seconds since the reset: episode_step × control_dt.
   */
  'sim_time'?: (number | string);
  /**
   * Server wall clock when the reset or step finished, microseconds since the Unix epoch.
   */
  'wall_time_us'?: (number | string | Long);
  /**
   * Frames of this env not sent to this watcher since its previous frame
   * (over the rate limit, or the watcher was too slow to take them).
   */
  'dropped'?: (number | string | Long);
  'status'?: (_simbridge_v1_StepStatus);
  /**
   * One per TaskSpec.observations entry, shape = the spec's shape.
   */
  'observations'?: (_simbridge_v1_Tensor)[];
  /**
   * Absent when the task withholds reward.
   */
  'reward'?: (number | string);
  'is_success'?: (boolean);
  /**
   * The agent annotations of the step request that produced this frame
   * (StepRequest.annotations, capability "agent_annotations"): this env's
   * row of each, FLOAT32 of the request tensor's shape without its first
   * dimension ([2] for a request's [len(env_ids), 2]). Empty for a reset, a
   * step sent without annotations, and a real-time tick on a held action.
   */
  'annotations'?: ({[key: string]: _simbridge_v1_Tensor});
  /**
   * Set only for a watcher that asked for the view (WatchRequest.view) and
   * only when the env's task has one ("" and empty otherwise). The key of
   * the env's ViewModel: frames with the same key are drawn with the same
   * model.
   */
  'view_model_key'?: (string);
  /**
   * FLOAT32 [len(ViewModel.bodies), 7]: each body's world pose after this
   * reset or step, position x, y, z then orientation quaternion w, x, y, z.
   */
  'body_poses'?: (_simbridge_v1_Tensor | null);
  /**
   * The model of view_model_key, in the first frame of that key this watcher
   * gets (sent once per key per watch stream; absent afterwards).
   */
  'view_model'?: (_simbridge_v1_ViewModel | null);
  '_reward'?: "reward";
}

/**
 * One env's state after a reset or step.
 */
export interface WatchFrame__Output {
  /**
   * Consecutive per watcher, from 1.
   */
  'sequence': (string);
  'session_id': (string);
  'env_id': (number);
  /**
   * Task name.
   */
  'task': (string);
  /**
   * The env's episode number (1 for its first episode).
   */
  'episode': (string);
  /**
   * Steps since the episode's reset (0 for the reset itself).
   */
  'episode_step': (number);
  /**
   * Simulated seconds since the reset: episode_step × control_dt.
   */
  'sim_time': (number);
  /**
   * Server wall clock when the reset or step finished, microseconds since the Unix epoch.
   */
  'wall_time_us': (string);
  /**
   * Frames of this env not sent to this watcher since its previous frame
   * (over the rate limit, or the watcher was too slow to take them).
   */
  'dropped': (string);
  'status': (_simbridge_v1_StepStatus__Output);
  /**
   * One per TaskSpec.observations entry, shape = the spec's shape.
   */
  'observations': (_simbridge_v1_Tensor__Output)[];
  /**
   * Absent when the task withholds reward.
   */
  'reward'?: (number);
  'is_success': (boolean);
  /**
   * The agent annotations of the step request that produced this frame
   * (StepRequest.annotations, capability "agent_annotations"): this env's
   * row of each, FLOAT32 of the request tensor's shape without its first
   * dimension ([2] for a request's [len(env_ids), 2]). Empty for a reset, a
   * step sent without annotations, and a real-time tick on a held action.
   */
  'annotations': ({[key: string]: _simbridge_v1_Tensor__Output});
  /**
   * Set only for a watcher that asked for the view (WatchRequest.view) and
   * only when the env's task has one ("" and empty otherwise). The key of
   * the env's ViewModel: frames with the same key are drawn with the same
   * model.
   */
  'view_model_key': (string);
  /**
   * FLOAT32 [len(ViewModel.bodies), 7]: each body's world pose after this
   * reset or step, position x, y, z then orientation quaternion w, x, y, z.
   */
  'body_poses': (_simbridge_v1_Tensor__Output | null);
  /**
   * The model of view_model_key, in the first frame of that key this watcher
   * gets (sent once per key per watch stream; absent afterwards).
   */
  'view_model': (_simbridge_v1_ViewModel__Output | null);
  '_reward'?: "reward";
}
