// Every kind of bad input, sent through a real gRPC server on port 0: each gets
// a precise error, and the session and every other env keep working.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { Code, SimbridgeError } from "../../src/core/errors.js";
import { loadProtocol, SERVICE_NAME } from "../../src/protocol/service-definition.js";
import { TaskRegistry } from "../../src/env/task-registry.js";
import { StepStatus } from "../../src/env/task.js";
import { Connection } from "../../src/client/connection.js";
import { RemoteVectorEnv } from "../../src/client/remote-vector-env.js";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { pointReachV0 } from "../../sims/point/point-reach-v0.js";
import { encodeTensor } from "../../src/protocol/tensor-codec.js";
import { rejectsWith } from "../helpers/rejects-with.js";
import { healthCheck, listTasksUnary, rawSession } from "../helpers/grpc-calls.js";

const registry = new TaskRegistry([pointReachV0]);
const TOKEN = "s3cret";
let open: RunningServer;
let guarded: RunningServer;

before(async () => {
  open = await startServer({ registry, port: 0, maxMessageBytes: 64 * 1024, maxEnvsPerSession: 8 });
  guarded = await startServer({ registry, port: 0, token: TOKEN });
});
after(async () => {
  await open.close();
  await guarded.close();
});

/** A session with two running envs; checks both still step at the end. */
async function withSession(fn: (c: Connection, ids: number[]) => Promise<void>): Promise<void> {
  const c = await Connection.open(open.address);
  try {
    const { envIds } = await c.makeEnvs("PointReach-v0", 2);
    await c.reset(envIds.map((envId) => ({ envId, seed: envId })));
    await fn(c, envIds);
    const s = await c.step(envIds, new Float32Array([0.1, 0.1, -0.1, -0.1]), [2, 2]);
    assert.deepEqual([...s.status], [StepStatus.RUNNING, StepStatus.RUNNING], "the session no longer steps after the error");
  } finally {
    c.close();
  }
}

