// A hostile client against a real gRPC server on port 0: ids over the whole
// uint64 range, requests the server will not decode, huge strings, prototype
// names as option names, BOOL actions, calls after close. Each case gets a
// precise, small error, and the session goes on.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Code, SimbridgeError } from "../../src/core/errors.js";
import { loadProtocol } from "../../src/protocol/service-definition.js";
import { TaskRegistry } from "../../src/env/task-registry.js";
import { LocalVectorEnv } from "../../src/env/local-vector-env.js";
import { Connection } from "../../src/client/connection.js";
import { RemoteVectorEnv } from "../../src/client/remote-vector-env.js";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { pointReachV0 } from "../../sims/point/point-reach-v0.js";
import { rejectsWith } from "../helpers/rejects-with.js";
import { rawSession } from "../helpers/grpc-calls.js";
import type { Value } from "../../src/protocol/generated/simbridge/v1/Value.js";

const registry = new TaskRegistry([pointReachV0]);
const LIMIT = 4096; // bytes per request
let server: RunningServer; // default limit (4 MiB): room for 1 MiB strings
let small: RunningServer; // LIMIT

before(async () => {
  server = await startServer({ registry, port: 0 });
  small = await startServer({ registry, port: 0, maxMessageBytes: LIMIT });
});
after(async () => {
  await server.close();
  await small.close();
});

interface Answer {
  readonly id: string | number;
  readonly error: { code: number; message: string; field: string } | null;
  readonly payload?: string;
  readonly make_envs?: { env_ids: number[] };
}

/** A raw session after its handshake; `send` writes one request (object or bytes) and resolves with its answer. */
async function raw(address: string) {
  const s = rawSession(address);
  let n = 0;
  const send = async (request: Parameters<typeof s.write>[0]): Promise<Answer> => {
    s.write(request);
    await s.got(++n);
    return s.responses[n - 1] as unknown as Answer;
  };
  const hello = await send({ id: 1, handshake: { protocol_version: "1.0.0" } });
  assert.equal(hello.error, null);
  return { send, close: () => s.close() };
}

