// Original file: proto/simbridge/v1/session.proto


/**
 * A failed request, like google.rpc.Status.
 */
export interface Error {
  /**
   * A gRPC status code: INVALID_ARGUMENT (3), NOT_FOUND (5),
   * FAILED_PRECONDITION (9), RESOURCE_EXHAUSTED (8), UNAUTHENTICATED (16), ...
   */
  'code'?: (number);
  /**
   * What was wrong, naming the field and the value.
   */
  'message'?: (string);
  /**
   * The request field at fault, prefixed with the request kind
   * ("step.actions", "reset.envs[2].seed"), when known.
   */
  'field'?: (string);
}

/**
 * A failed request, like google.rpc.Status.
 */
export interface Error__Output {
  /**
   * A gRPC status code: INVALID_ARGUMENT (3), NOT_FOUND (5),
   * FAILED_PRECONDITION (9), RESOURCE_EXHAUSTED (8), UNAUTHENTICATED (16), ...
   */
  'code': (number);
  /**
   * What was wrong, naming the field and the value.
   */
  'message': (string);
  /**
   * The request field at fault, prefixed with the request kind
   * ("step.actions", "reset.envs[2].seed"), when known.
   */
  'field': (string);
}
