// Original file: proto/simbridge/v1/session.proto


/**
 * Must be the first request of a session. Until it succeeds every other
 * request fails with FAILED_PRECONDITION.
 */
export interface HandshakeRequest {
  /**
   * The client's protocol version, semver ("1.0.0"). A different major
   * version is refused with FAILED_PRECONDITION; minor versions are compatible.
   */
  'protocol_version'?: (string);
  /**
   * Free-form client name, for logs.
   */
  'client_name'?: (string);
  /**
   * Optional features the client wants to use; the response says which the
   * server has.
   */
  'capabilities'?: (string)[];
  /**
   * Bearer token, when the server requires one (it may instead come in the
   * `authorization: Bearer <token>` metadata). A wrong or missing token ends
   * the stream with UNAUTHENTICATED.
   */
  'token'?: (string);
}

/**
 * Must be the first request of a session. Until it succeeds every other
 * request fails with FAILED_PRECONDITION.
 */
export interface HandshakeRequest__Output {
  /**
   * The client's protocol version, semver ("1.0.0"). A different major
   * version is refused with FAILED_PRECONDITION; minor versions are compatible.
   */
  'protocol_version': (string);
  /**
   * Free-form client name, for logs.
   */
  'client_name': (string);
  /**
   * Optional features the client wants to use; the response says which the
   * server has.
   */
  'capabilities': (string)[];
  /**
   * Bearer token, when the server requires one (it may instead come in the
   * `authorization: Bearer <token>` metadata). A wrong or missing token ends
   * the stream with UNAUTHENTICATED.
   */
  'token': (string);
}
