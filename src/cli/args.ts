/**
 * UsageError (exit status 2) and the connection options of client commands.
 * Commands declare their flags with `defineCommand` (flags.ts), which parses,
 * validates and writes --help from one declaration per flag; `parse`,
 * `intFlag`, `numberFlag` and `CLIENT_FLAGS` below are the older way, left
 * for the commands not converted yet (bench, status).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { ConnectOptions } from "../client/connection.js";

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function parse<T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${usage}`);
  }
}

export function intFlag(value: string | undefined, name: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name}: expected an integer ≥ ${min}, got '${value}'`);
  return n;
}

export function numberFlag(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name}: expected a positive number, got '${value}'`);
  return n;
}

/** The flags every client command shares: --token (or SIMBRIDGE_TOKEN) and --tls-ca. */
export const CLIENT_FLAGS = {
  token: { type: "string" },
  "tls-ca": { type: "string" },
} as const;

export function connectOptionsFrom(values: { token?: string | undefined; "tls-ca"?: string | undefined }): ConnectOptions {
  const token = values.token ?? process.env["SIMBRIDGE_TOKEN"];
  return { ...(token ? { token } : {}), ...(values["tls-ca"] ? { tls: { caFile: values["tls-ca"] } } : {}) };
}
