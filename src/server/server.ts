/**
 * The simbridge gRPC server: serves the tasks of a TaskRegistry over the
 * `simbridge.v1.EnvironmentService` Session stream, plus the standard health
 * service and server reflection.
 *
 * Requests are decoded by our own deserializer so that a malformed or oversized
 * request becomes an error response on a session that goes on, instead of a
 * dead stream; the response carries the request's id whenever its leading
 * field 1 can be read (0 otherwise). Only requests beyond the transport limit
 * (twice the session limit, at least 1 MiB more) end the stream with
 * RESOURCE_EXHAUSTED.
 */
import * as grpc from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import { ReflectionService } from "@grpc/reflection";
import { Code, SimbridgeError } from "../core/errors.js";
import { clip } from "../core/quote.js";
import { readLeadingId } from "../protocol/request-id.js";
import { encodeTaskSpec } from "../protocol/spec-codec.js";
import { loadProtocol, SERVICE_NAME } from "../protocol/service-definition.js";
import type { SessionRequest__Output } from "../protocol/generated/simbridge/v1/SessionRequest.js";
import type { SessionResponse } from "../protocol/generated/simbridge/v1/SessionResponse.js";
import type { TaskRegistry } from "../env/task-registry.js";
import { FatalSessionError, Session, sameSecret, type MalformedRequest, type SessionConfig } from "./session.js";
import { WatchHub } from "./watch-hub.js";
import { readPem } from "../client/tls.js";
import type { WatchFrame } from "../protocol/generated/simbridge/v1/WatchFrame.js";
import type { WatchRequest__Output } from "../protocol/generated/simbridge/v1/WatchRequest.js";

export interface ServerOptions {
  readonly registry: TaskRegistry;
  /** Default 127.0.0.1 (loopback only). */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly token?: string;
  /** Default 64. */
  readonly maxEnvsPerSession?: number;
  /** Default 4 MiB. */
  readonly maxMessageBytes?: number;
  readonly serverName?: string;
  /** Serve TLS with this PEM certificate chain and private key (default: plaintext). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** Where warnings go (default console.warn). */
  readonly warn?: (message: string) => void;
}

export interface RunningServer {
  readonly host: string;
  readonly port: number;
  /** "host:port" for clients. */
  readonly address: string;
  /** Number of open sessions. */
  readonly sessionCount: number;
  /** Number of open Watch streams. */
  readonly watcherCount: number;
  /** Stops accepting, ends every session, frees every env. */
  close(): Promise<void>;
}

