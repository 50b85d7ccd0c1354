/**
 * RemoteReward: a white-box server's reward function as a RewardModel — the
 * task's own `compute_reward(achieved_goal, desired_goal)` asked over the
 * protocol (request `compute_reward`, capability "compute_reward"), so that
 * HER scores relabelled goals of an external goal task with its true reward,
 * as `KnownReward` does for a task in this process.
 *
 *     const reward = await RemoteReward.connect("127.0.0.1:50061", "Cart2D-v0", { options });
 *     her.rewardModel = reward;   // one compute_reward request per rewards() call
 *     ...
 *     await reward.close();
 *
 * `rewards(batch, out)` is synchronous (the RewardModel contract: the HER
 * buffer samples synchronously), while gRPC in Node answers only on an event
 * loop. So the connection lives in a worker thread with a session of its own
 * (remote-reward-worker.ts): `rewards` hands it the batch's goals, blocks the
 * calling thread with `Atomics.wait` until the answer is there, and takes it
 * with `receiveMessageOnPort`. Each call is exactly one request (n pairs, the
 * goal judged as `judgedGoal(batch)`); a lost server is reconnected with
 * backoff and the request sent again, so a run survives a server restart.
 *
 * The server must not run on the thread that calls `rewards`: blocked, that
 * thread could not answer. `connect` checks this with a first, empty request
 * answered synchronously, and fails with a message saying so. (`simbridge
 * train` uses a task's reward function in-process when it serves the task
 * itself.)
 *
 * Errors are the server's, as `SimbridgeError`s: UNIMPLEMENTED when the server
 * or the task has no reward function (a black box), INVALID_ARGUMENT for
 * goals of the wrong size, DEADLINE_EXCEEDED when no answer comes.
 */
import { once } from "node:events";
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { Code, SimbridgeError } from "../core/errors.js";
import type { ConnectOptions } from "../client/connection.js";
import type { Options } from "../env/task.js";
import { sizeOf } from "../env/spec.js";
import { judgedGoal, type RewardBatch, type RewardModel } from "./reward-model.js";
import type { RemoteRewardWorkerData, WorkerAnswer, WorkerCall } from "./remote-reward-worker.js";

export interface RemoteRewardOptions {
  /** The task's make options its reward depends on (a distance threshold, a reward type). */
  readonly options?: Options;
  /** Token, TLS, per-request deadline (`timeoutMs`, default 60 000). */
  readonly connect?: ConnectOptions;
  /** Reconnection after a lost server: attempts (default 20), first delay (100 ms), doubled up to maxDelayMs (5000). */
  readonly reconnect?: { readonly attempts?: number; readonly initialDelayMs?: number; readonly maxDelayMs?: number };
  /** How long `connect` waits for its synchronous first request (ms, default 15 000): the check that the server answers while this thread waits. */
  readonly probeTimeoutMs?: number;
}

export class RemoteReward implements RewardModel {
  readonly isLearned = false;
  readonly name: string;
  /** compute_reward requests sent (one per non-empty `rewards` call, and connect's probe). */
  requests = 0;
  /** (achieved, desired) pairs scored. */
  pairs = 0;
  /** Times the worker reconnected to a lost server. */
  reconnects = 0;
  private readonly goalSize: number;
  private readonly flag: Int32Array;
  private closed = false;
  /** Set when the worker died (an uncaught error): every later call fails with it. */
  private failure: Error | undefined;

  private constructor(
    readonly address: string,
    readonly task: string,
    readonly serverName: string,
    readonly goalShape: readonly number[],
    private readonly worker: Worker,
    private readonly port: MessagePort,
    flag: SharedArrayBuffer,
    /** Longest wait for one answer (ms): every reconnect attempt and the request's own deadlines. */
    private readonly waitLimitMs: number,
  ) {
    this.name = `known:${task}@${address}`;
    this.goalSize = sizeOf(goalShape);
    this.flag = new Int32Array(flag);
    worker.on("error", (e: Error) => (this.failure = e));
  }

