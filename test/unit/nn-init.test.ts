import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/nn/backend.js";
import { Dense, initialWeights, orthogonalKernel } from "../../src/nn/dense.js";
import { Mlp } from "../../src/nn/mlp.js";
import type { MlpOptions } from "../../src/nn/mlp.js";
import { Rng } from "../../src/core/rng.js";

await selectBackend("wasm");

/** Largest |(MᵀM)_ij − δ_ij| (columns) or |(MMᵀ)_ij − δ_ij| (rows) of a row-major [r × c] matrix scaled by 1/gain. */
function orthonormalityError(m: ArrayLike<number>, r: number, c: number, gain: number, along: "columns" | "rows"): number {
  const [n, len] = along === "columns" ? [c, r] : [r, c];
  const at = (vec: number, k: number) => (along === "columns" ? m[k * c + vec]! : m[vec * c + k]!) / gain;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let k = 0; k < len; k++) dot += at(i, k) * at(j, k);
      worst = Math.max(worst, Math.abs(dot - (i === j ? 1 : 0)));
    }
  }
  return worst;
}

test("orthogonal init: orthonormal columns (in ≥ out) or rows (in < out) times the gain, zero bias", () => {
  for (const [fanIn, fanOut] of [[64, 64], [11, 64], [64, 2], [64, 1], [1, 8], [3, 5], [256, 64]] as const) {
    for (const gain of [1, Math.SQRT2, 0.01]) {
      const { kernel, bias } = initialWeights({ inputSize: fanIn, outputSize: fanOut, init: "orthogonal", initScale: gain, seed: 7 });
      assert.equal(kernel.length, fanIn * fanOut);
      const err = orthonormalityError(kernel, fanIn, fanOut, gain, fanIn >= fanOut ? "columns" : "rows");
      assert.ok(err < 1e-5, `${fanIn}→${fanOut} gain ${gain}: orthonormality error ${err}`);
      assert.ok(bias.every((b) => b === 0), "bias is zero");
    }
  }
});

test("orthogonal init is the Q of A = QR with diag(R) > 0 for the seeded normal matrix A", () => {
  // fanIn ≥ fanOut: kernel = Q [m × n]; fanIn < fanOut: kernel = Qᵀ. Either way R = QᵀA.
  for (const [fanIn, fanOut] of [[9, 4], [4, 9], [6, 6]] as const) {
    const m = Math.max(fanIn, fanOut);
    const n = Math.min(fanIn, fanOut);
    const draws = new Rng(21);
    const a = Array.from({ length: m * n }, () => draws.normal());
    const k = orthogonalKernel(fanIn, fanOut, 1, new Rng(21));
    const q = (i: number, j: number) => (fanIn >= fanOut ? k[i * n + j]! : k[j * m + i]!);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let r = 0;
        for (let p = 0; p < m; p++) r += q(p, i) * a[p * n + j]!;
        if (i > j) assert.ok(Math.abs(r) < 1e-5, `${fanIn}→${fanOut}: R[${i},${j}] = ${r} below the diagonal`);
        if (i === j) assert.ok(r > 0, `${fanIn}→${fanOut}: R[${i},${i}] = ${r} not positive`);
      }
    }
  }
});

test("orthogonal init: same seed → bit-identical weights, another seed → others", () => {
  const opts = { inputSize: 16, outputSize: 32, init: "orthogonal", initScale: Math.SQRT2 } as const;
  const a = new Dense({ ...opts, seed: 3 });
  const b = new Dense({ ...opts, seed: 3 });
  const c = new Dense({ ...opts, seed: 4 });
  assert.deepEqual(a.kernel.dataSync(), b.kernel.dataSync());
  assert.notDeepEqual(a.kernel.dataSync(), c.kernel.dataSync());
  for (const d of [a, b, c]) d.dispose();
});

