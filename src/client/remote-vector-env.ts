/**
 * RemoteVectorEnv: `numEnvs` envs of one task on a simbridge server, behind the
 * same VectorEnv interface as an in-process LocalVectorEnv.
 *
 * With `reconnect` (on by default for `connect`), losing the server — it died,
 * restarted, or stopped answering within the deadline — does not end the run:
 * the env reconnects with exponential backoff, makes its envs again with the
 * same task, options and clock, and the call that noticed the loss rejects
 * with ABORTED ("envs were re-created; reset them"). Everything the caller
 * holds (replay, networks) is untouched; it resets every env and goes on.
 *
 * A step's agent annotations go to the server only when its handshake
 * announced "agent_annotations"; to an older server they are dropped
 * silently (they are for watchers only, and it would ignore them anyway).
 */
import { Code, SimbridgeError } from "../core/errors.js";
import type { Options, TaskSpec } from "../env/task.js";
import { allIndices, batchActionShape, type Annotations, type BatchStep, type ResetEntry, type VectorEnv } from "../env/vector-env.js";
import { AGENT_ANNOTATIONS_CAPABILITY } from "../protocol/annotations.js";
import { Connection, type ConnectOptions, type RemoteStep } from "./connection.js";

export interface ReconnectOptions {
  /** Attempts before giving up (the last error is then thrown). Default 20. */
  readonly attempts?: number;
  /** First delay between attempts (ms), doubled each time. Default 100. */
  readonly initialDelayMs?: number;
  /** Longest delay between attempts (ms). Default 5000. */
  readonly maxDelayMs?: number;
  /** Told about each attempt and the outcome (for logs). */
  readonly onEvent?: (event: { attempt: number; error?: SimbridgeError; restored?: boolean }) => void;
}

export interface RemoteEnvOptions {
  /** 0: lockstep; > 0: real-time envs at this control rate. */
  readonly realtimeHz?: number;
  /** Reconnect on a lost server (default: on, with the defaults of ReconnectOptions); false: off. */
  readonly reconnect?: ReconnectOptions | false;
}

/** The transport-level failures reconnecting can cure. */
function isConnectionLoss(e: unknown, connection: Connection): boolean {
  if (!(e instanceof SimbridgeError)) return false;
  return !connection.isOpen || e.code === Code.DEADLINE_EXCEEDED || e.code === Code.UNAVAILABLE;
}

export class RemoteVectorEnv implements VectorEnv {
  private readonly all: number[];
  private closed = false;
  private reconnects = 0;

  private constructor(
    private conn: Connection,
    private envIds: readonly number[],
    readonly spec: TaskSpec,
    private readonly owned: { address: string; connect: ConnectOptions; task: string; options: Options; env: RemoteEnvOptions } | undefined,
  ) {
    this.all = allIndices(envIds.length);
  }

  /** Makes envs on an open connection (the connection stays the caller's; no reconnecting). */
  static async make(connection: Connection, task: string, numEnvs = 1, options: Options = {}, realtimeHz = 0): Promise<RemoteVectorEnv> {
    const { envIds, spec } = await connection.makeEnvs(task, numEnvs, options, realtimeHz);
    return new RemoteVectorEnv(connection, envIds, spec, undefined);
  }

  /** Connects to `address` and makes the envs; `close()` also closes the connection. */
  static async connect(address: string, task: string, numEnvs = 1, options: Options = {}, connect: ConnectOptions = {}, env: RemoteEnvOptions = {}): Promise<RemoteVectorEnv> {
    const connection = await Connection.open(address, connect);
    try {
      const { envIds, spec } = await connection.makeEnvs(task, numEnvs, options, env.realtimeHz ?? 0);
      return new RemoteVectorEnv(connection, envIds, spec, { address, connect, task, options, env });
    } catch (e) {
      connection.close();
      throw e;
    }
  }

  get connection(): Connection {
    return this.conn;
  }

  get numEnvs(): number {
    return this.envIds.length;
  }

  /** Times the server was lost and the envs re-created. */
  get reconnectCount(): number {
    return this.reconnects;
  }

