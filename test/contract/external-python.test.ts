// The Python reference external environment (sims/external/python) passes the
// same conformance suite as the built-in tasks — from a real
// `python3 -m simbridge_external` process, over gRPC — and answers protocol
// errors (token, version, bad requests) the way the protocol says. Its
// real-time envs (make_envs.realtime_hz) are checked like the TypeScript
// server's (test/integration/realtime-tls.test.ts): counts and orderings only,
// no timing thresholds.
//
// It also offers Cart2D-v0's reward function (compute_reward), checked with
// the compute_reward suite, and a TD3+HER run with `--reward known` scores its
// relabelled goals with it over gRPC.
//
// Needs Debian's python3 with python3-grpcio, python3-numpy and
// protobuf-compiler, which `make test` installs from deps/apt-packages.txt. When they are missing the
// tests FAIL with a message naming the packages; they never skip.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { loadProtocol } from "../../src/protocol/service-definition.js";
import { Code, SimbridgeError } from "../../src/core/errors.js";
import { encodeTensor } from "../../src/protocol/tensor-codec.js";
import { StepStatus } from "../../src/env/task.js";
import { Connection } from "../../src/client/connection.js";
import { RemoteVectorEnv } from "../../src/client/remote-vector-env.js";
import { vectorEnvContract } from "./vector-env-contract.js";
import { computeRewardContract, computeRewardRefusedContract } from "./compute-reward-contract.js";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { trainRun } from "../../src/train/train-run.js";
import { readMetrics } from "../../src/train/metrics-log.js";
import { rejectsWith } from "../helpers/rejects-with.js";
import { healthCheck, listTasksUnary, rawSession } from "../helpers/grpc-calls.js";
import { gahilRunArgs, quiet, testRunArgs } from "../helpers/training-runs.js";
import { checkPython, PACKAGE_DIR, PYTHON, startPython, type PythonServer, stopPython } from "../helpers/python-server.js";
import { fetchServerStatus, type ServerStatus } from "../../src/client/server-status.js";

const TASK = "Cart2D-v0";
const TOKEN = "py-s3cret";

const servers: { plain?: PythonServer; guarded?: PythonServer; blackBox?: PythonServer; single?: PythonServer } = {};
function address(which: keyof typeof servers): string {
  const s = servers[which];
  if (!s) throw new Error(`the python server (${which}) did not start; see the error of the before hook`);
  return s.address;
}

before(async () => {
  checkPython();
  const [plain, guarded, blackBox, single] = await Promise.allSettled([
    startPython(),
    startPython("--token", TOKEN),
    startPython("--black-box"),
    startPython("--max-sessions", "1"),
  ]);
  for (const [name, r] of Object.entries({ plain, guarded, blackBox, single })) {
    if (r.status === "fulfilled") servers[name as keyof typeof servers] = r.value;
  }
  const failed = [plain, guarded, blackBox, single].find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
});

after(async () => {
  await Promise.all(Object.values(servers).map(stopPython));
});

vectorEnvContract(`${TASK} (Python, external) over gRPC`, (n) => RemoteVectorEnv.connect(address("plain"), TASK, n));
vectorEnvContract(`${TASK} (Python, external, black box) over gRPC`, (n) => RemoteVectorEnv.connect(address("blackBox"), TASK, n));
// A threshold at which random driving reaches some goals: step rewards of both kinds.
computeRewardContract(`${TASK} (Python, external) over gRPC`, { open: () => Connection.open(address("plain")), task: TASK, options: { distance_threshold: 0.5 } });
computeRewardRefusedContract(`${TASK} (Python, external, black box) over gRPC`, { open: () => Connection.open(address("blackBox")), task: TASK });

