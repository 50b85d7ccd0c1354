/**
 * EnvViews: the views of one session's envs, for watchers that asked for
 * them (WatchRequest.view). The session makes its envs through `wrap(registry)`,
 * which notes each task it creates; `adopt(envIds)` then gives those tasks
 * their env ids (a pool makes a request's envs in order). Each env's model is
 * built on first use and keyed by its task and content, so envs of one task
 * and options share one key and a watcher receives that model once.
 */
import { createHash } from "node:crypto";
import { TaskRegistry } from "../env/task-registry.js";
import type { Task, TaskFactory } from "../env/task.js";
import { encodeTensor } from "../protocol/tensor-codec.js";
import type { ViewModel } from "../protocol/generated/simbridge/v1/ViewModel.js";
import type { FrameView } from "../server/watch-hub.js";
import { POSE_SIZE, viewOf, type ViewSource } from "./view-source.js";

/** The handshake capability: Watch takes `view` and frames carry body poses and models. */
export const VIEWER_MODEL_CAPABILITY = "viewer_model";

interface EnvView {
  readonly task: string;
  readonly source: ViewSource;
  model?: ViewModel;
  key?: string;
  poses?: Float32Array;
}

export class EnvViews {
  private made: Task[] = [];
  private readonly byEnv = new Map<number, EnvView>();

  /** The same tasks, made through factories that note each task they create. */
  wrap(registry: TaskRegistry): TaskRegistry {
    const note = (f: TaskFactory): TaskFactory => ({
      name: f.name,
      spec: (options) => f.spec(options),
      create: async (options) => {
        const task = await f.create(options);
        this.made.push(task);
        return task;
      },
    });
    return new TaskRegistry(registry.names.map((n) => note(registry.get(n))));
  }

  /** The tasks created since the last call are `envIds`, in order. */
  adopt(envIds: readonly number[]): void {
    const made = this.made;
    this.made = [];
    envIds.forEach((id, i) => {
      const task = made[i];
      const source = task && viewOf(task);
      if (source) this.byEnv.set(id, { task: task.spec.name, source });
    });
  }

  /** A failed make: nothing to adopt. */
  discard(): void {
    this.made = [];
  }

  forget(envIds: readonly number[]): void {
    for (const id of envIds) this.byEnv.delete(id);
  }

  /** The env's view now (poses read at this moment); undefined when its task has none. */
  frameView(envId: number): FrameView | undefined {
    const v = this.byEnv.get(envId);
    if (!v) return undefined;
    if (!v.model) {
      v.model = v.source.model();
      v.key = `${v.task}#${createHash("sha256").update(JSON.stringify(v.model)).digest("hex").slice(0, 16)}`;
      v.poses = new Float32Array(v.model.bodies!.length * POSE_SIZE);
    }
    v.source.writePoses(v.poses!);
    const model = v.model;
    // A copy: the tensor may be serialised after the next step overwrote the buffer.
    return { key: v.key!, poses: encodeTensor(v.poses!.slice(), [v.model.bodies!.length, POSE_SIZE]), model: () => model };
  }
}
