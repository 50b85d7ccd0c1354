/**
 * Connection: one Session stream to a simbridge server.
 *
 * Requests are pipelined: each gets an id, and the response with that id
 * settles its promise. A failed request rejects with the same `SimbridgeError`
 * (code, message, field) an in-process env would throw. Every request has a
 * deadline; one that passes rejects with DEADLINE_EXCEEDED naming the request.
 * If the stream ends, every pending request rejects with the status the server
 * gave (UNAUTHENTICATED, RESOURCE_EXHAUSTED, UNAVAILABLE, ...).
 */
import * as grpc from "@grpc/grpc-js";
import { Code, SimbridgeError } from "../core/errors.js";
import { decodeTensor, encodeTensor } from "../protocol/tensor-codec.js";
import { decodeTaskSpec, encodeOptions } from "../protocol/spec-codec.js";
import { encodeAnnotations } from "../protocol/annotations.js";
import type { Annotations } from "../env/vector-env.js";
import { loadProtocol, PROTOCOL_VERSION } from "../protocol/service-definition.js";
import type { SessionRequest } from "../protocol/generated/simbridge/v1/SessionRequest.js";
import type { SessionResponse__Output } from "../protocol/generated/simbridge/v1/SessionResponse.js";
import type { StepResult__Output } from "../protocol/generated/simbridge/v1/StepResult.js";
import type { EnvironmentServiceClient } from "../protocol/generated/simbridge/v1/EnvironmentService.js";
import type { Options, TaskSpec } from "../env/task.js";
import type { RealtimeStats } from "../env/realtime-stats.js";
import { channelCredentials, channelOptions, type TlsClientOptions } from "./tls.js";

export interface ConnectOptions {
  /** Bearer token, when the server requires one. */
  readonly token?: string;
  readonly clientName?: string;
  /** Deadline of every request, and of connecting (ms). Default 60 000. */
  readonly timeoutMs?: number;
  /** Protocol version to announce (tests use it to check version errors). */
  readonly protocolVersion?: string;
  /** TLS, when the server has a certificate. */
  readonly tls?: TlsClientOptions;
}

export interface ServerHello {
  readonly protocolVersion: string;
  readonly serverName: string;
  readonly capabilities: readonly string[];
  readonly maxEnvs: number;
  /** Envs the server would host in all, for fleets (0: not declared; a server older than the field says 0). */
  readonly capacity: number;
  readonly maxMessageBytes: number;
  readonly sessionId: string;
}

/** A decoded reset/step result: row i belongs to env `envIds[i]`. */
export interface RemoteStep {
  readonly envIds: readonly number[];
  readonly observations: Float32Array[];
  readonly reward: Float64Array | undefined;
  readonly status: Uint8Array;
  readonly isSuccess: Uint8Array;
  readonly info: Float64Array;
  /** Real-time envs only: ticks each env advanced on a held action before this result. */
  readonly lateTicks?: Uint32Array;
}

export interface RemoteReset {
  readonly envId: number;
  readonly seed?: number;
  readonly options?: Options;
}

interface Pending {
  readonly kind: string;
  resolve(r: SessionResponse__Output): void;
  reject(e: SimbridgeError): void;
  timer: NodeJS.Timeout;
}

