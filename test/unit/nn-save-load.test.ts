import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { selectBackend } from "../../src/nn/backend.js";
import { Mlp } from "../../src/nn/mlp.js";
import { Adam } from "../../src/nn/adam.js";
import { loadCheckpoint, loadCheckpointSync, readManifest, readManifestSync, saveCheckpoint } from "../../src/nn/save-load.js";

await selectBackend("wasm");

const sizes = [12, 32, 32, 3];
const x = tf.randomNormal([16, 12]) as tf.Tensor2D;
const y = tf.randomNormal([16, 3]);

function trainStep(net: Mlp, opt: Adam): void {
  tf.tidy(() => opt.minimize(() => tf.mean(tf.square(tf.sub(net.apply(x, { inputGrad: false }), y))) as tf.Scalar));
}

function weights(net: Mlp): Float32Array[] {
  return net.trainableVariables.map((v) => Float32Array.from(v.dataSync()));
}

test("save → load gives bit-identical outputs and an identical next Adam step", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "simbridge-nn-"));
  try {
    const net = new Mlp({ sizes, seed: 1, outputActivation: "tanh" });
    const opt = new Adam(net.trainableVariables, { learningRate: 1e-3 });
    for (let i = 0; i < 5; i++) trainStep(net, opt);
    const manifest = await saveCheckpoint(dir, { networks: { policy: net }, optimizers: { policy: opt }, meta: { updates: 5 } });
    assert.equal(manifest.optimizers.policy!.step, 5);

    // A fresh process would build the same architecture with any seed and load.
    const net2 = new Mlp({ sizes, seed: 99, outputActivation: "tanh" });
    const opt2 = new Adam(net2.trainableVariables, { learningRate: 1e-3 });
    const loaded = await loadCheckpoint(dir, { networks: { policy: net2 }, optimizers: { policy: opt2 } });
    assert.deepEqual(loaded.meta, { updates: 5 });
    assert.equal(opt2.step, 5);

    const out1 = tf.tidy(() => net.apply(x).dataSync());
    const out2 = tf.tidy(() => net2.apply(x).dataSync());
    assert.deepEqual(out2, out1);

    trainStep(net, opt);
    trainStep(net2, opt2);
    assert.deepEqual(weights(net2), weights(net));
    for (const [a, b] of [[opt, opt2]] as const) {
      const sa = a.getState();
      const sb = b.getState();
      sa.m.forEach((m, i) => assert.deepEqual(sb.m[i]!.dataSync(), m.dataSync()));
      sa.v.forEach((v, i) => assert.deepEqual(sb.v[i]!.dataSync(), v.dataSync()));
      tf.dispose([...sa.m, ...sa.v, ...sb.m, ...sb.v]);
    }
    for (const o of [net, net2, opt, opt2]) o.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the files are JSON plus raw little-endian float32", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "simbridge-nn-"));
  try {
    const net = new Mlp({ sizes: [2, 3, 1], seed: 2 });
    await saveCheckpoint(dir, { networks: { q: net } });
    const manifest = await readManifest(dir);
    const blob = await readFile(path.join(dir, "weights.bin"));
    const entry = manifest.tensors.find((t) => t.name === "networks/q/0")!;
    assert.deepEqual(entry.shape, [2, 3]);
    const want = net.trainableVariables[0]!.dataSync();
    for (let i = 0; i < 6; i++) assert.equal(blob.readFloatLE(entry.offset + 4 * i), want[i]);
    assert.equal(blob.byteLength, 4 * net.parameterCount);
    net.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("loading into a different architecture fails clearly and changes nothing", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "simbridge-nn-"));
  try {
    const net = new Mlp({ sizes: [4, 8, 1], seed: 3 });
    await saveCheckpoint(dir, { networks: { q: net } });
    const other = new Mlp({ sizes: [4, 9, 1], seed: 4 });
    const before = weights(other);
    await assert.rejects(loadCheckpoint(dir, { networks: { q: other } }), /networks\/q\/0: expected shape \[4, 9\] but got \[4, 8\]/);
    assert.deepEqual(weights(other), before);
    await assert.rejects(loadCheckpoint(dir, { networks: { pi: net } }), /has no network "pi"/);
    await writeFile(path.join(dir, "manifest.json"), JSON.stringify({ format: "other" }));
    await assert.rejects(loadCheckpoint(dir, { networks: { q: net } }), /not a simbridge-nn checkpoint/);
    net.dispose();
    other.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the synchronous reader loads what the async one does and refuses the same bad input", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "simbridge-nn-"));
  try {
    const net = new Mlp({ sizes: [4, 8, 1], seed: 5 });
    await saveCheckpoint(dir, { networks: { q: net }, meta: { k: 1 } });
    assert.deepEqual(readManifestSync(dir), await readManifest(dir));
    const copy = new Mlp({ sizes: [4, 8, 1], seed: 6 });
    assert.deepEqual(loadCheckpointSync(dir, { networks: { q: copy } }).meta, { k: 1 });
    assert.deepEqual(weights(copy), weights(net));
    const other = new Mlp({ sizes: [4, 9, 1], seed: 4 });
    const before = weights(other);
    assert.throws(() => loadCheckpointSync(dir, { networks: { q: other } }), /networks\/q\/0: expected shape \[4, 9\] but got \[4, 8\]/);
    assert.deepEqual(weights(other), before);
    assert.throws(() => readManifestSync(path.join(dir, "nowhere")), /Cannot read checkpoint manifest .*nowhere/);
    await assert.rejects(readManifest(path.join(dir, "nowhere")), /Cannot read checkpoint manifest .*nowhere/);
    await writeFile(path.join(dir, "manifest.json"), "{not json");
    assert.throws(() => readManifestSync(dir), /Cannot read checkpoint manifest/);
    for (const n of [net, copy, other]) n.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a whole TD3 model round-trips through td3CheckpointContents", async () => {
  const { createTd3Model, disposeTd3Model, td3CheckpointContents, td3Update } = await import("../../src/algos/td3.js");
  const dir = await mkdtemp(path.join(tmpdir(), "simbridge-nn-"));
  try {
    const batch = {
      obs: tf.randomNormal([8, 3]) as tf.Tensor2D,
      action: tf.randomUniform([8, 2], -1, 1) as tf.Tensor2D,
      reward: tf.randomNormal([8]),
      nextObs: tf.randomNormal([8, 3]) as tf.Tensor2D,
      discount: tf.fill([8], 0.99),
    };
    const noise = tf.randomNormal([8, 2]) as tf.Tensor2D;
    const a = createTd3Model({ obsDim: 3, actDim: 2, hidden: [16, 16], seed: 1 });
    for (let i = 0; i < 3; i++) td3Update(a, batch, undefined, { noise });
    await saveCheckpoint(dir, td3CheckpointContents(a));
    const b = createTd3Model({ obsDim: 3, actDim: 2, hidden: [16, 16], seed: 2 });
    const manifest = await loadCheckpoint(dir, td3CheckpointContents(b));
    b.updates = (manifest.meta as { updates: number }).updates;
    const ra = td3Update(a, batch, undefined, { noise });
    const rb = td3Update(b, batch, undefined, { noise });
    assert.deepEqual(rb, ra);
    assert.equal(rb.actorUpdated, true);
    assert.deepEqual(weights(b.actorTarget), weights(a.actorTarget));
    assert.deepEqual(weights(b.critic2), weights(a.critic2));
    disposeTd3Model(a);
    disposeTd3Model(b);
    tf.dispose([noise, ...Object.values(batch)]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
