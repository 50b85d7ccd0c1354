// Live monitoring end to end: a real server in this process, envs stepped over
// gRPC, and watchers — the `simbridge watch` CLI as a child process, and
// `watch()` with the stream operators in this process. A slow watcher is checked by
// counts (frames sent or counted as dropped, a bounded queue), not by timing.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { concatMap, firstValueFrom, from, lastValueFrom, map, share, take, takeUntil, timer, toArray } from "rxjs";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { builtinRegistry } from "../../sims/catalog.js";
import { RemoteVectorEnv } from "../../src/client/remote-vector-env.js";
import type { ConnectOptions } from "../../src/client/connection.js";
import type { Frame } from "../../src/client/watch-client.js";
import { loadProtocol, packageRoot } from "../../src/protocol/service-definition.js";
import { encodeTensor } from "../../src/protocol/tensor-codec.js";
import type * as grpc from "@grpc/grpc-js";
import { Code, SimbridgeError } from "../../src/core/errors.js";
import { StepStatus } from "../../src/env/task.js";
import { watch } from "../../src/stream/watch.js";
import { droppedFrames, envKey, framesPerSecondPerEnv, latestPerEnv } from "../../src/stream/operators.js";

const run = promisify(execFile);
const bin = join(packageRoot(), "bin", "simbridge.js");
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function simbridge(...args: string[]) {
  return run(process.execPath, [bin, ...args], { cwd: packageRoot(), timeout: 60_000 });
}

/** Steps `numEnvs` PointReach envs in a loop (random actions, ended episodes reset) until `stop()`. */
class Driver {
  steps = 0;
  private stopped = false;
  private readonly done: Promise<void>;

  private constructor(
    readonly env: RemoteVectorEnv,
    private readonly pauseMs: number,
  ) {
    this.done = this.loop();
  }

  static async start(address: string, numEnvs: number, options: { pauseMs?: number; connect?: ConnectOptions } = {}): Promise<Driver> {
    const env = await RemoteVectorEnv.connect(address, "PointReach-v0", numEnvs, {}, options.connect ?? {});
    return new Driver(env, options.pauseMs ?? 0);
  }

  get sessionId(): string {
    return this.env.connection.server.sessionId;
  }

  private async loop(): Promise<void> {
    const n = this.env.numEnvs;
    await this.env.reset(Array.from({ length: n }, (_, index) => ({ index, seed: index + 1 })));
    const actions = new Float32Array(2 * n);
    while (!this.stopped) {
      for (let i = 0; i < actions.length; i++) actions[i] = Math.random() * 2 - 1;
      const s = await this.env.step(actions);
      this.steps++;
      const ended = s.indices.filter((_, row) => s.status[row] !== StepStatus.RUNNING);
      if (ended.length) await this.env.reset(ended.map((index) => ({ index })));
      if (this.pauseMs) await sleep(this.pauseMs);
    }
  }

  /** Batched steps per second over the next `ms`. */
  async rate(ms: number): Promise<number> {
    const s0 = this.steps;
    const t0 = performance.now();
    await sleep(ms);
    return ((this.steps - s0) * 1000) / (performance.now() - t0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
    await this.env.close();
  }
}

/**
 * The most frames the server can have sent or queued for a watcher that reads nothing: the
 * call's write buffer (grpc-js: 16 messages, +1 being written) and what HTTP/2 flow control
 * lets through unread (a window of 65 535 bytes; each frame costs at least the smallest
 * PointReach frame of this session, proto3 leaving its zeros out, plus gRPC's 5-byte prefix),
 * doubled for room.
 */
function maxQueuedFrames(sessionId: string): number {
  const { packageDefinition } = loadProtocol();
  const watchMethod = (packageDefinition["simbridge.v1.EnvironmentService"] as grpc.ServiceDefinition)["Watch"]!;
  const zeros = (n: number) => encodeTensor(new Float32Array(n), [n]);
  const smallest = watchMethod.responseSerialize({ sequence: 1, session_id: sessionId, env_id: 1, task: "PointReach-v0", episode: 1, observations: [zeros(4), zeros(2), zeros(2)] }).length;
  return 2 * (17 + Math.ceil(65_535 / (smallest + 5)));
}

/** The fields of a frame the accounting reads. */
interface SeenFrame {
  envId: number;
  sequence: number;
  episode: number;
  episodeStep: number;
  dropped: number;
}

/** One env's resets and steps, in order, as the stepping client issued them. */
class EnvEvents {
  count = 0;
  /** The index of each episode's reset. */
  readonly episodeStarts: number[] = [];

