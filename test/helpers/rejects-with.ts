// The error assertion of the protocol tests: every protocol error reaches the
// caller as a SimbridgeError carrying a gRPC code and a precise message.
import assert from "node:assert/strict";
import { SimbridgeError } from "../../src/core/errors.js";

/** Asserts `p` rejects with a SimbridgeError of `code` whose message matches `pattern`; returns it (for its field). */
export async function rejectsWith(p: Promise<unknown>, code: number, pattern?: RegExp): Promise<SimbridgeError> {
  let caught: SimbridgeError | undefined;
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SimbridgeError, `expected a SimbridgeError, got ${String(e)}`);
    assert.equal(e.code, code, `expected code ${code}, got ${e.code}: ${e.message}`);
    if (pattern) assert.match(e.message, pattern);
    caught = e;
    return true;
  });
  return caught!;
}
