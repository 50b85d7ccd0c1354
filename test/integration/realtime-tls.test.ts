// Real-time envs on the server's wall clock, TLS, and the server side of Watch,
// through a real gRPC server on port 0. No timing thresholds: only counts and
// orderings that hold on any machine.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinRegistry } from "../../sims/catalog.js";
import { Connection } from "../../src/client/connection.js";
import { RemoteVectorEnv } from "../../src/client/remote-vector-env.js";
import { openWatch, type Frame } from "../../src/client/watch-client.js";
import { Code, SimbridgeError } from "../../src/core/errors.js";
import { StepStatus } from "../../src/env/task.js";
import { startServer, type RunningServer } from "../../src/server/server.js";

const registry = builtinRegistry();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("real-time envs", () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ registry, port: 0 });
  });
  after(async () => {
    await server.close();
  });

  it("advance on the clock without actions, report late actions, and keep statistics", async () => {
    const c = await Connection.open(server.address);
    try {
      const env = await RemoteVectorEnv.make(c, "PointReach-v0", 2, { max_episode_steps: 1000 }, 50);
      await env.reset([{ index: 0, seed: 1 }, { index: 1, seed: 2 }]);
      // A prompt action: applied at the next tick.
      const first = await env.step(new Float32Array([1, 0, 0, 1]));
      assert.ok(first.lateTicks, "real-time results carry late_ticks");
      // Wait ~6 ticks without acting: the envs keep moving on the held action.
      await sleep(130);
      const late = await env.step(new Float32Array([0, 0, 0, 0]));
      assert.ok(late.lateTicks![0]! >= 2, `expected the action to be late by ≥ 2 ticks, got ${late.lateTicks![0]}`);
      // Held action (1, 0) at 0.1/step moved env 0 along x by ~late ticks × 0.1 beyond the first step.
      const dx = late.observations[0]![0]! - first.observations[0]![0]!;
      assert.ok(dx > 0.1 * (late.lateTicks![0]! - 0.5), `env 0 moved ${dx} in ${late.lateTicks![0]} held ticks`);
      const stats = await c.realtimeStats();
      assert.equal(stats.length, 2);
      for (const s of stats) {
        assert.equal(s.hz, 50);
        assert.ok(s.ticks >= late.lateTicks![0]! + 2);
        assert.ok(s.heldTicks >= late.lateTicks![0]!);
        assert.ok(s.lateSteps >= 1);
        assert.ok(Number.isFinite(s.jitterUsP50) && s.jitterUsP99 >= s.jitterUsP50);
      }
      await env.close();
    } finally {
      c.close();
    }
  });

  it("answers a step for an episode that ended on held ticks with the ended state", async () => {
    const c = await Connection.open(server.address);
    try {
      const env = await RemoteVectorEnv.make(c, "PointReach-v0", 1, { max_episode_steps: 3 }, 100);
      await env.reset([{ index: 0, seed: 1 }]);
      await sleep(100); // > 3 ticks: the episode runs out on held actions
      const s = await env.step(new Float32Array([0.5, 0.5]));
      assert.equal(s.status[0], StepStatus.TRUNCATED);
      assert.ok(s.lateTicks![0]! >= 3);
      await assert.rejects(env.step(new Float32Array([0.5, 0.5])), (e: unknown) => e instanceof SimbridgeError && e.code === Code.FAILED_PRECONDITION);
      const r = await env.reset([{ index: 0 }]);
      assert.equal(r.status[0], StepStatus.RUNNING);
      await env.close();
    } finally {
      c.close();
    }
  });

  it("refuses a bad rate, stats of lockstep envs, and mixing clocks in one request", async () => {
    const c = await Connection.open(server.address);
    try {
      await assert.rejects(c.makeEnvs("PointReach-v0", 1, {}, -5), (e: unknown) => e instanceof SimbridgeError && e.code === Code.INVALID_ARGUMENT && /realtime_hz/.test(e.message));
      const lock = await c.makeEnvs("PointReach-v0", 1);
      await assert.rejects(c.realtimeStats(lock.envIds), (e: unknown) => e instanceof SimbridgeError && e.code === Code.FAILED_PRECONDITION);
      const a = await c.makeEnvs("PointReach-v0", 1, {}, 20);
      const b = await c.makeEnvs("PointReach-v0", 1, {}, 20);
      await c.reset([{ envId: a.envIds[0]! }]);
      await c.reset([{ envId: b.envIds[0]! }]);
      await assert.rejects(
        c.step([a.envIds[0]!, b.envIds[0]!], new Float32Array(4), [2, 2]),
        (e: unknown) => e instanceof SimbridgeError && e.code === Code.INVALID_ARGUMENT && /one request batches envs of one spec/.test(e.message),
      );
    } finally {
      c.close();
    }
  });
});

