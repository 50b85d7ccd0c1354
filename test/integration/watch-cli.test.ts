// Live monitoring end to end: a real server in this process, envs stepped over
// gRPC, and watchers — the `simbridge watch` CLI as a child process, and
// `watch()` with the stream operators in this process. Rates are compared
// within one run with generous factors (no absolute timing thresholds).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { concatMap, firstValueFrom, lastValueFrom, map, share, take, takeUntil, tap, timer, toArray, type Observable } from "rxjs";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { builtinRegistry } from "../../sims/catalog.js";
import { RemoteVectorEnv } from "../../src/client/remote-vector-env.js";
import type { ConnectOptions } from "../../src/client/connection.js";
import type { Frame } from "../../src/client/watch-client.js";
import { packageRoot } from "../../src/protocol/service-definition.js";
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

  it("a slow watcher does not slow stepping: a blocked watcher process, and a delaying operator in this process", async () => {
    const driver = await Driver.start(server.address, 2);
    const median = (xs: readonly number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
    try {
      await driver.rate(300); // warm up
      // In this process, every frame (max_hz 0). Receiving and decoding them costs this
      // process time, so the reference for a slow subscriber is one that takes frames
      // at once; a subscriber that holds each frame 20 ms must not slow stepping more.
      // Conditions alternate in rounds; medians compare them (the machine is shared).
      const counts = { fast: 0, delayed: 0 };
      const withWatcher = async (frames$: Observable<unknown>, ms: number) => {
        const sub = frames$.subscribe();
        await sleep(100);
        const r = await driver.rate(ms);
        sub.unsubscribe();
        return r;
      };
      const plain = watch(server.address, { sessionId: driver.sessionId }).pipe(tap(() => counts.fast++));
      const delaying = watch(server.address, { sessionId: driver.sessionId }).pipe(
        concatMap((f: Frame) => timer(20).pipe(map(() => f))),
        tap(() => counts.delayed++),
      );
      const rates = { baseline: [] as number[], fast: [] as number[], delaying: [] as number[] };
      for (let round = 0; round < 3; round++) {
        rates.baseline.push(await driver.rate(500));
        rates.fast.push(await withWatcher(plain, 500));
        rates.delaying.push(await withWatcher(delaying, 500));
      }

      // A watcher process whose subscriber blocks its event loop for 3 s at the first
      // frame: its stream fills up and the server must drop its frames, not wait.
      const script = `
        const { watch } = await import(process.env.WATCH_MODULE);
        const { tap } = await import("rxjs");
        let first = true, frames = 0, dropped = 0;
        const sub = watch(process.env.WATCH_ADDRESS).pipe(tap(() => {
          if (!first) return;
          first = false;
          console.log("blocking");
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000);
          setTimeout(() => { console.log(JSON.stringify({ frames, dropped })); sub.unsubscribe(); }, 1500);
        })).subscribe({ next: (f) => { frames++; dropped += f.dropped; }, error: (e) => { console.error(String(e)); process.exit(2); } });
      `;
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
        cwd: packageRoot(),
        env: { ...process.env, WATCH_MODULE: pathToFileURL(join(packageRoot(), "dist", "src", "stream", "watch.js")).href, WATCH_ADDRESS: server.address },
        stdio: ["ignore", "pipe", "inherit"],
      });
      const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      assert.equal((await lines.next()).value, "blocking");
      await sleep(200);
      const blocked = await driver.rate(1500);
      const report = JSON.parse((await lines.next()).value as string) as { frames: number; dropped: number };
      assert.equal(await exited, 0);
      rates.baseline.push(await driver.rate(500));

      const baseline = median(rates.baseline);
      const fast = median(rates.fast);
      const delayed = median(rates.delaying);
      console.log(
        `steps/s (medians): baseline ${baseline.toFixed(0)}, blocked watcher process ${blocked.toFixed(0)}, ` +
          `in-process watcher ${fast.toFixed(0)} (${counts.fast} frames), delaying in-process watcher ${delayed.toFixed(0)} (${counts.delayed} frames); ` +
          `blocked process: ${JSON.stringify(report)}`,
      );
      assert.ok(report.dropped > 0, `the server dropped frames for the blocked watcher (${JSON.stringify(report)})`);
      assert.ok(report.frames > 0, "the blocked watcher gets frames again once it reads");
      assert.ok(blocked / baseline > 0.33, `a blocked watcher slowed stepping to ${pct(blocked / baseline)}`);
      assert.ok(delayed / fast > 0.33, `a delaying subscriber slowed stepping to ${pct(delayed / fast)} of a fast one`);
      assert.ok(fast / baseline > 0.1, `an in-process watcher of every frame slowed stepping to ${pct(fast / baseline)}`);
      assert.ok(counts.fast > 0 && counts.delayed > 0);
    } finally {
      await driver.stop();
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
