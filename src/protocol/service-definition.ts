/**
 * Loads the protocol from `proto/` with @grpc/proto-loader and exposes the
 * service definition, typed by the generated types in `generated/`.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { ProtoGrpcType } from "./generated/session.js";

/** Semver of the protocol this build speaks. */
export const PROTOCOL_VERSION = "1.0.0";
export const SERVICE_NAME = "simbridge.v1.EnvironmentService";

/**
 * Options shared by server and client so both see the same object shapes.
 *
 * 64-bit integers decode as decimal strings (`longs: String`, as the
 * generated types say: `make proto` passes `--longs=String`), never as JS
 * numbers, which are exact only below 2^53. When encoding, a field takes a
 * number or a decimal string. Per field:
 * - `SessionRequest.id` / `SessionResponse.id` (uint64): exact over the whole
 *   range. The server echoes the string it decoded, or, for a request it could
 *   not decode or that is over the size limit, the id it read by hand from the
 *   request's leading field 1 (`readLeadingId` in request-id.ts).
 * - `EnvReset.seed` (uint64): decoded exactly; the TypeScript server accepts
 *   [0, 2^53) and refuses larger seeds with INVALID_ARGUMENT quoting the exact
 *   value. The TypeScript client refuses seeds that are not integers in that
 *   range before sending (a number such as 1.5 or -1 would otherwise be
 *   truncated or wrapped by the encoder).
 * - `HandshakeResponse.max_message_bytes`, `RealtimeEnvStats.ticks /
 *   held_ticks / late_steps`, `WatchFrame.sequence / episode / dropped`
 *   (uint64) and `WatchFrame.wall_time_us` (int64): exact on the wire; the
 *   TypeScript client turns them into numbers (`Number(...)`), exact while
 *   below 2^53: byte counts, counters (2^53 ticks at 10 kHz is 28,000 years)
 *   and microseconds since 1970 (until the year 2255).
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: Number,
  defaults: true,
  oneofs: true,
};

/** The package's root folder (holding proto/ and bin/), found from this file in src/ or in dist/src/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "proto", "simbridge", "v1", "session.proto"))) return dir;
    dir = dirname(dir);
  }
  throw new Error("cannot find proto/simbridge/v1/session.proto above " + fileURLToPath(import.meta.url));
}

export function protoRoot(): string {
  return join(packageRoot(), "proto");
}

let cached: { packageDefinition: protoLoader.PackageDefinition; proto: ProtoGrpcType } | undefined;

export function loadProtocol(): { packageDefinition: protoLoader.PackageDefinition; proto: ProtoGrpcType } {
  if (!cached) {
    const packageDefinition = protoLoader.loadSync("simbridge/v1/session.proto", { ...LOADER_OPTIONS, includeDirs: [protoRoot()] });
    const proto = grpc.loadPackageDefinition(packageDefinition) as unknown as ProtoGrpcType;
    cached = { packageDefinition, proto };
  }
  return cached;
}
