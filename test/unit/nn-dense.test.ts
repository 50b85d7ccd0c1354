import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/nn/backend.js";
import { Dense, dense, transpose2d } from "../../src/nn/dense.js";
import type { Activation } from "../../src/nn/dense.js";
import { Mlp } from "../../src/nn/mlp.js";
import { Rng } from "../../src/core/rng.js";

await selectBackend("wasm");

const rng = new Rng(123);
function randn(shape: number[], scale = 1): tf.Tensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = scale * rng.normal();
  return tf.tensor(data, shape);
}

/** ‖a − b‖ / ‖b‖ over flattened values. */
function relError(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => {
    const num = tf.norm(tf.sub(a, b)).dataSync()[0]!;
    const den = tf.norm(b).dataSync()[0]!;
    return den === 0 ? num : num / den;
  });
}

/** The same layer through tf's own ops and autodiff (matMul gradient with transpose flags). */
function reference(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation: Activation): tf.Tensor2D {
  const z = tf.add(tf.matMul(x, w), b) as tf.Tensor2D;
  return activation === "relu" ? tf.relu(z) : activation === "tanh" ? tf.tanh(z) : z;
}

const shapes: Array<[number, number, number]> = [
  [256, 40, 256],
  [64, 256, 256],
  [32, 256, 1],
  [16, 1, 8],
  [1, 5, 3],
  [7, 3, 1],
];

for (const activation of ["linear", "relu", "tanh"] as const) {
  for (const [batch, inSize, outSize] of shapes) {
    test(`custom gradient equals autodiff: ${activation} ${batch}×${inSize}→${outSize}`, () => {
      const x = randn([batch, inSize]) as tf.Tensor2D;
      const w = randn([inSize, outSize], 1 / Math.sqrt(inSize)) as tf.Tensor2D;
      const b = randn([outSize], 0.1) as tf.Tensor1D;
      const upstream = randn([batch, outSize]);
      const loss = (f: typeof reference) => (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.mul(f(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, activation), upstream));
      const fast = tf.grads(loss((xx, ww, bb, act) => dense(xx, ww, bb, act)))([x, w, b]);
      const slow = tf.grads(loss(reference))([x, w, b]);
      const yFast = dense(x, w, b, activation);
      const ySlow = reference(x, w, b, activation);
      assert.ok(relError(yFast, ySlow) < 1e-6, "forward");
      ["dX", "dW", "dB"].forEach((name, i) => {
        assert.deepEqual(fast[i]!.shape, slow[i]!.shape, name);
        const err = relError(fast[i]!, slow[i]!);
        assert.ok(err < 1e-5, `${name} relative error ${err}`);
      });
      tf.dispose([x, w, b, upstream, ...fast, ...slow, yFast, ySlow]);
    });
  }
}

test("MLP gradients equal autodiff through plain matMul, Adam-ready variable order", () => {
  const net = new Mlp({ sizes: [40, 64, 64, 1], seed: 3 });
  const x = randn([128, 40]) as tf.Tensor2D;
  const y = randn([128, 1]);
  const vars = net.trainableVariables;
  const plain = () => {
    let h: tf.Tensor = x;
    for (let i = 0; i < vars.length; i += 2) {
      h = tf.add(tf.matMul(h as tf.Tensor2D, vars[i] as tf.Tensor2D), vars[i + 1]!);
      if (i + 2 < vars.length) h = tf.relu(h);
    }
    return tf.mean(tf.square(tf.sub(h, y))) as tf.Scalar;
  };
  const fast = tf.variableGrads(() => tf.mean(tf.square(tf.sub(net.apply(x, { inputGrad: false }), y))) as tf.Scalar, vars);
  const slow = tf.variableGrads(plain, vars);
  assert.ok(Math.abs(fast.value.dataSync()[0]! - slow.value.dataSync()[0]!) < 1e-5);
  for (const v of vars) {
    const err = relError(fast.grads[v.name]!, slow.grads[v.name]!);
    assert.ok(err < 1e-5, `${v.name}: relative error ${err}`);
  }
  tf.dispose([x, y, fast.value, slow.value, ...Object.values(fast.grads), ...Object.values(slow.grads)]);
  net.dispose();
});

test("frozen critic passes the input gradient only; inputGrad:false zeroes dX", () => {
  const layer = new Dense({ inputSize: 6, outputSize: 4, activation: "relu", seed: 9 });
  const x = randn([5, 6]) as tf.Tensor2D;
  const f = (opts: object) => tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
    tf.sum(dense(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, "relu", opts)))([x, layer.kernel, layer.bias]);
  const full = f({});
  const frozen = f({ frozen: true });
  const noInput = f({ inputGrad: false });
  assert.ok(relError(frozen[0]!, full[0]!) < 1e-7);
  assert.equal(tf.tidy(() => tf.sum(tf.abs(frozen[1]!)).dataSync()[0]), 0);
  assert.equal(tf.tidy(() => tf.sum(tf.abs(noInput[0]!)).dataSync()[0]), 0);
  assert.ok(relError(noInput[1]!, full[1]!) < 1e-7);
  tf.dispose([x, ...full, ...frozen, ...noInput]);
  layer.dispose();
});