/** sha256 of every weight's float32 bytes, in trainableVariables order. */
function weightDigest(options: MlpOptions): { digest: string; first: number[]; output: number[] } {
  const net = new Mlp(options);
  const h = createHash("sha256");
  for (const v of net.trainableVariables) {
    const d = v.dataSync() as Float32Array;
    h.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  }
  const vars = net.trainableVariables;
  const result = { digest: h.digest("hex"), first: Array.from(vars[0]!.dataSync().slice(0, 2)), output: Array.from(vars.at(-2)!.dataSync().slice(0, 2)) };
  net.dispose();
  return result;
}

test("existing Mlp options give the same initial weights as before hiddenActivation/outputInit/hiddenInitScale existed", () => {
  // Recorded from the code before those options were added (commit 5fb7363).
  const recorded: Array<[MlpOptions, string, number[], number[]]> = [
    [{ sizes: [3, 8, 2], seed: 5, outputActivation: "tanh" }, "2e9ecf409bb6c665def0f8e8f435a504c17a43cad2789a719560d5c036aecc44", [-0.34941452741622925, 0.3207189738750458], [0.07265699654817581, -0.6242554187774658]],
    [{ sizes: [40, 64, 64, 1], seed: 3 }, "17925da37df20343f3af20419593d480e0c0d8e7ae3cdb088a44dc11374fcb5f", [-0.009035167284309864, 0.047828879207372665], [-0.19450971484184265, 0.17202337086200714]],
    [{ sizes: [4, 6, 2], seed: 7, init: "torch", outputInitScale: 3e-3 }, "18f0a3758edad54702b375a8dd3765d3e413e9cd2efd0569b72eb9bc02615451", [-0.33725470304489136, 0.39997509121894836], [-0.0011336422758176923, 0.0009880707366392016]],
    [{ sizes: [4, 6, 2], seed: 7, init: "glorot" }, "234133ebc72cf38c8f398ce564a6bb58965f7a1bdb1ffe8e745aa556dc8b4312", [-0.5224727392196655, 0.6196387410163879], [-0.8016061186790466, 0.6986714601516724]],
  ];
  for (const [options, digest, first, output] of recorded) {
    const got = weightDigest(options);
    assert.deepEqual(got.first, first, `${JSON.stringify(options)}: first weights`);
    assert.deepEqual(got.output, output, `${JSON.stringify(options)}: output layer weights`);
    assert.equal(got.digest, digest, `${JSON.stringify(options)}: all weights`);
    // Spelling out the new options' defaults changes nothing either.
    assert.equal(weightDigest({ hiddenActivation: "relu", hiddenInitScale: 1, outputInit: options.init ?? "auto", ...options }).digest, digest);
  }
});

test("CleanRL PPO networks: tanh hidden layers, orthogonal √2 hidden, 0.01 / 1 output gains, zero biases", () => {
  const common = { hiddenActivation: "tanh", init: "orthogonal", hiddenInitScale: Math.SQRT2 } as const;
  for (const [out, gain] of [[2, 0.01], [1, 1]] as const) {
    const net = new Mlp({ sizes: [11, 64, 64, out], ...common, outputInitScale: gain, seed: 1 });
    assert.deepEqual(net.layers.map((l) => l.activation), ["tanh", "tanh", "linear"]);
    const gains = [Math.SQRT2, Math.SQRT2, gain];
    net.layers.forEach((l, i) => {
      const err = orthonormalityError(l.kernel.dataSync(), l.inputSize, l.outputSize, gains[i]!, l.inputSize >= l.outputSize ? "columns" : "rows");
      assert.ok(err < 1e-5, `layer ${i}: orthonormality error ${err}`);
      assert.ok(l.bias.dataSync().every((b) => b === 0), `layer ${i}: bias is zero`);
    });
    net.dispose();
  }
});

