// Original file: proto/simbridge/v1/session.proto

import type { Tensor as _simbridge_v1_Tensor, Tensor__Output as _simbridge_v1_Tensor__Output } from '../../simbridge/v1/Tensor.js';
import type { StepStatus as _simbridge_v1_StepStatus, StepStatus__Output as _simbridge_v1_StepStatus__Output } from '../../simbridge/v1/StepStatus.js';

/**
 * The result of a reset or step for a batch of envs, row i for env_ids[i].
 */
export interface StepResult {
  'env_ids'?: (number)[];
  /**
   * One batched tensor per TaskSpec.observations entry, in that order,
   * shape [len(env_ids), spec shape...].
   */
  'observations'?: (_simbridge_v1_Tensor)[];
  /**
   * FLOAT64 [len(env_ids)]. Absent when the task withholds reward (black box).
   * Zero after a reset.
   */
  'reward'?: (_simbridge_v1_Tensor | null);
  /**
   * One status per env.
   */
  'status'?: (_simbridge_v1_StepStatus)[];
  /**
   * Whether each env's episode goal is reached at this step.
   */
  'is_success'?: (boolean)[];
  /**
   * FLOAT64 [len(env_ids), len(TaskSpec.info_keys)]: reward terms and flags.
   */
  'info'?: (_simbridge_v1_Tensor | null);
  /**
   * Real-time envs only (empty otherwise): per env, the ticks that advanced on
   * a held action since the env's previous reset or step result. 0 means the
   * action arrived in time for its tick; more means it was late by that many
   * ticks (it is still applied, at the next tick). If the episode ended during
   * those ticks, the action was not applied and `status` says how it ended.
   */
  'late_ticks'?: (number)[];
}

/**
 * The result of a reset or step for a batch of envs, row i for env_ids[i].
 */
export interface StepResult__Output {
  'env_ids': (number)[];
  /**
   * One batched tensor per TaskSpec.observations entry, in that order,
   * shape [len(env_ids), spec shape...].
   */
  'observations': (_simbridge_v1_Tensor__Output)[];
  /**
   * FLOAT64 [len(env_ids)]. Absent when the task withholds reward (black box).
   * Zero after a reset.
   */
  'reward': (_simbridge_v1_Tensor__Output | null);
  /**
   * One status per env.
   */
  'status': (_simbridge_v1_StepStatus__Output)[];
  /**
   * Whether each env's episode goal is reached at this step.
   */
  'is_success': (boolean)[];
  /**
   * FLOAT64 [len(env_ids), len(TaskSpec.info_keys)]: reward terms and flags.
   */
  'info': (_simbridge_v1_Tensor__Output | null);
  /**
   * Real-time envs only (empty otherwise): per env, the ticks that advanced on
   * a held action since the env's previous reset or step result. 0 means the
   * action arrived in time for its tick; more means it was late by that many
   * ticks (it is still applied, at the next tick). If the episode ended during
   * those ticks, the action was not applied and `status` says how it ended.
   */
  'late_ticks': (number)[];
}