  reset(): void {
    this.episodeStarts.push(this.count++);
  }

  step(): void {
    this.count++;
  }
}

/** Steps two PointReach envs with random actions, resetting ended episodes, and logs every env's events. */
class Stepper {
  readonly events: EnvEvents[];

  constructor(readonly env: RemoteVectorEnv) {
    this.events = Array.from({ length: env.numEnvs }, () => new EnvEvents());
  }

  async resetAll(): Promise<void> {
    const n = this.env.numEnvs;
    await this.env.reset(Array.from({ length: n }, (_, index) => ({ index, seed: index + 1 })));
    for (const e of this.events) e.reset();
  }

  async step(): Promise<void> {
    const n = this.env.numEnvs;
    const actions = Float32Array.from({ length: 2 * n }, () => Math.random() * 2 - 1);
    const s = await this.env.step(actions);
    assert.deepEqual(s.indices, this.events.map((_, i) => i), "a step of every env, answered for every env");
    for (const e of this.events) e.step();
    const ended = s.indices.filter((_, row) => s.status[row] !== StepStatus.RUNNING);
    if (ended.length) {
      await this.env.reset(ended.map((index) => ({ index })));
      for (const i of ended) this.events[i]!.reset();
    }
  }
}

/** The event index (per env) a frame shows, from its episode and step, episodes numbered from the env's first frame. */
function eventIndex(f: SeenFrame, first: SeenFrame, events: EnvEvents): number {
  const e = f.episode - first.episode;
  const start = events.episodeStarts[e];
  assert.ok(start !== undefined, `frame of episode ${f.episode}: only ${events.episodeStarts.length} episodes since ${first.episode}`);
  const i = start + f.episodeStep;
  assert.ok(i < (events.episodeStarts[e + 1] ?? events.count), `frame of episode ${f.episode} step ${f.episodeStep}: past that episode's end`);
  return i;
}

/** True when the latest frame of every env shows that env's latest event. */
function covers(frames: readonly SeenFrame[], envIds: readonly number[], stepper: Stepper): boolean {
  return envIds.every((id, k) => {
    const mine = frames.filter((f) => f.envId === id);
    return mine.length > 0 && eventIndex(mine.at(-1)!, mine[0]!, stepper.events[k]!) === stepper.events[k]!.count - 1;
  });
}

/**
 * Steps until the watcher has a frame of every env's latest event (the frame that reports
 * the drops before it), and then some more steps, each waited for, so that frames sent after
 * drops are checked too.
 */
async function flush(stepper: Stepper, covered: () => boolean): Promise<void> {
  let caughtUp = -1;
  for (let attempt = 0; attempt < 200; attempt++) {
    await stepper.step();
    for (let wait = 0; wait < 50 && !covered(); wait++) await sleep(10);
    if (covered() && caughtUp < 0) caughtUp = attempt;
    if (caughtUp >= 0 && attempt - caughtUp >= 5) return;
  }
  assert.fail("the watcher never caught up with the envs");
}

/**
 * Checks that the frames account for every event of the stepper: sequence numbers 1, 2, …,
 * and per env each frame's `dropped` is the number of events since the env's previous frame
 * (the first frame is the first reset), the last frame the last event. Returns each env's
 * event indices that were sent.
 */
function account(frames: readonly SeenFrame[], envIds: readonly number[], stepper: Stepper): number[][] {
  assert.deepEqual(frames.map((f) => f.sequence), frames.map((_, i) => i + 1), "consecutive sequence numbers: no frame lost on the way");
  return envIds.map((id, k) => {
    const events = stepper.events[k]!;
    const mine = frames.filter((f) => f.envId === id);
    const first = mine[0]!;
    assert.deepEqual([first.episodeStep, first.dropped], [0, 0], `env ${id}: the first frame is the first reset`);
    let previous = -1;
    const sent = mine.map((f) => {
      const i = eventIndex(f, first, events);
      assert.equal(f.dropped, i - previous - 1, `env ${id}: frame #${f.sequence} (event ${i}) after event ${previous} reports ${f.dropped} dropped`);
      previous = i;
      return i;
    });
    assert.equal(previous, events.count - 1, `env ${id}: the last frame shows the last of its ${events.count} resets and steps`);
    assert.equal(mine.reduce((a, f) => a + 1 + f.dropped, 0), events.count, `env ${id}: frames + dropped = resets + steps`);
    return sent;
  });
}

interface JsonFrame {
  sequence: number;
  session_id: string;
  env_id: number;
  task: string;
  episode: number;
  episode_step: number;
  sim_time: number;
  wall_time_us: number;
  dropped: number;
  status: string;
  observations: number[][];
  reward: number | null;
  is_success: boolean;
}

describe("simbridge watch (CLI, child process)", () => {
  let server: RunningServer;
  let driver: Driver;
  before(async () => {
    server = await startServer({ registry: builtinRegistry(), port: 0 });
    driver = await Driver.start(server.address, 2, { pauseMs: 2 });
  });
  after(async () => {
    await driver.stop();
    await server.close();
  });

  it("--jsonl --frames 20: 20 JSON frames with consecutive sequence numbers, the driver's envs and observations", async () => {
    const { stdout } = await simbridge("watch", server.address, "--jsonl", "--frames", "20");
    const frames = stdout.trim().split("\n").map((l) => JSON.parse(l) as JsonFrame);
    assert.equal(frames.length, 20);
    assert.deepEqual(frames.map((f) => f.sequence), Array.from({ length: 20 }, (_, i) => i + 1));
    for (const f of frames) {
      assert.equal(f.session_id, driver.sessionId);
      assert.ok(f.env_id === 1 || f.env_id === 2, `env_id ${f.env_id}`);
      assert.equal(f.task, "PointReach-v0");
      assert.deepEqual(f.observations.map((o) => o.length), [4, 2, 2]);
      assert.ok(["RUNNING", "TERMINATED", "TRUNCATED"].includes(f.status), f.status);
      assert.ok(f.episode >= 1 && f.episode_step >= 0 && f.episode_step <= 30);
      assert.ok(Math.abs(f.sim_time - f.episode_step * 0.05) < 1e-9, `sim_time ${f.sim_time} at step ${f.episode_step}`);
      assert.ok(f.reward === 0 || f.reward === -1, `reward ${f.reward}`);
      assert.equal(typeof f.is_success, "boolean");
      // achieved_goal is the position part of the observation
      assert.deepEqual(f.observations[1], f.observations[0]!.slice(0, 2));
    }
    // Within an episode, the next frame of an env is 1 + dropped steps later.
    const last = new Map<number, JsonFrame>();
    for (const f of frames) {
      const p = last.get(f.env_id);
      if (p && p.episode === f.episode) {
        assert.equal(f.episode_step - p.episode_step, 1 + f.dropped);
        assert.ok(f.wall_time_us >= p.wall_time_us);
      }
      last.set(f.env_id, f);
    }
  });

  it("--env and --session filter the frames", async () => {
    const { stdout } = await simbridge("watch", server.address, "--jsonl", "--frames", "5", "--env", "2", "--session", driver.sessionId);
    const frames = stdout.trim().split("\n").map((l) => JSON.parse(l) as JsonFrame);
    assert.equal(frames.length, 5);
    assert.ok(frames.every((f) => f.env_id === 2 && f.session_id === driver.sessionId));
  });

  it("without --jsonl, off a terminal: one status line per second, ends after --seconds", async () => {
    const { stdout } = await simbridge("watch", server.address, "--seconds", "2.2", "--hz", "5");
    const lines = stdout.trim().split("\n");
    assert.ok(lines.length >= 2 && lines.length <= 5, stdout);
    const lastLine = lines.at(-1)!;
    assert.match(lastLine, /frames \d+ \([\d.]+\/s\)\s+dropped \d+\s+envs 2/);
    assert.doesNotMatch(stdout, /\x1b\[/, "no ANSI codes when stdout is not a terminal");
  });

  it("a server that is not there: a clear UNAVAILABLE message and exit code 1", async () => {
    const probe = await startServer({ registry: builtinRegistry(), port: 0 });
    const address = probe.address;
    await probe.close();
    await assert.rejects(simbridge("watch", address, "--jsonl", "--frames", "1"), (e: { code: number; stderr: string }) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr, /simbridge watch: UNAVAILABLE: .*is a simbridge server running at/);
      return true;
    });
  });

  it("a server that shuts down ends the stream: exit 0 with a message", async () => {
    const closing = await startServer({ registry: builtinRegistry(), port: 0 });
    const cli = simbridge("watch", closing.address, "--jsonl");
    while (closing.watcherCount === 0) await sleep(20);
    await closing.close();
    const { stdout, stderr } = await cli;
    assert.equal(stdout, "");
    assert.match(stderr, /the server at .* ended the stream/);
  });

  it("bad flags: usage errors with exit code 2", async () => {
    for (const args of [["--hz=-1"], ["--hz", "fast"], ["--frames", "0"], ["--env", "x"], ["--seconds", "0"]]) {
      await assert.rejects(simbridge("watch", server.address, ...args), (e: { code: number; stderr: string }) => {
        assert.equal(e.code, 2);
        assert.match(e.stderr, new RegExp(`simbridge watch: ${args[0]!.replace(/=.*/, "")}: expected`));
        return true;
      });
    }
    await assert.rejects(simbridge("watch"), /missing HOST:PORT/);
  });
});