describe("Python external server: handshake", () => {
  it("announces protocol 1.0.0 and its capabilities, and lists Cart2D-v0", async () => {
    const c = await Connection.open(address("plain"));
    try {
      assert.equal(c.server.protocolVersion, "1.0.0");
      for (const cap of ["vector_envs", "partial_reset", "per_env_seed", "pipelining", "realtime"]) assert.ok(c.server.capabilities.includes(cap), cap);
      assert.ok(!c.server.capabilities.includes("real_time"), "the old spelling of the capability");
      assert.ok(c.server.maxEnvs > 0 && c.server.maxMessageBytes > 0 && c.server.sessionId);
      const [spec] = await c.listTasks();
      assert.equal(spec!.name, TASK);
      assert.deepEqual(spec!.observations.map((o) => [o.name, o.shape]), [["observation", [6]], ["achieved_goal", [2]], ["desired_goal", [2]]]);
      assert.deepEqual(spec!.action.shape, [2]);
      assert.deepEqual([spec!.hasReward, spec!.goalConditioned, spec!.blackBox], [true, true, false]);
      assert.deepEqual(spec!.infoKeys, ["distance", "speed"]);
    } finally {
      c.close();
    }
  });

  it("a missing or wrong token → UNAUTHENTICATED, the stream ends; the right one works", async () => {
    await rejectsWith(Connection.open(address("guarded")), Code.UNAUTHENTICATED, /requires a bearer token/);
    await rejectsWith(Connection.open(address("guarded"), { token: "wrong" }), Code.UNAUTHENTICATED, /wrong bearer token/);
    const env = await RemoteVectorEnv.connect(address("guarded"), TASK, 1, {}, { token: TOKEN });
    await env.reset([{ index: 0, seed: 1 }]);
    await env.step(new Float32Array([0.5, 0.5]));
    await env.close();
  });

  it("takes the token from the `authorization: Bearer` metadata alone", async () => {
    const { proto } = loadProtocol();
    const client = new proto.simbridge.v1.EnvironmentService(address("guarded"), grpc.credentials.createInsecure());
    const md = new grpc.Metadata();
    md.set("authorization", `Bearer ${TOKEN}`);
    const stream = client.Session(md);
    const response = new Promise<{ id: string; error: unknown; payload?: string }>((resolve, reject) => {
      stream.once("data", resolve);
      stream.once("error", reject);
    });
    stream.write({ id: 1, handshake: { protocol_version: "1.0.0" } }); // no handshake.token
    const r = await response;
    stream.end();
    client.close();
    assert.deepEqual([r.id, r.error, r.payload], ["1", null, "handshake"]); // uint64 ids decode as exact strings
  });

  it("a different protocol major → FAILED_PRECONDITION naming both versions; a bad semver → INVALID_ARGUMENT", async () => {
    await rejectsWith(Connection.open(address("plain"), { protocolVersion: "2.0.0" }), Code.FAILED_PRECONDITION, /client speaks 2\.0\.0, this server speaks 1\.0\.0/);
    await rejectsWith(Connection.open(address("plain"), { protocolVersion: "one" }), Code.INVALID_ARGUMENT, /not a semver/);
    const c = await Connection.open(address("plain"), { protocolVersion: "1.7.0" }); // minor versions are compatible
    c.close();
  });

  it("a request before the handshake → FAILED_PRECONDITION; garbage bytes → id 0; the session goes on", async () => {
    const session = rawSession(address("plain"));
    const { responses } = session;
    session.write({ id: 7, list_tasks: {} });
    session.write({ id: 8, handshake: { protocol_version: "1.0.0" } });
    session.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x99])); // not a protobuf message
    session.write({ id: 10, list_tasks: {} });
    await session.got(4);
    session.close();
    assert.deepEqual(responses.map((r) => String(r.id)), ["7", "8", "0", "10"]);
    assert.equal(responses[0]!.error!.code, Code.FAILED_PRECONDITION);
    assert.match(responses[0]!.error!.message, /before handshake/);
    assert.equal(responses[1]!.payload, "handshake");
    assert.equal(responses[2]!.error!.code, Code.INVALID_ARGUMENT);
    assert.equal(responses[3]!.payload, "list_tasks");
  });
});