test("outputInit overrides init for the output layer only", () => {
  const net = new Mlp({ sizes: [4, 8, 3], init: "orthogonal", outputInit: "torch", seed: 2 });
  const [hidden, output] = net.layers;
  assert.ok(orthonormalityError(hidden!.kernel.dataSync(), 4, 8, 1, "rows") < 1e-5);
  assert.ok(hidden!.bias.dataSync().every((b) => b === 0));
  const limit = 1 / Math.sqrt(8);
  assert.ok(output!.bias.dataSync().some((b) => b !== 0), "torch init draws a bias");
  assert.ok(output!.kernel.dataSync().every((w) => Math.abs(w) <= limit));
  net.dispose();
});

test("tanh-hidden Mlp: forward and gradients agree with a float64 finite-difference reference", () => {
  const net = new Mlp({ sizes: [3, 5, 4, 2], hiddenActivation: "tanh", outputActivation: "tanh", init: "orthogonal", hiddenInitScale: Math.SQRT2, seed: 2 });
  const rng = new Rng(8);
  const batch = 6;
  const xData = Array.from({ length: batch * 3 }, () => rng.normal());
  const yData = Array.from({ length: batch * 2 }, () => 0.5 * rng.normal());
  const vars = net.trainableVariables;
  const params = vars.map((v) => Float64Array.from(v.dataSync()));
  const sizes = net.sizes;

  /** mean((net(x) − y)²) in float64, from plain arrays. */
  const loss64 = (p: Float64Array[], x: ArrayLike<number>): number => {
    let total = 0;
    for (let b = 0; b < batch; b++) {
      let h = Array.from({ length: sizes[0]! }, (_, i) => x[b * sizes[0]! + i]!);
      for (let l = 0; l + 1 < sizes.length; l++) {
        const [nIn, nOut] = [sizes[l]!, sizes[l + 1]!];
        const w = p[2 * l]!;
        const bias = p[2 * l + 1]!;
        h = Array.from({ length: nOut }, (_, j) => {
          let z = bias[j]!;
          for (let i = 0; i < nIn; i++) z += h[i]! * w[i * nOut + j]!;
          return Math.tanh(z); // hidden and output layers are all tanh here
        });
      }
      h.forEach((o, j) => (total += (o - yData[b * 2 + j]!) ** 2));
    }
    return total / (batch * 2);
  };

  const x = tf.tensor2d(xData, [batch, 3]);
  const y = tf.tensor2d(yData, [batch, 2]);
  const lossTf = (input: tf.Tensor2D) => tf.mean(tf.square(tf.sub(net.apply(input), y))) as tf.Scalar;
  const { value, grads } = tf.variableGrads(() => lossTf(x), vars);
  const dx = tf.grad((input: tf.Tensor) => lossTf(input as tf.Tensor2D))(x);
  assert.ok(Math.abs(value.dataSync()[0]! - loss64(params, xData)) < 1e-6, "forward");

  const h = 1e-6;
  const close = (analytic: number, fd: number, what: string) =>
    assert.ok(Math.abs(analytic - fd) <= 1e-5 + 1e-3 * Math.abs(fd), `${what}: analytic ${analytic} vs finite difference ${fd}`);
  vars.forEach((v, k) => {
    const g = grads[v.name]!.dataSync();
    for (let i = 0; i < params[k]!.length; i++) {
      const p = params[k]!;
      const keep = p[i]!;
      p[i] = keep + h;
      const up = loss64(params, xData);
      p[i] = keep - h;
      const down = loss64(params, xData);
      p[i] = keep;
      close(g[i]!, (up - down) / (2 * h), `${v.name}[${i}]`);
    }
  });
  const gx = dx.dataSync();
  for (let i = 0; i < xData.length; i++) {
    const xs = [...xData];
    xs[i] = xData[i]! + h;
    const up = loss64(params, xs);
    xs[i] = xData[i]! - h;
    const down = loss64(params, xs);
    close(gx[i]!, (up - down) / (2 * h), `x[${i}]`);
  }
  tf.dispose([x, y, value, dx, ...Object.values(grads)]);
  net.dispose();
});
