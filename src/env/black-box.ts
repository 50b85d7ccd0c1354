/**
 * Black-box serving: a task as a real robot would present it. The reward is
 * withheld (`hasReward: false`, no reward tensor on the wire), there is no
 * `computeReward` to query, and no info values (they carry reward terms and
 * distances that give the reward away). What is left is what a robot can
 * report: observations, episode status, and `is_success` for the episode's
 * own goal. `spec.blackBox` says so, so a client can refuse to use a known
 * reward with it.
 */
import type { Options, Task, TaskFactory, TaskSpec, TaskStep } from "./task.js";

export function blackBoxSpec(spec: TaskSpec): TaskSpec {
  // No reward function to query: the flag is dropped (absent means false).
  const { hasRewardFunction: _dropped, ...rest } = spec;
  return {
    ...rest,
    description: `${spec.description} Served as a black box: no reward, only success.`,
    hasReward: false,
    blackBox: true,
    infoKeys: [],
  };
}

class BlackBoxTask implements Task {
  readonly out: TaskStep;

  constructor(
    private readonly inner: Task,
    readonly spec: TaskSpec,
  ) {
    // Observations are shared with the inner task (no copy per step); reward and info are not.
    this.out = { observations: inner.out.observations, reward: 0, status: inner.out.status, isSuccess: false, info: new Float64Array(0) };
  }

  reset(seed: number | undefined, options: Options): void {
    this.inner.reset(seed, options);
    this.copy();
  }

  validateResetOptions(options: Options): void {
    this.inner.validateResetOptions?.(options);
  }

  step(action: Float32Array): void {
    this.inner.step(action);
    this.copy();
  }

  close(): void {
    this.inner.close();
  }

  private copy(): void {
    this.out.status = this.inner.out.status;
    this.out.isSuccess = this.inner.out.isSuccess;
  }
}

export function blackBox(factory: TaskFactory): TaskFactory {
  return {
    name: factory.name,
    spec: (options) => blackBoxSpec(factory.spec(options)),
    async create(options) {
      return new BlackBoxTask(await factory.create(options), blackBoxSpec(factory.spec(options)));
    },
  };
}
