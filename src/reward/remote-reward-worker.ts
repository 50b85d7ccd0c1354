/**
 * The thread behind a RemoteReward (remote-reward.ts): it owns one Session
 * with the server and answers the main thread's synchronous calls.
 *
 * At start it connects, checks that the server offers `compute_reward` and
 * that the task has a reward function (its catalogue spec), and tells the
 * main thread the goal shape (or why not) on `parentPort`. Then, for each
 * batch that arrives on `port`, it sends one compute_reward request and posts
 * the answer back on `port`, then sets `flag` and wakes the waiting main
 * thread (Atomics.notify), which takes the answer with receiveMessageOnPort.
 *
 * A lost server (the stream ended, UNAVAILABLE, a request past its deadline)
 * is reconnected with exponential backoff and the request is sent again,
 * like RemoteVectorEnv's envs; other errors are answered as they are.
 */
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { Code, SimbridgeError, asSimbridgeError } from "../core/errors.js";
import { Connection, type ConnectOptions } from "../client/connection.js";
import type { Options } from "../env/task.js";
import { COMPUTE_REWARD_CAPABILITY } from "../server/compute-reward.js";

export interface RemoteRewardWorkerData {
  readonly address: string;
  readonly task: string;
  readonly options: Options;
  readonly connect: ConnectOptions;
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Calls arrive and answers leave here. */
  readonly port: MessagePort;
  /** Int32 [1]: set to 1 when an answer has been posted. */
  readonly flag: SharedArrayBuffer;
}

/** What the main thread sends on `port`. */
export type WorkerCall = { readonly achieved: Float32Array; readonly desired: Float32Array; readonly shape: readonly number[] } | { readonly close: true };

/** What the worker answers on `port` (or, once, on `parentPort` at start). */
export type WorkerAnswer =
  | { readonly reward: Float64Array; readonly reconnects: number }
  | { readonly ready: { readonly goalShape: readonly number[]; readonly serverName: string } }
  | { readonly error: { readonly code: number; readonly message: string; readonly field: string } };

const data = workerData as RemoteRewardWorkerData;
const flag = new Int32Array(data.flag);
let connection: Connection | undefined;
let reconnects = 0;

function errorAnswer(e: unknown): WorkerAnswer {
  const err = asSimbridgeError(e);
  return { error: { code: err.code, message: err.message, field: err.field } };
}

function answer(a: WorkerAnswer, transfer: ArrayBuffer[] = []): void {
  data.port.postMessage(a, transfer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

/** The transport-level failures reconnecting can cure. */
function isConnectionLoss(e: unknown): boolean {
  return e instanceof SimbridgeError && (!connection?.isOpen || e.code === Code.UNAVAILABLE || e.code === Code.DEADLINE_EXCEEDED);
}

async function reconnect(cause: unknown): Promise<Connection> {
  connection?.close();
  connection = undefined;
  let delay = data.initialDelayMs;
  let last = cause;
  for (let attempt = 1; attempt <= data.attempts; attempt++) {
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, data.maxDelayMs);
    try {
      connection = await Connection.open(data.address, data.connect);
      reconnects++;
      return connection;
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

async function compute(call: Extract<WorkerCall, { achieved: Float32Array }>): Promise<Float64Array> {
  for (;;) {
    try {
      const c = connection ?? (await reconnect(new SimbridgeError(Code.UNAVAILABLE, `not connected to ${data.address}`)));
      return await c.computeReward(data.task, call.achieved, call.desired, call.shape, data.options);
    } catch (e) {
      if (!isConnectionLoss(e)) throw e;
      await reconnect(e); // throws the last error when every attempt failed
    }
  }
}

async function start(): Promise<void> {
  try {
    connection = await Connection.open(data.address, data.connect);
    const hello = connection.server;
    if (!hello.capabilities.includes(COMPUTE_REWARD_CAPABILITY)) {
      throw new SimbridgeError(
        Code.UNIMPLEMENTED,
        `${hello.serverName} at ${data.address} does not offer its reward function (no "${COMPUTE_REWARD_CAPABILITY}" capability; it has: ${hello.capabilities.join(", ") || "none"})`,
      );
    }
    const spec = (await connection.listTasks()).find((s) => s.name === data.task);
    if (!spec) throw SimbridgeError.notFound(`${hello.serverName} at ${data.address} has no task ${data.task}`, "task");
    const goal = spec.observations.find((o) => o.name === "achieved_goal");
    if (!spec.hasRewardFunction || spec.blackBox || !goal) {
      throw new SimbridgeError(Code.UNIMPLEMENTED, `${data.task} on ${hello.serverName} at ${data.address} has no reward function to query (has_reward_function is false)`);
    }
    parentPort!.postMessage({ ready: { goalShape: goal.shape, serverName: hello.serverName } } satisfies WorkerAnswer);
  } catch (e) {
    connection?.close();
    parentPort!.postMessage(errorAnswer(e));
    return;
  }
  data.port.on("message", (call: WorkerCall) => {
    if ("close" in call) {
      connection?.close();
      data.port.close();
      return;
    }
    compute(call).then(
      (reward) => {
        const own = reward.slice(); // the decoded view may share a larger buffer; send only its rows
        answer({ reward: own, reconnects }, [own.buffer]);
      },
      (e: unknown) => answer(errorAnswer(e)),
    );
  });
}

void start();
