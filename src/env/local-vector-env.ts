/**
 * LocalVectorEnv: `numEnvs` envs of one task stepped in this process, through
 * the same EnvPool checks the server uses. A step's agent annotations are
 * accepted and ignored: they are for a server's watchers, and in-process
 * envs have none.
 */
import { SimbridgeError } from "../core/errors.js";
import { EnvPool, type PoolStep } from "./env-pool.js";
import type { Options, TaskSpec } from "./task.js";
import type { TaskRegistry } from "./task-registry.js";
import { allIndices, batchActionShape, type Annotations, type BatchStep, type ResetEntry, type VectorEnv } from "./vector-env.js";

export class LocalVectorEnv implements VectorEnv {
  private readonly all: number[];

  private constructor(
    private readonly pool: EnvPool,
    private readonly envIds: readonly number[],
    readonly spec: TaskSpec,
  ) {
    this.all = allIndices(envIds.length);
  }

  static async make(registry: TaskRegistry, task: string, numEnvs = 1, options: Options = {}): Promise<LocalVectorEnv> {
    const pool = new EnvPool(registry, { maxEnvs: Math.max(numEnvs, 1) });
    const { envIds, spec } = await pool.make(task, numEnvs, options);
    return new LocalVectorEnv(pool, envIds, spec);
  }

  get numEnvs(): number {
    return this.envIds.length;
  }

  /** The task's white-box reward function, when it has one (never for a black box). */
  get computeReward(): ((achieved: ArrayLike<number>, desired: ArrayLike<number>) => number) | undefined {
    return this.spec.blackBox ? undefined : this.pool.computeReward(this.envIds[0]!);
  }

  async reset(entries?: readonly ResetEntry[]): Promise<BatchStep> {
    const list: readonly ResetEntry[] = entries ?? this.all.map((index) => ({ index }));
    const out = this.pool.reset(
      list.map((e, i) => ({
        envId: this.idOf(e.index, `entries[${i}].index`),
        ...(e.seed !== undefined ? { seed: e.seed } : {}),
        ...(e.options ? { options: e.options } : {}),
      })),
    );
    return this.toBatch(list.map((e) => e.index), out);
  }

  /** `_annotations` are ignored (no watchers in-process). */
  async step(actions: Float32Array, indices: readonly number[] = this.all, _annotations?: Annotations): Promise<BatchStep> {
    const ids = indices.map((index, i) => this.idOf(index, `indices[${i}]`));
    const out = this.pool.step(ids, actions, batchActionShape(this.spec, indices.length, actions));
    return this.toBatch(indices, out);
  }

  async close(): Promise<void> {
    this.pool.closeAll();
  }

  private idOf(index: number, field: string): number {
    const id = this.envIds[index];
    if (id === undefined) {
      throw SimbridgeError.notFound(`${field}: env index ${index} is out of range [0, ${this.envIds.length})`, field);
    }
    return id;
  }

  private toBatch(indices: readonly number[], s: PoolStep): BatchStep {
    return { indices: [...indices], observations: s.observations, reward: s.reward, status: s.status, isSuccess: s.isSuccess, info: s.info };
  }
}