describe("Python external server: Status", () => {
  // Sessions end on the server a moment after their client closes: poll (counts, not timing).
  async function statusWhen(want: (s: ServerStatus) => boolean): Promise<ServerStatus> {
    let s = await fetchServerStatus(address("guarded"), { token: TOKEN });
    for (let i = 0; i < 100 && !want(s); i++) {
      await new Promise((r) => setTimeout(r, 50));
      s = await fetchServerStatus(address("guarded"), { token: TOKEN });
    }
    return s;
  }

  it("counts sessions and envs behind the token, back to 0 when the client leaves", async () => {
    await rejectsWith(fetchServerStatus(address("guarded")), Code.UNAUTHENTICATED, /requires `authorization: Bearer <token>`/);
    await rejectsWith(fetchServerStatus(address("guarded"), { token: "wrong" }), Code.UNAUTHENTICATED, /requires/);
    const idle = await statusWhen((s) => s.sessions === 0);
    assert.deepEqual([idle.sessions, idle.envs, idle.pendingRequests, idle.queuedResponses, idle.maxInFlightPerSession], [0, 0, 0, 0, 1]);
    assert.equal(idle.serverName, "simbridge-external-python");
    assert.ok(idle.rssBytes > 0, "the server's resident memory");
    const env = await RemoteVectorEnv.connect(address("guarded"), TASK, 3, {}, { token: TOKEN });
    try {
      await env.reset([0, 1, 2].map((index) => ({ index, seed: index })));
      await env.step(new Float32Array(6));
      const busy = await fetchServerStatus(address("guarded"), { token: TOKEN });
      assert.deepEqual([busy.sessions, busy.envs, busy.watchers, busy.peakInFlightPerSession], [1, 3, 0, 1]);
    } finally {
      await env.close();
    }
    const after = await statusWhen((s) => s.sessions === 0);
    assert.deepEqual([after.sessions, after.envs, after.pendingRequests, after.queuedResponses, after.pausedSessions], [0, 0, 0, 0, 0]);
  });
});

describe("Python external server: per-request errors", () => {
  it("each bad request gets its code and a message naming the field; nothing changes, the session goes on", async () => {
    const c = await Connection.open(address("plain"));
    try {
      const e1 = await rejectsWith(c.makeEnvs("Nope-v9", 1), Code.NOT_FOUND, /unknown task 'Nope-v9'.*Cart2D-v0/);
      assert.equal(e1.field, "make_envs.task");
      await rejectsWith(c.makeEnvs(TASK, 1, { speed: 2 }), Code.INVALID_ARGUMENT, /unknown Cart2D-v0 make option 'speed'/);
      await rejectsWith(c.makeEnvs(TASK, 1, { max_episode_steps: true }), Code.INVALID_ARGUMENT, /max_episode_steps: expected a number but got a bool/);
      await rejectsWith(c.makeEnvs(TASK, 1, { max_episode_steps: 2.5 }), Code.INVALID_ARGUMENT, /must be an integer/);
      await rejectsWith(c.makeEnvs(TASK, 0), Code.INVALID_ARGUMENT, /count/);
      await rejectsWith(c.makeEnvs(TASK, 1000), Code.RESOURCE_EXHAUSTED, /limit of 64/);

      const { envIds } = await c.makeEnvs(TASK, 2);
      await rejectsWith(c.step(envIds, new Float32Array(4), [2, 2]), Code.FAILED_PRECONDITION, /has not been reset/);
      const first = await c.reset(envIds.map((envId) => ({ envId, seed: envId })));
      await rejectsWith(c.reset([{ envId: envIds[0]!, seed: 9 }, { envId: 999 }]), Code.NOT_FOUND, /env 999 does not exist/);
      await rejectsWith(c.reset([{ envId: envIds[0]!, seed: 9 }, { envId: envIds[1]!, options: { goal: Float64Array.of(3, 0) } }]), Code.INVALID_ARGUMENT, /goal: expected 2 values in \[-1, 1\]/);
      await rejectsWith(c.reset([{ envId: envIds[0]!, options: { colour: "red" } }]), Code.INVALID_ARGUMENT, /unknown Cart2D-v0 reset option 'colour'/);
      const e2 = await rejectsWith(c.step(envIds, new Float32Array(6), [2, 3]), Code.INVALID_ARGUMENT, /expected shape \[2, 2\] but got \[2, 3\]/);
      assert.equal(e2.field, "step.actions");
      await rejectsWith(c.request({ step: { env_ids: envIds, actions: encodeTensor(new Float64Array(4), [2, 2]) } }), Code.INVALID_ARGUMENT, /expected dtype float32 but got float64/);
      await rejectsWith(c.request({ step: { env_ids: envIds, actions: { dtype: 1, shape: [2, 2], data: Buffer.alloc(7) } } }), Code.INVALID_ARGUMENT, /needs 16 bytes but got 7/);
      await rejectsWith(c.step(envIds, new Float32Array([0, 0, 0, Number.NaN]), [2, 2]), Code.INVALID_ARGUMENT, /element 1 of env 1 is NaN/);
      await rejectsWith(c.step(envIds, new Float32Array([Number.NEGATIVE_INFINITY, 0, 0, 0]), [2, 2]), Code.INVALID_ARGUMENT, /-Infinity/);
      await rejectsWith(c.step([envIds[0]!, envIds[0]!], new Float32Array(4), [2, 2]), Code.INVALID_ARGUMENT, /listed twice/);
      await rejectsWith(c.step([999], new Float32Array(2), [1, 2]), Code.NOT_FOUND, /env 999 does not exist/);
      await rejectsWith(c.closeEnvs([envIds[0]!, 999]), Code.NOT_FOUND);

      // None of the failed requests touched an env: the state is still the one of the first reset.
      const again = await c.reset(envIds.map((envId) => ({ envId, seed: envId })));
      assert.deepEqual(again.observations.map((o) => Array.from(o)), first.observations.map((o) => Array.from(o)));
      const s = await c.step(envIds, new Float32Array([0.1, 0.1, -0.1, -0.1]), [2, 2]);
      assert.deepEqual([...s.status], [StepStatus.RUNNING, StepStatus.RUNNING]);
      assert.deepEqual(await c.closeEnvs(envIds), envIds);
      // A closed id is FAILED_PRECONDITION (as any call after close), as on the TypeScript server.
      await rejectsWith(c.step(envIds, new Float32Array(4), [2, 2]), Code.FAILED_PRECONDITION, /env \d+ was closed; make new envs/);
    } finally {
      c.close();
    }
  });

  it("answers pipelined requests in order", async () => {
    const c = await Connection.open(address("plain"));
    try {
      const { envIds } = await c.makeEnvs(TASK, 1);
      await c.reset([{ envId: envIds[0]!, seed: 3 }]);
      const order: number[] = [];
      const steps = Array.from({ length: 20 }, (_, i) => c.step(envIds, new Float32Array([0.1 * (i % 3), 0.2]), [1, 2]).then(() => order.push(i)));
      await Promise.all(steps);
      assert.deepEqual(order, Array.from({ length: 20 }, (_, i) => i));
    } finally {
      c.close();
    }
  });
});