  /**
   * Connects (in a worker thread), checks that the server offers the task's
   * reward function, and sends one empty request synchronously, which also
   * checks `options`. Rejects with the server's error, or UNIMPLEMENTED when
   * it has no reward function for `task`.
   */
  static async connect(address: string, task: string, options: RemoteRewardOptions = {}): Promise<RemoteReward> {
    const connect = options.connect ?? {};
    const attempts = options.reconnect?.attempts ?? 20;
    const initialDelayMs = options.reconnect?.initialDelayMs ?? 100;
    const maxDelayMs = options.reconnect?.maxDelayMs ?? 5000;
    const timeoutMs = connect.timeoutMs ?? 60_000;
    const { port1, port2 } = new MessageChannel();
    const flag = new SharedArrayBuffer(4);
    const data: RemoteRewardWorkerData = { address, task, options: { ...options.options }, connect, attempts, initialDelayMs, maxDelayMs, port: port2, flag };
    const worker = new Worker(new URL("./remote-reward-worker.js", import.meta.url), { workerData: data, transferList: [port2] });
    let reward: RemoteReward | undefined;
    try {
      // once() rejects when the worker fails to start (an 'error' event).
      const [first] = (await once(worker, "message")) as [WorkerAnswer];
      if ("error" in first) throw new SimbridgeError(first.error.code as Code, first.error.message, first.error.field);
      if (!("ready" in first)) throw new SimbridgeError(Code.INTERNAL, "the reward worker answered out of turn");
      // The worker answers every call within its deadlines and reconnect attempts; beyond that, it is gone.
      const waitLimitMs = timeoutMs * (attempts + 2) + attempts * maxDelayMs + 10_000;
      reward = new RemoteReward(address, task, first.ready.serverName, first.ready.goalShape, worker, port1, flag, waitLimitMs);
      reward.call(new Float32Array(0), new Float32Array(0), 0, options.probeTimeoutMs ?? 15_000);
      worker.unref();
      port1.unref();
      return reward;
    } catch (e) {
      if (reward) await reward.close();
      else await worker.terminate();
      throw e;
    }
  }

  /** One compute_reward request for the `out.length` transitions of `batch` (blocks until it is answered). */
  rewards(batch: RewardBatch, out: Float32Array): void {
    const n = out.length;
    if (n === 0) return;
    const achieved = judgedGoal(batch);
    const desired = batch.desiredGoal;
    const size = this.goalSize;
    if (achieved.length !== n * size || desired.length !== n * size) {
      throw SimbridgeError.invalidArgument(
        `reward batch: expected achieved and desired goals of ${n} rows × ${size} (${this.task}'s goal shape [${this.goalShape.join(", ")}]) but got ${achieved.length} and ${desired.length} elements`,
      );
    }
    const reward = this.call(achieved, desired, n, this.waitLimitMs);
    for (let i = 0; i < n; i++) out[i] = reward[i]!;
  }

  /** Ends the worker's session and the worker. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // The worker ends its session and exits; one that does not within 2 s is stopped.
    this.port.postMessage({ close: true } satisfies WorkerCall);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([once(this.worker, "exit"), new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
    this.port.close();
    await this.worker.terminate();
  }

  /** Posts one batch to the worker and waits (blocking this thread) for its answer. */
  private call(achieved: Float32Array, desired: Float32Array, n: number, limitMs: number): Float64Array {
    if (this.closed) throw SimbridgeError.failedPrecondition(`the reward function of ${this.task} at ${this.address} is closed`);
    if (this.failure) throw new SimbridgeError(Code.INTERNAL, `the reward worker for ${this.task} at ${this.address} failed: ${this.failure.message}`);
    // Own copies of exactly the rows (a view would send its whole buffer), moved to the worker.
    const a = achieved.slice(0, n * this.goalSize);
    const d = desired.slice(0, n * this.goalSize);
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ achieved: a, desired: d, shape: [n, ...this.goalShape] } satisfies WorkerCall, [a.buffer, d.buffer]);
    this.requests++;
    const deadline = performance.now() + limitMs;
    while (Atomics.wait(this.flag, 0, 0, Math.min(1000, limitMs)) === "timed-out") {
      if (performance.now() >= deadline) {
        void this.close();
        throw new SimbridgeError(
          Code.DEADLINE_EXCEEDED,
          `compute_reward for ${this.task} at ${this.address} got no answer within ${Math.round(limitMs)} ms while this thread waited` +
            " (is the server running in this thread? A RemoteReward blocks its thread until the answer comes, so the server must run in another process or thread)",
        );
      }
    }
    const message = receiveMessageOnPort(this.port)?.message as WorkerAnswer | undefined;
    if (!message) throw new SimbridgeError(Code.INTERNAL, "the reward worker signalled an answer but sent none");
    if ("error" in message) throw new SimbridgeError(message.error.code as Code, message.error.message, message.error.field);
    if (!("reward" in message)) throw new SimbridgeError(Code.INTERNAL, "the reward worker answered out of turn");
    this.pairs += n;
    this.reconnects = message.reconnects;
    return message.reward;
  }
}