const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const transportLimit = Math.max(2 * maxMessageBytes, maxMessageBytes + 1024 * 1024);
  const hub = new WatchHub();
  const config: SessionConfig = {
    registry: options.registry,
    hub,
    ...(options.token !== undefined ? { token: options.token } : {}),
    maxEnvs: options.maxEnvsPerSession ?? 64,
    maxMessageBytes,
    serverName: options.serverName ?? "simbridge",
  };
  const warn = options.warn ?? ((m: string) => console.warn(m));
  if (!isLoopback(host) && options.token === undefined) {
    warn(`warning: serving on ${host} without a token: anyone who can reach this port can drive your environments (use --token)`);
  }

  const { packageDefinition, proto } = loadProtocol();
  const service = proto.simbridge.v1.EnvironmentService.service;
  const sessionMethod = service.Session;
  const decode = sessionMethod.requestDeserialize;
  const serviceWithSafeDecode = {
    ...service,
    Session: {
      ...sessionMethod,
      requestDeserialize: (bytes: Buffer): SessionRequest__Output | MalformedRequest => {
        // The id is answered whenever it can be read, even when the rest is not decoded.
        const id = readLeadingId(bytes);
        if (id === "malformed") {
          return { id: "0", malformed: SimbridgeError.invalidArgument("could not decode request: field 1 (id) is not a valid uint64 varint", "id") };
        }
        if (bytes.length > maxMessageBytes) {
          return {
            id: id ?? "0",
            malformed: SimbridgeError.resourceExhausted(
              `request of ${bytes.length} bytes exceeds this server's limit of ${maxMessageBytes} bytes`,
            ),
          };
        }
        try {
          return decode(bytes);
        } catch (e) {
          return { id: id ?? "0", malformed: SimbridgeError.invalidArgument(`could not decode request: ${clip((e as Error).message)}`) };
        }
      },
    },
  };

  const server = new grpc.Server({
    "grpc.max_receive_message_length": transportLimit,
    "grpc.max_send_message_length": -1,
  });
  const sessions = new Set<Session>();
  const watchers = new Set<grpc.ServerWritableStream<WatchRequest__Output, WatchFrame>>();

  server.addService(serviceWithSafeDecode as unknown as grpc.ServiceDefinition, {
    Session: (call: grpc.ServerDuplexStream<SessionRequest__Output | MalformedRequest, SessionResponse>) => {
      const session = new Session(config, bearer(call.metadata));
      sessions.add(session);
      let ended = false;
      let chain: Promise<void> = Promise.resolve();
      const finish = () => {
        if (ended) return;
        ended = true;
        sessions.delete(session);
        session.close();
      };
      call.on("data", (request: SessionRequest__Output | MalformedRequest) => {
        chain = chain
          .then(() => session.handle(request))
          .then(
            (response) => {
              if (!ended) call.write(response);
            },
            (fatal: unknown) => {
              if (ended) return;
              const e = fatal instanceof FatalSessionError ? fatal : new SimbridgeError(Code.INTERNAL, String(fatal));
              finish();
              call.emit("error", { code: e.code, details: e.message });
            },
          );
      });
      call.on("end", () => {
        void chain.then(() => {
          if (!ended) {
            finish();
            call.end();
          }
        });
      });
      call.on("cancelled", finish);
      call.on("error", finish);
    },
    Watch: (call: grpc.ServerWritableStream<WatchRequest__Output, WatchFrame>) => {
      const r = call.request;
      if (config.token !== undefined && !sameSecret(r.token || bearer(call.metadata) || "", config.token)) {
        call.emit("error", { code: grpc.status.UNAUTHENTICATED, details: "this server requires a bearer token (watch.token or `authorization: Bearer …` metadata)" });
        return;
      }
      if (!(r.max_hz >= 0 && Number.isFinite(r.max_hz))) {
        call.emit("error", { code: grpc.status.INVALID_ARGUMENT, details: `max_hz: must be a finite number ≥ 0, got ${r.max_hz}` });
        return;
      }
      const unsubscribe = hub.subscribe(
        { sessionId: r.session_id, envIds: r.env_ids, maxHz: r.max_hz },
        { write: (frame) => call.write(frame), onDrain: (fn) => call.once("drain", fn) },
      );
      const stop = () => unsubscribe();
      call.on("cancelled", stop);
      call.on("close", stop);
      call.on("error", stop);
      watchers.add(call);
      call.on("close", () => watchers.delete(call));
    },
    ListTasks: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      if (config.token !== undefined && !sameSecret(bearer(call.metadata) ?? "", config.token)) {
        callback({ code: grpc.status.UNAUTHENTICATED, details: "this server requires `authorization: Bearer <token>` metadata" });
        return;
      }
      callback(null, { tasks: config.registry.specs().map(encodeTaskSpec) });
    },
  });

  const health = new HealthImplementation({ "": "SERVING", [SERVICE_NAME]: "SERVING" });
  health.addToServer(server);
  new ReflectionService(packageDefinition).addToServer(server);

  const credentials = options.tls
    ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: readPem(options.tls.certFile, "TLS certificate"), private_key: readPem(options.tls.keyFile, "TLS private key") }])
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host.includes(":") ? `[${host}]` : host}:${options.port ?? 0}`, credentials, (err, p) =>
      err ? reject(new Error(`cannot listen on ${host}:${options.port ?? 0}: ${err.message}`)) : resolve(p),
    );
  });

  return {
    host,
    port,
    address: `${host.includes(":") ? `[${host}]` : host}:${port}`,
    get sessionCount() {
      return sessions.size;
    },
    get watcherCount() {
      return hub.watcherCount;
    },
    close: () =>
      new Promise<void>((resolve) => {
        health.setStatus("", "NOT_SERVING");
        for (const s of sessions) s.close();
        sessions.clear();
        for (const w of watchers) w.end();
        watchers.clear();
        server.forceShutdown();
        resolve();
      }),
  };
}

function bearer(metadata: grpc.Metadata): string | undefined {
  const v = metadata.get("authorization")[0];
  if (typeof v !== "string") return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(v);
  return m ? m[1] : undefined;
}

function isLoopback(host: string): boolean {
  return host === "127.0.0.1" || host === "::1" || host === "localhost" || host.startsWith("127.");
}