describe("bad input over gRPC", () => {
  it("wrong action shape → INVALID_ARGUMENT naming the shapes", () =>
    withSession(async (c, ids) => {
      const e = await rejectsWith(c.step(ids, new Float32Array(6), [2, 3]), Code.INVALID_ARGUMENT, /expected shape \[2, 2\] but got \[2, 3\]/);
      assert.equal(e.field, "step.actions");
    }));

  it("wrong action dtype → INVALID_ARGUMENT", () =>
    withSession(async (c, ids) => {
      await rejectsWith(
        c.request({ step: { env_ids: ids, actions: encodeTensor(new Float64Array(4), [2, 2]) } }),
        Code.INVALID_ARGUMENT,
        /expected dtype float32 but got float64/,
      );
    }));

  it("tensor bytes that do not match the shape → INVALID_ARGUMENT", () =>
    withSession(async (c, ids) => {
      await rejectsWith(
        c.request({ step: { env_ids: ids, actions: { dtype: 1, shape: [2, 2], data: Buffer.alloc(7) } } }),
        Code.INVALID_ARGUMENT,
        /needs 16 bytes but got 7/,
      );
    }));

  it("NaN and Inf actions → INVALID_ARGUMENT naming env and element", () =>
    withSession(async (c, ids) => {
      await rejectsWith(c.step(ids, new Float32Array([0, 0, 0, Number.NaN]), [2, 2]), Code.INVALID_ARGUMENT, /element 1 of env 1 is NaN/);
      await rejectsWith(c.step(ids, new Float32Array([Number.NEGATIVE_INFINITY, 0, 0, 0]), [2, 2]), Code.INVALID_ARGUMENT, /-Infinity/);
    }));

  it("a batched reset with one bad option resets nothing", () =>
    withSession(async (c, ids) => {
      const before = await c.step(ids, new Float32Array(4), [2, 2]);
      const e = await rejectsWith(
        c.reset([{ envId: ids[0]!, seed: 9 }, { envId: ids[1]!, options: { goal: new Float64Array([0, 7]) } }]),
        Code.INVALID_ARGUMENT,
        /options.goal: expected 2 values/,
      );
      // The message and the field name the entry and its env.
      assert.match(e.message, new RegExp(`^envs\\[1\\] \\(env ${ids[1]}\\): `));
      assert.equal(e.field, "reset.envs[1].options.goal");
      // env 0 was not reset: it continues its episode exactly as a reference session does.
      const ref = await Connection.open(open.address);
      const { envIds } = await ref.makeEnvs("PointReach-v0", 1);
      await ref.reset([{ envId: envIds[0]!, seed: ids[0]! }]);
      const refFirst = await ref.step(envIds, new Float32Array(2), [1, 2]);
      assert.deepEqual(Array.from(refFirst.observations[0]!), Array.from(before.observations[0]!.subarray(0, 4)));
      const refSecond = await ref.step(envIds, new Float32Array([0.3, 0.3]), [1, 2]);
      ref.close();
      const after = await c.step([ids[0]!], new Float32Array([0.3, 0.3]), [1, 2]);
      assert.deepEqual(Array.from(after.observations[0]!), Array.from(refSecond.observations[0]!));
    }));

  it("unknown task → NOT_FOUND listing the known tasks", () =>
    withSession(async (c) => {
      await rejectsWith(c.makeEnvs("Nope-v9", 1), Code.NOT_FOUND, /unknown task 'Nope-v9'.*PointReach-v0/);
    }));

  it("unknown env id → NOT_FOUND", () =>
    withSession(async (c) => {
      await rejectsWith(c.step([999], new Float32Array(2), [1, 2]), Code.NOT_FOUND, /env 999 does not exist/);
      await rejectsWith(c.reset([{ envId: 999 }]), Code.NOT_FOUND);
      await rejectsWith(c.closeEnvs([999]), Code.NOT_FOUND);
    }));

  it("step before reset and after close → FAILED_PRECONDITION", () =>
    withSession(async (c) => {
      const { envIds } = await c.makeEnvs("PointReach-v0", 1);
      await rejectsWith(c.step(envIds, new Float32Array(2), [1, 2]), Code.FAILED_PRECONDITION, /has not been reset/);
      await c.closeEnvs(envIds);
      await rejectsWith(c.step(envIds, new Float32Array(2), [1, 2]), Code.FAILED_PRECONDITION, /env \d+ was closed/);
    }));

  it("a request before the handshake → FAILED_PRECONDITION, then the handshake still works", async () => {
    const { proto } = loadProtocol();
    const client = new proto.simbridge.v1.EnvironmentService(open.address, grpc.credentials.createInsecure());
    const stream = client.Session();
    const responses: unknown[] = [];
    const done = new Promise<void>((resolve) => {
      stream.on("data", (r: unknown) => {
        responses.push(r);
        if (responses.length === 2) resolve();
      });
    });
    stream.write({ id: 1, list_tasks: {} });
    stream.write({ id: 2, handshake: { protocol_version: "1.2.0" } });
    await done;
    stream.end();
    client.close();
    const [first, second] = responses as Array<{ id: string; error: { code: number; message: string } | null; payload?: string }>;
    assert.equal(first!.id, "1"); // uint64 ids come back as decimal strings
    assert.equal(first!.error!.code, Code.FAILED_PRECONDITION);
    assert.match(first!.error!.message, /before handshake/);
    assert.equal(second!.id, "2");
    assert.equal(second!.error, null);
    assert.equal(second!.payload, "handshake");
  });

  it("a different protocol major version → FAILED_PRECONDITION saying both versions", async () => {
    await rejectsWith(Connection.open(open.address, { protocolVersion: "2.0.0" }), Code.FAILED_PRECONDITION, /client speaks 2\.0\.0, this server speaks 1\.0\.0/);
  });

  it("a missing or wrong token → UNAUTHENTICATED; the right one works", async () => {
    await rejectsWith(Connection.open(guarded.address), Code.UNAUTHENTICATED, /requires a bearer token/);
    await rejectsWith(Connection.open(guarded.address, { token: "wrong" }), Code.UNAUTHENTICATED, /wrong bearer token/);
    const c = await Connection.open(guarded.address, { token: TOKEN });
    assert.equal((await c.listTasks())[0]!.name, "PointReach-v0");
    c.close();
  });

  it("too many envs → RESOURCE_EXHAUSTED, nothing is made", () =>
    withSession(async (c) => {
      await rejectsWith(c.makeEnvs("PointReach-v0", 7), Code.RESOURCE_EXHAUSTED, /limit of 8/);
      await c.makeEnvs("PointReach-v0", 6); // 2 + 6 = 8 fits: the failed call made none
    }));

  it("bad make options → INVALID_ARGUMENT naming the option", () =>
    withSession(async (c) => {
      await rejectsWith(c.makeEnvs("PointReach-v0", 1, { speed: 2 }), Code.INVALID_ARGUMENT, /unknown PointReach-v0 make option 'speed'/);
      await rejectsWith(c.makeEnvs("PointReach-v0", 1, { max_episode_steps: true }), Code.INVALID_ARGUMENT, /expected a number but got a bool/);
    }));

  it("an oversized request → RESOURCE_EXHAUSTED, the session goes on", () =>
    withSession(async (c, ids) => {
      const big = new Float32Array(40_000); // 160 kB > 64 kB limit, under the transport limit
      await rejectsWith(c.step(ids, big, [2, 20_000]), Code.RESOURCE_EXHAUSTED, /exceeds this server's limit of 65536 bytes/);
    }));

  it("a request beyond the transport limit ends only that stream (RESOURCE_EXHAUSTED)", async () => {
    const other = await Connection.open(open.address);
    const { envIds } = await other.makeEnvs("PointReach-v0", 1);
    await other.reset([{ envId: envIds[0]!, seed: 1 }]);
    const c = await Connection.open(open.address);
    const huge = new Float32Array(2 * 1024 * 1024 / 4 + 1024); // > 64 KiB + 1 MiB
    await rejectsWith(c.step([1], huge, [1, huge.length]), Code.RESOURCE_EXHAUSTED);
    assert.equal(c.isOpen, false);
    c.close();
    const s = await other.step(envIds, new Float32Array([0.2, 0.2]), [1, 2]);
    assert.equal(s.status[0], StepStatus.RUNNING);
    other.close();
  });

  it("garbage bytes on the stream → INVALID_ARGUMENT with id 0, the session goes on", async () => {
    const session = rawSession(open.address);
    const { responses } = session;
    session.write({ id: 1, handshake: { protocol_version: "1.0.0" } });
    await session.got(1);
    session.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x99])); // not a protobuf message
    await session.got(2);
    session.write({ id: 3, list_tasks: {} });
    await session.got(3);
    session.close();
    assert.equal(String(responses[1]!.id), "0"); // no leading field 1: the id is unknown
    assert.equal(responses[1]!.error!.code, Code.INVALID_ARGUMENT);
    assert.equal(String(responses[2]!.id), "3");
    assert.equal(responses[2]!.payload, "list_tasks");
  });

  it("errors in one session never touch another session's envs", async () => {
    const a = await Connection.open(open.address);
    const b = await Connection.open(open.address);
    try {
      const ea = await a.makeEnvs("PointReach-v0", 1);
      const eb = await b.makeEnvs("PointReach-v0", 1);
      await a.reset([{ envId: ea.envIds[0]!, seed: 1 }]);
      await b.reset([{ envId: eb.envIds[0]!, seed: 1 }]);
      // Env ids are per session: b cannot even name a's envs. Its own errors leave a alone.
      await rejectsWith(b.step(eb.envIds, new Float32Array([Number.NaN, 0]), [1, 2]), Code.INVALID_ARGUMENT);
      const sa = await a.step(ea.envIds, new Float32Array([0.5, 0.5]), [1, 2]);
      const sb = await b.step(eb.envIds, new Float32Array([0.5, 0.5]), [1, 2]);
      assert.deepEqual(Array.from(sa.observations[0]!), Array.from(sb.observations[0]!));
    } finally {
      a.close();
      b.close();
    }
  });

  it("pipelined requests are answered in order", async () => {
    const c = await Connection.open(open.address);
    try {
      const { envIds } = await c.makeEnvs("PointReach-v0", 1);
      await c.reset([{ envId: envIds[0]!, seed: 3 }]);
      const order: number[] = [];
      const steps = Array.from({ length: 20 }, (_, i) =>
        c.step(envIds, new Float32Array([0.1 * (i % 3), 0]), [1, 2]).then((s) => {
          order.push(i);
          return s;
        }),
      );
      const results = await Promise.all(steps);
      assert.deepEqual(order, Array.from({ length: 20 }, (_, i) => i));
      assert.equal(results[19]!.status[0], StepStatus.RUNNING);
    } finally {
      c.close();
    }
  });

  it("serves the standard health service and server reflection", async () => {
    const health = await healthCheck(open.address);
    assert.equal(health[1], 1); // field 1 (status) varint: SERVING = 1
    const services = await new Promise<string>((resolve, reject) => {
      const client = new grpc.Client(open.address, grpc.credentials.createInsecure());
      const call = client.makeBidiStreamRequest(
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        (b: Buffer) => b,
        (b: Buffer) => b,
      );
      // ServerReflectionRequest { list_services (field 7) = "" }
      call.on("data", (b: Buffer) => {
        resolve(b.toString("latin1"));
        call.end();
        client.close();
      });
      call.on("error", reject);
      call.write(Buffer.from([0x3a, 0x00]));
    });
    assert.ok(services.includes(SERVICE_NAME), `reflection does not list ${SERVICE_NAME}`);
  });

  it("ListTasks unary call honours the token", async () => {
    assert.equal((await listTasksUnary(open.address)).tasks[0]!.name, "PointReach-v0");
    await assert.rejects(listTasksUnary(guarded.address), (e: grpc.ServiceError) => e.code === grpc.status.UNAUTHENTICATED);
    assert.equal((await listTasksUnary(guarded.address, TOKEN)).tasks.length, 1);
  });

  it("a request that gets no answer in time → DEADLINE_EXCEEDED naming it", async () => {
    // A server that accepts the stream but never answers.
    const { proto } = loadProtocol();
    const silent = new grpc.Server();
    silent.addService(proto.simbridge.v1.EnvironmentService.service, {
      Session: () => undefined,
      ListTasks: () => undefined,
    });
    const port = await new Promise<number>((res, rej) => silent.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
    try {
      await rejectsWith(Connection.open(`127.0.0.1:${port}`, { timeoutMs: 200 }), Code.DEADLINE_EXCEEDED, /handshake request #1 .* within 200 ms/);
    } finally {
      silent.forceShutdown();
    }
  });

  it("a server that dies mid-session fails pending and later calls with UNAVAILABLE", async () => {
    const doomed = await startServer({ registry, port: 0 });
    const env = await RemoteVectorEnv.connect(doomed.address, "PointReach-v0", 1, {}, {}, { reconnect: false });
    await env.reset();
    await doomed.close();
    await assert.rejects(env.step(new Float32Array(2)), (e: unknown) => {
      assert.ok(e instanceof SimbridgeError);
      assert.ok([Code.UNAVAILABLE, Code.CANCELLED, Code.INTERNAL].includes(e.code as 14 | 1 | 13), `code ${e.code}: ${e.message}`);
      assert.match(e.message, /session ended/);
      return true;
    });
    await env.close();
  });
});
