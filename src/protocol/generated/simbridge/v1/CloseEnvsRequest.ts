// Original file: proto/simbridge/v1/session.proto


export interface CloseEnvsRequest {
  /**
   * Envs to close; their ids become unknown (NOT_FOUND) afterwards.
   */
  'env_ids'?: (number)[];
}

export interface CloseEnvsRequest__Output {
  /**
   * Envs to close; their ids become unknown (NOT_FOUND) afterwards.
   */
  'env_ids': (number)[];
}