describe("Python external server: the task", () => {
  it("ends an episode with TERMINATED on success (terminate_on_success), then refuses steps until reset", async () => {
    const env = await RemoteVectorEnv.connect(address("plain"), TASK, 1, { terminate_on_success: true });
    try {
      // Learn where seed 4 starts the cart, then put the goal there: the first step succeeds.
      const start = (await env.reset([{ index: 0, seed: 4 }])).observations[1]!;
      await env.reset([{ index: 0, seed: 4, options: { goal: Float64Array.from(start) } }]);
      const s = await env.step(new Float32Array([0, 0]));
      assert.equal(s.status[0], StepStatus.TERMINATED);
      assert.equal(s.isSuccess[0], 1);
      assert.equal(s.reward![0], 0);
      await rejectsWith(env.step(new Float32Array([0, 0])), Code.FAILED_PRECONDITION, /TERMINATED; reset it/);
    } finally {
      await env.close();
    }
  });

  it("as a black box withholds reward and reward-like info, and says so", async () => {
    const env = await RemoteVectorEnv.connect(address("blackBox"), TASK, 2);
    try {
      assert.deepEqual([env.spec.hasReward, env.spec.blackBox], [false, true]);
      assert.deepEqual(env.spec.infoKeys, ["speed"]);
      assert.ok(env.connection.server.capabilities.includes("black_box"));
      await env.reset();
      const s = await env.step(new Float32Array([1, 1, -1, 1]));
      assert.equal(s.reward, undefined);
      assert.equal(s.isSuccess.length, 2);
    } finally {
      await env.close();
    }
  });

  it("serves ListTasks as a unary call behind the token, and the health service", async () => {
    assert.deepEqual((await listTasksUnary(address("plain"))).tasks.map((t) => t.name), [TASK]);
    await assert.rejects(listTasksUnary(address("guarded")), (e: grpc.ServiceError) => e.code === grpc.status.UNAUTHENTICATED);
    assert.equal((await listTasksUnary(address("guarded"), TOKEN)).tasks.length, 1);
    assert.deepEqual([...(await healthCheck(address("plain")))], [0x08, 0x01]); // status (field 1) = SERVING (1)
  });
});

