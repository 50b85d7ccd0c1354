// Original file: proto/simbridge/v1/session.proto


export interface CloseEnvsResponse {
  'env_ids'?: (number)[];
}

export interface CloseEnvsResponse__Output {
  'env_ids': (number)[];
}
