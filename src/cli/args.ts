/**
 * UsageError (exit status 2) and the connection options of client commands.
 * Commands declare their flags with `defineCommand` (flags.ts), which parses,
 * validates and writes --help from one declaration per flag.
 */
import type { ConnectOptions } from "../client/connection.js";

export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** ConnectOptions from CONNECTION_FLAGS' values: --token (or SIMBRIDGE_TOKEN) and --tls-ca. */
export function connectOptionsFrom(values: { token?: string | undefined; "tls-ca"?: string | undefined }): ConnectOptions {
  const token = values.token ?? process.env["SIMBRIDGE_TOKEN"];
  return { ...(token ? { token } : {}), ...(values["tls-ca"] ? { tls: { caFile: values["tls-ca"] } } : {}) };
}