describe("Python external server: real-time envs (make_envs.realtime_hz)", () => {
  const ACT = 2; // Cart2D-v0's action size
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** Polls until `check` holds; fails after a generous deadline instead of hanging. */
  async function until(what: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!(await check())) {
      if (Date.now() > deadline) assert.fail(`gave up waiting for ${what}`);
      await sleep(10);
    }
  }

  /** Row `row` of every observation of a batched result. */
  function rowOf(observations: readonly Float32Array[], rows: number, row: number): number[][] {
    return observations.map((o) => Array.from(o.subarray((row * o.length) / rows, ((row + 1) * o.length) / rows)));
  }

  /** The observations of a lockstep Cart2D-v0 after a seeded reset and `actions`, one step each. */
  async function replay(c: Connection, options: Record<string, number>, seed: number, actions: readonly number[][]): Promise<{ observations: number[][]; status: number }> {
    const { envIds } = await c.makeEnvs(TASK, 1, options);
    let last = await c.reset([{ envId: envIds[0]!, seed }]);
    for (const a of actions) last = await c.step(envIds, Float32Array.from(a), [1, ACT]);
    await c.closeEnvs(envIds);
    return { observations: rowOf(last.observations, 1, 0), status: last.status[0]! };
  }
  const times = (n: number, a: number[]) => Array.from({ length: n }, () => a);

  it("advance on the clock without actions, hold the last action, report late actions, and keep statistics", async () => {
    const c = await Connection.open(address("plain"));
    try {
      const options = { max_episode_steps: 1000 };
      const env = await RemoteVectorEnv.make(c, TASK, 2, options, 50);
      assert.deepEqual(env.spec.infoKeys, ["distance", "speed"], "no late_ticks info key any more");
      const reset = await env.reset([{ index: 0, seed: 1 }, { index: 1, seed: 2 }]);
      assert.equal(reset.lateTicks, undefined, "a reset carries no late_ticks");
      const a1 = [[1, 1], [-1, 1]];
      const first = await env.step(Float32Array.from(a1.flat()));
      assert.equal(first.lateTicks?.length, 2, "real-time results carry late_ticks, one per env");
      // Let the envs advance on the held action for at least 2 ticks, then act late.
      const before = await c.realtimeStats();
      await until("2 held ticks", async () => (await c.realtimeStats()).every((s, i) => s.heldTicks >= before[i]!.heldTicks + 2));
      const a2 = [[0, 0], [0.5, -0.5]];
      const late = await env.step(Float32Array.from(a2.flat()));
      for (let i = 0; i < 2; i++) {
        const held = late.lateTicks![i]!;
        assert.ok(held >= 2, `env ${i}: expected the action to be late by ≥ 2 ticks, got ${held}`);
        // Bit for bit the lockstep trajectory: zeros until the first action, the
        // first action then held, then the late action — each at one tick.
        const expectFirst = await replay(c, options, i + 1, [...times(first.lateTicks![i]!, [0, 0]), a1[i]!]);
        assert.deepEqual(rowOf(first.observations, 2, i), expectFirst.observations, `env ${i}: first step`);
        const expectLate = await replay(c, options, i + 1, [...times(first.lateTicks![i]!, [0, 0]), a1[i]!, ...times(held, a1[i]!), a2[i]!]);
        assert.deepEqual(rowOf(late.observations, 2, i), expectLate.observations, `env ${i}: late step`);
      }
      const stats = await c.realtimeStats();
      assert.equal(stats.length, 2, "only the real-time envs (the lockstep replays are not listed)");
      stats.forEach((s, i) => {
        assert.equal(s.hz, 50);
        assert.ok(s.ticks >= first.lateTicks![i]! + late.lateTicks![i]! + 2, `ticks ${s.ticks}`);
        assert.ok(s.heldTicks >= first.lateTicks![i]! + late.lateTicks![i]!, `held ticks ${s.heldTicks}`);
        assert.ok(s.lateSteps >= 1 && s.lateSteps <= 2, `late steps ${s.lateSteps}`);
        assert.ok(Number.isFinite(s.jitterUsP50) && s.jitterUsP50 >= 0 && s.jitterUsP99 >= s.jitterUsP50);
      });
      const one = await c.realtimeStats([stats[1]!.envId]);
      assert.deepEqual(one.map((s) => s.envId), [stats[1]!.envId]);
      await env.close();
    } finally {
      c.close();
    }
  });

  it("answers a step for an episode that ended on held ticks with the ended state, then refuses steps until reset", async () => {
    const c = await Connection.open(address("plain"));
    try {
      const env = await RemoteVectorEnv.make(c, TASK, 1, { max_episode_steps: 3 }, 100);
      await env.reset([{ index: 0, seed: 5 }]);
      // The episode runs out on held zeros; then the clock no longer steps it.
      await until("3 ticks", async () => (await c.realtimeStats())[0]!.ticks >= 3);
      const s = await env.step(new Float32Array([0.5, 0.5]));
      assert.equal(s.status[0], StepStatus.TRUNCATED);
      assert.deepEqual([...s.lateTicks!], [3]);
      const expected = await replay(c, { max_episode_steps: 3 }, 5, times(3, [0, 0])); // the action was not applied
      assert.deepEqual(rowOf(s.observations, 1, 0), expected.observations);
      assert.equal(expected.status, StepStatus.TRUNCATED);
      await rejectsWith(env.step(new Float32Array([0.5, 0.5])), Code.FAILED_PRECONDITION, /episode ended \(TRUNCATED\); reset it/);
      const [stats] = await c.realtimeStats();
      assert.deepEqual([stats!.ticks, stats!.heldTicks, stats!.lateSteps], [3, 3, 1]);
      const r = await env.reset([{ index: 0 }]);
      assert.equal(r.status[0], StepStatus.RUNNING);
      await until("a tick after the reset", async () => (await c.realtimeStats())[0]!.ticks >= 4);
      await env.close();
    } finally {
      c.close();
    }
  });

  it("refuses a bad rate, stats of lockstep or unknown envs, mixing clocks in one request, and bad steps", async () => {
    const c = await Connection.open(address("plain"));
    try {
      for (const hz of [-5, 10_001, Number.NaN]) {
        const e = await rejectsWith(c.makeEnvs(TASK, 1, {}, hz), Code.INVALID_ARGUMENT, /realtime_hz/);
        assert.equal(e.field, "make_envs.realtime_hz");
      }
      const lock = await c.makeEnvs(TASK, 1);
      await rejectsWith(c.realtimeStats(lock.envIds), Code.FAILED_PRECONDITION, /not a real-time env/);
      await rejectsWith(c.realtimeStats([999]), Code.NOT_FOUND, /env 999 does not exist/);
      assert.deepEqual(await c.realtimeStats(), [], "no real-time env yet");
      const a = await c.makeEnvs(TASK, 1, {}, 20);
      const b = await c.makeEnvs(TASK, 1, {}, 20);
      await rejectsWith(c.step(a.envIds, new Float32Array(ACT), [1, ACT]), Code.FAILED_PRECONDITION, /has not been reset/);
      await c.reset([{ envId: a.envIds[0]! }]);
      await c.reset([{ envId: b.envIds[0]! }]);
      await c.reset([{ envId: lock.envIds[0]! }]);
      const ids = { a: a.envIds[0]!, b: b.envIds[0]!, lock: lock.envIds[0]! };
      for (const pair of [[ids.a, ids.b], [ids.a, ids.lock], [ids.lock, ids.a]]) {
        await rejectsWith(c.step(pair, new Float32Array(2 * ACT), [2, ACT]), Code.INVALID_ARGUMENT, /one request batches envs of one spec/);
      }
      await rejectsWith(c.reset([{ envId: ids.a }, { envId: ids.b }]), Code.INVALID_ARGUMENT, /one request batches envs of one spec/);
      await rejectsWith(c.step([ids.a], new Float32Array(3), [1, 3]), Code.INVALID_ARGUMENT, /expected shape \[1, 2\] but got \[1, 3\]/);
      await rejectsWith(c.step([ids.a], new Float32Array([0, Number.NaN]), [1, ACT]), Code.INVALID_ARGUMENT, /NaN/);
      // Two clocks of one session run side by side; each env is listed once.
      const stats = await c.realtimeStats();
      assert.deepEqual(stats.map((s) => s.envId), [ids.a, ids.b]);
      const ok = await c.step([ids.b], new Float32Array([0.1, 0.1]), [1, ACT]);
      assert.equal(ok.lateTicks?.length, 1);
      await c.closeEnvs([ids.a]);
      await rejectsWith(c.realtimeStats([ids.a]), Code.FAILED_PRECONDITION, /was closed/);
      assert.deepEqual((await c.realtimeStats()).map((s) => s.envId), [ids.b]);
    } finally {
      c.close();
    }
  });

  it("a step waiting for its tick holds up its own session's responses, never another session's", async () => {
    const slow = await Connection.open(address("plain"));
    const other = await Connection.open(address("plain"));
    try {
      const rt = await slow.makeEnvs(TASK, 1, {}, 0.5); // one tick every 2 s
      await slow.reset([{ envId: rt.envIds[0]! }]);
      const order: string[] = [];
      const waiting = slow.step(rt.envIds, new Float32Array([0.3, 0.3]), [1, ACT]).then((s) => {
        order.push("slow step");
        return s;
      });
      // Pipelined behind the waiting step: answered after it, in order.
      const behind = slow.realtimeStats().then((s) => {
        order.push("slow stats");
        return s;
      });
      const { envIds } = await other.makeEnvs(TASK, 1);
      await other.reset([{ envId: envIds[0]!, seed: 1 }]);
      for (let i = 0; i < 20; i++) await other.step(envIds, new Float32Array([0.2, -0.2]), [1, ACT]);
      order.push("other session");
      const [s, stats] = await Promise.all([waiting, behind]);
      assert.deepEqual(order, ["other session", "slow step", "slow stats"]);
      assert.equal(s.lateTicks?.length, 1);
      assert.equal(stats[0]!.ticks, 1 + s.lateTicks![0]!, "the step was answered at the first tick after it came");
    } finally {
      slow.close();
      other.close();
    }
  });

  it("a client that goes away while its step waits for a tick frees the session at once", async () => {
    // The server allows one session (--max-sessions 1): a second one opens only after the first is freed.
    const { proto } = loadProtocol();
    const client = new proto.simbridge.v1.EnvironmentService(address("single"), grpc.credentials.createInsecure());
    const stream = client.Session();
    const responses: Array<{ id: number; error: { message: string } | null; make_envs?: { env_ids: number[] } }> = [];
    stream.on("data", (r) => responses.push(r as (typeof responses)[number]));
    stream.on("error", () => undefined); // the cancellation below
    const got = (n: number) => until(`${n} responses`, async () => responses.length >= n);
    stream.write({ id: 1, handshake: { protocol_version: "1.0.0" } });
    stream.write({ id: 2, make_envs: { task: TASK, count: 1, realtime_hz: 0.01 } }); // one tick every 100 s
    await got(2);
    const envId = responses[1]!.make_envs!.env_ids[0]!;
    stream.write({ id: 3, reset: { envs: [{ env_id: envId }] } });
    await got(3);
    stream.write({ id: 4, step: { env_ids: [envId], actions: encodeTensor(new Float32Array([1, 1]), [1, ACT]) } });
    stream.write({ id: 5, list_tasks: {} }); // queued behind the waiting step
    await sleep(200);
    assert.equal(responses.length, 3, "the step waits for its tick, and the request behind it too");
    stream.cancel();
    client.close();
    let opened: Connection | undefined;
    await until("the first session to be freed", async () => {
      try {
        opened = await Connection.open(address("single"), { timeoutMs: 5_000 });
        return true;
      } catch (e) {
        if (!(e instanceof SimbridgeError && e.code === Code.RESOURCE_EXHAUSTED)) throw e;
        return false;
      }
    });
    try {
      const env = await RemoteVectorEnv.make(opened!, TASK, 1);
      await env.reset();
      await env.step(new Float32Array([0, 0]));
    } finally {
      opened!.close();
    }
  });

  it("the old server-wide --realtime-hz flag is gone, with a pointer to make_envs.realtime_hz", () => {
    const r = spawnSync(PYTHON, ["-m", "simbridge_external", "--port", "0", "--realtime-hz", "50"], {
      cwd: PACKAGE_DIR,
      env: { ...process.env, PYTHONPATH: PACKAGE_DIR },
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /--realtime-hz was removed.*realtime_hz/s);
  });
});

