// Watch on the Python reference server (sims/external/python): a real
// `python3 -m simbridge_external` process steps Cart2D-v0 envs for a
// TypeScript client, and TypeScript watchers (src/client/watch-client.ts, and
// the viewer's src/viewer/view-watch.ts) check what it streams:
// - a frame for every reset and step (and real-time tick) with the fields of
//   session.proto, sequences consecutive per watcher, filters by session and env;
// - max_hz limits frames per env, and every frame not sent is counted in the
//   next frame's `dropped`;
// - with WatchRequest.view, the model once per key per watcher and the cart's
//   pose in every frame (at the observation's x, y, turned by its heading);
// - a watcher that never reads does not stop stepping, and its frames are
//   dropped and counted, not queued without bound;
// - the token, a bad max_hz and the watcher limit are refused with the
//   protocol's codes; a black box sends no reward.
// Checks are counts and orderings; the only timing is the max_hz spacing,
// judged on the server's own clock (wall_time_us) with a margin.
//
// Needs Debian's python3 with python3-grpcio, python3-numpy and
// protobuf-compiler (deps/apt-packages.txt), like test/contract/external-python.test.ts.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { loadProtocol } from "../../src/protocol/service-definition.js";
import { Code, SimbridgeError } from "../../src/core/errors.js";
import { StepStatus } from "../../src/env/task.js";
import { RemoteVectorEnv } from "../../src/client/remote-vector-env.js";
import { openWatch, type Frame, type WatchOptions } from "../../src/client/watch-client.js";
import { decodeViewFrame, openViewWatch, type ViewFrame } from "../../src/viewer/view-watch.js";
import type { WatchFrame__Output } from "../../src/protocol/generated/simbridge/v1/WatchFrame.js";
import { checkPython, startPython, type PythonServer, stopPython } from "../helpers/python-server.js";

const TASK = "Cart2D-v0";
const TOKEN = "watch-s3cret";
const CONTROL_DT = 0.05;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const servers: { plain?: PythonServer; guarded?: PythonServer; blackBox?: PythonServer } = {};
function address(which: keyof typeof servers): string {
  const s = servers[which];
  if (!s) throw new Error(`the python server (${which}) did not start; see the error of the before hook`);
  return s.address;
}

before(async () => {
  checkPython();
  const started = await Promise.allSettled([startPython(), startPython("--token", TOKEN, "--max-watchers", "1"), startPython("--black-box")]);
  const [plain, guarded, blackBox] = started;
  if (plain.status === "fulfilled") servers.plain = plain.value;
  if (guarded.status === "fulfilled") servers.guarded = guarded.value;
  if (blackBox.status === "fulfilled") servers.blackBox = blackBox.value;
  const failed = started.find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
});

after(async () => {
  await Promise.all(Object.values(servers).map(stopPython));
});

/** A watcher collecting frames (and its error, if the server refuses or ends it). */
interface Collector<F> {
  readonly frames: F[];
  readonly error: Promise<SimbridgeError>;
  cancel(): void;
}

function collect(addr: string, options: WatchOptions = {}): Collector<Frame> {
  const frames: Frame[] = [];
  let fail!: (e: SimbridgeError) => void;
  const error = new Promise<SimbridgeError>((resolve) => (fail = resolve));
  const w = openWatch(addr, options, { frame: (f) => frames.push(f), error: fail, end: () => fail(new SimbridgeError(Code.UNAVAILABLE, "watch ended")) });
  return { frames, error, cancel: () => w.cancel() };
}

function collectViews(addr: string, options: WatchOptions = {}): Collector<ViewFrame> {
  const frames: ViewFrame[] = [];
  let fail!: (e: SimbridgeError) => void;
  const error = new Promise<SimbridgeError>((resolve) => (fail = resolve));
  const w = openViewWatch(addr, options, { frame: (f) => frames.push(f), error: fail, end: () => fail(new SimbridgeError(Code.UNAVAILABLE, "watch ended")) });
  return { frames, error, cancel: () => w.cancel() };
}