describe("watch() and the operators on a real stream", () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ registry: builtinRegistry(), port: 0 });
  });
  after(async () => {
    await server.close();
  });

  it("maxHz 20: a fast env's frames are rate-limited per env, the rest counted as dropped", async () => {
    const driver = await Driver.start(server.address, 2);
    try {
      const frames$ = watch(server.address, { maxHz: 20, sessionId: driver.sessionId }).pipe(takeUntil(timer(1600)), share());
      const [frames, rates, dropped, latest] = await Promise.all([
        lastValueFrom(frames$.pipe(toArray())),
        lastValueFrom(frames$.pipe(framesPerSecondPerEnv(1000), toArray())),
        lastValueFrom(frames$.pipe(droppedFrames())),
        lastValueFrom(frames$.pipe(latestPerEnv())),
      ]);
      assert.deepEqual([...latest.keys()].sort(), [`${driver.sessionId}/1`, `${driver.sessionId}/2`]);
      assert.ok(dropped > 0, "frames over the rate were dropped and counted");
      const stepRate = driver.steps / 1.6;
      assert.ok(stepRate > 40, `the env steps faster than the limit (${stepRate.toFixed(0)}/s)`);
      for (const key of latest.keys()) {
        const mine = frames.filter((f) => envKey(f) === key);
        assert.ok(mine.length >= 5 && mine.length <= 20 * 1.6 + 3, `${mine.length} frames of ${key} in 1.6 s at ≤ 20/s`);
        for (let i = 1; i < mine.length; i++) {
          const gapMs = (mine[i]!.wallTimeUs - mine[i - 1]!.wallTimeUs) / 1000;
          assert.ok(gapMs >= 45, `frames of ${key} ${gapMs.toFixed(1)} ms apart (server clock) at max_hz 20`);
        }
        const maxRate = Math.max(...rates.map((r) => r.get(key) ?? 0));
        assert.ok(maxRate <= 30, `observed rate of ${key} ${maxRate}/s over a 1 s window`);
      }
    } finally {
      await driver.stop();
    }
  });

  it("a slow watcher does not hold stepping: a stopped watcher process and a subscriber holding its frames; every frame is sent or counted as dropped, and the server queues a bounded number", { timeout: 120_000 }, async () => {
    // (The timeout only turns a hang — stepping waiting for a watcher — into a failure.)
    const env = await RemoteVectorEnv.connect(server.address, "PointReach-v0", 2);
    const sessionId = env.connection.server.sessionId;
    try {
      // A watcher process of this session's envs that prints every frame it gets.
      const script = `
        const { watch } = await import(process.env.WATCH_MODULE);
        const sub = watch(process.env.WATCH_ADDRESS, { sessionId: process.env.WATCH_SESSION }).subscribe({
          next: (f) => process.stdout.write(JSON.stringify([f.envId, f.sequence, f.episode, f.episodeStep, f.dropped]) + "\\n"),
          error: (e) => { console.error(String(e)); process.exit(2); },
        });
        process.stdin.on("end", () => sub.unsubscribe()).resume();
      `;
      const watchersBefore = server.watcherCount;
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
        cwd: packageRoot(),
        env: {
          ...process.env,
          WATCH_MODULE: pathToFileURL(join(packageRoot(), "dist", "src", "stream", "watch.js")).href,
          WATCH_ADDRESS: server.address,
          WATCH_SESSION: sessionId,
        },
        stdio: ["pipe", "pipe", "inherit"],
      });
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      const frames: SeenFrame[] = [];
      createInterface({ input: child.stdout! }).on("line", (line) => {
        const [envId, sequence, episode, episodeStep, dropped] = JSON.parse(line) as number[];
        frames.push({ envId: envId!, sequence: sequence!, episode: episode!, episodeStep: episodeStep!, dropped: dropped! });
      });
      const stepper = new Stepper(env);
      const N = 1500;
      let envIds: number[];
      let stoppedFrom: number[];
      let stoppedTo: number[];
      try {
        while (server.watcherCount === watchersBefore) await sleep(10);
        await stepper.resetAll();
        while (frames.length < 2) await sleep(10);
        envIds = frames.slice(0, 2).map((f) => f.envId); // the resets' frames, in index order
        // Stopped, the process reads nothing: its stream fills and the server must drop its
        // frames, not wait. Were stepping to wait for the watcher, these steps would never end.
        child.kill("SIGSTOP");
        stoppedFrom = stepper.events.map((e) => e.count);
        for (let i = 0; i < N; i++) await stepper.step();
        stoppedTo = stepper.events.map((e) => e.count);
        child.kill("SIGCONT");
        await flush(stepper, () => covers(frames, envIds, stepper));
        child.stdin!.end();
        assert.equal(await exited, 0);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL"); // also when stopped
      }
      // The stepping client's N step requests were each answered for both envs (Stepper
      // checks the rows), and the frames account for exactly those resets and steps.
      const shown = account(frames, envIds, stepper);
      // While stopped, the server sent what the call's buffer and the connection's
      // flow-control window hold, and counted the rest as dropped.
      const stopEvents = stoppedTo.reduce((a, to, k) => a + to - stoppedFrom[k]!, 0);
      const sentWhileStopped = shown.reduce((a, sent, k) => a + sent.filter((i) => i >= stoppedFrom[k]! && i < stoppedTo[k]!).length, 0);
      const droppedTotal = frames.reduce((a, f) => a + f.dropped, 0);
      const bound = maxQueuedFrames(sessionId);
      console.log(`stopped watcher: ${stopEvents} resets and steps while stopped, ${sentWhileStopped} of them sent (bound ${bound}); ${frames.length} frames and ${droppedTotal} dropped in all`);
      assert.ok(stopEvents >= 2 * N && stopEvents > 2 * bound, `${stopEvents} events while stopped: more than a queue within the bound holds`);
      assert.ok(droppedTotal > 0, "the stopped watcher's frames were dropped and counted");
      assert.ok(sentWhileStopped <= bound, `the server sent or queued ${sentWhileStopped} frames for a watcher that read nothing (bound ${bound})`);

      // In this process: a subscriber that holds every frame until released. Stepping goes
      // on; the frames wait in the subscriber's operator, and after the release all arrive.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const held: SeenFrame[] = [];
      const watchersNow = server.watcherCount;
      const sub = watch(server.address, { sessionId })
        .pipe(concatMap((f: Frame) => from(gate).pipe(map(() => f))))
        .subscribe((f) => held.push({ envId: f.envId, sequence: f.sequence, episode: f.episode, episodeStep: f.episodeStep, dropped: f.dropped }));
      try {
        while (server.watcherCount === watchersNow) await sleep(10);
        const again = new Stepper(env);
        await again.resetAll();
        for (let i = 0; i < 300; i++) await again.step();
        assert.equal(held.length, 0, "the subscriber has taken no frame yet");
        release();
        await flush(again, () => covers(held, envIds, again));
        account(held, envIds, again);
      } finally {
        sub.unsubscribe();
      }
    } finally {
      await env.close();
    }
  });
});