describe("Python external server: a TypeScript agent trains on it as a black box", () => {
  it("TD3 + HER with GAHIL's learned reward runs end to end over the Python server", async () => {
    const dir = mkdtempSync(join(tmpdir(), "simbridge-cart-"));
    const run = await trainRun(
      gahilRunArgs(TASK, address("blackBox"), {
        taskOptions: { distance_threshold: 0.2, max_episode_steps: 50 },
        steps: 1500,
        batchSize: 64,
        bufferSize: 20_000,
        learningStarts: 300,
        finalEvalEpisodes: 10,
        logEvery: 250,
        algoArgs: { hidden: [32, 32] },
        rewardArgs: { hidden: [32, 32], minPositives: 256, trainEvery: 200, batchSize: 256 },
      }),
      dir,
      { resume: false, ...quiet },
    );
    assert.equal(run.eval.episodes, 10);
    assert.ok(Number.isNaN(run.eval.return_mean), "the black box sent a reward");
    const train = readMetrics(join(dir, "metrics.jsonl")).filter((m) => m["kind"] === "train");
    const last = train.at(-1)!;
    assert.equal(last["reward_model_ready"], true, "GAHIL never trained on the Python env's transitions");
    assert.ok((last["reward_model_rounds"] as number) >= 1);
    assert.ok(typeof last["critic_loss"] === "number" && Number.isFinite(last["critic_loss"] as number));
  });
});

