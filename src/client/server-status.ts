/**
 * The Status RPC from the client side: a server's live counts (sessions,
 * envs, pending requests, responses not yet sent, watchers) as one unary call,
 * for `simbridge status`, benchmarks and tests.
 */
import * as grpc from "@grpc/grpc-js";
import { Code, SimbridgeError } from "../core/errors.js";
import { loadProtocol } from "../protocol/service-definition.js";
import type { StatusResponse__Output } from "../protocol/generated/simbridge/v1/StatusResponse.js";
import { channelCredentials, channelOptions, type TlsClientOptions } from "./tls.js";
import type { ServerCounts } from "../server/server.js";

export interface StatusOptions {
  /** Bearer token, when the server requires one. */
  readonly token?: string;
  /** TLS, when the server has a certificate. */
  readonly tls?: TlsClientOptions;
  /** Deadline of the call (ms). Default 10 000. An unreachable server fails at once with UNAVAILABLE. */
  readonly timeoutMs?: number;
}

/** A server's counts at the moment of the call (the protocol's StatusResponse). */
export interface ServerStatus extends ServerCounts {
  readonly serverName: string;
  /** Resident memory of the server process (0 when the server does not say). */
  readonly rssBytes: number;
}

/** Calls Status on the server at `address`; rejects with a SimbridgeError carrying the gRPC code. */
export async function fetchServerStatus(address: string, options: StatusOptions = {}): Promise<ServerStatus> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const { proto } = loadProtocol();
  const client = new proto.simbridge.v1.EnvironmentService(address, channelCredentials(options.tls), channelOptions(options.tls));
  const metadata = new grpc.Metadata();
  if (options.token) metadata.set("authorization", `Bearer ${options.token}`);
  try {
    const r = await new Promise<StatusResponse__Output>((resolve, reject) =>
      client.Status({}, metadata, { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res!))),
    );
    return {
      serverName: r.server_name,
      sessions: r.sessions,
      envs: r.envs,
      watchers: r.watchers,
      pendingRequests: r.pending_requests,
      queuedResponses: r.queued_responses,
      pausedSessions: r.paused_sessions,
      maxInFlightPerSession: r.max_in_flight_per_session,
      peakInFlightPerSession: r.peak_in_flight_per_session,
      rssBytes: Number(r.rss_bytes),
    };
  } catch (e) {
    const err = e as grpc.ServiceError;
    if (err.code === grpc.status.UNIMPLEMENTED) {
      throw new SimbridgeError(Code.UNIMPLEMENTED, `the server at ${address} has no Status RPC (a server older than it, or another implementation)`);
    }
    if (err.code === grpc.status.UNAVAILABLE) {
      const why = (err.details || err.message).replace(/\s*Resolution note:\s*$/, "");
      throw new SimbridgeError(Code.UNAVAILABLE, `cannot reach a simbridge server at ${address}: ${why}`);
    }
    if (err.code === grpc.status.DEADLINE_EXCEEDED) {
      throw new SimbridgeError(Code.DEADLINE_EXCEEDED, `no Status answer from ${address} within ${timeoutMs} ms (is a simbridge server listening there?)`);
    }
    throw new SimbridgeError((err.code ?? Code.UNKNOWN) as Code, `status of ${address}: ${err.details || err.message}`);
  } finally {
    client.close();
  }
}