export class Connection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failure: SimbridgeError | undefined;
  private closedByClient = false;
  private hello: ServerHello | undefined;

  private constructor(
    readonly address: string,
    private readonly client: EnvironmentServiceClient,
    private readonly stream: grpc.ClientDuplexStream<SessionRequest, SessionResponse__Output>,
    private readonly timeoutMs: number,
  ) {
    stream.on("data", (r: SessionResponse__Output) => this.onResponse(r));
    stream.on("error", (e: grpc.ServiceError) => this.fail(new SimbridgeError(e.code as Code, `session ended: ${e.details || e.message}`)));
    stream.on("end", () => this.fail(new SimbridgeError(Code.UNAVAILABLE, "session ended: the server closed the stream")));
  }

  /** Connects, opens the session and performs the handshake. */
  static async open(address: string, options: ConnectOptions = {}): Promise<Connection> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const { proto } = loadProtocol();
    const client = new proto.simbridge.v1.EnvironmentService(address, channelCredentials(options.tls), {
      ...channelOptions(options.tls),
      "grpc.max_receive_message_length": -1,
      "grpc.max_send_message_length": -1,
    });
    await new Promise<void>((resolve, reject) =>
      client.waitForReady(Date.now() + timeoutMs, (err) =>
        err ? reject(new SimbridgeError(Code.UNAVAILABLE, `cannot reach a simbridge server at ${address}: ${err.message}`)) : resolve(),
      ),
    );
    const metadata = new grpc.Metadata();
    if (options.token) metadata.set("authorization", `Bearer ${options.token}`);
    const connection = new Connection(address, client, client.Session(metadata), timeoutMs);
    try {
      const r = await connection.request({
        handshake: {
          protocol_version: options.protocolVersion ?? PROTOCOL_VERSION,
          client_name: options.clientName ?? "simbridge-ts",
          capabilities: [],
          token: options.token ?? "",
        },
      });
      const h = r.handshake!;
      connection.hello = {
        protocolVersion: h.protocol_version,
        serverName: h.server_name,
        capabilities: h.capabilities,
        maxEnvs: h.max_envs,
        capacity: h.capacity ?? 0,
        maxMessageBytes: Number(h.max_message_bytes),
        sessionId: h.session_id,
      };
    } catch (e) {
      connection.close();
      throw e;
    }
    return connection;
  }

  get server(): ServerHello {
    return this.hello!;
  }

  /** True until the stream ends or `close()` is called. */
  get isOpen(): boolean {
    return this.failure === undefined;
  }

  async listTasks(): Promise<TaskSpec[]> {
    const r = await this.request({ list_tasks: {} });
    return r.list_tasks!.tasks.map(decodeTaskSpec);
  }

  /** Makes `count` envs; `realtimeHz` > 0 makes them real-time envs on the server's clock. */
  async makeEnvs(task: string, count: number, options: Options = {}, realtimeHz = 0): Promise<{ envIds: number[]; spec: TaskSpec }> {
    const r = await this.request({ make_envs: { task, count, options: encodeOptions(options), realtime_hz: realtimeHz } });
    return { envIds: r.make_envs!.env_ids, spec: decodeTaskSpec(r.make_envs!.spec) };
  }

  async reset(entries: readonly RemoteReset[]): Promise<RemoteStep> {
    // The encoder would truncate 1.5 to 1 and wrap -1: refuse what the server would, with its message.
    entries.forEach((e, i) => {
      if (e.seed !== undefined && !(Number.isSafeInteger(e.seed) && e.seed >= 0)) {
        throw SimbridgeError.invalidArgument(`envs[${i}] (env ${e.envId}): seed: must be an integer in [0, 2^53), got ${e.seed}`, `reset.envs[${i}].seed`);
      }
    });
    const r = await this.request({
      reset: {
        envs: entries.map((e) => ({
          env_id: e.envId,
          ...(e.seed !== undefined ? { seed: e.seed } : {}),
          options: encodeOptions(e.options),
        })),
      },
    });
    return decodeStep(r.reset!);
  }

  /**
   * Steps `envIds` with `actions` of shape `shape` ([envIds.length, ...action
   * shape]). `annotations` ([envIds.length × size] each) go with the request
   * as they are, whatever the server announced: checking the capability
   * "agent_annotations" is the caller's (RemoteVectorEnv does).
   */
  async step(envIds: readonly number[], actions: Float32Array, shape: readonly number[], annotations?: Annotations): Promise<RemoteStep> {
    const r = await this.request({
      step: {
        env_ids: envIds as number[],
        actions: encodeTensor(actions, shape),
        ...(annotations && Object.keys(annotations).length > 0 ? { annotations: encodeAnnotations(annotations, envIds.length) } : {}),
      },
    });
    return decodeStep(r.step!);
  }

  /** Timing of real-time envs (all of the session's when `envIds` is empty). */
  async realtimeStats(envIds: readonly number[] = []): Promise<RealtimeStats[]> {
    const r = await this.request({ realtime_stats: { env_ids: envIds as number[] } });
    return r.realtime_stats!.envs.map((e) => ({
      envId: e.env_id,
      hz: e.hz,
      ticks: Number(e.ticks),
      heldTicks: Number(e.held_ticks),
      lateSteps: Number(e.late_steps),
      jitterUsP50: e.jitter_us_p50,
      jitterUsP99: e.jitter_us_p99,
    }));
  }

  /**
   * The task's reward function on the server (capability "compute_reward"):
   * the reward of each of the n (achieved goal, desired goal) pairs, row i of
   * `achieved` and `desired`, both of shape `shape` ([n, ...goal shape]).
   * `options` are the task's make options the reward depends on. Rejects
   * with UNIMPLEMENTED for a task without a reward function (a black box).
   */
  async computeReward(task: string, achieved: Float32Array, desired: Float32Array, shape: readonly number[], options: Options = {}): Promise<Float64Array> {
    const r = await this.request({
      compute_reward: { task, options: encodeOptions(options), achieved_goal: encodeTensor(achieved, shape), desired_goal: encodeTensor(desired, shape) },
    });
    const n = shape[0] ?? 0;
    const d = decodeTensor(r.compute_reward?.reward, "compute_reward.reward");
    if (!(d.data instanceof Float64Array) || d.shape.length !== 1 || d.shape[0] !== n) {
      throw new SimbridgeError(Code.INTERNAL, `compute_reward.reward: server sent ${d.dtype} [${d.shape.join(", ")}], expected float64 [${n}]`);
    }
    return d.data;
  }

  async closeEnvs(envIds: readonly number[]): Promise<number[]> {
    const r = await this.request({ close_envs: { env_ids: envIds as number[] } });
    return r.close_envs!.env_ids;
  }

  /** Sends one request; resolves with its response or rejects with its error. */
  request(payload: Omit<SessionRequest, "id">): Promise<SessionResponse__Output> {
    if (this.closedByClient) return Promise.reject(SimbridgeError.failedPrecondition(`this connection to ${this.address} is closed`));
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const kind = Object.keys(payload)[0] ?? "request";
    return new Promise<SessionResponse__Output>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SimbridgeError(Code.DEADLINE_EXCEEDED, `${kind} request #${id} to ${this.address} got no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { kind, resolve, reject, timer });
      this.stream.write({ id, ...payload });
    });
  }

  /**
   * Ends the session (the server frees its envs) and the channel. Requests
   * still pending reject with CANCELLED; any request afterwards with
   * FAILED_PRECONDITION.
   */
  close(): void {
    this.closedByClient = true;
    if (!this.failure) this.fail(new SimbridgeError(Code.CANCELLED, "connection closed by the client"));
    this.stream.end();
    this.client.close();
  }

  private onResponse(r: SessionResponse__Output): void {
    // Ids are decimal strings on the way back (uint64, exact); ours are small numbers.
    const id = Number(r.id);
    // id 0 answers a request whose id the server could not read: the oldest one.
    const key = id === 0 ? this.pending.keys().next().value : id;
    if (key === undefined) return;
    const p = this.pending.get(key);
    if (!p) return; // timed out earlier
    this.pending.delete(key);
    clearTimeout(p.timer);
    if (r.error) p.reject(new SimbridgeError(r.error.code as Code, r.error.message, r.error.field));
    else p.resolve(r);
  }

  private fail(e: SimbridgeError): void {
    if (this.failure) return;
    this.failure = e;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.pending.clear();
  }
}

function decodeStep(s: StepResult__Output): RemoteStep {
  const obs = s.observations.map((t, k) => {
    const d = decodeTensor(t, `observations[${k}]`);
    if (!(d.data instanceof Float32Array)) throw new SimbridgeError(Code.INTERNAL, `observations[${k}]: server sent ${d.dtype}, expected float32`);
    return d.data;
  });
  let reward: Float64Array | undefined;
  if (s.reward) {
    const d = decodeTensor(s.reward, "reward");
    reward = d.data instanceof Float64Array ? d.data : Float64Array.from(d.data);
  }
  const info = decodeTensor(s.info, "info").data;
  return {
    envIds: s.env_ids,
    observations: obs,
    reward,
    status: Uint8Array.from(s.status as number[]),
    isSuccess: Uint8Array.from(s.is_success, (b) => (b ? 1 : 0)),
    info: info instanceof Float64Array ? info : Float64Array.from(info),
    ...(s.late_ticks.length ? { lateTicks: Uint32Array.from(s.late_ticks) } : {}),
  };
}