describe("Python external server: a TypeScript agent trains with its reward function", () => {
  it("TD3 + HER with --reward known scores relabelled goals with the server's compute_reward, one request per sampled batch", async () => {
    // A server of its own, logging its sessions: it counts the compute_reward requests it answered.
    const server = await startPython("--verbose");
    try {
      const dir = mkdtempSync(join(tmpdir(), "simbridge-cart-known-"));
      const lines: string[] = [];
      const steps = 600;
      const learningStarts = 200;
      const run = await trainRun(
        testRunArgs(TASK, {
          server: server.address,
          reward: "known",
          taskOptions: { distance_threshold: 0.2, max_episode_steps: 50 },
          steps,
          batchSize: 64,
          bufferSize: 20_000,
          learningStarts,
          finalEvalEpisodes: 10,
          logEvery: 200,
          algoArgs: { hidden: [32, 32] },
        }),
        dir,
        { resume: false, log: (l) => lines.push(l), progress: false },
      );
      assert.equal(run.eval.episodes, 10);
      const log = lines.join("\n");
      assert.match(log, /reward: Cart2D-v0's own reward function on simbridge-external-python\S* at \S+ \(compute_reward/);
      const m = /compute_reward: (\d+) requests, (\d+) pairs/.exec(log);
      assert.ok(m, log);
      const requests = Number(m[1]);
      // One request per update's HER sample (updatesPerStep 1, one update per env step after learningStarts), plus connect's empty probe.
      assert.ok(requests >= steps - learningStarts, `only ${requests} compute_reward requests`);
      assert.ok(Number(m[2]) >= (requests - 1) * 64, "a request scores a whole sampled batch");
      const evalJson = JSON.parse(readFileSync(join(dir, "eval.json"), "utf8")) as Record<string, unknown>;
      assert.equal(evalJson["reward"], "known");
      const last = readMetrics(join(dir, "metrics.jsonl")).filter((r) => r["kind"] === "train").at(-1)!;
      assert.ok(typeof last["critic_loss"] === "number" && Number.isFinite(last["critic_loss"] as number));
      // The server answered exactly those requests (its session log when the reward's session closed).
      let answered: number[] = [];
      for (let i = 0; i < 100 && !answered.some((n) => n > 0); i++) {
        answered = [...server.stderr().matchAll(/closed, its envs freed \((\d+) compute_reward requests\)/g)].map((x) => Number(x[1]));
        if (!answered.some((n) => n > 0)) await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(answered.filter((n) => n > 0), [requests], server.stderr());
    } finally {
      await stopPython(server);
    }
  });

  it("--reward known against the black box fails before training, saying why", async () => {
    const dir = mkdtempSync(join(tmpdir(), "simbridge-cart-known-bb-"));
    await assert.rejects(
      trainRun(testRunArgs(TASK, { server: address("blackBox"), reward: "known", steps: 100, learningStarts: 50 }), dir, { resume: false, ...quiet }),
      /--reward known needs the task's reward function, and Cart2D-v0 offers none here \(it is served as a black box\): use --reward gahil/,
    );
  });
});
