// Original file: proto/simbridge/v1/spec.proto

import type { ArraySpec as _simbridge_v1_ArraySpec, ArraySpec__Output as _simbridge_v1_ArraySpec__Output } from '../../simbridge/v1/ArraySpec.js';
import type { OptionSpec as _simbridge_v1_OptionSpec, OptionSpec__Output as _simbridge_v1_OptionSpec__Output } from '../../simbridge/v1/OptionSpec.js';

/**
 * Everything a client needs to know about a task before it steps it.
 */
export interface TaskSpec {
  /**
   * Registered name with version, e.g. "Reacher-v5".
   */
  'name'?: (string);
  /**
   * One paragraph on what the task is.
   */
  'description'?: (string);
  /**
   * Observation tensors, in the order the server sends them. Goal-conditioned
   * tasks have "observation", "achieved_goal" and "desired_goal".
   */
  'observations'?: (_simbridge_v1_ArraySpec)[];
  /**
   * The action tensor. Actions outside the bounds are clipped by the task.
   */
  'action'?: (_simbridge_v1_ArraySpec | null);
  /**
   * Whether steps carry a reward. False for a black box that withholds it.
   */
  'has_reward'?: (boolean);
  /**
   * Whether observations follow the goal-conditioned layout.
   */
  'goal_conditioned'?: (boolean);
  /**
   * True when the task is served as a black box: there is no reward function
   * a client may query, only what a robot could report (success).
   */
  'black_box'?: (boolean);
  /**
   * Steps until an episode is TRUNCATED.
   */
  'max_episode_steps'?: (number);
  /**
   * Simulated seconds per control step.
   */
  'control_dt'?: (number | string);
  /**
   * Names of the per-step info values (reward terms, flags).
   */
  'info_keys'?: (string)[];
  /**
   * Options accepted when making envs of this task.
   */
  'make_options'?: (_simbridge_v1_OptionSpec)[];
  /**
   * Options accepted at reset.
   */
  'reset_options'?: (_simbridge_v1_OptionSpec)[];
  /**
   * True when the server answers `compute_reward` for this task: a white-box,
   * goal-conditioned task whose reward function a client may query (see
   * ComputeRewardRequest). False for a black box, for a task without a reward
   * function, and from servers that predate the field.
   */
  'has_reward_function'?: (boolean);
}

/**
 * Everything a client needs to know about a task before it steps it.
 */
export interface TaskSpec__Output {
  /**
   * Registered name with version, e.g. "Reacher-v5".
   */
  'name': (string);
  /**
   * One paragraph on what the task is.
   */
  'description': (string);
  /**
   * Observation tensors, in the order the server sends them. Goal-conditioned
   * tasks have "observation", "achieved_goal" and "desired_goal".
   */
  'observations': (_simbridge_v1_ArraySpec__Output)[];
  /**
   * The action tensor. Actions outside the bounds are clipped by the task.
   */
  'action': (_simbridge_v1_ArraySpec__Output | null);
  /**
   * Whether steps carry a reward. False for a black box that withholds it.
   */
  'has_reward': (boolean);
  /**
   * Whether observations follow the goal-conditioned layout.
   */
  'goal_conditioned': (boolean);
  /**
   * True when the task is served as a black box: there is no reward function
   * a client may query, only what a robot could report (success).
   */
  'black_box': (boolean);
  /**
   * Steps until an episode is TRUNCATED.
   */
  'max_episode_steps': (number);
  /**
   * Simulated seconds per control step.
   */
  'control_dt': (number);
  /**
   * Names of the per-step info values (reward terms, flags).
   */
  'info_keys': (string)[];
  /**
   * Options accepted when making envs of this task.
   */
  'make_options': (_simbridge_v1_OptionSpec__Output)[];
  /**
   * Options accepted at reset.
   */
  'reset_options': (_simbridge_v1_OptionSpec__Output)[];
  /**
   * True when the server answers `compute_reward` for this task: a white-box,
   * goal-conditioned task whose reward function a client may query (see
   * ComputeRewardRequest). False for a black box, for a task without a reward
   * function, and from servers that predate the field.
   */
  'has_reward_function': (boolean);
}
