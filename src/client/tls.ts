/**
 * Channel credentials: plaintext on loopback by default, TLS when the server
 * was started with a certificate (`simbridge serve --tls-cert --tls-key`).
 */
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";

export interface TlsClientOptions {
  /** PEM file of the CA (or the self-signed certificate) that signed the server's certificate. */
  readonly caFile: string;
  /** Overrides the host name checked against the certificate (e.g. when connecting by IP). */
  readonly serverName?: string;
}

export function channelCredentials(tls: TlsClientOptions | undefined): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(readPem(tls.caFile, "CA certificate"));
}

/** Channel options that go with the credentials. */
export function channelOptions(tls: TlsClientOptions | undefined): grpc.ChannelOptions {
  return tls?.serverName ? { "grpc.ssl_target_name_override": tls.serverName, "grpc.default_authority": tls.serverName } : {};
}

export function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read the ${what} at ${path}: ${(e as Error).message}`);
  }
}
