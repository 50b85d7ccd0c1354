// Agent annotations end to end (StepRequest.annotations → WatchFrame.annotations,
// capability "agent_annotations"): a real server on port 0, clients stepping
// with annotations, watchers in this process and `simbridge watch` as a child
// process. Each env's frame of an annotated step carries that env's row; every
// bad annotation is INVALID_ARGUMENT naming it, nothing is stepped and the
// session goes on; a server without the capability never receives them.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { Code } from "../../src/core/errors.js";
import { TaskRegistry } from "../../src/env/task-registry.js";
import { StepStatus } from "../../src/env/task.js";
import type { Annotations } from "../../src/env/vector-env.js";
import { Connection } from "../../src/client/connection.js";
import { RemoteVectorEnv } from "../../src/client/remote-vector-env.js";
import type { Frame, WatchOptions } from "../../src/client/watch-client.js";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { watch } from "../../src/stream/watch.js";
import { AGENT_ANNOTATIONS_CAPABILITY } from "../../src/protocol/annotations.js";
import { packageRoot } from "../../src/protocol/service-definition.js";
import { encodeTensor } from "../../src/protocol/tensor-codec.js";
import type { Tensor } from "../../src/protocol/generated/simbridge/v1/Tensor.js";
import { pointReachV0 } from "../../sims/point/point-reach-v0.js";
import { rejectsWith } from "../helpers/rejects-with.js";

const registry = new TaskRegistry([pointReachV0]);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
let server: RunningServer; // offers agent_annotations
let older: RunningServer; // agentAnnotations: false, as a server older than the capability

before(async () => {
  server = await startServer({ registry, port: 0 });
  older = await startServer({ registry, port: 0, agentAnnotations: false });
});
after(async () => {
  await server.close();
  await older.close();
});

