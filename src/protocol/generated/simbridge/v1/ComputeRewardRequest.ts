// Original file: proto/simbridge/v1/session.proto

import type { Value as _simbridge_v1_Value, Value__Output as _simbridge_v1_Value__Output } from '../../simbridge/v1/Value.js';
import type { Tensor as _simbridge_v1_Tensor, Tensor__Output as _simbridge_v1_Tensor__Output } from '../../simbridge/v1/Tensor.js';

/**
 * The task's own reward function, batched: Gymnasium-Robotics'
 * `compute_reward(achieved_goal, desired_goal, info)` for n (achieved goal,
 * desired goal) pairs, so that a client scores the goals it relabels
 * (hindsight experience replay) with the true reward, as it would with the
 * task in-process. Only a white-box server offers it: its handshake lists
 * the capability "compute_reward", and the spec of each task it answers for
 * has `has_reward_function` set. A black box never does.
 * 
 * Pair i's reward is the reward a step of the task gets when the step's
 * observation has row i as its achieved_goal and desired_goal (the float32
 * values as they travel), so the pairs of real transitions get exactly their
 * step rewards. It depends on the task and its make options only: no env is
 * needed, and nothing changes on the server.
 * 
 * Errors (the request changes nothing, the session goes on):
 * - an unknown task: NOT_FOUND; an unknown or mistyped option, or a bad
 * option value: INVALID_ARGUMENT;
 * - a task without a reward function (served as a black box, not
 * goal-conditioned, `has_reward_function` false): UNIMPLEMENTED. The server
 * does not offer the operation for that task and no request can change
 * that, so it is not FAILED_PRECONDITION (a state the client could fix);
 * - `achieved_goal` or `desired_goal` missing, not FLOAT32, not of shape
 * [n, goal shape...] (the goal shape of the spec's achieved_goal and
 * desired_goal under `options`; n the same for both), a byte count that
 * does not match the shape, NaN or ±Infinity: INVALID_ARGUMENT naming the
 * field ("compute_reward.desired_goal: expected shape [4, 2] but got [3, 2]");
 * - over `max_message_bytes`: RESOURCE_EXHAUSTED, like any request.
 * A server without the capability (older than it, or a black box) may not
 * know this payload at all and answer INVALID_ARGUMENT ("request has no
 * payload"): check the capability first.
 */
export interface ComputeRewardRequest {
  /**
   * The task whose reward function to use, by its catalogue name.
   */
  'task'?: (string);
  /**
   * Make options of the task (see TaskSpec.make_options), for a reward that
   * depends on them (a distance threshold, a reward type). Checked like
   * make_envs.options.
   */
  'options'?: ({[key: string]: _simbridge_v1_Value});
  /**
   * FLOAT32 [n, goal shape...]: the achieved goal of each pair (for a
   * transition: the achieved goal after its step). n may be 0.
   */
  'achieved_goal'?: (_simbridge_v1_Tensor | null);
  /**
   * FLOAT32 [n, goal shape...]: the desired goal of each pair, row for row.
   */
  'desired_goal'?: (_simbridge_v1_Tensor | null);
}

/**
 * The task's own reward function, batched: Gymnasium-Robotics'
 * `compute_reward(achieved_goal, desired_goal, info)` for n (achieved goal,
 * desired goal) pairs, so that a client scores the goals it relabels
 * (hindsight experience replay) with the true reward, as it would with the
 * task in-process. Only a white-box server offers it: its handshake lists
 * the capability "compute_reward", and the spec of each task it answers for
 * has `has_reward_function` set. A black box never does.
 * 
 * Pair i's reward is the reward a step of the task gets when the step's
 * observation has row i as its achieved_goal and desired_goal (the float32
 * values as they travel), so the pairs of real transitions get exactly their
 * step rewards. It depends on the task and its make options only: no env is
 * needed, and nothing changes on the server.
 * 
 * Errors (the request changes nothing, the session goes on):
 * - an unknown task: NOT_FOUND; an unknown or mistyped option, or a bad
 * option value: INVALID_ARGUMENT;
 * - a task without a reward function (served as a black box, not
 * goal-conditioned, `has_reward_function` false): UNIMPLEMENTED. The server
 * does not offer the operation for that task and no request can change
 * that, so it is not FAILED_PRECONDITION (a state the client could fix);
 * - `achieved_goal` or `desired_goal` missing, not FLOAT32, not of shape
 * [n, goal shape...] (the goal shape of the spec's achieved_goal and
 * desired_goal under `options`; n the same for both), a byte count that
 * does not match the shape, NaN or ±Infinity: INVALID_ARGUMENT naming the
 * field ("compute_reward.desired_goal: expected shape [4, 2] but got [3, 2]");
 * - over `max_message_bytes`: RESOURCE_EXHAUSTED, like any request.
 * A server without the capability (older than it, or a black box) may not
 * know this payload at all and answer INVALID_ARGUMENT ("request has no
 * payload"): check the capability first.
 */
export interface ComputeRewardRequest__Output {
  /**
   * The task whose reward function to use, by its catalogue name.
   */
  'task': (string);
  /**
   * Make options of the task (see TaskSpec.make_options), for a reward that
   * depends on them (a distance threshold, a reward type). Checked like
   * make_envs.options.
   */
  'options': ({[key: string]: _simbridge_v1_Value__Output});
  /**
   * FLOAT32 [n, goal shape...]: the achieved goal of each pair (for a
   * transition: the achieved goal after its step). n may be 0.
   */
  'achieved_goal': (_simbridge_v1_Tensor__Output | null);
  /**
   * FLOAT32 [n, goal shape...]: the desired goal of each pair, row for row.
   */
  'desired_goal': (_simbridge_v1_Tensor__Output | null);
}