/** Waits until `check` holds (polling), or fails naming `what`. */
async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * Makes sure the server has registered `watchers` (a Watch call returns before
 * the server's handler runs): resets the envs until each has a frame of them,
 * checks that their sequences start at 1, and empties them. The envs' episode
 * counts go up by the resets made.
 */
async function ready(env: RemoteVectorEnv, ...watchers: Array<{ readonly frames: Array<{ readonly sessionId: string; readonly sequence: number }> }>): Promise<void> {
  const sessionId = env.connection.server.sessionId;
  const seen = () => watchers.every((w) => w.frames.some((f) => f.sessionId === sessionId));
  const deadline = Date.now() + 20_000;
  while (!seen()) {
    if (Date.now() > deadline) throw new Error("the watchers never got a frame of a probe reset");
    await env.reset();
    await sleep(20);
  }
  await sleep(50);
  for (const w of watchers) {
    assert.deepEqual(
      w.frames.map((f) => f.sequence),
      w.frames.map((_, i) => i + 1),
      "sequences consecutive per watcher, from 1",
    );
    w.frames.length = 0;
  }
}

/** Pushes all envs with a fixed action pattern; returns each step's batch. */
async function drive(env: RemoteVectorEnv, steps: number) {
  const out = [];
  for (let t = 0; t < steps; t++) {
    const a = Float32Array.from({ length: env.numEnvs * 2 }, (_, k) => (k % 2 ? 0.9 : 0.4 + 0.5 * Math.sin(t * 0.3 + k)));
    out.push(await env.step(a));
  }
  return out;
}

function mine(frames: readonly Frame[], sessionId: string, envId: number): Frame[] {
  return frames.filter((f) => f.sessionId === sessionId && f.envId === envId);
}

describe("Watch on the Python reference server", () => {
  it("announces viewer_model in the handshake", async () => {
    for (const which of ["plain", "blackBox"] as const) {
      const env = await RemoteVectorEnv.connect(address(which), TASK, 1);
      try {
        assert.ok(env.connection.server.capabilities.includes("viewer_model"), env.connection.server.capabilities.join(", "));
      } finally {
        await env.close();
      }
    }
  });

  it("sends a frame for every reset and step of every env, with the fields of session.proto; filters by session and env", async () => {
    const n = 3;
    const steps = 12;
    const env = await RemoteVectorEnv.connect(address("plain"), TASK, n, { max_episode_steps: steps });
    const other = await RemoteVectorEnv.connect(address("plain"), TASK, 1);
    const sessionId = env.connection.server.sessionId;
    const all = collect(address("plain"));
    const filtered = collect(address("plain"), { sessionId, envIds: [2] });
    try {
      await ready(env, all, filtered);
      const probes = all.frames.length; // 0: ready() emptied them
      const reset = await env.reset(Array.from({ length: n }, (_, i) => ({ index: i, seed: 10 + i })));
      await other.reset([{ index: 0, seed: 1 }]);
      const batches = [reset, ...(await drive(env, steps))];
      await other.step(Float32Array.from([0.5, 0.5]));
      const expected = n * (steps + 1) + 2;
      await until(`${expected} frames`, () => all.frames.length >= expected);
      await sleep(100);
      assert.equal(all.frames.length, expected + probes, "exactly one frame per reset and step");
      assert.deepEqual(
        all.frames.map((f) => f.sequence),
        Array.from({ length: all.frames.length }, (_, i) => all.frames[0]!.sequence + i),
        "sequences consecutive",
      );
      const nowUs = Date.now() * 1000;
      for (let i = 0; i < n; i++) {
        // A fresh session hands out ids 1, 2, … in order.
        const frames = mine(all.frames, sessionId, i + 1);
        assert.equal(frames.length, steps + 1);
        const episode = frames[0]!.episode;
        frames.forEach((f, t) => {
          const b = batches[t]!;
          assert.equal(f.task, TASK);
          assert.equal(f.episode, episode, "one episode");
          assert.equal(f.episodeStep, t);
          assert.equal(f.simTime, Number((t * CONTROL_DT).toPrecision(12)));
          assert.equal(f.dropped, 0);
          assert.equal(f.status, t === steps ? StepStatus.TRUNCATED : StepStatus.RUNNING);
          assert.equal(f.reward, b.reward![i]);
          assert.equal(f.isSuccess, b.isSuccess[i] === 1);
          assert.equal(f.observations.length, 3);
          for (const [k, size] of [6, 2, 2].entries()) assert.deepEqual(f.observations[k], b.observations[k]!.slice(i * size, (i + 1) * size), `observation ${k} at step ${t}`);
          assert.ok(Math.abs(f.wallTimeUs - nowUs) < 120e6, `wall_time_us ${f.wallTimeUs} near now ${nowUs}`);
          if (t > 0) assert.ok(f.wallTimeUs >= frames[t - 1]!.wallTimeUs);
        });
        assert.equal(frames[0]!.reward, 0, "reward 0 after reset");
      }
      // The other session's env 1 is seen by the unfiltered watcher only.
      assert.equal(all.frames.filter((f) => f.sessionId !== sessionId).length, 2);
      assert.ok(filtered.frames.length >= steps + 1);
      assert.ok(filtered.frames.every((f) => f.sessionId === sessionId && f.envId === 2), "only env 2 of this session");

      // A new episode after the end: episode + 1, step 0.
      await env.reset([{ index: 0 }]);
      await until("the next episode's frame", () => mine(all.frames, sessionId, 1).length === steps + 2);
      const next = mine(all.frames, sessionId, 1).at(-1)!;
      assert.equal(next.episode, mine(all.frames, sessionId, 1)[0]!.episode + 1);
      assert.equal(next.episodeStep, 0);
      assert.equal(next.status, StepStatus.RUNNING);
    } finally {
      all.cancel();
      filtered.cancel();
      await env.close();
      await other.close();
    }
  });

  it("frames of real-time envs: one per tick, held ticks too", async () => {
    const env = await RemoteVectorEnv.connect(address("plain"), TASK, 1, {}, {}, { realtimeHz: 50 });
    const w = collect(address("plain"), { sessionId: env.connection.server.sessionId });
    try {
      await ready(env, w);
      await env.reset([{ index: 0, seed: 3 }]);
      // The clock ticks on: frames of the probe episodes may come first. This reset's frame is the last with step 0.
      const start = () => w.frames.map((f) => f.episodeStep).lastIndexOf(0);
      await until("10 frames of ticks after the reset", () => start() >= 0 && w.frames.length - start() >= 11);
      const frames = w.frames.slice(start(), start() + 11);
      assert.deepEqual(
        frames.map((f) => f.episodeStep),
        Array.from({ length: 11 }, (_, i) => i),
        "the reset, then one frame per tick",
      );
      assert.ok(frames.every((f) => f.episode === frames[0]!.episode && f.dropped === 0));
    } finally {
      w.cancel();
      await env.close();
    }
  });

  it("max_hz limits the frames per env; every frame not sent is counted in the next one's dropped", async () => {
    const n = 2;
    const maxHz = 10;
    const env = await RemoteVectorEnv.connect(address("plain"), TASK, n, { max_episode_steps: 1_000_000 });
    const sessionId = env.connection.server.sessionId;
    const w = collect(address("plain"), { sessionId, maxHz });
    try {
      await ready(env, w);
      await sleep(1000 / maxHz + 50); // the probe's frame does not hold back the first one
      await env.reset(Array.from({ length: n }, (_, i) => ({ index: i, seed: i })));
      const started = performance.now();
      let steps = 0;
      while (performance.now() - started < 1500) {
        await drive(env, 10);
        steps += 10;
      }
      const seconds = (performance.now() - started) / 1000;
      // One more step after a pause: each env's last frame then reports every drop before it.
      await sleep(1000 / maxHz + 50);
      await drive(env, 1);
      steps += 1;
      await until("the last step's frames", () => w.frames.filter((f) => f.episodeStep === steps).length === n);
      console.log(`max_hz ${maxHz}: ${steps} steps of ${n} envs in ${seconds.toFixed(2)} s (${(steps / seconds).toFixed(0)} steps/s), ${w.frames.length} frames`);
      assert.ok(steps / seconds > 3 * maxHz, `the envs step faster than the limit (${(steps / seconds).toFixed(0)}/s)`);
      for (let id = 1; id <= n; id++) {
        const frames = mine(w.frames, sessionId, id);
        assert.ok(frames.length <= maxHz * seconds + 3, `${frames.length} frames of env ${id} in ${seconds.toFixed(2)} s at ≤ ${maxHz}/s`);
        assert.ok(frames.length >= 3, `${frames.length} frames of env ${id}`);
        let previous = -1;
        for (const f of frames) {
          // Each frame counts the resets and steps of its env since the previous frame sent.
          assert.equal(f.dropped, f.episodeStep - previous - 1, `dropped of the frame at step ${f.episodeStep}`);
          previous = f.episodeStep;
        }
        for (let i = 1; i < frames.length; i++) {
          const gapMs = (frames[i]!.wallTimeUs - frames[i - 1]!.wallTimeUs) / 1000;
          assert.ok(gapMs >= 1000 / maxHz - 5, `frames of env ${id} ${gapMs.toFixed(1)} ms apart at max_hz ${maxHz}`);
        }
        assert.equal(frames.reduce((a, f) => a + 1 + f.dropped, 0), steps + 1, "every reset and step sent or counted");
      }
    } finally {
      w.cancel();
      await env.close();
    }
  });

  it("with view: the model once per key per watcher, the cart posed from the observation in every frame; without view, neither", async () => {
    const n = 2;
    const env = await RemoteVectorEnv.connect(address("plain"), TASK, n);
    const sessionId = env.connection.server.sessionId;
    const viewer = collectViews(address("plain"), { sessionId });
    const plain = rawWatch(address("plain"), { session_id: sessionId, view: false });
    try {
      await ready(env, viewer, plain);
      // ready() emptied the frames, the model's among them: a second view watcher sees it first.
      const late = collectViews(address("plain"), { sessionId });
      await ready(env, late);
      await env.reset(Array.from({ length: n }, (_, i) => ({ index: i, seed: 20 + i })));
      await drive(env, 30);
      const expected = n * 31;
      await until(`${expected} view frames`, () => viewer.frames.length >= expected && late.frames.length >= expected && plain.frames.length >= expected);
      await sleep(100);
      late.cancel();

      assert.equal(viewer.frames.filter((f) => f.viewModel).length, 0, "the model went with the first frame, before ready() emptied them");
      assert.equal(late.frames.filter((f) => f.viewModel).length, 0);
      const keys = new Set([...viewer.frames, ...late.frames].map((f) => f.viewModelKey));
      assert.equal(keys.size, 1, "envs of one task and options share one key");
      const key = [...keys][0]!;
      assert.match(key, /^Cart2D-v0#[0-9a-f]{16}$/);

      // The model: a fresh watcher gets it in its first frame of the key, and only there.
      const fresh = collectViews(address("plain"), { sessionId });
      try {
        const deadline = Date.now() + 20_000;
        while (fresh.frames.length === 0) {
          assert.ok(Date.now() < deadline, "the fresh view watcher never got a frame");
          await env.reset([{ index: 0 }]);
          await sleep(20);
        }
        await env.reset([{ index: 1 }]);
        await drive(env, 3);
        await until("a fresh view watcher's frames", () => fresh.frames.length >= 1 + 2 * 3);
        const withModel = fresh.frames.filter((f) => f.viewModel);
        assert.equal(withModel.length, 1, "the model once per key per watcher");
        assert.equal(withModel[0], fresh.frames[0], "in the first frame");
        const model = withModel[0]!.viewModel!;
        assert.equal(fresh.frames[0]!.viewModelKey, key);
        assert.deepEqual(model.bodies, ["world", "cart"]);
        assert.ok(model.geoms.length >= 3, `${model.geoms.length} geoms`);
        assert.equal(Number(model.geoms[0]!.shape), 1, "a floor plane first");
        assert.deepEqual(model.geoms[0]!.size.slice(0, 2), [1, 1], "the 2 m arena");
        assert.ok(model.geoms.some((g) => g.body === 1 && Number(g.shape) === 6), "the cart has a box");
        assert.ok(model.geoms.every((g) => g.body <= 1 && g.size.length >= 1 && g.rgba.length === 4 && Number(g.shape) >= 1 && Number(g.shape) <= 6));
        assert.ok(model.goal_z > 0 && model.marker_radius > 0);
      } finally {
        fresh.cancel();
      }

      for (const f of viewer.frames) {
        const p = f.bodyPoses!;
        assert.equal(p.length, 2 * 7, "two bodies");
        assert.deepEqual([...p.slice(0, 7)], [0, 0, 0, 1, 0, 0, 0], "the world at the origin");
        const o = f.observations[0]!;
        assert.deepEqual([p[7], p[8], p[9]], [o[0], o[1], 0], `the cart at the observation's x, y (step ${f.episodeStep})`);
        // Turned by the heading: (qw, qz) = (cos θ/2, sin θ/2), so qw² − qz² = cos θ and 2 qw qz = sin θ.
        const [qw, qx, qy, qz] = [p[10]!, p[11]!, p[12]!, p[13]!];
        assert.equal(qx, 0);
        assert.equal(qy, 0);
        assert.ok(Math.abs(qw * qw - qz * qz - o[2]!) < 1e-5 && Math.abs(2 * qw * qz - o[3]!) < 1e-5, `heading of the pose at step ${f.episodeStep}`);
      }
      assert.ok(plain.frames.every((f) => f.viewModelKey === "" && f.bodyPoses === undefined && f.viewModel === undefined), "a watcher without view gets none of it");
    } finally {
      viewer.cancel();
      plain.cancel();
      await env.close();
    }
  });

  it("a watcher that never reads does not stop stepping; its frames are dropped and counted, the queue stays bounded", { timeout: 180_000 }, async () => {
    const n = 16;
    const steps = 400;
    const env = await RemoteVectorEnv.connect(address("plain"), TASK, n, { max_episode_steps: 1_000_000 });
    const sessionId = env.connection.server.sessionId;
    const unwatched = await stepsPerSecond(env, 100);
    const stalled = rawWatch(address("plain"), { session_id: sessionId, view: true });
    try {
      await ready(env, stalled);
      const baseline = await stepsPerSecond(env, 100);
      // Every frame so far taken in (a loaded reader may have lagged and had some dropped): wait until none arrive.
      let seen = -1;
      while (seen !== stalled.frames.length) {
        seen = stalled.frames.length;
        await sleep(300);
      }
      // The baseline's last step was episode step 100: frames of it not received were dropped, and
      // the run's first frame of that env counts them too.
      const baselineDrops = new Map<number, number>();
      for (let id = 1; id <= n; id++) {
        const last = stalled.frames.filter((f) => f.envId === id).at(-1);
        baselineDrops.set(id, 100 - (last?.episodeStep ?? 100));
      }
      stalled.pause(); // from here on the client reads nothing: HTTP/2 flow control stops the server's writes
      await sleep(100);
      const before = stalled.frames.length;
      await env.reset(Array.from({ length: n }, (_, i) => ({ index: i, seed: i })));
      const started = performance.now();
      await drive(env, steps);
      const stalledRate = steps / ((performance.now() - started) / 1000);
      const events = n * (steps + 1);
      // Read again: what the server queued and the transport held arrives, the rest was dropped.
      stalled.resume();
      await sleep(500);
      let count = -1;
      while (count !== stalled.frames.length) {
        count = stalled.frames.length;
        await sleep(300);
      }
      const sentWhileStalled = stalled.frames.length - before;
      // One more step: each env's frame then reports every drop since its previous frame.
      await drive(env, 1);
      await until("a frame of each env after the last step", () => new Set(stalled.frames.filter((f) => f.episodeStep === steps + 1).map((f) => f.envId)).size === n);
      const run = stalled.frames.slice(before);
      const dropped = run.reduce((a, f) => a + f.dropped, 0);
      console.log(
        `never-reading watcher: ${n} envs × ${steps} steps at ${stalledRate.toFixed(0)} steps/s (before it stalled ${baseline.toFixed(0)} steps/s while it read every frame, ${unwatched.toFixed(0)} steps/s unwatched); ` +
          `${sentWhileStalled} of ${events} frames sent or buffered while stalled, ${dropped} dropped`,
      );
      assert.ok(dropped > 0, "frames were dropped and counted");
      assert.ok(sentWhileStalled < events / 2, `${sentWhileStalled} of ${events} frames queued for a watcher that read nothing`);
      for (let id = 1; id <= n; id++) {
        const frames = run.filter((f) => f.envId === id);
        assert.equal(frames.reduce((a, f) => a + 1 + f.dropped, 0), events / n + 1 + baselineDrops.get(id)!, `env ${id}: every reset and step sent or counted`);
      }
      assert.deepEqual(
        stalled.frames.map((f) => f.sequence),
        Array.from({ length: stalled.frames.length }, (_, i) => stalled.frames[0]!.sequence + i),
        "sequences consecutive, drops notwithstanding",
      );
    } finally {
      stalled.cancel();
      await env.close();
    }
  });

  it("a black box's frames carry no reward", async () => {
    const env = await RemoteVectorEnv.connect(address("blackBox"), TASK, 1);
    const w = collect(address("blackBox"), { sessionId: env.connection.server.sessionId });
    try {
      await ready(env, w);
      await env.reset([{ index: 0, seed: 1 }]);
      await drive(env, 3);
      await until("4 frames", () => w.frames.length >= 4);
      assert.ok(w.frames.every((f) => f.reward === undefined && f.observations.length === 3));
    } finally {
      w.cancel();
      await env.close();
    }
  });

  it("refuses a missing or wrong token (UNAUTHENTICATED), a bad max_hz (INVALID_ARGUMENT) and watchers past --max-watchers (RESOURCE_EXHAUSTED)", async () => {
    for (const token of [undefined, "wrong"]) {
      const w = collect(address("guarded"), token === undefined ? {} : { token });
      const e = await w.error;
      w.cancel();
      assert.equal(e.code, Code.UNAUTHENTICATED, e.message);
    }
    for (const maxHz of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const w = collect(address("plain"), { maxHz });
      const e = await w.error;
      w.cancel();
      assert.equal(e.code, Code.INVALID_ARGUMENT, `max_hz ${maxHz}: ${e.message}`);
      assert.match(e.message, /max_hz/);
    }
    // With the token (request field and metadata): frames; a second watcher is one too many.
    const env = await RemoteVectorEnv.connect(address("guarded"), TASK, 1, {}, { token: TOKEN });
    const w = collect(address("guarded"), { token: TOKEN });
    try {
      await ready(env, w);
      const second = collect(address("guarded"), { token: TOKEN });
      const e = await second.error;
      second.cancel();
      assert.equal(e.code, Code.RESOURCE_EXHAUSTED, e.message);
    } finally {
      w.cancel();
      await env.close();
    }
  });
});

/** Steps per second of `steps` steps of all envs (episodes long enough). */
async function stepsPerSecond(env: RemoteVectorEnv, steps: number): Promise<number> {
  await env.reset();
  const started = performance.now();
  await drive(env, steps);
  return steps / ((performance.now() - started) / 1000);
}

/** A raw Watch call (any request fields) that can stop reading: pause() leaves frames unread, so HTTP/2 pushes back on the server. */
function rawWatch(addr: string, request: { session_id?: string; max_hz?: number; view?: boolean }) {
  const { proto } = loadProtocol();
  const client = new proto.simbridge.v1.EnvironmentService(addr, grpc.credentials.createInsecure(), { "grpc.max_receive_message_length": -1 });
  const call = client.Watch({ session_id: "", env_ids: [], max_hz: 0, token: "", view: false, ...request });
  const frames: ViewFrame[] = [];
  call.on("data", (f: WatchFrame__Output) => frames.push(decodeViewFrame(f)));
  call.on("error", () => undefined); // CANCELLED when the test ends it
  return {
    frames,
    pause: () => call.pause(),
    resume: () => call.resume(),
    cancel: () => {
      call.cancel();
      client.close();
    },
  };
}