describe("watch() against a server with a token", () => {
  let server: RunningServer;
  let driver: Driver;
  before(async () => {
    server = await startServer({ registry: builtinRegistry(), port: 0, token: "t" });
    driver = await Driver.start(server.address, 1, { pauseMs: 5, connect: { token: "t" } });
  });
  after(async () => {
    await driver.stop();
    await server.close();
  });

  it("without the token the Observable errors with UNAUTHENTICATED (16)", async () => {
    await assert.rejects(firstValueFrom(watch(server.address)), (e: unknown) => {
      assert.ok(e instanceof SimbridgeError);
      assert.equal(e.code, Code.UNAUTHENTICATED);
      assert.equal(e.code, 16);
      return true;
    });
    await assert.rejects(firstValueFrom(watch(server.address, { token: "wrong" })), (e: unknown) => e instanceof SimbridgeError && e.code === 16);
  });

  it("with the token frames arrive", async () => {
    const frames = await firstValueFrom(watch(server.address, { token: "t" }).pipe(take(3), toArray()));
    assert.equal(frames.length, 3);
    assert.ok(frames.every((f) => f.sessionId === driver.sessionId && f.task === "PointReach-v0"));
  });

  it("the CLI: UNAUTHENTICATED without the token (exit 1), frames with --token or $SIMBRIDGE_TOKEN", async () => {
    await assert.rejects(simbridge("watch", server.address, "--jsonl", "--frames", "1"), (e: { code: number; stderr: string }) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr, /UNAUTHENTICATED.*--token/);
      return true;
    });
    const { stdout } = await simbridge("watch", server.address, "--jsonl", "--frames", "2", "--token", "t");
    assert.equal(stdout.trim().split("\n").length, 2);
    const viaEnv = await run(process.execPath, [bin, "watch", server.address, "--jsonl", "--frames", "1"], {
      cwd: packageRoot(),
      timeout: 60_000,
      env: { ...process.env, SIMBRIDGE_TOKEN: "t" },
    });
    assert.equal((JSON.parse(viaEnv.stdout) as JsonFrame).session_id, driver.sessionId);
  });
});
