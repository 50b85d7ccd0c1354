/**
 * Typed errors carrying gRPC status codes.
 *
 * Every layer (tasks, vector envs, server, client) throws `SimbridgeError`; the
 * server turns it into a per-request error in the Session stream, and the client
 * turns that back into the same error class, so a caller sees one error type
 * whether the environment is in-process or remote.
 */

/** gRPC status codes (same numbers as grpc-js `status`). */
export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;
export type Code = (typeof Code)[keyof typeof Code];

const codeNames = Object.fromEntries(Object.entries(Code).map(([k, v]) => [v, k])) as Record<number, string>;

export function codeName(code: number): string {
  return codeNames[code] ?? `CODE_${code}`;
}

export class SimbridgeError extends Error {
  override readonly name = "SimbridgeError";
  constructor(
    readonly code: Code,
    message: string,
    /** The request field the error is about, when there is one ("action", "env_ids", ...). */
    readonly field = "",
  ) {
    super(message);
  }

  static invalidArgument(message: string, field = ""): SimbridgeError {
    return new SimbridgeError(Code.INVALID_ARGUMENT, message, field);
  }
  static notFound(message: string, field = ""): SimbridgeError {
    return new SimbridgeError(Code.NOT_FOUND, message, field);
  }
  static failedPrecondition(message: string, field = ""): SimbridgeError {
    return new SimbridgeError(Code.FAILED_PRECONDITION, message, field);
  }
  static resourceExhausted(message: string, field = ""): SimbridgeError {
    return new SimbridgeError(Code.RESOURCE_EXHAUSTED, message, field);
  }
  static unauthenticated(message: string): SimbridgeError {
    return new SimbridgeError(Code.UNAUTHENTICATED, message);
  }

  override toString(): string {
    return `${codeName(this.code)}: ${this.message}`;
  }
}

/** Wraps anything thrown into a SimbridgeError (unknown errors become INTERNAL). */
export function asSimbridgeError(e: unknown): SimbridgeError {
  if (e instanceof SimbridgeError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new SimbridgeError(Code.INTERNAL, message);
}
