// Flow control and live counts through the public interface: real servers on
// port 0 (a `simbridge serve` process where the server's memory is measured,
// in-process elsewhere), Session streams from grpc-js clients, the counts from
// the Status RPC and `simbridge status`. No timing thresholds: every wait is a
// bounded poll that fails naming what it waited for.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer, connect, type Socket } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { Code } from "../../src/core/errors.js";
import { Connection } from "../../src/client/connection.js";
import { RemoteVectorEnv } from "../../src/client/remote-vector-env.js";
import { fetchServerStatus, type ServerStatus } from "../../src/client/server-status.js";
import { openWatch } from "../../src/client/watch-client.js";
import { TaskRegistry } from "../../src/env/task-registry.js";
import { StepStatus } from "../../src/env/task.js";
import { loadProtocol, packageRoot, PROTOCOL_VERSION } from "../../src/protocol/service-definition.js";
import type { SessionResponse__Output } from "../../src/protocol/generated/simbridge/v1/SessionResponse.js";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { startServeProcess } from "../../src/bench/child-process.js";
import { pointReachV0 } from "../../sims/point/point-reach-v0.js";
import { rejectsWith } from "../helpers/rejects-with.js";

const registry = new TaskRegistry([pointReachV0]);
const MiB = 2 ** 20;

