/**
 * A fully connected layer whose backward pass is fast on the WebAssembly backend.
 *
 * Why a custom gradient: tfjs's own gradient of `matMul` computes dX = dY·Wᵀ and
 * dW = Xᵀ·dY with the `transposeA` / `transposeB` flags. On tfjs-backend-wasm 4.22
 * only a matMul *without* transpose flags reaches XNNPACK (SIMD GEMM); any flag
 * sends it to a scalar blocked triple loop (`slow_batch_matmul` in
 * batch_mat_mul_impl.cc). Measured on this 2-core machine (wasm, SIMD, 1 thread):
 *
 *   256×256 · 256×256      plain 0.9–1.1 ms   transposeA 15 ms   transposeB 14 ms
 *   40×256 · 256×256       transpose()+plain 0.2–0.3 ms   transposeA 2.3 ms
 *   transpose(256×256)     0.06 ms blocked (see transpose2d), 0.14 ms tf.transpose
 *
 * So the gradient below materialises the transposes and then calls a plain matMul,
 * never the flags. A transpose of a [n,1] or [1,n] matrix is only a reshape (same
 * memory order): for the scalar critic head (256→1) Wᵀ costs nothing.
 *
 * What remains is mostly GEMM work. XNNPACK packs the right-hand matrix of every plain
 * matMul into an operator cached by tensor id (freed when the tensor is disposed);
 * packing a fresh 256×256 matrix costs ~0.2 ms, more than transposing it. Weights
 * change every Adam step, so each step pays one pack per weight in the forward pass
 * plus one per backward matMul (dZ for dW, Wᵀ for dX); dB = 1ᵀ·dZ reuses dZ's pack.
 * A 40→256→256→1 critic Adam step at batch 256 is ~5.4 ms here: three 256³ GEMMs
 * with fresh packs (~3.3 ms), the 40-wide layer (~0.6 ms), transposes, relu masks
 * and Adam's elementwise ops. XNNPACK runs single-threaded under Node (backend.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../core/rng.js";

/** Activation applied after `x·W + b`. */
export type Activation = "linear" | "relu" | "tanh";

/** Weight initialisation. `auto`: He for relu layers, Glorot otherwise. */
export type Init = "auto" | "he" | "glorot" | "torch" | "orthogonal";

export interface DenseOptions {
  /** Number of input features. */
  inputSize: number;
  /** Number of output features. */
  outputSize: number;
  /** Activation after the affine map (default linear). */
  activation?: Activation;
  /** Seed of the initial weights (same seed → bit-identical weights). */
  seed?: number;
  /**
   * Initialisation: `he` uniform ±√(6/fan_in), `glorot` uniform ±√(6/(fan_in+fan_out)),
   * both with zero bias; `torch` is PyTorch's nn.Linear default, uniform ±1/√fan_in for
   * weights and bias; `orthogonal` is PyTorch's nn.init.orthogonal_ with gain
   * `initScale` and zero bias (see `orthogonalKernel`). Default `auto`.
   */
  init?: Init;
  /**
   * Scales the initial weights and bias (e.g. 1e-3 for a policy's last layer); for
   * `orthogonal` it is the gain (√2 for relu/tanh hidden layers in CleanRL's PPO). Default 1.
   */
  initScale?: number;
}

/** Options of a forward pass. */
export interface ApplyOptions {
  /**
   * Whether the gradient with respect to the input is needed (default true). Set it to
   * false when the input is data (observations, actions from the replay buffer): the
   * backward pass then skips one matMul and returns zeros for the input.
   */
  inputGrad?: boolean;
  /**
   * Treat the weights as constants in the backward pass (default false): only the
   * gradient with respect to the input is computed, zeros are returned for the
   * weights. For a critic inside the actor loss −Q(s, π(s)), where only the actor is
   * optimised; it saves the weight-gradient matMuls (tfjs's customGrad computes every
   * input's gradient eagerly, whether or not it is asked for).
   */
  frozen?: boolean;
}