/** The protobuf varint of `v`. */
function varint(v: bigint): number[] {
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

const IDS = ["0", "1", String(2n ** 53n + 1n), String(2n ** 63n), String(2n ** 64n - 1n)];
const MiB = 1024 * 1024;

describe("request ids over the whole uint64 range", () => {
  it("a request's id comes back exactly (0, 2^53+1, 2^63, 2^64−1)", async () => {
    const s = await raw(server.address);
    try {
      for (const id of IDS) {
        const ok = await s.send({ id, list_tasks: {} });
        assert.equal(String(ok.id), id);
        assert.equal(ok.payload, "list_tasks");
        const failed = await s.send({ id, make_envs: { task: "Nope-v9", count: 1 } });
        assert.equal(String(failed.id), id, "an error answer echoes the id too");
        assert.equal(failed.error!.code, Code.NOT_FOUND);
      }
    } finally {
      s.close();
    }
  });

  it("bytes that do not decode are answered with their id when field 1 leads (INVALID_ARGUMENT)", async () => {
    const s = await raw(server.address);
    try {
      for (const id of IDS) {
        // id, then field 2 (length-delimited) whose length varint is cut off.
        const r = await s.send(Buffer.from([0x08, ...varint(BigInt(id)), 0x12, 0x99]));
        assert.equal(String(r.id), id);
        assert.equal(r.error!.code, Code.INVALID_ARGUMENT);
        assert.match(r.error!.message, /could not decode request/);
      }
      const after = await s.send({ id: 7, list_tasks: {} });
      assert.equal(after.payload, "list_tasks", "the session goes on");
    } finally {
      s.close();
    }
  });

  it("a request over the size limit is answered with its id (RESOURCE_EXHAUSTED)", async () => {
    const s = await raw(small.address);
    try {
      for (const id of IDS) {
        const r = await s.send({ id, step: { env_ids: [1], actions: { dtype: 1, shape: [1, 2 * LIMIT], data: Buffer.alloc(8 * LIMIT) } } });
        assert.equal(String(r.id), id);
        assert.equal(r.error!.code, Code.RESOURCE_EXHAUSTED);
        assert.match(r.error!.message, new RegExp(`limit of ${LIMIT} bytes`));
      }
    } finally {
      s.close();
    }
  });

  it("a malformed varint in field 1 → id 0 and INVALID_ARGUMENT, over the size limit too", async () => {
    const s = await raw(small.address);
    try {
      const malformed = [
        [0x08], // no value
        [0x08, 0x80, 0x80], // cut off
        [0x08, ...Array(10).fill(0xff), 0x01], // 11 bytes
        [0x08, ...Array(9).fill(0xff), 0x02], // 2^64 and more
      ];
      for (const bytes of malformed) {
        for (const padded of [Buffer.from(bytes), Buffer.concat([Buffer.from(bytes), Buffer.alloc(2 * LIMIT, 0xff)])]) {
          const r = await s.send(padded);
          assert.equal(String(r.id), "0", `bytes ${Buffer.from(bytes).toString("hex")}`);
          assert.equal(r.error!.code, Code.INVALID_ARGUMENT);
          assert.match(r.error!.message, /field 1 \(id\) is not a valid uint64 varint/);
        }
      }
      assert.equal((await s.send({ id: 9, list_tasks: {} })).payload, "list_tasks");
    } finally {
      s.close();
    }
  });

  it("seeds travel exactly: 2^53 − 1 is taken, 2^53 + 1 refused naming the exact value", async () => {
    const s = await raw(server.address);
    try {
      const made = await s.send({ id: 2, make_envs: { task: "PointReach-v0", count: 1 } });
      const envId = made.make_envs!.env_ids[0]!;
      const ok = await s.send({ id: 3, reset: { envs: [{ env_id: envId, seed: String(2n ** 53n - 1n) }] } });
      assert.equal(ok.error, null);
      const big = String(2n ** 53n + 1n);
      const r = await s.send({ id: 4, reset: { envs: [{ env_id: envId, seed: big }] } });
      assert.equal(r.error!.code, Code.INVALID_ARGUMENT);
      assert.match(r.error!.message, new RegExp(`got ${big}$`));
      assert.equal(r.error!.field, "reset.envs[0].seed");
    } finally {
      s.close();
    }
  });

  it("the TypeScript client works on string ids and refuses seeds the encoder would change, as a local env does", async () => {
    const remote = await RemoteVectorEnv.connect(server.address, "PointReach-v0", 1);
    const local = await LocalVectorEnv.make(registry, "PointReach-v0", 1);
    try {
      assert.equal(typeof remote.connection.server.maxMessageBytes, "number");
      assert.equal(remote.connection.server.maxMessageBytes, 4 * MiB);
      for (const seed of [1.5, -1, 2 ** 53]) {
        const l = await rejectsWith(local.reset([{ index: 0, seed }]), Code.INVALID_ARGUMENT, /seed: must be an integer in \[0, 2\^53\)/);
        const r = await rejectsWith(remote.reset([{ index: 0, seed }]), Code.INVALID_ARGUMENT, /seed: must be an integer in \[0, 2\^53\)/);
        assert.equal(r.message, l.message);
      }
      const a = await remote.reset([{ index: 0, seed: 2 ** 53 - 1 }]);
      const b = await local.reset([{ index: 0, seed: 2 ** 53 - 1 }]);
      assert.deepEqual(Array.from(a.observations[0]!), Array.from(b.observations[0]!));
    } finally {
      await remote.close();
      await local.close();
    }
  });
});

describe("user input is quoted truncated in errors", () => {
  const huge = "x".repeat(MiB);
  /** The first 200 characters, an ellipsis, and the length. */
  const truncated = new RegExp(`'${"x".repeat(200)}…' \\(${MiB} characters\\)`);

  function assertSmall(e: SimbridgeError): void {
    assert.ok(e.message.length < 1000, `message of ${e.message.length} characters`);
    assert.ok(e.field.length < 300, `field of ${e.field.length} characters`);
  }

  it("a 1 MiB task name → NOT_FOUND quoting 200 characters", async () => {
    const c = await Connection.open(server.address);
    try {
      const e = await rejectsWith(c.makeEnvs(huge, 1), Code.NOT_FOUND, truncated);
      assert.match(e.message, /^unknown task 'x{200}…' \(1048576 characters\); this server has: PointReach-v0$/);
      assertSmall(e);
    } finally {
      c.close();
    }
  });

  it("1 MiB option names (make and reset) → INVALID_ARGUMENT quoting them truncated, in the message and the field", async () => {
    const c = await Connection.open(server.address);
    try {
      const e1 = await rejectsWith(c.makeEnvs("PointReach-v0", 1, { [huge]: 1 }), Code.INVALID_ARGUMENT, truncated);
      assertSmall(e1);
      assert.match(e1.field, /^make_envs\.options\.x{200}… \(1048576 characters\)$/);
      const { envIds } = await c.makeEnvs("PointReach-v0", 1);
      const e2 = await rejectsWith(c.reset([{ envId: envIds[0]!, options: { [huge]: true } }]), Code.INVALID_ARGUMENT, truncated);
      assertSmall(e2);
      // A value without a kind fails while decoding, before the name is checked: still truncated.
      const s = await raw(server.address);
      try {
        const r = await s.send({ id: 5, make_envs: { task: "PointReach-v0", count: 1, options: { [huge]: {} } } });
        assert.equal(r.error!.code, Code.INVALID_ARGUMENT);
        assert.match(r.error!.message, /option value has no kind set/);
        assert.ok(r.error!.message.length < 1000 && r.error!.field.length < 300);
      } finally {
        s.close();
      }
    } finally {
      c.close();
    }
  });

  it("a 1 MiB protocol version → INVALID_ARGUMENT or FAILED_PRECONDITION, quoted truncated", async () => {
    assertSmall(await rejectsWith(Connection.open(server.address, { protocolVersion: huge }), Code.INVALID_ARGUMENT, truncated));
    const e = await rejectsWith(Connection.open(server.address, { protocolVersion: `2.0.0-${huge}` }), Code.FAILED_PRECONDITION, /client speaks 2\.0\.0-x{194}… \(1048582 characters\), this server speaks 1\.0\.0/);
    assertSmall(e);
  });

  it("long lists (an action shape, a goal tensor) are cut to 32 values", async () => {
    const c = await Connection.open(server.address);
    try {
      const { envIds } = await c.makeEnvs("PointReach-v0", 1);
      await c.reset([{ envId: envIds[0]!, seed: 1 }]);
      const shape = [1, ...Array<number>(100_000).fill(1), 2];
      const e1 = await rejectsWith(c.step(envIds, new Float32Array(2), shape), Code.INVALID_ARGUMENT, /but got \[1(, 1){31}, … \(100002 values\)\]/);
      assertSmall(e1);
      const e2 = await rejectsWith(c.reset([{ envId: envIds[0]!, options: { goal: new Float64Array(100_000) } }]), Code.INVALID_ARGUMENT, /got \[0(, 0){31}, … \(100000 values\)\]/);
      assertSmall(e2);
    } finally {
      c.close();
    }
  });
});

describe("a batched reset names the bad entry", () => {
  it("envs[i] and the env id, in the message and the field; nothing is reset", async () => {
    const c = await Connection.open(server.address);
    try {
      const { envIds } = await c.makeEnvs("PointReach-v0", 3);
      const [a, b, d] = envIds as [number, number, number];
      await c.reset(envIds.map((envId) => ({ envId, seed: 5 })));
      const cases: Array<[Parameters<Connection["reset"]>[0], RegExp, string]> = [
        [[{ envId: a }, { envId: b }, { envId: d, options: { colour: 1 } }], new RegExp(`^envs\\[2\\] \\(env ${d}\\): options: unknown PointReach-v0 reset option 'colour'`), "reset.envs[2].options.colour"],
        [[{ envId: a }, { envId: b, options: { goal: Float64Array.of(5, 5) } }], new RegExp(`^envs\\[1\\] \\(env ${b}\\): options.goal: expected 2 values`), "reset.envs[1].options.goal"],
        [[{ envId: a }, { envId: b, options: { goal: 1 } }], new RegExp(`^envs\\[1\\] \\(env ${b}\\): options.goal: expected a tensor but got a number`), "reset.envs[1].options.goal"],
        [[{ envId: a }, { envId: 999 }], /^envs\[1\]: env 999 does not exist/, "reset.envs[1]"],
      ];
      for (const [entries, message, field] of cases) {
        const e = await rejectsWith(c.reset(entries), message.source.includes("999") ? Code.NOT_FOUND : Code.INVALID_ARGUMENT, message);
        assert.equal(e.field, field);
      }
      // Nothing was reset: a step continues the first episode of every env.
      const s = await c.step(envIds, new Float32Array(6), [3, 2]);
      const ref = await Connection.open(server.address);
      const r = await ref.makeEnvs("PointReach-v0", 3);
      await ref.reset(r.envIds.map((envId) => ({ envId, seed: 5 })));
      const rs = await ref.step(r.envIds, new Float32Array(6), [3, 2]);
      ref.close();
      assert.deepEqual(Array.from(s.observations[0]!), Array.from(rs.observations[0]!));
    } finally {
      c.close();
    }
  });
});

describe("dtypes", () => {
  it("a BOOL action tensor is reported as bool, a UINT8 one as uint8", async () => {
    const c = await Connection.open(server.address);
    try {
      const { envIds } = await c.makeEnvs("PointReach-v0", 1);
      await c.reset([{ envId: envIds[0]!, seed: 1 }]);
      await rejectsWith(c.request({ step: { env_ids: envIds, actions: { dtype: 6, shape: [1, 2], data: Buffer.from([1, 0]) } } }), Code.INVALID_ARGUMENT, /expected dtype float32 but got bool$/);
      await rejectsWith(c.request({ step: { env_ids: envIds, actions: { dtype: 5, shape: [1, 2], data: Buffer.from([1, 0]) } } }), Code.INVALID_ARGUMENT, /expected dtype float32 but got uint8$/);
      // A real-time env checks it on its own path: the same answer.
      const rt = await c.makeEnvs("PointReach-v0", 1, {}, 1000);
      await c.reset([{ envId: rt.envIds[0]!, seed: 1 }]);
      await rejectsWith(c.request({ step: { env_ids: rt.envIds, actions: { dtype: 6, shape: [1, 2], data: Buffer.from([1, 0]) } } }), Code.INVALID_ARGUMENT, /expected dtype float32 but got bool$/);
    } finally {
      c.close();
    }
  });
});

describe("calls after close", () => {
  it("are FAILED_PRECONDITION in-process, remote and on the wire; ids never made are NOT_FOUND", async () => {
    const local = await LocalVectorEnv.make(registry, "PointReach-v0", 1);
    await local.close();
    await rejectsWith(local.reset(), Code.FAILED_PRECONDITION, /closed/);
    const remote = await RemoteVectorEnv.connect(server.address, "PointReach-v0", 1);
    await remote.close();
    await rejectsWith(remote.reset(), Code.FAILED_PRECONDITION, /closed/);

    const c = await Connection.open(server.address);
    try {
      const { envIds } = await c.makeEnvs("PointReach-v0", 2);
      await c.reset(envIds.map((envId) => ({ envId })));
      await c.closeEnvs([envIds[0]!]);
      const closed = envIds[0]!;
      await rejectsWith(c.reset([{ envId: closed }]), Code.FAILED_PRECONDITION, new RegExp(`env ${closed} was closed`));
      await rejectsWith(c.step([closed], new Float32Array(2), [1, 2]), Code.FAILED_PRECONDITION, /was closed/);
      await rejectsWith(c.closeEnvs([closed]), Code.FAILED_PRECONDITION, /was closed/);
      await rejectsWith(c.realtimeStats([closed]), Code.FAILED_PRECONDITION, /was closed/);
      await rejectsWith(c.step([999], new Float32Array(2), [1, 2]), Code.NOT_FOUND, /env 999 does not exist \(never made\)/);
      await c.step([envIds[1]!], new Float32Array(2), [1, 2]); // the other env goes on
    } finally {
      c.close();
    }
    await rejectsWith(c.listTasks(), Code.FAILED_PRECONDITION, /connection .* is closed/);
  });
});

describe("prototype names are option names like any other", () => {
  const NAMES = ["__proto__", "constructor", "prototype", "toString"];

  /** `{ [name]: value }` as an own key, whatever the name. */
  function option<T>(name: string, value: T): Record<string, T> {
    const o = Object.create(null) as Record<string, T>;
    o[name] = value;
    return o;
  }

  for (const name of NAMES) {
    it(`make and reset option '${name}' → INVALID_ARGUMENT naming it (raw requests)`, async () => {
      const s = await raw(server.address);
      try {
        const make = await s.send({ id: 2, make_envs: { task: "PointReach-v0", count: 1, options: option(name, { number: 1 }) } });
        assert.equal(make.error?.code, Code.INVALID_ARGUMENT, `make with option ${name} succeeded`);
        assert.match(make.error!.message, new RegExp(`unknown PointReach-v0 make option '${name}' \\(accepted: max_episode_steps, reward_type\\)`));
        assert.equal(make.error!.field, `make_envs.options.${name}`);

        const made = await s.send({ id: 3, make_envs: { task: "PointReach-v0", count: 1 } });
        const envId = made.make_envs!.env_ids[0]!;
        const values: Value[] = [{ number: 1 }, { tensor: { dtype: 2, shape: [2], data: Buffer.alloc(16) } }, { text: "x" }];
        for (const value of values) {
          const reset = await s.send({ id: 4, reset: { envs: [{ env_id: envId, options: option(name, value) }] } });
          assert.equal(reset.error?.code, Code.INVALID_ARGUMENT, `reset with option ${name} = ${JSON.stringify(value)} succeeded`);
          assert.match(reset.error!.message, new RegExp(`^envs\\[0\\] \\(env ${envId}\\): options: unknown PointReach-v0 reset option '${name}' \\(accepted: goal\\)`));
          assert.equal(reset.error!.field, `reset.envs[0].options.${name}`);
        }
      } finally {
        s.close();
      }
    });

    it(`make and reset option '${name}' → INVALID_ARGUMENT through the TypeScript client, as in-process`, async () => {
      const c = await Connection.open(server.address);
      try {
        await rejectsWith(c.makeEnvs("PointReach-v0", 1, option(name, 1)), Code.INVALID_ARGUMENT, new RegExp(`make option '${name}'`));
        const { envIds } = await c.makeEnvs("PointReach-v0", 1);
        await rejectsWith(c.reset([{ envId: envIds[0]!, options: option(name, Float64Array.of(0, 0)) }]), Code.INVALID_ARGUMENT, new RegExp(`reset option '${name}'`));
      } finally {
        c.close();
      }
      await rejectsWith(LocalVectorEnv.make(registry, "PointReach-v0", 1, option(name, 1)), Code.INVALID_ARGUMENT, new RegExp(`make option '${name}'`));
      const local = await LocalVectorEnv.make(registry, "PointReach-v0", 1);
      await rejectsWith(local.reset([{ index: 0, options: option(name, 1) }]), Code.INVALID_ARGUMENT, new RegExp(`reset option '${name}'`));
      await local.close();
    });
  }

  it("a prototype-named map key survives the protocol codec both ways (what the checks above rely on)", () => {
    const def = loadProtocol().proto.simbridge.v1.EnvironmentService.service.Session;
    const back = def.requestDeserialize(def.requestSerialize({ id: 1, make_envs: { task: "t", count: 1, options: option("__proto__", { number: 1 }) } })) as { make_envs: { options: object } };
    assert.deepEqual(Object.keys(back.make_envs.options), ["__proto__"]);
  });
});
