/**
 * A multilayer perceptron built from fast `Dense` layers: relu (or tanh) hidden layers
 * and a linear or tanh output, with the helpers target networks need (`copyFrom`,
 * `polyakFrom`). Weights are tf.Variables; `apply` is a pure function of its input
 * and must run inside `tf.tidy` (or a gradient function such as `tf.variableGrads`).
 *
 * CleanRL's PPO networks (`layer_init`: orthogonal, gain √2 hidden, zero bias, tanh):
 *
 *     const common = { hiddenActivation: "tanh", init: "orthogonal", hiddenInitScale: Math.SQRT2 } as const;
 *     const actorMean = new Mlp({ sizes: [obs, 64, 64, act], ...common, outputInitScale: 0.01, seed: 1 });
 *     const critic = new Mlp({ sizes: [obs, 64, 64, 1], ...common, outputInitScale: 1, seed: 2 });
 *
 * New options default to the earlier behaviour: for the same options and seed the
 * initial weights are bit-identical to before they existed.
 */
import * as tf from "@tensorflow/tfjs";
import { Dense } from "./dense.js";
import type { ApplyOptions, Init } from "./dense.js";
import { Rng } from "../core/rng.js";

export interface MlpOptions {
  /** Layer sizes including input and output, e.g. [40, 256, 256, 1]. */
  sizes: readonly number[];
  /** Activation of the hidden layers. Default relu. */
  hiddenActivation?: "relu" | "tanh";
  /** Activation of the output layer. Default linear. */
  outputActivation?: "linear" | "tanh";
  /** Seed of the initial weights; each layer gets its own stream drawn from it. */
  seed?: number;
  /**
   * Initialisation of every layer (see DenseOptions.init), unless `outputInit` names
   * another one for the output layer. Default `auto` (He for relu, Glorot otherwise).
   */
  init?: Init;
  /** Initialisation of the output layer. Default: `init`. */
  outputInit?: Init;
  /**
   * Scales the initial weights of every hidden layer; the gain for `orthogonal` (CleanRL's
   * PPO: √2). Default 1.
   */
  hiddenInitScale?: number;
  /**
   * Scales the initial weights of the output layer only (e.g. 3e-3); the gain for
   * `orthogonal` (CleanRL's PPO: 0.01 actor mean, 1 critic). Default 1.
   */
  outputInitScale?: number;
}

export class Mlp {
  readonly sizes: readonly number[];
  readonly layers: readonly Dense[];

  constructor(options: MlpOptions) {
    const { sizes } = options;
    if (sizes.length < 2) throw new RangeError(`An MLP needs at least input and output sizes, got [${sizes.join(", ")}]`);
    this.sizes = [...sizes];
    const rng = new Rng(options.seed ?? 0);
    const layers: Dense[] = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      const last = i + 2 === sizes.length;
      layers.push(
        new Dense({
          inputSize: sizes[i]!,
          outputSize: sizes[i + 1]!,
          activation: last ? (options.outputActivation ?? "linear") : (options.hiddenActivation ?? "relu"),
          seed: rng.nextSeed(),
          init: last ? (options.outputInit ?? options.init ?? "auto") : (options.init ?? "auto"),
          initScale: last ? (options.outputInitScale ?? 1) : (options.hiddenInitScale ?? 1),
        }),
      );
    }
    this.layers = layers;
  }

  /**
   * Forward pass, x [batch, sizes[0]] → [batch, sizes.at(-1)]. `inputGrad: false`
   * when x is data, so the backward pass skips dX of the first layer; `frozen: true`
   * when only the input gradient is wanted (see ApplyOptions).
   */
  apply(x: tf.Tensor2D, options: ApplyOptions = {}): tf.Tensor2D {
    let h = this.layers[0]!.apply(x, options);
    const inner: ApplyOptions = { frozen: options.frozen ?? false };
    for (let i = 1; i < this.layers.length; i++) h = this.layers[i]!.apply(h, inner);
    return h;
  }

  /** Every weight, in a fixed order (kernel, bias per layer): what optimisers and save/load use. */
  get trainableVariables(): tf.Variable[] {
    return this.layers.flatMap((l) => l.trainableVariables);
  }

  /** Number of scalar parameters. */
  get parameterCount(): number {
    return this.trainableVariables.reduce((n, v) => n + v.size, 0);
  }

  /** Copies every weight of `other` (same sizes) into this network. */
  copyFrom(other: Mlp): void {
    const mine = this.trainableVariables;
    const theirs = checkSameShapes(mine, other.trainableVariables);
    tf.tidy(() => mine.forEach((v, i) => v.assign(tf.clone(theirs[i]!))));
  }

  /** Target-network update θ ← τ·θ_other + (1 − τ)·θ. */
  polyakFrom(other: Mlp, tau: number): void {
    if (!(tau >= 0 && tau <= 1)) throw new RangeError(`tau must be in [0, 1], got ${tau}`);
    const mine = this.trainableVariables;
    const theirs = checkSameShapes(mine, other.trainableVariables);
    tf.tidy(() => {
      // θ + τ·(θ_other − θ): three elementwise ops per weight tensor.
      mine.forEach((v, i) => v.assign(tf.add(v, tf.mul(tf.sub(theirs[i]!, v), tau))));
    });
  }

  dispose(): void {
    for (const l of this.layers) l.dispose();
  }
}

function checkSameShapes(mine: tf.Variable[], theirs: tf.Variable[]): tf.Variable[] {
  if (mine.length !== theirs.length) throw new Error(`Networks differ: ${mine.length} vs ${theirs.length} weight tensors`);
  mine.forEach((v, i) => {
    const s = theirs[i]!.shape;
    if (v.shape.length !== s.length || v.shape.some((d, k) => d !== s[k])) {
      throw new Error(`Networks differ at weight ${i}: expected shape [${v.shape.join(", ")}] but got [${s.join(", ")}]`);
    }
  });
  return theirs;
}