/** Polls `check` until it returns a value; fails naming `what` after `timeoutMs` (a bound on waiting, not a measurement). */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`gave up waiting (${timeoutMs} ms) for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const idle = (s: ServerStatus) => s.sessions === 0 && s.envs === 0 && s.pendingRequests === 0 && s.queuedResponses === 0 && s.pausedSessions === 0;

/** Waits until the server holds nothing: no session, env, pending request, unsent answer or paused session. */
async function untilIdle(address: string): Promise<void> {
  let last: ServerStatus | undefined;
  await until(`every count back to 0 (last: ${JSON.stringify(last)})`, async () => {
    last = await fetchServerStatus(address);
    return idle(last) ? true : undefined;
  });
}

/**
 * A raw Session stream: handshake and `make_envs` (optionally real-time), then
 * `send` writes requests with consecutive ids from 100 without waiting for
 * anything — the client never reads unless `readAnswers` is called.
 */
async function rawClient(address: string, envs: number, realtimeHz = 0) {
  const { proto } = loadProtocol();
  const client = new proto.simbridge.v1.EnvironmentService(address, grpc.credentials.createInsecure());
  const stream = client.Session();
  stream.on("error", () => undefined); // CANCELLED / UNAVAILABLE when the test ends it
  const next = () => new Promise<SessionResponse__Output>((resolve) => stream.once("data", resolve));
  stream.write({ id: 1, handshake: { protocol_version: PROTOCOL_VERSION } });
  assert.equal((await next()).error, null);
  stream.write({ id: 2, make_envs: { task: "PointReach-v0", count: envs, realtime_hz: realtimeHz } });
  const made = await next();
  assert.equal(made.error, null);
  const envIds = made.make_envs!.env_ids;
  stream.write({ id: 3, reset: { envs: envIds.map((env_id) => ({ env_id, seed: env_id })) } });
  assert.equal((await next()).error, null);
  stream.pause(); // from here on the client reads nothing
  let id = 100;
  return {
    envIds,
    /** Writes `count` copies of `request` (ids from 100 on), ignoring the stream's backpressure as a hostile client may. */
    send(request: object, count = 1): void {
      for (let i = 0; i < count; i++) stream.write({ id: id++, ...request });
    },
    /** Starts reading; resolves with the ids and error codes of the next `n` answers. */
    readAnswers(n: number): Promise<Array<{ id: string; error: number | null }>> {
      const got: Array<{ id: string; error: number | null }> = [];
      return new Promise((resolve) => {
        const onData = (r: SessionResponse__Output) => {
          got.push({ id: r.id, error: r.error ? r.error.code : null });
          if (got.length === n) {
            stream.off("data", onData);
            resolve(got);
          }
        };
        stream.on("data", onData);
        stream.resume(); // paused explicitly: a 'data' listener alone does not resume it
      });
    },
    cancel(): void {
      stream.cancel();
      client.close();
    },
  };
}

/** A loopback TCP proxy to `target`; `cut()` drops every connection through it with a TCP reset. */
async function tcpProxy(target: string) {
  const [host, port] = [target.slice(0, target.lastIndexOf(":")), Number(target.slice(target.lastIndexOf(":") + 1))];
  const sockets = new Set<Socket>();
  const server = createServer((down) => {
    const up = connect(port, host);
    for (const s of [down, up]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => sockets.delete(s));
    }
    down.pipe(up);
    up.pipe(down);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address && typeof address === "object");
  return {
    address: `127.0.0.1:${address.port}`,
    connections: () => sockets.size,
    cut(): void {
      for (const s of sockets) s.resetAndDestroy();
    },
    close(): Promise<void> {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe("a client that never reads its answers (server in its own process)", () => {
  let server: Awaited<ReturnType<typeof startServeProcess>>;
  let address: string;
  before(async () => {
    server = await startServeProcess(["--task", "PointReach-v0", "--port", "0"]);
    address = server.address;
  });
  after(() => {
    server.child.kill("SIGTERM");
  });

  it("is paused at the bound: the server's counts and memory stay bounded, other sessions are answered, and once it reads every request is answered in order", async () => {
    const good = await RemoteVectorEnv.connect(address, "PointReach-v0", 1, {}, {}, { reconnect: false });
    const action = new Float32Array(2);
    const stepGood = async () => {
      const s = await good.step(action);
      if (s.status[0] !== StepStatus.RUNNING) await good.reset([{ index: 0 }]);
    };
    await good.reset([{ index: 0, seed: 0 }]);
    for (let i = 0; i < 200; i++) await stepGood(); // warm the server up before its memory is the baseline
    const start = await fetchServerStatus(address);

    // 10,000 requests, each answered with 64 envs' observations (~3.3 kB): held
    // unsent, they would take the server ~30 MB as bytes and far more as objects.
    const REQUESTS = 10_000;
    const bad = await rawClient(address, 64);
    try {
      bad.send({ reset: { envs: bad.envIds.map((env_id) => ({ env_id })) } }, REQUESTS);
      const paused = await until("the non-reader's session to be paused", async () => {
        const s = await fetchServerStatus(address);
        return s.pausedSessions >= 1 ? s : undefined;
      });
      assert.equal(paused.sessions, 2);
      assert.equal(paused.envs, 65);

      // Meanwhile the well-behaved session is answered, every time.
      const samples: ServerStatus[] = [];
      for (let i = 1; i <= 600; i++) {
        await stepGood();
        if (i % 50 === 0) samples.push(await fetchServerStatus(address));
      }
      for (const s of samples) {
        assert.ok(s.pausedSessions >= 1, `the non-reader's session was read again while it did not read: ${JSON.stringify(s)}`);
        // Two sessions: together they hold at most twice the per-session bound.
        assert.ok(s.pendingRequests + s.queuedResponses <= 2 * s.maxInFlightPerSession, JSON.stringify(s));
        const growth = (s.rssBytes - start.rssBytes) / MiB;
        assert.ok(growth < 48, `server RSS grew by ${growth.toFixed(1)} MiB while a client did not read`);
      }
      const last = samples.at(-1)!;
      assert.ok(
        last.peakInFlightPerSession <= last.maxInFlightPerSession,
        `a session held ${last.peakInFlightPerSession} requests + answers, over the bound of ${last.maxInFlightPerSession}`,
      );

      // Pushed back, not dropped: once it reads, all of its requests are answered, in order, without error.
      const answers = await bad.readAnswers(REQUESTS);
      assert.deepEqual(
        answers.map((a) => a.id),
        Array.from({ length: REQUESTS }, (_, i) => String(100 + i)),
      );
      assert.equal(answers.filter((a) => a.error !== null).length, 0);
    } finally {
      bad.cancel();
      await good.close();
    }
    await untilIdle(address);
  });
});