describe("watch streams (server side)", () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ registry, port: 0 });
  });
  after(async () => {
    await server.close();
  });

  it("pushes frames of every step to a watcher, with sequence numbers and episode progress", async () => {
    const frames: Frame[] = [];
    const w = openWatch(server.address, {}, { frame: (f) => frames.push(f), error: (e) => assert.fail(e), end: () => undefined });
    await sleep(100); // let the watch stream open before stepping
    const env = await RemoteVectorEnv.connect(server.address, "PointReach-v0", 2);
    await env.reset([{ index: 0, seed: 1 }, { index: 1, seed: 2 }]);
    for (let t = 0; t < 5; t++) await env.step(new Float32Array([0.1, 0.1, -0.1, -0.1]));
    await sleep(100);
    w.cancel();
    await env.close();
    assert.equal(frames.length, 12, "2 resets + 2 × 5 steps");
    assert.deepEqual(frames.map((f) => f.sequence), Array.from({ length: 12 }, (_, i) => i + 1));
    const env0 = frames.filter((f) => f.envId === frames[0]!.envId);
    assert.deepEqual(env0.map((f) => f.episodeStep), [0, 1, 2, 3, 4, 5]);
    assert.ok(env0.every((f) => f.episode === 1 && f.task === "PointReach-v0" && f.observations.length === 3));
    assert.ok(Math.abs(env0[5]!.simTime - 5 * 0.05) < 1e-9);
    assert.ok(env0.every((f) => f.dropped === 0));
  });

  it("rate-limits per watcher and counts what it drops", async () => {
    const frames: Frame[] = [];
    const w = openWatch(server.address, { maxHz: 5 }, { frame: (f) => frames.push(f), error: (e) => assert.fail(e), end: () => undefined });
    await sleep(100);
    const env = await RemoteVectorEnv.connect(server.address, "PointReach-v0", 1, { max_episode_steps: 100000 });
    await env.reset();
    let steps = 0;
    const until = Date.now() + 500;
    while (Date.now() < until) {
      await env.step(new Float32Array([0.1, 0.1]));
      steps++;
    }
    await sleep(100);
    w.cancel();
    await env.close();
    const sent = frames.length;
    const dropped = frames.reduce((a, f) => a + f.dropped, 0);
    assert.ok(sent <= 5, `5 Hz over 0.5 s allows at most 3 frames (+ slack), got ${sent}`);
    assert.ok(dropped > 0, "nothing was dropped");
    assert.ok(sent + dropped <= steps + 1, "more frames than resets and steps");
  });

  it("refuses a watcher without the server's token", async () => {
    const guarded = await startServer({ registry, port: 0, token: "tok" });
    try {
      const err = await new Promise<SimbridgeError>((resolve) => {
        openWatch(guarded.address, {}, { frame: () => undefined, error: resolve, end: () => undefined });
      });
      assert.equal(err.code, Code.UNAUTHENTICATED);
      const ok = await new Promise<boolean>((resolve) => {
        const w = openWatch(guarded.address, { token: "tok" }, { frame: () => undefined, error: () => resolve(false), end: () => resolve(true) });
        setTimeout(() => {
          w.cancel();
          resolve(true);
        }, 200);
      });
      assert.ok(ok);
    } finally {
      await guarded.close();
    }
  });
});

describe("binding", () => {
  it("binds loopback by default and warns when binding elsewhere without a token", async () => {
    const warnings: string[] = [];
    const local = await startServer({ registry, port: 0, warn: (w) => warnings.push(w) });
    assert.equal(local.host, "127.0.0.1");
    await local.close();
    assert.equal(warnings.length, 0);
    const open = await startServer({ registry, host: "0.0.0.0", port: 0, warn: (w) => warnings.push(w) });
    await open.close();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /serving on 0\.0\.0\.0 without a token/);
    const guarded = await startServer({ registry, host: "0.0.0.0", port: 0, token: "t", warn: (w) => warnings.push(w) });
    await guarded.close();
    assert.equal(warnings.length, 1, "a token-protected server should not warn");
  });
});

describe("TLS", () => {
  it("serves and connects over TLS with a given certificate; a plaintext client cannot talk to it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "simbridge-tls-"));
    const cert = join(dir, "cert.pem");
    const key = join(dir, "key.pem");
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], { stdio: "ignore" });
    const server = await startServer({ registry, port: 0, tls: { certFile: cert, keyFile: key } });
    try {
      const env = await RemoteVectorEnv.connect(`localhost:${server.port}`, "PointReach-v0", 1, {}, { tls: { caFile: cert } });
      const r = await env.reset();
      assert.equal(r.status[0], StepStatus.RUNNING);
      await env.close();
      await assert.rejects(Connection.open(server.address, { timeoutMs: 1500 }), (e: unknown) => e instanceof SimbridgeError);
    } finally {
      await server.close();
    }
  });

  it("fails clearly when the certificate file is missing", async () => {
    await assert.rejects(startServer({ registry, port: 0, tls: { certFile: "/nonexistent/cert.pem", keyFile: "/nonexistent/key.pem" } }), /cannot read the TLS certificate at \/nonexistent\/cert.pem/);
  });
});
