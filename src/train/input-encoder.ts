/**
 * InputEncoder: turns a task's observations into the networks' input.
 *
 * Plain tasks: `observation` (normalised when asked). Goal-conditioned tasks:
 * [norm(observation), norm(desired_goal)] — the achieved goal is not an input,
 * as in HER. Normalisers keep running statistics (clip ±5, as in the HER
 * baselines) and are saved with checkpoints so evaluation sees the same input.
 * The tensors are found by name (`layout`, see observation-layout.ts), never
 * by position; a goal-conditioned spec without the three names is refused.
 */
import type { TaskSpec } from "../env/task.js";
import { Normalizer, type NormalizerState } from "../replay/normalizer.js";
import { ObservationLayout } from "./observation-layout.js";

export interface InputEncoderState {
  readonly obs: NormalizerState;
  readonly goal?: NormalizerState;
}

export class InputEncoder {
  /** Which observation tensor is which (by name). */
  readonly layout: ObservationLayout;
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
    this.layout = ObservationLayout.of(spec);
    this.obsDim = this.layout.obsSize;
    this.goalDim = this.layout.goalSize;
    this.inputDim = this.obsDim + this.goalDim;
    this.obsNorm = new Normalizer(this.obsDim);
    this.goalNorm = this.layout.goalConditioned ? new Normalizer(this.goalDim) : undefined;
  }

  /** `observe` on a list of observation tensors in spec order ([rows × size] each). */
  observeAll(observations: readonly Float32Array[]): void {
    const l = this.layout;
    if (l.goalConditioned) this.observe(l.observation(observations), l.achievedGoal(observations), l.desiredGoal(observations));
    else this.observe(l.observation(observations));
  }

  /** `encode` on a list of observation tensors in spec order: [rows × inputDim]. */
  encodeAll(observations: readonly Float32Array[], rows: number, out?: Float32Array): Float32Array {
    return this.encode(this.layout.observation(observations), this.layout.goal(observations), rows, out);
  }

  /** Updates the statistics with a batch of observations (and achieved/desired goals). */
  observe(obs: Float32Array, achievedGoal?: Float32Array, desiredGoal?: Float32Array): void {
    if (!this.normalize) return;
    this.obsNorm.update(obs);
    if (this.goalNorm && achievedGoal) this.goalNorm.update(achievedGoal);
    if (this.goalNorm && desiredGoal) this.goalNorm.update(desiredGoal);
  }

  /** Network input for `rows` rows: [rows × inputDim]. `goal` is required for goal-conditioned tasks. */
  encode(obs: Float32Array, goal: Float32Array | undefined, rows: number, out: Float32Array = new Float32Array(rows * this.inputDim)): Float32Array {
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