/**
 * The transpose of a matrix; a free reshape when one side is 1 (same memory order).
 *
 * The wasm Transpose kernel is a plain double loop whose writes stride by the row
 * count; when that is a multiple of 64 floats the writes alias in the cache and a
 * 256×256 transpose takes ~140 µs (a copy: ~20 µs; 300×400: ~65 µs). Moving 16-float
 * column blocks first ([R, C/16, 16] → [C/16, R, 16], contiguous runs) and then
 * transposing each R×16 block cuts it to ~60 µs for 256×256 and 512×256 and ~110 µs for
 * 256×512. Past 512 rows the second pass aliases again, so it is not used there.
 */
export function transpose2d(m: tf.Tensor2D): tf.Tensor2D {
  const [r, c] = m.shape;
  if (r === 1 || c === 1) return tf.reshape(m, [c, r]);
  const k = 16;
  if (r % 64 === 0 && r <= 512 && c % k === 0 && c >= 64) {
    const blocks = tf.transpose(tf.reshape(m, [r, c / k, k]), [1, 0, 2]);
    return tf.reshape(tf.transpose(blocks, [0, 2, 1]), [c, r]);
  }
  return tf.transpose(m);
}

/** dX = dZ·Wᵀ with an explicit transpose (see the header for why). */
function inputGradient(dZ: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  // For a single output Wᵀ is a reshape and dZ·Wᵀ an outer product (inner size 1).
  return tf.matMul(dZ, transpose2d(w));
}

/**
 * dW = Xᵀ·dZ without transpose flags. Also for a single output column: computing
 * (dZᵀ·X)ᵀ instead needs only reshapes, but then X is the right-hand operand and
 * XNNPACK packs all of it (~0.2 ms for 256×256), dearer than transposing it (~0.13 ms).
 */
function weightGradient(x: tf.Tensor2D, dZ: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(transpose2d(x), dZ);
}

/**
 * dB = Σ_batch dZ as 1ᵀ·dZ. On wasm a column sum of a [256,256] matrix costs ~0.16 ms
 * (the reduction transposes first); the matMul reuses the XNNPACK operator already
 * packed for dZ by `weightGradient` (cached by tensor id) and costs ~0.01 ms.
 */
function biasGradient(dZ: tf.Tensor2D): tf.Tensor1D {
  const [batch, out] = dZ.shape;
  return tf.reshape(tf.matMul(tf.ones([1, batch]), dZ), [out]);
}

/**
 * act(x·W + b) in one kernel where the backend has `_FusedMatMul` (wasm: a single
 * XNNPACK call with bias and relu clamp). `tf.fused.matMul` would not fuse here:
 * it falls back to matMul + add + relu whenever a gradient is being recorded.
 */
function affine(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, relu: boolean): tf.Tensor2D {
  if (hasFusedKernel()) {
    const [batch, inSize] = x.shape;
    const out = w.shape[1];
    const y = tf.engine().runKernel(
      "_FusedMatMul",
      { a: tf.reshape(x, [1, batch, inSize]), b: tf.reshape(w, [1, inSize, out]), bias: b },
      { transposeA: false, transposeB: false, activation: relu ? "relu" : "linear" },
    ) as tf.Tensor3D;
    return tf.reshape(y, [batch, out]);
  }
  const z = tf.add(tf.matMul(x, w), b) as tf.Tensor2D;
  return relu ? tf.relu(z) : z;
}

const fusedKernelByBackend = new Map<string, boolean>();
function hasFusedKernel(): boolean {
  const backend = tf.getBackend();
  let has = fusedKernelByBackend.get(backend);
  if (has === undefined) {
    has = tf.getKernel("_FusedMatMul", backend) !== undefined;
    fusedKernelByBackend.set(backend, has);
  }
  return has;
}

type DenseOp = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

