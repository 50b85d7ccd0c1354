/**
 * TaskRegistry: the catalogue of tasks a process can make, by name.
 */
import { SimbridgeError } from "../core/errors.js";
import { blackBox } from "./black-box.js";
import type { Options, TaskFactory, TaskSpec } from "./task.js";

export class TaskRegistry {
  private readonly factories = new Map<string, TaskFactory>();

  constructor(factories: readonly TaskFactory[] = []) {
    for (const f of factories) this.add(f);
  }

  add(factory: TaskFactory): this {
    if (this.factories.has(factory.name)) throw new Error(`task ${factory.name} is registered twice`);
    this.factories.set(factory.name, factory);
    return this;
  }

  get names(): string[] {
    return [...this.factories.keys()];
  }

  /** The factory for `name`, or NOT_FOUND listing the known names. */
  get(name: string): TaskFactory {
    const f = this.factories.get(name);
    if (!f) {
      throw SimbridgeError.notFound(`unknown task '${name}'; this server has: ${this.names.join(", ") || "(none)"}`, "task");
    }
    return f;
  }

  /** Specs of every task under default options. */
  specs(): TaskSpec[] {
    return [...this.factories.values()].map((f) => f.spec({}));
  }

  spec(name: string, options: Options = {}): TaskSpec {
    return this.get(name).spec(options);
  }

  /** The same tasks served as black boxes (see black-box.ts). */
  asBlackBox(): TaskRegistry {
    return new TaskRegistry([...this.factories.values()].map(blackBox));
  }

  /** Only the named tasks; unknown names fail with NOT_FOUND. */
  only(names: readonly string[]): TaskRegistry {
    return new TaskRegistry(names.map((n) => this.get(n)));
  }
}
