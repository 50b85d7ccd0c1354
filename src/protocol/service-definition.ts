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

/** Options shared by server and client so both see the same object shapes. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
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
