/**
 * InputEncoder: turns a task's observations into the networks' input.
 *
 * Plain tasks: `observation` (normalised when asked). Goal-conditioned tasks:
 * [norm(observation), norm(desired_goal)] — the achieved goal is not an input,
 * as in HER. Normalisers keep running statistics (clip ±5, as in the HER
 * baselines) and are saved with checkpoints so evaluation sees the same input.
 */
import { sizeOf } from "../env/spec.js";
import type { TaskSpec } from "../env/task.js";
import { Normalizer, type NormalizerState } from "../replay/normalizer.js";

export interface InputEncoderState {
  readonly obs: NormalizerState;
  readonly goal?: NormalizerState;
}

export class InputEncoder {
  readonly obsDim: number;
  readonly goalDim: number;
  readonly inputDim: number;
  private readonly obsNorm: Normalizer;
  private readonly goalNorm: Normalizer | undefined;
  private obsScratch = new Float32Array(0);
  private goalScratch = new Float32Array(0);

  constructor(
    readonly spec: TaskSpec,
    readonly normalize: boolean,
  ) {
    this.obsDim = sizeOf(spec.observations[0]!.shape);
    this.goalDim = spec.goalConditioned ? sizeOf(spec.observations[2]!.shape) : 0;
    this.inputDim = this.obsDim + this.goalDim;
    this.obsNorm = new Normalizer(this.obsDim);
    this.goalNorm = spec.goalConditioned ? new Normalizer(this.goalDim) : undefined;
  }

  /** Updates the statistics with a batch of observations (and achieved/desired goals). */
  observe(obs: Float32Array, achievedGoal?: Float32Array, desiredGoal?: Float32Array): void {
    if (!this.normalize) return;
    this.obsNorm.update(obs);
    if (this.goalNorm && achievedGoal) this.goalNorm.update(achievedGoal);
    if (this.goalNorm && desiredGoal) this.goalNorm.update(desiredGoal);
  }

  /** Network input for `rows` rows: [rows × inputDim]. `goal` is required for goal-conditioned tasks. */
  encode(obs: Float32Array, goal: Float32Array | undefined, rows: number, out = new Float32Array(rows * this.inputDim)): Float32Array {
    if (this.obsScratch.length < rows * this.obsDim) this.obsScratch = new Float32Array(rows * this.obsDim);
    const o = this.obsScratch.subarray(0, rows * this.obsDim);
    if (this.normalize) this.obsNorm.normalize(obs.subarray(0, rows * this.obsDim), o);
    else o.set(obs.subarray(0, rows * this.obsDim));
    if (!this.goalNorm) {
      out.set(o);
      return out;
    }
    if (!goal) throw new Error("a goal-conditioned task needs the desired goal as input");
    if (this.goalScratch.length < rows * this.goalDim) this.goalScratch = new Float32Array(rows * this.goalDim);
    const g = this.goalScratch.subarray(0, rows * this.goalDim);
    if (this.normalize) this.goalNorm.normalize(goal.subarray(0, rows * this.goalDim), g);
    else g.set(goal.subarray(0, rows * this.goalDim));
    for (let r = 0; r < rows; r++) {
      out.set(o.subarray(r * this.obsDim, (r + 1) * this.obsDim), r * this.inputDim);
      out.set(g.subarray(r * this.goalDim, (r + 1) * this.goalDim), r * this.inputDim + this.obsDim);
    }
    return out;
  }

  state(): InputEncoderState {
    return { obs: this.obsNorm.state(), ...(this.goalNorm ? { goal: this.goalNorm.state() } : {}) };
  }

  load(state: InputEncoderState): void {
    this.obsNorm.load(state.obs);
    if (this.goalNorm && state.goal) this.goalNorm.load(state.goal);
  }
}
