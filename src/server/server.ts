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
 *
 * Flow control (session-flow.ts): a session holds at most
 * `maxInFlightPerSession` requests read and answers not yet written; when its
 * client stops reading, the server stops reading it, so HTTP/2 pushes back on
 * the client and the server's memory stays bounded. `status()` (and the Status
 * RPC) report the live counts.
 *
 * Health (grpc.health.v1.Health, for a Kubernetes gRPC readiness probe or a
 * gRPC load balancer's health checks) answers for these service names, all
 * SERVING from the start:
 *   ""                                 the server as a whole
 *   "simbridge.v1.EnvironmentService"  the environment service
 *   "task:<TaskName>"                  one per task served (e.g. "task:Ant-v5"),
 *                                      so a fleet can probe or route by task
 * Any other name is NOT_FOUND (Check) or SERVICE_UNKNOWN (Watch).
 *
 * Draining (`drain()`; `simbridge serve` on SIGTERM) takes a server out of a
 * fleet without cutting work short: every health status turns NOT_SERVING and
 * new Session and Watch streams are refused with UNAVAILABLE; each open
 * session's requests already read are answered, then its stream ends with
 * UNAVAILABLE ("server draining") so that its client fails over to another
 * server; requests read after the drain began are not worked on. Once the
 * sessions have ended, open Watch streams (ours and health's) end too and the
 * server shuts down gracefully; whatever is still open when the grace period
 * ends (a client that never reads its answers) is cut.
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
import { SessionFlow, type FlowTotals } from "./session-flow.js";
import { WatchHub } from "./watch-hub.js";
import { readPem } from "../client/tls.js";
import type { WatchFrame } from "../protocol/generated/simbridge/v1/WatchFrame.js";
import type { WatchRequest__Output } from "../protocol/generated/simbridge/v1/WatchRequest.js";
import type { StatusRequest__Output } from "../protocol/generated/simbridge/v1/StatusRequest.js";
import type { StatusResponse } from "../protocol/generated/simbridge/v1/StatusResponse.js";

export interface ServerOptions {
  readonly registry: TaskRegistry;
  /** Default 127.0.0.1 (loopback only). */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly token?: string;
  /** Default 64. */
  readonly maxEnvsPerSession?: number;
  /** Envs this server would host in all, announced in every handshake for fleets (default 0: not declared). */
  readonly capacity?: number;
  /** Default 4 MiB. */
  readonly maxMessageBytes?: number;
  readonly serverName?: string;
  /** Serve TLS with this PEM certificate chain and private key (default: plaintext). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** Where warnings go (default console.warn). */
  readonly warn?: (message: string) => void;
  /**
   * Most requests read and answers not yet written one session may hold
   * (default 32); at the bound the server stops reading the session until its
   * client takes answers.
   */
  readonly maxInFlightPerSession?: number;
  /**
   * Take the agent annotations of step requests and relay them to watchers,
   * announcing "agent_annotations" (default true). false behaves as a server
   * older than the capability: not announced, annotations ignored.
   */
  readonly agentAnnotations?: boolean;
}

/** The server's live counts, as the Status RPC reports them. */
export interface ServerCounts {
  /** Open Session streams (envs not yet freed). */
  readonly sessions: number;
  /** Envs open over all sessions. */
  readonly envs: number;
  /** Open Watch streams. */
  readonly watchers: number;
  /** Requests read from Session streams, not yet answered. */
  readonly pendingRequests: number;
  /** Answers made, not yet written to their connection (unsent). */
  readonly queuedResponses: number;
  /** Sessions not read from because their client does not take its answers. */
  readonly pausedSessions: number;
  /** The bound on pending + queued per session. */
  readonly maxInFlightPerSession: number;
  /** The highest pending + queued of any session since the server started. */
  readonly peakInFlightPerSession: number;
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
  /** Live counts: sessions, envs, pending requests, unsent answers, watchers. */
  status(): ServerCounts;
  /**
   * Takes the server out of service gently (see the top of this file): health
   * NOT_SERVING, new sessions refused, requests already read answered, then
   * every session ended with UNAVAILABLE and the server shut down. Calls still
   * open `graceMs` (default 10 000) after the drain began are cut. Resolves
   * when the server is down; a second call returns the same drain, and
   * `close()` during a drain cuts it short (the drain resolves).
   */
  drain(graceMs?: number): Promise<void>;
  /** Stops accepting, ends every session, frees every env. */
  close(): Promise<void>;
}

/** The health service name of one task: `task:<TaskName>`. */
export function taskHealthName(task: string): string {
  return `task:${task}`;
}

/** Why a new Session or Watch stream is refused during a drain. */
export const DRAINING_MESSAGE = "this server is draining: connect to another one";
/** The status message that ends each open session in a drain. */
export const DRAINED_SESSION_MESSAGE = "server draining";
export const DEFAULT_DRAIN_GRACE_MS = 10_000;
/** The longest delay setTimeout takes (longer ones fire at once). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
const DEFAULT_MAX_IN_FLIGHT_PER_SESSION = 32;

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const transportLimit = Math.max(2 * maxMessageBytes, maxMessageBytes + 1024 * 1024);
  const maxInFlight = options.maxInFlightPerSession ?? DEFAULT_MAX_IN_FLIGHT_PER_SESSION;
  if (!(Number.isInteger(maxInFlight) && maxInFlight >= 1)) throw new RangeError(`maxInFlightPerSession must be an integer ≥ 1, got ${maxInFlight}`);
  const hub = new WatchHub();
  const config: SessionConfig = {
    registry: options.registry,
    hub,
    ...(options.token !== undefined ? { token: options.token } : {}),
    maxEnvs: options.maxEnvsPerSession ?? 64,
    ...(options.capacity ? { capacity: options.capacity } : {}),
    maxMessageBytes,
    serverName: options.serverName ?? "simbridge",
    ...(options.agentAnnotations === false ? { agentAnnotations: false } : {}),
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
  // Each open session with what a drain calls to end it: once the requests it
  // has read are answered, its stream ends with UNAVAILABLE.
  const sessions = new Map<Session, () => Promise<void>>();
  let draining = false;
  let drained: Promise<void> | undefined;
  /** Resolves a drain under way (close() during a drain). */
  let cutDrainShort: (() => void) | undefined;
  let closed = false;
  // A call's flow stays counted until the call is over: answers of a session
  // that has ended may still wait to be written.
  const flows = new Set<SessionFlow<SessionResponse>>();
  const totals: FlowTotals = { peakInFlight: 0 };
  const status = (): ServerCounts => {
    let envs = 0;
    for (const s of sessions.keys()) envs += s.envCount;
    let pendingRequests = 0;
    let queuedResponses = 0;
    let pausedSessions = 0;
    for (const f of flows) {
      pendingRequests += f.pending;
      queuedResponses += f.queued;
      if (f.paused) pausedSessions++;
    }
    return {
      sessions: sessions.size,
      envs,
      watchers: hub.watcherCount,
      pendingRequests,
      queuedResponses,
      pausedSessions,
      maxInFlightPerSession: maxInFlight,
      peakInFlightPerSession: totals.peakInFlight,
    };
  };
  const watchers = new Set<grpc.ServerWritableStream<WatchRequest__Output, WatchFrame>>();

  server.addService(serviceWithSafeDecode as unknown as grpc.ServiceDefinition, {
    Session: (call: grpc.ServerDuplexStream<SessionRequest__Output | MalformedRequest, SessionResponse>) => {
      if (draining) {
        call.emit("error", { code: grpc.status.UNAVAILABLE, details: DRAINING_MESSAGE });
        return;
      }
      const session = new Session(config, bearer(call.metadata));
      const flow = new SessionFlow<SessionResponse>(call, maxInFlight, totals);
      let ended = false;
      let chain: Promise<void> = Promise.resolve();
      const finish = () => {
        if (ended) return;
        ended = true;
        sessions.delete(session);
        session.close();
      };
      // The call is over (completed, cancelled, connection dropped): nothing of it is held any more.
      const gone = () => {
        finish();
        flows.delete(flow);
      };
      // Queued behind the requests read so far; requests read later come after it and are not worked on.
      const endForDrain = (): Promise<void> => {
        chain = chain.then(() => {
          if (ended) return;
          finish();
          call.emit("error", { code: grpc.status.UNAVAILABLE, details: DRAINED_SESSION_MESSAGE });
        });
        return chain;
      };
      sessions.set(session, endForDrain);
      flows.add(flow);
      call.on("data", (request: SessionRequest__Output | MalformedRequest) => {
        // Counted from here until its answer is written; at the bound the server stops reading.
        flow.received();
        chain = chain
          // Requests still queued when the session ends are not worked on.
          .then(() => (ended ? undefined : session.handle(request)))
          .then(
            (response) => {
              if (ended || response === undefined) flow.discard();
              else flow.send(response);
            },
            (fatal: unknown) => {
              flow.discard();
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
      call.on("cancelled", gone);
      call.on("close", gone);
      call.on("error", finish);
    },
    Watch: (call: grpc.ServerWritableStream<WatchRequest__Output, WatchFrame>) => {
      if (draining) {
        call.emit("error", { code: grpc.status.UNAVAILABLE, details: DRAINING_MESSAGE });
        return;
      }
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
        { sessionId: r.session_id, envIds: r.env_ids, maxHz: r.max_hz, view: r.view },
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
    Status: (call: grpc.ServerUnaryCall<StatusRequest__Output, StatusResponse>, callback: grpc.sendUnaryData<StatusResponse>) => {
      if (config.token !== undefined && !sameSecret(bearer(call.metadata) ?? "", config.token)) {
        callback({ code: grpc.status.UNAUTHENTICATED, details: "this server requires `authorization: Bearer <token>` metadata" });
        return;
      }
      const c = status();
      callback(null, {
        sessions: c.sessions,
        envs: c.envs,
        watchers: c.watchers,
        pending_requests: c.pendingRequests,
        queued_responses: c.queuedResponses,
        paused_sessions: c.pausedSessions,
        max_in_flight_per_session: c.maxInFlightPerSession,
        peak_in_flight_per_session: c.peakInFlightPerSession,
        rss_bytes: process.memoryUsage.rss(),
        server_name: config.serverName,
      });
    },
  });

  const healthNames = ["", SERVICE_NAME, ...options.registry.names.map(taskHealthName)];
  const health = new HealthImplementation(Object.fromEntries(healthNames.map((name) => [name, "SERVING" as const])));
  const notServing = () => {
    for (const name of healthNames) health.setStatus(name, "NOT_SERVING");
  };
  // Health Watch streams (a gRPC load balancer keeps one open per server) never
  // end by themselves and would hold a graceful shutdown: kept so a drain can end them.
  const healthWatches = new Set<grpc.ServerWritableStream<unknown, unknown>>();
  health.addToServer({
    addService: (definition, implementation) =>
      server.addService(definition as grpc.ServiceDefinition, {
        ...implementation,
        watch: (call: grpc.ServerWritableStream<unknown, unknown>) => {
          healthWatches.add(call);
          call.on("cancelled", () => healthWatches.delete(call));
          call.on("close", () => healthWatches.delete(call));
          (implementation["watch"] as (c: typeof call) => void)(call);
        },
      }),
  });
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
    status,
    drain: (graceMs = DEFAULT_DRAIN_GRACE_MS) => {
      if (!(graceMs >= 0 && graceMs <= MAX_TIMER_MS)) return Promise.reject(new RangeError(`graceMs must be a number of ms in [0, ${MAX_TIMER_MS}], got ${graceMs}`));
      if (drained) return drained;
      if (closed) return Promise.resolve();
      draining = true;
      notServing();
      drained = new Promise<void>((resolve) => {
        let down = false;
        const done = () => {
          if (down) return;
          down = true;
          clearTimeout(deadline);
          cutDrainShort = undefined;
          resolve();
        };
        // A client that never reads its answers would hold the shutdown forever.
        const deadline = setTimeout(() => {
          server.forceShutdown();
          done();
        }, graceMs);
        cutDrainShort = done;
        void Promise.all([...sessions.values()].map((endForDrain) => endForDrain())).then(() => {
          if (down) return;
          for (const w of watchers) w.end();
          watchers.clear();
          for (const h of healthWatches) h.end();
          healthWatches.clear();
          // Stops listening; answers and statuses not yet written still go out before each connection closes.
          server.tryShutdown(done);
        });
      });
      return drained;
    },
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        draining = true;
        notServing();
        for (const s of sessions.keys()) s.close();
        sessions.clear();
        flows.clear();
        for (const w of watchers) w.end();
        watchers.clear();
        server.forceShutdown();
        cutDrainShort?.();
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