function makeDenseOp(activation: Activation, inputGrad: boolean, frozen: boolean): DenseOp {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor2D;
    const w = args[1] as tf.Tensor2D;
    const b = args[2] as tf.Tensor1D;
    const save = args[3] as tf.GradSaveFunc;
    let y = affine(x, w, b, activation === "relu");
    if (activation === "tanh") y = tf.tanh(y);
    save([x, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw, sy] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        let dZ = dy as tf.Tensor2D;
        // relu'(z) = step(z) = step(relu(z)); tanh'(z) = 1 − tanh(z)².
        if (activation === "relu") dZ = tf.mul(dZ, tf.step(sy)) as tf.Tensor2D;
        else if (activation === "tanh") dZ = tf.mul(dZ, tf.sub(1, tf.square(sy))) as tf.Tensor2D;
        const dW = frozen ? tf.zerosLike(sw) : weightGradient(sx, dZ);
        const dB = frozen ? tf.zeros([sw.shape[1]]) : biasGradient(dZ);
        const dX = inputGrad ? inputGradient(dZ, sw) : tf.zerosLike(sx);
        return [dX, dW, dB];
      },
    };
  });
  return op as unknown as DenseOp;
}

const ops = new Map<string, DenseOp>();

/**
 * y = act(x·W + b) for x [batch, in], W [in, out], b [out], with the fast custom
 * gradient. Call it inside `tf.tidy` (or a gradient function) like any op.
 */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation: Activation = "linear", options: ApplyOptions = {}): tf.Tensor2D {
  const inputGrad = options.inputGrad ?? true;
  const frozen = options.frozen ?? false;
  const key = `${activation}/${inputGrad}/${frozen}`;
  let op = ops.get(key);
  if (op === undefined) {
    op = makeDenseOp(activation, inputGrad, frozen);
    ops.set(key, op);
  }
  return op(x, w, b);
}

/** A dense layer owning its weights as tf.Variables. */
export class Dense {
  /** Weights, shape [inputSize, outputSize]. */
  readonly kernel: tf.Variable<tf.Rank.R2>;
  /** Bias, shape [outputSize]. */
  readonly bias: tf.Variable<tf.Rank.R1>;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly activation: Activation;

  constructor(options: DenseOptions) {
    const { inputSize, outputSize } = options;
    if (!(Number.isInteger(inputSize) && inputSize > 0 && Number.isInteger(outputSize) && outputSize > 0)) {
      throw new RangeError(`Dense sizes must be positive integers, got ${inputSize}→${outputSize}`);
    }
    this.inputSize = inputSize;
    this.outputSize = outputSize;
    this.activation = options.activation ?? "linear";
    const { kernel, bias } = initialWeights(options);
    // Inside tidy: tf.variable shares the initial tensor's data, the tidy frees the handle.
    this.kernel = tf.tidy(() => tf.variable(tf.tensor2d(kernel, [inputSize, outputSize]), true));
    this.bias = tf.tidy(() => tf.variable(tf.tensor1d(bias), true));
  }

  /** Forward pass; call inside `tf.tidy`. */
  apply(x: tf.Tensor2D, options?: ApplyOptions): tf.Tensor2D {
    return dense(x, this.kernel, this.bias, this.activation, options);
  }

  /** [kernel, bias]. */
  get trainableVariables(): tf.Variable[] {
    return [this.kernel, this.bias];
  }

  dispose(): void {
    this.kernel.dispose();
    this.bias.dispose();
  }
}

/** The initial kernel (row-major [in, out]) and bias drawn from the seeded generator. */
export function initialWeights(options: DenseOptions): { kernel: Float32Array; bias: Float32Array } {
  const { inputSize: fanIn, outputSize: fanOut } = options;
  const activation = options.activation ?? "linear";
  const init = options.init ?? "auto";
  const scale = options.initScale ?? 1;
  const rng = new Rng(options.seed ?? 0);
  if (init === "orthogonal") return { kernel: orthogonalKernel(fanIn, fanOut, scale, rng), bias: new Float32Array(fanOut) };
  const kind = init === "auto" ? (activation === "relu" ? "he" : "glorot") : init;
  const limit = kind === "he" ? Math.sqrt(6 / fanIn) : kind === "glorot" ? Math.sqrt(6 / (fanIn + fanOut)) : 1 / Math.sqrt(fanIn);
  const kernel = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < kernel.length; i++) kernel[i] = scale * rng.uniformRange(-limit, limit);
  const bias = new Float32Array(fanOut);
  if (kind === "torch") for (let i = 0; i < fanOut; i++) bias[i] = scale * rng.uniformRange(-limit, limit);
  return { kernel, bias };
}