describe("live counts (Status) return to 0 when clients vanish", () => {
  const BOUND = 4;
  let server: RunningServer;
  let guarded: RunningServer;
  before(async () => {
    server = await startServer({ registry, port: 0, maxInFlightPerSession: BOUND });
    guarded = await startServer({ registry, port: 0, token: "tok" });
  });
  after(async () => {
    await server.close();
    await guarded.close();
  });

  it("counts sessions, envs and watchers, and the bound", async () => {
    const c = await Connection.open(server.address);
    await c.makeEnvs("PointReach-v0", 3);
    const w = openWatch(server.address, {}, { frame: () => undefined, error: (e) => assert.fail(e), end: () => undefined });
    const s = await until("the watcher to be counted", async () => {
      const s = await fetchServerStatus(server.address);
      return s.watchers === 1 ? s : undefined;
    });
    assert.deepEqual(
      { sessions: s.sessions, envs: s.envs, watchers: s.watchers, pending: s.pendingRequests, queued: s.queuedResponses, paused: s.pausedSessions, bound: s.maxInFlightPerSession },
      { sessions: 1, envs: 3, watchers: 1, pending: 0, queued: 0, paused: 0, bound: BOUND },
    );
    assert.equal(s.serverName, "simbridge");
    assert.ok(s.rssBytes > 0);
    w.cancel();
    c.close();
    await untilIdle(server.address);
    await until("the watcher to be gone", async () => ((await fetchServerStatus(server.address)).watchers === 0 ? true : undefined));
  });

  it("a client cancelling mid-step (a real-time step waiting for its tick)", async () => {
    const c = await rawClient(server.address, 2, 0.1); // a tick every 10 s: the step waits
    c.send({ step: { env_ids: [c.envIds[0]], actions: { dtype: 1, shape: [1, 2], data: Buffer.alloc(8) } } });
    const s = await until("the step to be pending on the server", async () => {
      const s = await fetchServerStatus(server.address);
      return s.pendingRequests === 1 ? s : undefined;
    });
    assert.equal(s.envs, 2);
    c.cancel();
    await untilIdle(server.address);
  });

  it("a dropped connection (TCP reset under an open session with envs)", async () => {
    const proxy = await tcpProxy(server.address);
    const c = await Connection.open(proxy.address);
    await c.makeEnvs("PointReach-v0", 5);
    assert.equal((await fetchServerStatus(server.address)).envs, 5);
    proxy.cut();
    await untilIdle(server.address);
    c.close();
    await proxy.close();
  });

  it("a non-reading client, paused at the bound, then its connection destroyed", async () => {
    const proxy = await tcpProxy(server.address);
    const c = await rawClient(proxy.address, 64);
    try {
      c.send({ reset: { envs: c.envIds.map((env_id) => ({ env_id })) } }, 2000);
      const s = await until("the non-reader's session to be paused", async () => {
        const s = await fetchServerStatus(server.address);
        return s.pausedSessions === 1 ? s : undefined;
      });
      assert.ok(s.pendingRequests + s.queuedResponses <= BOUND, JSON.stringify(s));
      assert.ok(s.peakInFlightPerSession <= BOUND, `a session held ${s.peakInFlightPerSession} requests + answers, over the bound of ${BOUND}`);
    } finally {
      proxy.cut();
    }
    await untilIdle(server.address);
    c.cancel();
    await proxy.close();
  });

  it("needs the token when the server has one", async () => {
    await rejectsWith(fetchServerStatus(guarded.address), Code.UNAUTHENTICATED, /Bearer/);
    assert.equal((await fetchServerStatus(guarded.address, { token: "tok" })).sessions, 0);
  });

  it("simbridge status HOST:PORT --json prints the counts", async () => {
    const c = await Connection.open(server.address);
    await c.makeEnvs("PointReach-v0", 2);
    const { stdout } = await promisify(execFile)(process.execPath, [join(packageRoot(), "bin", "simbridge.js"), "status", server.address, "--json"], { timeout: 60_000 });
    const s = JSON.parse(stdout) as Record<string, unknown>;
    assert.equal(s["sessions"], 1);
    assert.equal(s["envs"], 2);
    assert.equal(s["queued_responses"], 0);
    assert.equal(s["max_in_flight_per_session"], BOUND);
    c.close();
    await untilIdle(server.address);
  });
});