  async reset(entries?: readonly ResetEntry[]): Promise<BatchStep> {
    this.checkOpen();
    const list: readonly ResetEntry[] = entries ?? this.all.map((index) => ({ index }));
    const request = list.map((e, i) => ({
      envId: this.idOf(e.index, `entries[${i}].index`),
      ...(e.seed !== undefined ? { seed: e.seed } : {}),
      ...(e.options ? { options: e.options } : {}),
    }));
    return toBatch(
      list.map((e) => e.index),
      await this.guard(() => this.conn.reset(request)),
    );
  }

  async step(actions: Float32Array, indices: readonly number[] = this.all, annotations?: Annotations): Promise<BatchStep> {
    this.checkOpen();
    const ids = indices.map((index, i) => this.idOf(index, `indices[${i}]`));
    const shape = batchActionShape(this.spec, indices.length, actions);
    return toBatch(
      indices,
      // The connection of the moment: after a reconnect the server may be another version.
      await this.guard(() => this.conn.step(ids, actions, shape, this.takesAnnotations ? annotations : undefined)),
    );
  }

  /** What the server announced in its handshake. */
  get capabilities(): readonly string[] {
    return this.conn.server.capabilities;
  }

  /** Whether the server announced "agent_annotations" (step annotations are sent only then). */
  get takesAnnotations(): boolean {
    return this.conn.server.capabilities.includes(AGENT_ANNOTATIONS_CAPABILITY);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.conn.isOpen) await this.conn.closeEnvs(this.envIds);
    } finally {
      if (this.owned) this.conn.close();
    }
  }

  /** Runs a request; on a lost server, reconnects, re-creates the envs and rejects with ABORTED. */
  private async guard<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (e) {
      const reconnect = this.owned?.env.reconnect;
      if (!this.owned || reconnect === false || !isConnectionLoss(e, this.conn)) throw e;
      await this.reconnect(reconnect ?? {}, e as SimbridgeError);
      throw new SimbridgeError(
        Code.ABORTED,
        `the server at ${this.owned.address} was lost (${(e as SimbridgeError).message}) and is back: the envs were re-created; reset them`,
      );
    }
  }

  private async reconnect(o: ReconnectOptions, cause: SimbridgeError): Promise<void> {
    const owned = this.owned!;
    this.conn.close();
    const attempts = o.attempts ?? 20;
    let delay = o.initialDelayMs ?? 100;
    let last = cause;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      o.onEvent?.({ attempt, error: last });
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, o.maxDelayMs ?? 5000);
      try {
        const conn = await Connection.open(owned.address, { ...owned.connect, timeoutMs: Math.min(owned.connect.timeoutMs ?? 60_000, 5000) });
        try {
          const { envIds } = await conn.makeEnvs(owned.task, this.envIds.length, owned.options, owned.env.realtimeHz ?? 0);
          this.conn = conn;
          this.envIds = envIds;
          this.reconnects++;
          o.onEvent?.({ attempt, restored: true });
          return;
        } catch (e) {
          conn.close();
          throw e;
        }
      } catch (e) {
        last = e instanceof SimbridgeError ? e : new SimbridgeError(Code.UNAVAILABLE, String(e));
      }
    }
    throw new SimbridgeError(Code.UNAVAILABLE, `lost the server at ${owned.address} and could not reconnect in ${attempts} attempts: ${last.message}`);
  }

  private checkOpen(): void {
    if (this.closed) throw SimbridgeError.failedPrecondition("these envs are closed");
  }

  private idOf(index: number, field: string): number {
    const id = this.envIds[index];
    if (id === undefined) throw SimbridgeError.notFound(`${field}: env index ${index} is out of range [0, ${this.envIds.length})`, field);
    return id;
  }
}

function toBatch(indices: readonly number[], s: RemoteStep): BatchStep {
  return {
    indices: [...indices],
    observations: s.observations,
    reward: s.reward,
    status: s.status,
    isSuccess: s.isSuccess,
    info: s.info,
    ...(s.lateTicks ? { lateTicks: s.lateTicks } : {}),
  };
}
