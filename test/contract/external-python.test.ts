// The Python reference external environment (sims/external/python) passes the
// same conformance suite as the built-in tasks — from a real
// `python3 -m simbridge_external` process, over gRPC — and answers protocol
// errors (token, version, bad requests) the way the protocol says.
//
// Needs Debian's python3 with python3-grpcio, python3-numpy and
// protobuf-compiler (CI installs .ci/apt-packages). When they are missing the
// tests FAIL with a message naming the packages; they never skip.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import * as grpc from "@grpc/grpc-js";
import { loadProtocol, packageRoot } from "../../src/protocol/service-definition.js";
import { Code, SimbridgeError } from "../../src/protocol/errors.js";
import { encodeTensor } from "../../src/protocol/tensor-codec.js";
import { StepStatus } from "../../src/env/task.js";
import { Connection } from "../../src/client/connection.js";
import { RemoteVectorEnv } from "../../src/client/remote-vector-env.js";
import { vectorEnvContract } from "./vector-env-contract.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { trainArgs, trainRun } from "../../src/train/train-run.js";
import { readMetrics } from "../../src/train/metrics-log.js";

const PYTHON = process.env["SIMBRIDGE_PYTHON"] ?? "/usr/bin/python3";
const PACKAGE_DIR = join(packageRoot(), "sims", "external", "python");
const DEBIAN_PACKAGES = "python3-grpcio python3-numpy protobuf-compiler";
const INSTALL_HINT = `install the Debian packages: apt-get install -y ${DEBIAN_PACKAGES} (CI installs .ci/apt-packages)`;
const TASK = "Cart2D-v0";
const TOKEN = "py-s3cret";

interface PythonServer {
  readonly child: ChildProcess;
  readonly address: string;
}

/** Fails (never skips) with the packages to install when python3 or its modules are missing. */
function checkPython(): void {
  const r = spawnSync(PYTHON, ["-c", "import grpc, numpy, google.protobuf"], { encoding: "utf8", timeout: 60_000 });
  if (r.error) throw new Error(`cannot run ${PYTHON} (${r.error.message}): the Python external environment needs it; ${INSTALL_HINT}`);
  if (r.status !== 0) throw new Error(`${PYTHON} lacks grpc/numpy/protobuf: ${r.stderr.trim().split("\n").pop()}; ${INSTALL_HINT}`);
}

/** Starts `python3 -m simbridge_external --port 0 ...args` and waits for its listening line. */
function startPython(...args: string[]): Promise<PythonServer> {
  const child = spawn(PYTHON, ["-m", "simbridge_external", "--port", "0", ...args], {
    cwd: PACKAGE_DIR,
    env: { ...process.env, PYTHONPATH: PACKAGE_DIR, PYTHONUNBUFFERED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
  return new Promise<PythonServer>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`python server ${args.join(" ")} did not print its listening line within 60 s; stderr:\n${stderr}`));
    }, 60_000);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${PYTHON}: ${e.message}; ${INSTALL_HINT}`));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`python server ${args.join(" ")} exited with code ${code} before listening; stderr:\n${stderr}\n(${INSTALL_HINT})`));
    });
    createInterface({ input: child.stdout! }).once("line", (line) => {
      clearTimeout(timer);
      const m = /^simbridge listening on (\S+)$/.exec(line);
      if (m) resolve({ child, address: m[1]! });
      else reject(new Error(`python server's first line is not 'simbridge listening on HOST:PORT' but '${line}'`));
    });
  });
}

