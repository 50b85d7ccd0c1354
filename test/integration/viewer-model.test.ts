// Views over the protocol (capability "viewer_model"): a watcher that sets
// WatchRequest.view gets each env's body poses in every frame and its model in
// the first frame of each key; a watcher without it gets neither; envs of one
// task share one key; a black-box server still draws; MuJoCo bodies are where
// the task says (ReacherGoal's fingertip = achieved_goal); and watching with
// views does not change a trajectory.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { TaskRegistry } from "../../src/env/task-registry.js";
import { RemoteVectorEnv } from "../../src/client/remote-vector-env.js";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { openWatch, type Frame } from "../../src/client/watch-client.js";
import { openViewWatch, type ViewFrame } from "../../src/viewer/view-watch.js";
import { VIEWER_MODEL_CAPABILITY } from "../../src/viewer/env-views.js";
import { pointReachV0 } from "../../sims/point/point-reach-v0.js";
import { pointPushV0 } from "../../sims/point/point-push-v0.js";
import { reacherGoalV0Factory as reacherGoalV0 } from "../../sims/mujoco/reacher-goal-v0.js";
import { antV5Factory as antV5 } from "../../sims/mujoco/ant-v5.js";

const registry = new TaskRegistry([pointReachV0, pointPushV0, reacherGoalV0, antV5]);
let server: RunningServer;
let blackBox: RunningServer;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

before(async () => {
  server = await startServer({ registry, port: 0 });
  blackBox = await startServer({ registry: registry.asBlackBox(), port: 0 });
});
after(async () => {
  await server.close();
  await blackBox.close();
});

/** Collects frames of a view watch (or a plain one) while `drive` runs. */
async function framesWhile<F>(open: (push: (f: F) => void) => { cancel(): void }, drive: () => Promise<void>): Promise<F[]> {
  const frames: F[] = [];
  const w = open((f) => frames.push(f));
  await sleep(100);
  try {
    await drive();
    await sleep(100);
  } finally {
    w.cancel();
  }
  return frames;
}

async function run(address: string, task: string, envs: number, steps: number, seed = 0): Promise<Float32Array[]> {
  const env = await RemoteVectorEnv.connect(address, task, envs);
  try {
    const act = env.spec.action.shape[0]!;
    const obs: Float32Array[] = [];
    let b = await env.reset(Array.from({ length: envs }, (_, i) => ({ index: i, seed: seed + i })));
    for (let t = 0; t < steps; t++) {
      const a = Float32Array.from({ length: envs * act }, (_, k) => 0.2 * Math.sin(t * 0.7 + k));
      b = await env.step(a);
      obs.push(b.observations[0]!.slice());
    }
    return obs;
  } finally {
    await env.close();
  }
}

describe("views on watch streams", () => {
  it("announces viewer_model in the handshake", async () => {
    const env = await RemoteVectorEnv.connect(server.address, "PointReach-v0", 1);
    assert.ok(env.connection.server.capabilities.includes(VIEWER_MODEL_CAPABILITY), env.connection.server.capabilities.join(", "));
    await env.close();
  });

  it("sends poses in every frame and the model once per key; envs of one task share the key", async () => {
    const frames = await framesWhile<ViewFrame>(
      (push) => openViewWatch(server.address, {}, { frame: push, error: () => {}, end: () => {} }),
      () => run(server.address, "PointPush-v0", 3, 5).then(() => undefined),
    );
    assert.equal(frames.length, 3 * 6);
    const keys = new Set(frames.map((f) => f.viewModelKey));
    assert.equal(keys.size, 1);
    assert.match([...keys][0]!, /^PointPush-v0#[0-9a-f]{16}$/);
    const withModel = frames.filter((f) => f.viewModel);
    assert.equal(withModel.length, 1, "the model once per key per watcher");
    const model = withModel[0]!.viewModel!;
    assert.deepEqual(model.bodies, ["world", "point", "block"]);
    for (const f of frames) {
      assert.equal(f.bodyPoses!.length, 3 * 7);
      // The point body is at observation (x, y); the block at observation [4], [5].
      const o = f.observations[0]!;
      assert.deepEqual([f.bodyPoses![7], f.bodyPoses![8]], [o[0], o[1]]);
      assert.deepEqual([f.bodyPoses![14], f.bodyPoses![15]], [o[4], o[5]]);
    }
  });

  it("a watcher without view gets no poses and no model", async () => {
    const frames = await framesWhile<Frame>(
      (push) => openWatch(server.address, {}, { frame: push, error: () => {}, end: () => {} }),
      () => run(server.address, "PointReach-v0", 1, 3).then(() => undefined),
    );
    assert.equal(frames.length, 4);
    for (const f of frames) assert.ok(!("viewModelKey" in f));
  });

  it("ReacherGoal-v0: MuJoCo bodies and geoms; the fingertip body is at achieved_goal; black box too", async () => {
    for (const s of [server, blackBox]) {
      const frames = await framesWhile<ViewFrame>(
        (push) => openViewWatch(s.address, {}, { frame: push, error: () => {}, end: () => {} }),
        () => run(s.address, "ReacherGoal-v0", 1, 10).then(() => undefined),
      );
      const model = frames[0]!.viewModel!;
      assert.ok(model, "the first frame carries the model");
      const fingertip = model.bodies.indexOf("fingertip");
      assert.ok(fingertip > 0, model.bodies.join(", "));
      assert.ok(model.geoms.length >= 5, `${model.geoms.length} geoms`);
      assert.ok(model.geoms.every((g) => g.size.length === 3 && g.rgba.length === 4 && Number(g.shape) >= 1));
      assert.equal(model.goal_z, 0.01);
      const last = frames.at(-1)!;
      const achieved = last.observations[1]!;
      // xpos lags the state by one physics step (mujoco-view.ts): within a few millimetres.
      assert.ok(Math.abs(last.bodyPoses![7 * fingertip]! - achieved[0]!) < 0.01);
      assert.ok(Math.abs(last.bodyPoses![7 * fingertip + 1]! - achieved[1]!) < 0.01);
    }
  });

  it("Ant-v5: the torso moves in the poses; watching with views changes no observation", async () => {
    const unwatched = await run(server.address, "Ant-v5", 2, 20, 7);
    let watched: Float32Array[] = [];
    const frames = await framesWhile<ViewFrame>(
      (push) => openViewWatch(server.address, {}, { frame: push, error: () => {}, end: () => {} }),
      async () => {
        watched = await run(server.address, "Ant-v5", 2, 20, 7);
      },
    );
    assert.deepEqual(watched, unwatched);
    const model = frames.find((f) => f.viewModel)!.viewModel!;
    const torso = model.bodies.indexOf("torso");
    assert.ok(torso > 0);
    const first = frames.find((f) => f.envId === frames[0]!.envId && f.episodeStep === 0)!;
    const later = frames.filter((f) => f.envId === first.envId).at(-1)!;
    const z0 = first.bodyPoses![7 * torso + 2]!;
    assert.ok(z0 > 0.3 && z0 < 1.2, `torso height ${z0}`);
    const moved = [0, 1, 2, 3, 4, 5, 6].some((k) => later.bodyPoses![7 * torso + k] !== first.bodyPoses![7 * torso + k]);
    assert.ok(moved);
  });
});