/** A map with `entries` as own keys and no prototype, whatever their names. */
function dict<T>(entries: ReadonlyArray<readonly [string, T]>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/**
 * A watch of `on`'s envs that collects every frame; resolves once the server
 * has the watcher. `stop()` resolves once the server has let it go, so that
 * the next test counts watchers from a settled number.
 */
async function watching(on: RunningServer, options: WatchOptions) {
  const frames: Frame[] = [];
  const watchers = on.watcherCount;
  const subscription = watch(on.address, options).subscribe({ next: (f) => frames.push(f), error: () => undefined });
  for (let i = 0; i < 1000 && on.watcherCount === watchers; i++) await sleep(5);
  assert.ok(on.watcherCount > watchers, "the watcher reached the server");
  return {
    frames,
    /** Waits until `n` frames have come. */
    async count(n: number): Promise<Frame[]> {
      for (let i = 0; i < 1000 && frames.length < n; i++) await sleep(5);
      assert.ok(frames.length >= n, `expected ${n} frames, got ${frames.length}`);
      return frames;
    },
    async stop(): Promise<void> {
      subscription.unsubscribe();
      for (let i = 0; i < 1000 && on.watcherCount > watchers; i++) await sleep(5);
    },
  };
}

/** A frame's annotations as plain arrays, by name. */
function shown(f: Frame): Record<string, number[]> {
  return Object.fromEntries(Object.keys(f.annotations).map((name) => [name, Array.from(f.annotations[name]!)]));
}

describe("annotations reach watchers with the frame of their step", () => {
  it("each env's frame carries its row; resets and steps without annotations carry none", async () => {
    const env = await RemoteVectorEnv.connect(server.address, "PointReach-v0", 3, { max_episode_steps: 100 });
    const w = await watching(server, { sessionId: env.connection.server.sessionId });
    try {
      assert.ok(env.connection.server.capabilities.includes(AGENT_ANNOTATIONS_CAPABILITY));
      assert.equal(env.takesAnnotations, true);
      await env.reset([0, 1, 2].map((index) => ({ index, seed: index })));
      const ids = (await w.count(3)).map((f) => f.envId); // reset frames come in request order: ids of indices 0, 1, 2
      const actions = (rows: number) => new Float32Array(2 * rows);
      // Prototype names are ordinary names: the maps have no prototype.
      await env.step(actions(3), undefined, dict([["subgoal_target", Float32Array.of(1, 2, 3, 4, 5, 6)], ["constructor", Float32Array.of(7, 8, 9)], ["prototype", Float32Array.of(0, 0.5, -1)]]));
      await env.step(actions(2), [2, 0], { subgoal_target: Float32Array.of(10, 20, 30, 40) });
      await env.step(actions(3));
      const frames = await w.count(3 + 3 + 2 + 3);
      await sleep(50);
      assert.equal(frames.length, 11, "one frame per reset and step of an env");
      for (const f of frames.slice(0, 3)) assert.deepEqual(shown(f), {}, "a reset has no annotations");
      const first = frames.slice(3, 6);
      assert.deepEqual(first.map((f) => [f.envId, f.episodeStep]), ids.map((id) => [id, 1]));
      first.forEach((f, i) => {
        assert.deepEqual(shown(f), { subgoal_target: [2 * i + 1, 2 * i + 2], constructor: [7 + i], prototype: [[0, 0.5, -1][i]!] }, `env ${f.envId}`);
        assert.equal(Object.getPrototypeOf(f.annotations), null);
      });
      const subset = frames.slice(6, 8);
      assert.deepEqual(subset.map((f) => [f.envId, shown(f)]), [
        [ids[2], { subgoal_target: [10, 20] }],
        [ids[0], { subgoal_target: [30, 40] }],
      ]);
      for (const f of frames.slice(8)) assert.deepEqual(shown(f), {}, "a step without annotations has none");
    } finally {
      await w.stop();
      await env.close();
    }
  });

  it("a rate-limited watcher: a frame carries the annotations of its own step, a dropped frame takes its annotations with it", async () => {
    const env = await RemoteVectorEnv.connect(server.address, "PointReach-v0", 2, { max_episode_steps: 400 });
    const w = await watching(server, { sessionId: env.connection.server.sessionId, maxHz: 10 });
    try {
      await env.reset([{ index: 0, seed: 1 }, { index: 1, seed: 2 }]);
      const ids = (await w.count(2)).map((f) => f.envId); // the first frames of an env are never over the rate
      // Step k tells each env's k: the frame of episode step k must show exactly that.
      for (let k = 1; k <= 150; k++) {
        const s = await env.step(new Float32Array(4), undefined, { subgoal_target: Float32Array.of(k, 0, k, 1) });
        assert.deepEqual(Array.from(s.status), [StepStatus.RUNNING, StepStatus.RUNNING]);
        if (k % 10 === 0) await sleep(5);
      }
      await sleep(100);
      const steps = w.frames.filter((f) => f.episodeStep > 0);
      assert.ok(steps.length > 0 && steps.length < 300, `${steps.length} step frames of 300: some were dropped`);
      assert.ok(steps.some((f) => f.dropped > 0));
      for (const f of steps) assert.deepEqual(shown(f), { subgoal_target: [f.episodeStep, ids.indexOf(f.envId)] }, `frame #${f.sequence}`);
      assert.ok(new Set(steps.map((f) => f.envId)).size === 2);
    } finally {
      await w.stop();
      await env.close();
    }
  });

  it("real time: the frame of the tick that applies an action carries its annotations, ticks on a held action none", async () => {
    const env = await RemoteVectorEnv.connect(server.address, "PointReach-v0", 2, { max_episode_steps: 1000 }, {}, { realtimeHz: 50 });
    const w = await watching(server, { sessionId: env.connection.server.sessionId });
    try {
      await env.reset([{ index: 0, seed: 1 }, { index: 1, seed: 2 }]);
      await sleep(60); // some held ticks first
      const s = await env.step(new Float32Array(4), undefined, { subgoal_target: Float32Array.of(1, 2, 3, 4) });
      assert.ok(s.lateTicks, "a real-time step");
      await sleep(60); // and some after
      const ids = w.frames.slice(0, 2).map((f) => f.envId);
      const annotated = w.frames.filter((f) => Object.keys(f.annotations).length > 0);
      assert.deepEqual(annotated.map((f) => [f.envId, shown(f)]), [
        [ids[0], { subgoal_target: [1, 2] }],
        [ids[1], { subgoal_target: [3, 4] }],
      ]);
      assert.equal(annotated[0]!.episodeStep, annotated[1]!.episodeStep, "both of the same tick");
      assert.ok(w.frames.filter((f) => f.episodeStep > 0).length > 4, "held ticks were watched too, without annotations");
    } finally {
      await w.stop();
      await env.close();
    }
  });

  it("without watchers annotations are checked and dropped: nothing is kept for a watcher that comes later", async () => {
    const env = await RemoteVectorEnv.connect(server.address, "PointReach-v0", 3, { max_episode_steps: 1000 });
    try {
      await env.reset();
      // The most a step may carry: 8 names × 256 values per env.
      const most = dict(Array.from({ length: 8 }, (_, i) => [`a${i}`, Float32Array.from({ length: 3 * 256 }, (_, j) => i + j)] as const));
      for (let k = 0; k < 200; k++) await env.step(new Float32Array(6), undefined, most);
      assert.equal(server.status().queuedResponses, 0);
      const w = await watching(server, { sessionId: env.connection.server.sessionId });
      try {
        await env.step(new Float32Array(6));
        const frames = await w.count(3);
        await sleep(30);
        assert.equal(frames.length, 3);
        for (const f of frames) assert.deepEqual(shown(f), {});
      } finally {
        await w.stop();
      }
    } finally {
      await env.close();
    }
  });

  it("simbridge watch --jsonl prints a frame's annotations by name", async () => {
    const env = await RemoteVectorEnv.connect(server.address, "PointReach-v0", 2, { max_episode_steps: 100 });
    try {
      await env.reset();
      const watchers = server.watcherCount;
      const cli = promisify(execFile)(process.execPath, [join(packageRoot(), "bin", "simbridge.js"), "watch", server.address, "--jsonl", "--frames", "2", "--session", env.connection.server.sessionId], {
        cwd: packageRoot(),
        timeout: 60_000,
      });
      while (server.watcherCount === watchers) await sleep(20);
      await env.step(new Float32Array(4), undefined, { subgoal_target: Float32Array.of(3.12, 7.9, -1, 0.5) });
      const lines = (await cli).stdout.trim().split("\n").map((l) => JSON.parse(l) as { env_id: number; annotations?: Record<string, number[]> });
      assert.deepEqual(lines.map((l) => l.annotations), [{ subgoal_target: [3.12, 7.9] }, { subgoal_target: [-1, 0.5] }]);
      for (let i = 0; i < 1000 && server.watcherCount > watchers; i++) await sleep(5); // the CLI's stream is over
    } finally {
      await env.close();
    }
  });
});

describe("bad annotations: INVALID_ARGUMENT naming them, nothing stepped, the session goes on", () => {
  const f32 = (values: ArrayLike<number>, shape: number[]): Tensor => encodeTensor(Float32Array.from(values), shape);
  const xy = f32([1, 2, 3, 4, 5, 6], [3, 2]);
  const NAME_RULE = "\\(names match \\^\\[a-z\\]\\[a-z0-9_\\]\\{0,63\\}\\$\\)";
  const cases: ReadonlyArray<{ what: string; annotations: Record<string, Tensor>; field: string; message: RegExp }> = [
    {
      what: "9 names",
      annotations: dict(Array.from({ length: 9 }, (_, i) => [`a${i}`, xy] as const)),
      field: "step.annotations",
      message: /^annotations: 9 names \('a0', 'a1', 'a2', …\); at most 8 are allowed$/,
    },
    ...["__proto__", "SubGoal", "1st", "", "x-y", "sub goal", "é", "a".repeat(65)].map((name) => ({
      what: `name ${JSON.stringify(name.length > 20 ? name.slice(0, 5) + "…" : name)}`,
      annotations: dict([[name, xy]]),
      field: "step.annotations",
      message: new RegExp(`^annotations: name '${name}' is not allowed ${NAME_RULE}$`),
    })),
    {
      what: "a name of a million characters, quoted truncated",
      annotations: dict([["a".repeat(1_000_000), xy]]),
      field: "step.annotations",
      message: new RegExp(`^annotations: name 'a{200}…' \\(1000000 characters\\) is not allowed ${NAME_RULE}$`),
    },
    { what: "FLOAT64", annotations: { subgoal_target: encodeTensor(Float64Array.of(1, 2, 3, 4, 5, 6), [3, 2]) }, field: "step.annotations.subgoal_target", message: /^annotations\.subgoal_target: expected dtype float32 but got float64$/ },
    { what: "UINT8", annotations: { subgoal_target: encodeTensor(Uint8Array.of(1, 2, 3), [3], "uint8") }, field: "step.annotations.subgoal_target", message: /expected dtype float32 but got uint8$/ },
    { what: "no dtype", annotations: { subgoal_target: { shape: [3, 2], data: Buffer.alloc(24) } }, field: "step.annotations.subgoal_target", message: /^annotations\.subgoal_target: unknown or missing dtype 0$/ },
    {
      what: "2 rows for 3 envs",
      annotations: { subgoal_target: f32([1, 2, 3, 4], [2, 2]) },
      field: "step.annotations.subgoal_target",
      message: /^annotations\.subgoal_target: expected shape \[3, \.\.\.\] \(one row per env stepped, at most 8 dimensions\) but got \[2, 2\]$/,
    },
    { what: "a scalar", annotations: { subgoal_target: f32([1], []) }, field: "step.annotations.subgoal_target", message: /expected shape \[3, \.\.\.\] .* but got \[\]$/ },
    { what: "9 dimensions", annotations: { subgoal_target: f32([1, 2, 3], [3, 1, 1, 1, 1, 1, 1, 1, 1]) }, field: "step.annotations.subgoal_target", message: /at most 8 dimensions\) but got \[3, 1, 1, 1, 1, 1, 1, 1, 1\]$/ },
    { what: "257 values per env", annotations: { subgoal_target: f32(new Float32Array(3 * 257), [3, 257]) }, field: "step.annotations.subgoal_target", message: /^annotations\.subgoal_target: shape \[3, 257\] holds 257 values per env; at most 256 are allowed$/ },
    { what: "16 × 17 values per env", annotations: { heat: f32(new Float32Array(3 * 272), [3, 16, 17]) }, field: "step.annotations.heat", message: /shape \[3, 16, 17\] holds 272 values per env; at most 256/ },
    {
      what: "a hostile shape without bytes (refused before its bytes are looked at)",
      annotations: { heat: { dtype: 1, shape: [3, 4294967295, 4294967295], data: Buffer.alloc(0) } },
      field: "step.annotations.heat",
      message: /shape \[3, 4294967295, 4294967295\] holds more than 2\^53 values per env; at most 256/,
    },
    { what: "bytes that do not match the shape", annotations: { subgoal_target: { dtype: 1, shape: [3, 2], data: Buffer.alloc(20) } }, field: "step.annotations.subgoal_target", message: /^annotations\.subgoal_target: shape \[3, 2\] of float32 needs 24 bytes but got 20$/ },
    { what: "NaN", annotations: { subgoal_target: f32([1, 2, 3, 4, 5, NaN], [3, 2]) }, field: "step.annotations.subgoal_target", message: /^annotations\.subgoal_target: element 1 of row 2 is NaN; values must be finite$/ },
    { what: "Infinity", annotations: { subgoal_target: f32([Infinity, 2, 3, 4, 5, 6], [3, 2]) }, field: "step.annotations.subgoal_target", message: /element 0 of row 0 is Infinity; values must be finite$/ },
    { what: "-Infinity in a second annotation", annotations: { subgoal_target: xy, path: f32([0, 0, 0, 0, 0, -Infinity], [3, 1, 2]) }, field: "step.annotations.path", message: /^annotations\.path: element 1 of row 2 is -Infinity/ },
  ];

  it("every refusal over one session; then the envs step as if none had come, and another session never noticed", async () => {
    const conn = await Connection.open(server.address);
    const other = await RemoteVectorEnv.connect(server.address, "PointReach-v0", 1);
    const w = await watching(server, { sessionId: conn.server.sessionId });
    try {
      // 3 steps to the end of an episode: a refused request that stepped would end it early.
      const { envIds } = await conn.makeEnvs("PointReach-v0", 3, { max_episode_steps: 3 });
      await conn.reset(envIds.map((envId) => ({ envId })));
      await other.reset();
      const actions = encodeTensor(new Float32Array(6), [3, 2]);
      for (const c of cases) {
        const e = await rejectsWith(conn.request({ step: { env_ids: envIds, actions, annotations: c.annotations } }), Code.INVALID_ARGUMENT, c.message);
        assert.equal(e.field, c.field, c.what);
        assert.ok(e.message.length < 400, `${c.what}: a small message (${e.message.length} characters)`);
        await other.step(new Float32Array(2)); // another session's env steps between them
      }
      for (let t = 1; t <= 3; t++) {
        const s = await conn.step(envIds, new Float32Array(6), [3, 2], { subgoal_target: Float32Array.of(t, 0, t, 1, t, 2) });
        assert.deepEqual(Array.from(s.status), Array(3).fill(t < 3 ? StepStatus.RUNNING : StepStatus.TRUNCATED), `step ${t}`);
      }
      const frames = await w.count(3 + 9);
      await sleep(30);
      assert.equal(frames.length, 12, "no frame for a refused request");
      assert.deepEqual(frames.slice(3).map((f) => [f.episodeStep, shown(f)["subgoal_target"]![0]]), [1, 1, 1, 2, 2, 2, 3, 3, 3].map((t) => [t, t]));
    } finally {
      await w.stop();
      conn.close();
      await other.close();
    }
  });
});

