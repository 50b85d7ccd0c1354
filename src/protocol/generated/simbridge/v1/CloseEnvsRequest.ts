// Original file: proto/simbridge/v1/session.proto


export interface CloseEnvsRequest {
  /**
   * Envs to close. Afterwards a request naming a closed id fails with
   * FAILED_PRECONDITION (as any call after close); an id never made is NOT_FOUND.
   */
  'env_ids'?: (number)[];
}

export interface CloseEnvsRequest__Output {
  /**
   * Envs to close. Afterwards a request naming a closed id fails with
   * FAILED_PRECONDITION (as any call after close); an id never made is NOT_FOUND.
   */
  'env_ids': (number)[];
}
