/**
 * RemoteVectorEnv: `numEnvs` envs of one task on a simbridge server, behind the
 * same VectorEnv interface as an in-process LocalVectorEnv.
 */
import { SimbridgeError } from "../protocol/errors.js";
import type { Options, TaskSpec } from "../env/task.js";
import { allIndices, batchActionShape, type BatchStep, type ResetEntry, type VectorEnv } from "../env/vector-env.js";
import { Connection, type ConnectOptions, type RemoteStep } from "./connection.js";

export class RemoteVectorEnv implements VectorEnv {
  private readonly all: number[];
  private closed = false;

  private constructor(
    readonly connection: Connection,
    private readonly envIds: readonly number[],
    readonly spec: TaskSpec,
    private readonly ownsConnection: boolean,
  ) {
    this.all = allIndices(envIds.length);
  }

  /** Makes envs on an open connection (the connection stays the caller's). `realtimeHz` > 0: real-time envs. */
  static async make(connection: Connection, task: string, numEnvs = 1, options: Options = {}, realtimeHz = 0): Promise<RemoteVectorEnv> {
    const { envIds, spec } = await connection.makeEnvs(task, numEnvs, options, realtimeHz);
    return new RemoteVectorEnv(connection, envIds, spec, false);
  }

  /** Connects to `address`, makes the envs; `close()` also closes the connection. */
  static async connect(address: string, task: string, numEnvs = 1, options: Options = {}, connect: ConnectOptions = {}): Promise<RemoteVectorEnv> {
    const connection = await Connection.open(address, connect);
    try {
      const { envIds, spec } = await connection.makeEnvs(task, numEnvs, options);
      return new RemoteVectorEnv(connection, envIds, spec, true);
    } catch (e) {
      connection.close();
      throw e;
    }
  }

  get numEnvs(): number {
    return this.envIds.length;
  }

  async reset(entries?: readonly ResetEntry[]): Promise<BatchStep> {
    this.checkOpen();
    const list: readonly ResetEntry[] = entries ?? this.all.map((index) => ({ index }));
    const out = await this.connection.reset(
      list.map((e, i) => ({
        envId: this.idOf(e.index, `entries[${i}].index`),
        ...(e.seed !== undefined ? { seed: e.seed } : {}),
        ...(e.options ? { options: e.options } : {}),
      })),
    );
    return toBatch(list.map((e) => e.index), out);
  }

  async step(actions: Float32Array, indices: readonly number[] = this.all): Promise<BatchStep> {
    this.checkOpen();
    const ids = indices.map((index, i) => this.idOf(index, `indices[${i}]`));
    return toBatch(indices, await this.connection.step(ids, actions, batchActionShape(this.spec, indices.length, actions)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.connection.isOpen) await this.connection.closeEnvs(this.envIds);
    } finally {
      if (this.ownsConnection) this.connection.close();
    }
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