async function stop(server: PythonServer | undefined): Promise<void> {
  const child = server?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

const servers: { plain?: PythonServer; guarded?: PythonServer; blackBox?: PythonServer; realtime?: PythonServer } = {};
function address(which: keyof typeof servers): string {
  const s = servers[which];
  if (!s) throw new Error(`the python server (${which}) did not start; see the error of the before hook`);
  return s.address;
}

before(async () => {
  checkPython();
  const [plain, guarded, blackBox, realtime] = await Promise.allSettled([
    startPython(),
    startPython("--token", TOKEN),
    startPython("--black-box"),
    startPython("--realtime-hz", "50"),
  ]);
  for (const [name, r] of Object.entries({ plain, guarded, blackBox, realtime })) {
    if (r.status === "fulfilled") servers[name as keyof typeof servers] = r.value;
  }
  const failed = [plain, guarded, blackBox, realtime].find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
});

after(async () => {
  await Promise.all(Object.values(servers).map(stop));
});

vectorEnvContract(`${TASK} (Python, external) over gRPC`, (n) => RemoteVectorEnv.connect(address("plain"), TASK, n));
vectorEnvContract(`${TASK} (Python, external, black box) over gRPC`, (n) => RemoteVectorEnv.connect(address("blackBox"), TASK, n));

async function rejectsWith(p: Promise<unknown>, code: number, pattern?: RegExp): Promise<SimbridgeError> {
  let caught: SimbridgeError | undefined;
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SimbridgeError, `expected a SimbridgeError, got ${String(e)}`);
    assert.equal(e.code, code, `expected code ${code}, got ${e.code}: ${e.message}`);
    if (pattern) assert.match(e.message, pattern);
    caught = e;
    return true;
  });
  return caught!;
}

