// Fleets of env servers (issue 16), the server's side: per-task health and
// draining. In-process servers on port 0 and a real `simbridge serve` process
// that gets SIGTERM. A step that stays in flight long enough to look at the
// drain from outside is a real-time step waiting for its tick (1 Hz). Every
// wait is a bounded poll that fails naming what it waited for.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import { builtinRegistry } from "../../sims/catalog.js";
import { Code } from "../../src/core/errors.js";
import { Connection } from "../../src/client/connection.js";
import { fetchServerStatus } from "../../src/client/server-status.js";
import { loadProtocol, PROTOCOL_VERSION, SERVICE_NAME } from "../../src/protocol/service-definition.js";
import type { SessionResponse__Output } from "../../src/protocol/generated/simbridge/v1/SessionResponse.js";
import { startServer, taskHealthName, type RunningServer } from "../../src/server/server.js";
import { startServeProcess } from "../../src/bench/child-process.js";
import { rejectsWith } from "../helpers/rejects-with.js";

const TASK = "PointReach-v0";
const ACTION = new Float32Array(2);

/** Polls `check` until it returns a value; fails naming `what` after `timeoutMs` (a bound on waiting, not a measurement). */
async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`gave up waiting (${timeoutMs} ms) for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// The standard health client, from grpc-health-check's own service definition.
const HealthClient = grpc.makeClientConstructor(healthService as unknown as grpc.ServiceDefinition, "grpc.health.v1.Health");
interface HealthStub extends grpc.Client {
  check(request: { service: string }, callback: (err: grpc.ServiceError | null, res?: { status: string }) => void): void;
  watch(request: { service: string }): grpc.ClientReadableStream<{ status: string }>;
}

/** grpc.health.v1.Health/Check for `service`: its status ("SERVING", ...); rejects with the gRPC error. */
function healthCheck(address: string, service: string): Promise<string> {
  const client = new HealthClient(address, grpc.credentials.createInsecure()) as unknown as HealthStub;
  return new Promise((resolve, reject) =>
    client.check({ service }, (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(res!.status);
    }),
  );
}

/** Every status the server gives, by name. */
async function healthOf(address: string, names: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of names) out[name] = await healthCheck(address, name);
  return out;
}

function servePointReach(): Promise<RunningServer> {
  return startServer({ registry: builtinRegistry().only([TASK]), port: 0 });
}

/**
 * A session with a real-time step in flight: the step waits for its env's next
 * tick (up to 1 s), so a drain started now finds a request it must answer.
 */
async function sessionWithStepInFlight(server: { address: string }, pendingOnServer: () => Promise<number>) {
  const c = await Connection.open(server.address);
  const { envIds } = await c.makeEnvs(TASK, 1, {}, 1);
  await c.reset([{ envId: envIds[0]!, seed: 1 }]);
  const step = c.step(envIds, ACTION, [1, 2]);
  await until("the step to be pending on the server", async () => ((await pendingOnServer()) === 1 ? true : undefined));
  return { connection: c, step };
}

/**
 * A session that stops reading: 64 envs, then 2000 resets whose answers (64
 * envs' observations each) fill the HTTP/2 window; the rest wait in the server,
 * which stops reading the session (flow control).
 */
async function nonReadingSession(address: string) {
  const { proto } = loadProtocol();
  const client = new proto.simbridge.v1.EnvironmentService(address, grpc.credentials.createInsecure());
  const stream = client.Session();
  stream.on("error", () => undefined); // the forced shutdown cuts it
  const next = () => new Promise<SessionResponse__Output>((resolve) => stream.once("data", resolve));
  stream.write({ id: 1, handshake: { protocol_version: PROTOCOL_VERSION } });
  await next();
  stream.write({ id: 2, make_envs: { task: TASK, count: 64 } });
  const envIds = (await next()).make_envs!.env_ids;
  stream.pause(); // from here on the client reads nothing
  for (let i = 0; i < 2000; i++) stream.write({ id: 100 + i, reset: { envs: envIds.map((env_id) => ({ env_id })) } });
  return {
    close(): void {
      stream.cancel();
      client.close();
    },
  };
}

describe("per-task health", () => {
  it("is SERVING for '', the service and task:NAME of every task served; an unknown name is NOT_FOUND", async () => {
    const registry = builtinRegistry();
    const server = await startServer({ registry, port: 0 });
    try {
      assert.equal(taskHealthName(TASK), "task:PointReach-v0");
      const names = ["", SERVICE_NAME, ...registry.names.map(taskHealthName)];
      assert.ok(names.includes("task:Ant-v5") && names.includes("task:PointReach-v0"));
      const statuses = await healthOf(server.address, names);
      assert.deepEqual(statuses, Object.fromEntries(names.map((n) => [n, "SERVING"])));
      await assert.rejects(healthCheck(server.address, "task:NoSuchTask-v0"), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND);
      await assert.rejects(healthCheck(server.address, "PointReach-v0"), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND);
    } finally {
      await server.close();
    }
  });

  it("serves task names only for the tasks it serves", async () => {
    const server = await servePointReach();
    try {
      assert.equal(await healthCheck(server.address, "task:PointReach-v0"), "SERVING");
      await assert.rejects(healthCheck(server.address, "task:Ant-v5"), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND);
    } finally {
      await server.close();
    }
  });
});

describe("RunningServer.drain", () => {
  it("while a step is in flight: every health status is NOT_SERVING, new sessions are refused with UNAVAILABLE, the step is answered", async () => {
    const server = await servePointReach();
    try {
      const names = ["", SERVICE_NAME, "task:PointReach-v0"];
      const { connection, step } = await sessionWithStepInFlight(server, async () => server.status().pendingRequests);
      const drained = server.drain(60_000);
      // The step waits for its tick: the drain is under way for the checks below.
      assert.deepEqual(await healthOf(server.address, names), Object.fromEntries(names.map((n) => [n, "NOT_SERVING"])));
      await rejectsWith(Connection.open(server.address, { timeoutMs: 10_000 }), Code.UNAVAILABLE, /this server is draining: connect to another one/);
      assert.equal((await step).envIds.length, 1);
      await drained;
      assert.equal(connection.isOpen, false);
      connection.close();
    } finally {
      await server.close();
    }
  });

  it("answers every request a session sent before the drain (pipelined), then ends its stream with UNAVAILABLE; a request sent after is not worked on", async () => {
    const server = await servePointReach();
    try {
      const c = await Connection.open(server.address);
      const realtime = (await c.makeEnvs(TASK, 1, {}, 1)).envIds;
      const lockstep = (await c.makeEnvs(TASK, 1)).envIds;
      await c.reset([{ envId: realtime[0]!, seed: 1 }]);
      await c.reset([{ envId: lockstep[0]!, seed: 2 }]);
      // The real-time step waits for its tick; the lockstep steps queue behind it, read but not yet answered.
      const sent = [c.step(realtime, ACTION, [1, 2]), ...Array.from({ length: 5 }, () => c.step(lockstep, ACTION, [1, 2]))];
      await until("the six requests to be read by the server", () => (server.status().pendingRequests === 6 ? true : undefined));
      const drained = server.drain(60_000);
      const late = c.step(lockstep, ACTION, [1, 2]);
      const answers = await Promise.all(sent);
      assert.deepEqual(answers.map((a) => a.envIds), [realtime, ...Array(5).fill(lockstep)]);
      await rejectsWith(late, Code.UNAVAILABLE, /server draining/);
      await rejectsWith(c.step(lockstep, ACTION, [1, 2]), Code.UNAVAILABLE, /server draining/);
      await drained;
      assert.deepEqual({ sessions: server.status().sessions, envs: server.status().envs }, { sessions: 0, envs: 0 });
      c.close();
    } finally {
      await server.close();
    }
  });

  it("ends health Watch streams after NOT_SERVING, so they do not hold the shutdown", async () => {
    const server = await servePointReach();
    const client = new HealthClient(server.address, grpc.credentials.createInsecure()) as unknown as HealthStub;
    try {
      const seen: string[] = [];
      const stream = client.watch({ service: "task:PointReach-v0" });
      stream.on("data", (r: { status: string }) => seen.push(r.status));
      const ended = new Promise<grpc.StatusObject>((resolve) => stream.on("status", resolve));
      stream.on("error", () => undefined);
      await until("the first health status", () => (seen.length > 0 ? true : undefined));
      await server.drain(60_000); // a held shutdown would wait the whole minute
      assert.deepEqual(seen, ["SERVING", "NOT_SERVING"]);
      assert.equal((await ended).code, grpc.status.OK);
    } finally {
      client.close();
      await server.close();
    }
  });

  it("a session that never reads its answers does not hold the drain past graceMs", async () => {
    const server = await servePointReach();
    const client = await nonReadingSession(server.address);
    try {
      await until("the non-reader's session to be paused", () => (server.status().pausedSessions === 1 ? true : undefined));
      const started = Date.now();
      await server.drain(300);
      const took = Date.now() - started;
      // Held by the unread answers until the grace ended, then cut (the default grace would be 10 s).
      assert.ok(took >= 250 && took < 5000, `drain(300) took ${took} ms`);
      await until("the cut session to be freed", () => (server.status().sessions === 0 && server.status().envs === 0 ? true : undefined));
    } finally {
      client.close();
      await server.close();
    }
  });

  it("is safe to call twice, and close() during a drain ends it", async () => {
    const server = await servePointReach();
    try {
      const { connection, step } = await sessionWithStepInFlight(server, async () => server.status().pendingRequests);
      const first = server.drain(60_000);
      assert.equal(server.drain(), first);
      await server.close(); // the step in flight is cut: the drain does not wait for its tick
      await first;
      await rejectsWith(step, Code.CANCELLED);
      connection.close();
      await server.close();
      await server.drain(); // after close: nothing to drain
    } finally {
      await server.close();
    }
  });
});

describe("simbridge serve and SIGTERM", () => {
  it("answers the step in flight, prints the draining line and exits 0", async () => {
    const { child, address } = await startServeProcess(["--port", "0", "--task", TASK]);
    let out = "";
    child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const { connection, step } = await sessionWithStepInFlight({ address }, async () => (await fetchServerStatus(address)).pendingRequests);
      child.kill("SIGTERM");
      assert.equal((await step).envIds.length, 1);
      assert.equal(await exited, 0);
      assert.match(out, /^draining: 1 sessions, 1 envs; new sessions refused$/m);
      connection.close();
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("a second signal closes at once, without waiting for a client that does not read", async () => {
    const { child, address } = await startServeProcess(["--port", "0", "--task", TASK, "--drain-timeout", "60000"]);
    let out = "";
    child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
    const exited = new Promise<string>((resolve) => child.once("exit", (code, signal) => resolve(`${code} ${signal}`)));
    const client = await nonReadingSession(address);
    try {
      await until("the non-reader's session to be paused", async () => ((await fetchServerStatus(address)).pausedSessions === 1 ? true : undefined));
      child.kill("SIGTERM");
      await until("the draining line", () => (/^draining: 1 sessions, 64 envs; new sessions refused$/m.test(out) ? true : undefined));
      child.kill("SIGTERM");
      // Within the test's time, not the 60 s drain timeout. The non-reader usually holds the drain until
      // the second signal ("second signal: closing now"); when its answers fit the transport's windows the
      // drain ends first — either way the process must exit 0, never be killed by the late signal.
      assert.equal(await exited, "0 null", out);
      assert.match(out, /^draining: 1 sessions, 64 envs; new sessions refused$/m);
    } finally {
      client.close();
      child.kill("SIGKILL");
    }
  });
});