test("transpose2d is a reshape for vectors and a transpose otherwise", () => {
  const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
  assert.deepEqual(transpose2d(a).arraySync(), [[1, 4], [2, 5], [3, 6]]);
  const c = tf.tensor2d([1, 2, 3], [3, 1]);
  assert.deepEqual(transpose2d(c).arraySync(), [[1, 2, 3]]);
  tf.dispose([a, c]);
});

test("same seed gives bit-identical weights; copyFrom and polyakFrom", () => {
  const a = new Mlp({ sizes: [3, 8, 2], seed: 5, outputActivation: "tanh" });
  const b = new Mlp({ sizes: [3, 8, 2], seed: 5, outputActivation: "tanh" });
  const c = new Mlp({ sizes: [3, 8, 2], seed: 6, outputActivation: "tanh" });
  a.trainableVariables.forEach((v, i) => assert.deepEqual(v.dataSync(), b.trainableVariables[i]!.dataSync()));
  assert.notDeepEqual(a.trainableVariables[0]!.dataSync(), c.trainableVariables[0]!.dataSync());
  const before = c.trainableVariables.map((v) => Float32Array.from(v.dataSync()));
  c.polyakFrom(a, 0.25);
  c.trainableVariables.forEach((v, i) => {
    const got = v.dataSync();
    const want = a.trainableVariables[i]!.dataSync();
    got.forEach((g, k) => assert.ok(Math.abs(g - (0.25 * want[k]! + 0.75 * before[i]![k]!)) < 1e-6));
  });
  c.copyFrom(a);
  c.trainableVariables.forEach((v, i) => assert.deepEqual(v.dataSync(), a.trainableVariables[i]!.dataSync()));
  assert.throws(() => c.copyFrom(new Mlp({ sizes: [3, 9, 2] })), /expected shape \[3, 8\] but got \[3, 9\]/);
  for (const n of [a, b, c]) n.dispose();
});

test("actor gradient through a frozen critic equals autodiff of −mean(Q(s, π(s)))", () => {
  const actor = new Mlp({ sizes: [6, 32, 32, 2], seed: 11, outputActivation: "tanh" });
  const critic = new Mlp({ sizes: [8, 32, 32, 1], seed: 12 });
  const s = randn([64, 6]) as tf.Tensor2D;
  const plain = (net: Mlp, x: tf.Tensor2D, tanh: boolean): tf.Tensor2D => {
    const vs = net.trainableVariables;
    let h: tf.Tensor = x;
    for (let i = 0; i < vs.length; i += 2) {
      h = tf.add(tf.matMul(h as tf.Tensor2D, vs[i] as tf.Tensor2D), vs[i + 1]!);
      h = i + 2 < vs.length ? tf.relu(h) : tanh ? tf.tanh(h) : h;
    }
    return h as tf.Tensor2D;
  };
  const vars = actor.trainableVariables;
  const fast = tf.variableGrads(() => tf.neg(tf.mean(critic.apply(tf.concat([s, actor.apply(s, { inputGrad: false })], 1), { frozen: true }))) as tf.Scalar, vars);
  const slow = tf.variableGrads(() => tf.neg(tf.mean(plain(critic, tf.concat([s, plain(actor, s, true)], 1), false))) as tf.Scalar, vars);
  for (const v of vars) {
    const err = relError(fast.grads[v.name]!, slow.grads[v.name]!);
    assert.ok(err < 1e-5, `${v.name}: relative error ${err}`);
  }
  tf.dispose([s, fast.value, slow.value, ...Object.values(fast.grads), ...Object.values(slow.grads)]);
  actor.dispose();
  critic.dispose();
});

test("transpose2d equals tf.transpose for blocked and plain shapes", () => {
  for (const [r, c] of [[256, 256], [64, 64], [128, 48], [512, 1024], [1024, 256], [300, 400], [40, 256], [256, 40]] as const) {
    const m = randn([r, c]) as tf.Tensor2D;
    const fast = transpose2d(m);
    const slow = tf.transpose(m);
    assert.deepEqual(fast.shape, [c, r]);
    assert.deepEqual(fast.dataSync(), slow.dataSync(), `${r}×${c}`);
    tf.dispose([m, fast, slow]);
  }
});

test("the custom gradient is the same on the cpu backend (no fused kernel path assumptions)", async () => {
  await selectBackend("cpu");
  try {
    for (const activation of ["linear", "relu", "tanh"] as const) {
      const x = randn([32, 48]) as tf.Tensor2D;
      const w = randn([48, 64], 0.2) as tf.Tensor2D;
      const b = randn([64], 0.1) as tf.Tensor1D;
      const up = randn([32, 64]);
      const fast = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(dense(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, activation), up)))([x, w, b]);
      const slow = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(reference(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, activation), up)))([x, w, b]);
      fast.forEach((g, i) => assert.ok(relError(g, slow[i]!) < 1e-5, `${activation} grad ${i}`));
      tf.dispose([x, w, b, up, ...fast, ...slow]);
    }
  } finally {
    await selectBackend("wasm");
  }
});