describe("Python external server: handshake", () => {
  it("announces protocol 1.0.0 and its capabilities, and lists Cart2D-v0", async () => {
    const c = await Connection.open(address("plain"));
    try {
      assert.equal(c.server.protocolVersion, "1.0.0");
      for (const cap of ["vector_envs", "partial_reset", "per_env_seed", "pipelining"]) assert.ok(c.server.capabilities.includes(cap), cap);
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
    const response = new Promise<{ id: number; error: unknown; payload?: string }>((resolve, reject) => {
      stream.once("data", resolve);
      stream.once("error", reject);
    });
    stream.write({ id: 1, handshake: { protocol_version: "1.0.0" } }); // no handshake.token
    const r = await response;
    stream.end();
    client.close();
    assert.deepEqual([r.id, r.error, r.payload], [1, null, "handshake"]);
  });

  it("a different protocol major → FAILED_PRECONDITION naming both versions; a bad semver → INVALID_ARGUMENT", async () => {
    await rejectsWith(Connection.open(address("plain"), { protocolVersion: "2.0.0" }), Code.FAILED_PRECONDITION, /client speaks 2\.0\.0, this server speaks 1\.0\.0/);
    await rejectsWith(Connection.open(address("plain"), { protocolVersion: "one" }), Code.INVALID_ARGUMENT, /not a semver/);
    const c = await Connection.open(address("plain"), { protocolVersion: "1.7.0" }); // minor versions are compatible
    c.close();
  });

  it("a request before the handshake → FAILED_PRECONDITION; garbage bytes → id 0; the session goes on", async () => {
    const { proto } = loadProtocol();
    const def = proto.simbridge.v1.EnvironmentService.service.Session;
    const client = new grpc.Client(address("plain"), grpc.credentials.createInsecure());
    const stream = client.makeBidiStreamRequest(def.path, (b: Buffer) => b, def.responseDeserialize);
    const responses: Array<{ id: number; error: { code: number; message: string } | null; payload?: string }> = [];
    const got = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (responses.length >= n ? resolve() : setTimeout(check, 5));
        check();
      });
    stream.on("data", (r) => responses.push(r as (typeof responses)[number]));
    stream.write(def.requestSerialize({ id: 7, list_tasks: {} }));
    stream.write(def.requestSerialize({ id: 8, handshake: { protocol_version: "1.0.0" } }));
    stream.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x99])); // not a protobuf message
    stream.write(def.requestSerialize({ id: 10, list_tasks: {} }));
    await got(4);
    stream.end();
    client.close();
    assert.deepEqual(responses.map((r) => r.id), [7, 8, 0, 10]);
    assert.equal(responses[0]!.error!.code, Code.FAILED_PRECONDITION);
    assert.match(responses[0]!.error!.message, /before handshake/);
    assert.equal(responses[1]!.payload, "handshake");
    assert.equal(responses[2]!.error!.code, Code.INVALID_ARGUMENT);
    assert.equal(responses[3]!.payload, "list_tasks");
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
      await rejectsWith(c.step(envIds, new Float32Array(4), [2, 2]), Code.NOT_FOUND, /never made, or closed/);
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

  it("in real time (--realtime-hz 50) paces steps to the wall clock and reports late actions", async () => {
    const env = await RemoteVectorEnv.connect(address("realtime"), TASK, 1);
    try {
      assert.ok(env.connection.server.capabilities.includes("real_time"));
      const late = env.spec.infoKeys.indexOf("late_ticks");
      assert.ok(late >= 0, "no late_ticks info key");
      await env.reset([{ index: 0, seed: 1 }]);
      const t0 = performance.now();
      for (let i = 0; i < 10; i++) await env.step(new Float32Array([0.2, 0.2]));
      assert.ok(performance.now() - t0 >= 9 * 20 - 5, `10 steps at 50 Hz took only ${performance.now() - t0} ms`);
      await new Promise((r) => setTimeout(r, 150)); // miss several 20 ms ticks
      const s = await env.step(new Float32Array([0.2, 0.2]));
      assert.ok(s.info[late]! >= 1, `a step 150 ms late reported late_ticks = ${s.info[late]}`);
    } finally {
      await env.close();
    }
  });

  it("serves ListTasks as a unary call behind the token, and the health service", async () => {
    const { proto } = loadProtocol();
    const list = (addr: string, token?: string) =>
      new Promise<{ tasks: Array<{ name: string }> }>((resolve, reject) => {
        const client = new proto.simbridge.v1.EnvironmentService(addr, grpc.credentials.createInsecure());
        const md = new grpc.Metadata();
        if (token) md.set("authorization", `Bearer ${token}`);
        client.ListTasks({}, md, (err, res) => {
          client.close();
          if (err) reject(err);
          else resolve(res as { tasks: Array<{ name: string }> });
        });
      });
    assert.deepEqual((await list(address("plain"))).tasks.map((t) => t.name), [TASK]);
    await assert.rejects(list(address("guarded")), (e: grpc.ServiceError) => e.code === grpc.status.UNAUTHENTICATED);
    assert.equal((await list(address("guarded"), TOKEN)).tasks.length, 1);

    const health = await new Promise<Buffer>((resolve, reject) => {
      const client = new grpc.Client(address("plain"), grpc.credentials.createInsecure());
      // grpc.health.v1.Health/Check with an empty service name: the request bytes are empty.
      client.makeUnaryRequest("/grpc.health.v1.Health/Check", (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), (err, res) => {
        client.close();
        if (err) reject(err);
        else resolve(res!);
      });
    });
    assert.deepEqual([...health], [0x08, 0x01]); // status (field 1) = SERVING (1)
  });
});

describe("Python external server: a TypeScript agent trains on it as a black box", () => {
  it("TD3 + HER with GAHIL's learned reward runs end to end over the Python server", async () => {
    const dir = mkdtempSync(join(tmpdir(), "simbridge-cart-"));
    const run = await trainRun(
      trainArgs(TASK, {
        her: true,
        reward: "gahil",
        server: address("blackBox"),
        taskOptions: { distance_threshold: 0.2, max_episode_steps: 50 },
        steps: 1500,
        envs: 2,
        backend: "wasm",
        batchSize: 64,
        bufferSize: 20_000,
        learningStarts: 300,
        finalEvalEpisodes: 10,
        logEvery: 250,
        checkpointEvery: 0,
        algoArgs: { hidden: [32, 32] },
        rewardArgs: { hidden: [32, 32], minPositives: 256, trainEvery: 1000, batchSize: 256 },
      }),
      dir,
      { resume: false, log: () => undefined, progress: false },
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
