/**
 * RewardFunctions: a session's answers to `compute_reward` — the white-box
 * reward function of a registry's goal-conditioned tasks, batched over
 * (achieved goal, desired goal) pairs (Gymnasium-Robotics' `compute_reward`),
 * so that a remote learner relabelling goals (HER) gets the true reward.
 *
 * A task offers it when its spec says `hasRewardFunction` and it is not a
 * black box; its `Task.computeReward` is then called once per pair. Tasks are
 * made for this on first use, one per (task, make options), and kept for the
 * session (at most MAX_CACHED; the oldest is closed first). No env is needed
 * and nothing of the session's envs changes.
 *
 * Checks, in this order, all before any reward is computed (messages and
 * fields as the rest of the protocol: "achieved_goal: expected shape [4, 2]
 * but got [4, 3]", field "achieved_goal", which the session prefixes with
 * "compute_reward."):
 * - the task exists (NOT_FOUND, listing the known ones), its options are known
 *   and well typed (INVALID_ARGUMENT);
 * - it has a reward function (UNIMPLEMENTED: a black box, or a task without
 *   one — a fixed property of what the server offers, not a state the client
 *   could change, hence not FAILED_PRECONDITION);
 * - both tensors are present, FLOAT32, of shape [n, ...goal shape] with the
 *   same n, the right byte count, and finite (INVALID_ARGUMENT).
 */
import { Code, SimbridgeError } from "../core/errors.js";
import { quote } from "../core/quote.js";
import { decodeTensor } from "../protocol/tensor-codec.js";
import { decodeOptions } from "../protocol/spec-codec.js";
import type { ComputeRewardRequest__Output } from "../protocol/generated/simbridge/v1/ComputeRewardRequest.js";
import { checkOptions, plainOptions } from "../env/env-pool.js";
import { shapeString, sizeOf, validateArray, type ArraySpec } from "../env/spec.js";
import type { Options, Task, TaskSpec } from "../env/task.js";
import type { TaskRegistry } from "../env/task-registry.js";

/** The capability a server announces when some task of its catalogue offers its reward function. */
export const COMPUTE_REWARD_CAPABILITY = "compute_reward";

/** Tasks kept per session for their reward functions (one per task and options). */
const MAX_CACHED = 4;

/** Whether a spec's reward function may be queried: a white box that says it has one. */
export function offersRewardFunction(spec: TaskSpec): boolean {
  return spec.hasRewardFunction === true && !spec.blackBox;
}

export class RewardFunctions {
  /** Tasks made for their reward function, by task name and canonical options, oldest first. */
  private readonly tasks = new Map<string, Promise<Task>>();

  constructor(private readonly registry: TaskRegistry) {}

  /** True when some task of the registry (under default options) offers its reward function. */
  get offered(): boolean {
    return this.registry.specs().some(offersRewardFunction);
  }

  /** Answers one request: the reward of each pair, FLOAT64 [n]. */
  async compute(request: ComputeRewardRequest__Output): Promise<Float64Array> {
    const name = request.task;
    if (!this.registry.names.includes(name)) {
      throw SimbridgeError.notFound(`task: unknown task ${quote(name)}; this server has: ${this.registry.names.join(", ") || "(none)"}`, "task");
    }
    const factory = this.registry.get(name);
    const options = plainOptions(decodeOptions(request.options, "options"));
    checkOptions(factory.spec({}).makeOptions, options, `${name} make option`, "options");
    const spec = factory.spec(options);
    const achievedSpec = spec.observations.find((o) => o.name === "achieved_goal");
    const desiredSpec = spec.observations.find((o) => o.name === "desired_goal");
    if (!offersRewardFunction(spec) || !achievedSpec || !desiredSpec) {
      throw new SimbridgeError(Code.UNIMPLEMENTED, `task: ${noRewardFunction(spec)}`, "task");
    }
    const achieved = goals(request.achieved_goal, achievedSpec, "achieved_goal", undefined);
    const n = achieved.length / Math.max(1, sizeOf(achievedSpec.shape));
    const desired = goals(request.desired_goal, desiredSpec, "desired_goal", n);
    const task = await this.task(name, options);
    const fn = task.computeReward;
    if (!fn) throw new SimbridgeError(Code.UNIMPLEMENTED, `task: ${noRewardFunction({ ...spec, hasRewardFunction: false })}`, "task");
    const ga = sizeOf(achievedSpec.shape);
    const gd = sizeOf(desiredSpec.shape);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = fn.call(task, achieved.subarray(i * ga, (i + 1) * ga), desired.subarray(i * gd, (i + 1) * gd));
    return out;
  }

  /** Closes the tasks made for their reward functions. */
  close(): void {
    for (const t of this.tasks.values()) void t.then((task) => task.close(), () => undefined);
    this.tasks.clear();
  }

  private task(name: string, options: Options): Promise<Task> {
    const key = `${name}\u0000${canonical(options)}`;
    let task = this.tasks.get(key);
    if (!task) {
      if (this.tasks.size >= MAX_CACHED) {
        const [oldest, made] = this.tasks.entries().next().value!;
        this.tasks.delete(oldest);
        void made.then((t) => t.close(), () => undefined);
      }
      task = this.registry.get(name).create(options);
      this.tasks.set(key, task);
      task.catch(() => this.tasks.delete(key));
    }
    return task;
  }
}

/** Why a task's reward function cannot be queried, for UNIMPLEMENTED. */
function noRewardFunction(spec: TaskSpec): string {
  const why = spec.blackBox
    ? "is served as a black box: it has no reward function to query"
    : !spec.goalConditioned
      ? "is not goal-conditioned: it has no reward function of (achieved_goal, desired_goal)"
      : "offers no reward function here";
  return `${spec.name} ${why} (has_reward_function is false); learn a reward instead (--reward gahil)`;
}

/**
 * One goal tensor of the request: FLOAT32 [n, ...goal shape], finite. `rows`:
 * the n it must have (that of achieved_goal), or undefined to take its own.
 */
function goals(wire: ComputeRewardRequest__Output["achieved_goal"], spec: ArraySpec, field: string, rows: number | undefined): Float32Array {
  const t = decodeTensor(wire, field);
  if (!(t.data instanceof Float32Array) || t.dtype !== "float32") {
    throw SimbridgeError.invalidArgument(`${field}: expected dtype float32 but got ${t.dtype}`, field);
  }
  const n = rows ?? (t.shape.length === spec.shape.length + 1 ? t.shape[0]! : undefined);
  if (n === undefined) {
    throw SimbridgeError.invalidArgument(`${field}: expected shape [n, ${spec.shape.join(", ")}] (n pairs) but got ${shapeString(t.shape)}`, field);
  }
  try {
    validateArray({ ...spec, name: field }, t.data, t.shape, n);
  } catch (e) {
    // validateArray counts rows as envs; here a row is a pair.
    if (e instanceof SimbridgeError) throw new SimbridgeError(e.code, e.message.replace(/ of env (\d+) is /, " of pair $1 is "), e.field);
    throw e;
  }
  return t.data;
}

function canonical(options: Options): string {
  return JSON.stringify(
    Object.keys(options)
      .sort()
      .map((k) => [k, options[k] instanceof Float64Array ? Array.from(options[k] as Float64Array) : options[k]]),
  );
}
