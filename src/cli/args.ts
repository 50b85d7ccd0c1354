/**
 * Small helpers over node:util parseArgs so every subcommand reads its flags
 * the same way and fails with a message that names the flag.
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