describe("a server without the capability (older than it)", () => {
  it("is not sent annotations: RemoteVectorEnv drops them silently, the steps work, frames have none", async () => {
    const env = await RemoteVectorEnv.connect(older.address, "PointReach-v0", 2);
    const w = await watching(older, { sessionId: env.connection.server.sessionId });
    try {
      assert.ok(!env.connection.server.capabilities.includes(AGENT_ANNOTATIONS_CAPABILITY), env.connection.server.capabilities.join(", "));
      assert.equal(env.takesAnnotations, false);
      // What goes to the connection: the annotations are left out.
      const conn = env.connection;
      const step = conn.step.bind(conn);
      const sent: Array<Annotations | undefined> = [];
      conn.step = (ids, actions, shape, annotations) => {
        sent.push(annotations);
        return step(ids, actions, shape, annotations);
      };
      await env.reset();
      await env.step(new Float32Array(4), undefined, { subgoal_target: Float32Array.of(1, 2, 3, 4) });
      await env.step(new Float32Array(4), undefined, { subgoal_target: Float32Array.of(NaN, 2, 3, 4) }); // never checked: never sent
      assert.deepEqual(sent, [undefined, undefined]);
      const frames = await w.count(2 + 4);
      for (const f of frames) assert.deepEqual(shown(f), {});
    } finally {
      await w.stop();
      await env.close();
    }
    // Sent anyway (a raw request), they are ignored, as a server that does not know the field would.
    const conn = await Connection.open(older.address);
    try {
      const { envIds } = await conn.makeEnvs("PointReach-v0", 1);
      await conn.reset([{ envId: envIds[0]! }]);
      await conn.step(envIds, new Float32Array(2), [1, 2], { subgoal_target: Float32Array.of(NaN, 0) });
    } finally {
      conn.close();
    }
  });

  it("on a server with it, the same env sends them (the spy sees them)", async () => {
    const env = await RemoteVectorEnv.connect(server.address, "PointReach-v0", 2);
    try {
      const conn = env.connection;
      const step = conn.step.bind(conn);
      const sent: Array<Annotations | undefined> = [];
      conn.step = (ids, actions, shape, annotations) => {
        sent.push(annotations);
        return step(ids, actions, shape, annotations);
      };
      await env.reset();
      const target = Float32Array.of(1, 2, 3, 4);
      await env.step(new Float32Array(4), undefined, { subgoal_target: target });
      assert.equal(sent[0]?.["subgoal_target"], target);
    } finally {
      await env.close();
    }
  });
});