/**
 * A [fanIn, fanOut] row-major kernel whose rows (fanIn ≤ fanOut) or columns
 * (fanIn ≥ fanOut) are orthonormal, times `gain` — PyTorch's nn.init.orthogonal_
 * for the same layer (whose weight is the transpose, [out, in]):
 *
 *   A ~ N(0, 1), [max(in,out) × min(in,out)], drawn row by row from `rng`
 *   A = Q·R (Householder, float64), Q ← Q·sign(diag R)   (the unique Q with R's diagonal > 0)
 *   PyTorch weight [out, in] = Q when out ≥ in, else Qᵀ; the kernel is its transpose.
 *
 * Deterministic for the generator's state. The bits differ from PyTorch (another
 * random stream); the distribution (Haar-uniform) is the same.
 */
export function orthogonalKernel(fanIn: number, fanOut: number, gain: number, rng: Rng): Float32Array {
  const m = Math.max(fanIn, fanOut);
  const n = Math.min(fanIn, fanOut);
  const a = new Float64Array(m * n);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  const q = orthonormalColumns(a, m, n);
  const kernel = new Float32Array(fanIn * fanOut);
  if (fanIn >= fanOut) {
    // fanIn = m rows, fanOut = n columns: the kernel is Q itself.
    for (let i = 0; i < q.length; i++) kernel[i] = gain * q[i]!;
  } else {
    // fanIn = n rows, fanOut = m columns: the kernel is Qᵀ.
    for (let r = 0; r < n; r++) for (let c = 0; c < m; c++) kernel[r * m + c] = gain * q[c * n + r]!;
  }
  return kernel;
}

/**
 * Q of the thin QR decomposition A = Q·R of a row-major [m × n] matrix (m ≥ n), with
 * the signs chosen so that R's diagonal is positive. Householder reflections in
 * float64; overwrites `a`. Returns Q row-major [m × n].
 */
function orthonormalColumns(a: Float64Array, m: number, n: number): Float64Array {
  const vs: Float64Array[] = [];
  const rSign = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    // Reflector H = I − 2vvᵀ mapping A[k:, k] onto α·e₁ with α = −sign(a_kk)·‖A[k:, k]‖.
    let norm = 0;
    for (let i = k; i < m; i++) norm += a[i * n + k]! ** 2;
    norm = Math.sqrt(norm);
    const akk = a[k * n + k]!;
    const alpha = akk >= 0 ? -norm : norm;
    const v = new Float64Array(m - k);
    for (let i = k; i < m; i++) v[i - k] = a[i * n + k]!;
    v[0] -= alpha;
    let vNorm = 0;
    for (let i = 0; i < v.length; i++) vNorm += v[i]! ** 2;
    vNorm = Math.sqrt(vNorm);
    if (vNorm > 0) for (let i = 0; i < v.length; i++) v[i] /= vNorm;
    vs.push(v);
    rSign[k] = alpha < 0 ? -1 : 1; // R[k,k] = α (a zero column keeps sign +1)
    // A[k:, k:] ← H·A[k:, k:]
    for (let j = k; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k]! * a[i * n + j]!;
      for (let i = k; i < m; i++) a[i * n + j] -= 2 * v[i - k]! * dot;
    }
  }
  // Q = H₀·H₁·…·Hₙ₋₁ applied to the first n columns of the identity, last reflector first.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k]!;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k]! * q[i * n + j]!;
      for (let i = k; i < m; i++) q[i * n + j] -= 2 * v[i - k]! * dot;
    }
  }
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) q[i * n + j] *= rSign[j]!;
  return q;
}
