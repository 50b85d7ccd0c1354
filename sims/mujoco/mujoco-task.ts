/**
 * The plumbing every MuJoCo task shares, kept apart from the task files so that
 * those read as documentation plus the task's own logic (observation, reward,
 * episode end, starting state).
 *
 * `MujocoTask` owns the simulation (`MjSim`), the task's random stream, the step
 * counter and the `out` buffers; it clips actions into `ctrl`, runs the frame
 * skip, reports TRUNCATED at `spec.maxEpisodeSteps` and frees the simulation on
 * `close()`. A task implements `startEpisode` (starting state, first
 * observation) and `afterPhysics` (observation, reward, termination), and may
 * override `beforePhysics` (for terms measured before the physics runs).
 *
 * Nothing here allocates per step.
 */
import { Rng } from "../../src/core/rng.js";
import { Code, SimbridgeError } from "../../src/core/errors.js";
import { StepStatus, newTaskStep } from "../../src/env/task.js";
import type { Options, Task, TaskSpec, TaskStep } from "../../src/env/task.js";
import { MjSim, loadMujoco } from "./mujoco-runtime.js";
import { declareView, forgetView } from "../../src/viewer/view-source.js";
import { mujocoView, type MujocoViewHints } from "./mujoco-view.js";
import { ResolvedOptions } from "./options.js";

export abstract class MujocoTask implements Task {
  readonly out: TaskStep;
  /**
   * The simulation, for tests, benchmarks and debugging tools (read state, or
   * write qpos/qvel then `sim.forward()`). Agents should only use `out`.
   */
  readonly sim: MjSim;
  /** Physics steps per control step. */
  readonly frameSkip: number;
  /** Control steps taken in the current episode. */
  protected steps = 0;
  /** The task's own random stream: reseeded by `reset(seed)`, continued by `reset(undefined)`. */
  protected readonly rng = new Rng();
  /** The last action after clipping to the action bounds (what the motors got), nu values. */
  protected readonly action: Float64Array;
  private readonly actLow: Float64Array;
  private readonly actHigh: Float64Array;

  protected constructor(
    readonly spec: TaskSpec,
    sim: MjSim,
    frameSkip: number,
  ) {
    this.sim = sim;
    this.frameSkip = frameSkip;
    this.out = newTaskStep(spec);
    const n = spec.action.shape[0]!;
    if (sim.nu !== n) throw new SimbridgeError(Code.INTERNAL, `${spec.name}: model has ${sim.nu} actuators, spec says ${n}`);
    const expectedDt = spec.controlDt / frameSkip;
    if (Math.abs(sim.timestep - expectedDt) > 1e-12) {
      throw new SimbridgeError(Code.INTERNAL, `${spec.name}: model timestep ${sim.timestep} but spec assumes ${expectedDt}`);
    }
    this.action = new Float64Array(n);
    this.actLow = spec.action.minimum!;
    this.actHigh = spec.action.maximum!;
    // Viewers draw the compiled model's geoms posed from xpos/xquat (the hints are read on first use).
    const view = mujocoView(sim, {});
    declareView(this.out.observations, { model: () => mujocoView(sim, this.viewHints()).model(), writePoses: view.writePoses });
  }

  /** Where a viewer puts 2-D goals and its camera; tasks with goals or a large floor say. */
  protected viewHints(): MujocoViewHints {
    return {};
  }

  reset(seed: number | undefined, options: Options): void {
    this.ensureOpen();
    if (seed !== undefined) {
      if (!Number.isSafeInteger(seed) || seed < 0) {
        throw SimbridgeError.invalidArgument(`${this.spec.name}: seed must be a non-negative integer up to 2^53, got ${seed}`, "seed");
      }
    }
    const opts = this.resolveResetOptions(options);
    if (seed !== undefined) this.rng.seed(seed);
    const sim = this.sim;
    sim.refresh();
    sim.resetData();
    this.steps = 0;
    this.action.fill(0);
    const out = this.out;
    out.reward = 0;
    out.status = StepStatus.RUNNING;
    out.isSuccess = false;
    out.info.fill(0);
    this.startEpisode(opts);
  }

  step(action: Float32Array): void {
    this.ensureOpen();
    const sim = this.sim;
    sim.refresh();
    // Clip to the action bounds (documented in each task) and hand to the motors.
    const a = this.action;
    const ctrl = sim.ctrl;
    const lo = this.actLow;
    const hi = this.actHigh;
    for (let i = 0; i < a.length; i++) {
      const v = action[i]!;
      const c = v < lo[i]! ? lo[i]! : v > hi[i]! ? hi[i]! : v;
      a[i] = c;
      ctrl[i] = c;
    }
    this.beforePhysics();
    sim.step(this.frameSkip);
    this.steps++;
    const out = this.out;
    out.status = StepStatus.RUNNING;
    this.afterPhysics();
    if (out.status === StepStatus.RUNNING && this.steps >= this.spec.maxEpisodeSteps) out.status = StepStatus.TRUNCATED;
  }

  /**
   * True when the physics left the states the task is meant for (e.g. a fallen
   * Ant). The raw-physics benchmark resets on it; tasks report it through
   * TERMINATED themselves.
   */
  needsReset(): boolean {
    return false;
  }

  /**
   * The torso heights (qpos[2]) of healthy states, for tools that step the
   * physics themselves (the native baseline of the benchmark); undefined when
   * the model cannot fall.
   */
  healthyZRange(): readonly [number, number] | undefined {
    return undefined;
  }

  close(): void {
    forgetView(this.out.observations);
    this.sim.close();
  }

  /**
   * Throws INVALID_ARGUMENT for reset options `reset` would refuse (unknown,
   * mistyped, out of range), changing nothing.
   */
  validateResetOptions(options: Options): void {
    this.ensureOpen();
    this.resolveResetOptions(options);
  }

  private resolveResetOptions(options: Options): ResolvedOptions {
    const opts = ResolvedOptions.resolve(this.spec.name, "reset", this.spec.resetOptions, options);
    this.checkResetValues(opts);
    return opts;
  }

  /** Throws INVALID_ARGUMENT for reset option values the task cannot use; runs before anything changes. */
  protected checkResetValues(_options: ResolvedOptions): void {}

  /** Sets the starting state (after `mj_resetData`) and writes the first observation into `out`. */
  protected abstract startEpisode(options: ResolvedOptions): void;

  /** Runs after the action is in `ctrl` and before the physics steps. */
  protected beforePhysics(): void {}

  /** Writes observation, reward, info, success and (if so) TERMINATED into `out`. */
  protected abstract afterPhysics(): void;

  private ensureOpen(): void {
    if (this.sim.isClosed) throw SimbridgeError.failedPrecondition(`${this.spec.name}: task is closed`);
  }
}

/** Loads the runtime and builds the simulation of a task's model. */
export async function makeSim(name: string, xml: string): Promise<MjSim> {
  const mj = await loadMujoco();
  return new MjSim(mj, name, xml);
}
