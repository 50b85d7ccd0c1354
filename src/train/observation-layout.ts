/**
 * ObservationLayout: which of a task's observation tensors is which, found by
 * name once, from the spec.
 *
 * The protocol names the tensors of a goal-conditioned task `observation`,
 * `achieved_goal` and `desired_goal`, but does not fix their order: an
 * external server may send `desired_goal` first. Everything in the training
 * core that picks a tensor out of a step's observations (the input encoder,
 * the collector, storage, HER, GAHIL's feeding, the reward probe) asks the
 * layout instead of assuming positions, so goals are never silently swapped.
 *
 *     const layout = ObservationLayout.of(spec);   // throws for a goal task without the three names
 *     layout.observation(step.obs);                // the `observation` tensor, [envs × obsSize]
 *     layout.desiredGoal(step.obs);                // the `desired_goal` tensor, [envs × goalSize]
 *
 * Tasks without goals: the tensor named `observation`, or the only tensor when
 * there is just one.
 */
import { sizeOf } from "../env/spec.js";
import type { TaskSpec } from "../env/task.js";

/** The protocol's names of a goal-conditioned task's tensors. */
export const OBSERVATION = "observation";
export const ACHIEVED_GOAL = "achieved_goal";
export const DESIRED_GOAL = "desired_goal";

export class ObservationLayout {
  /** Elements of the `observation` tensor. */
  readonly obsSize: number;
  /** Elements of each goal tensor; 0 for a task without goals. */
  readonly goalSize: number;

  private constructor(
    readonly goalConditioned: boolean,
    /** Index of `observation` in `spec.observations`. */
    readonly observationIndex: number,
    /** Index of `achieved_goal`, −1 for a task without goals. */
    readonly achievedGoalIndex: number,
    /** Index of `desired_goal`, −1 for a task without goals. */
    readonly desiredGoalIndex: number,
    spec: TaskSpec,
  ) {
    this.obsSize = sizeOf(spec.observations[observationIndex]!.shape);
    this.goalSize = goalConditioned ? sizeOf(spec.observations[desiredGoalIndex]!.shape) : 0;
  }

  /** The layout of `spec`'s observations; throws naming the tensors it has when one the training core needs is missing. */
  static of(spec: TaskSpec): ObservationLayout {
    const names = spec.observations.map((o) => o.name);
    const has = names.length ? names.map((n) => `'${n.slice(0, 60)}'`).join(", ") : "none";
    const indexOf = (name: string) => {
      const i = names.indexOf(name);
      if (i >= 0 && names.indexOf(name, i + 1) >= 0) throw new Error(`${spec.name}: two observation tensors are named '${name}' (it has ${has})`);
      return i;
    };
    if (!spec.goalConditioned) {
      const i = indexOf(OBSERVATION);
      if (i >= 0) return new ObservationLayout(false, i, -1, -1, spec);
      if (names.length === 1) return new ObservationLayout(false, 0, -1, -1, spec);
      throw new Error(`${spec.name}: expected an observation tensor named '${OBSERVATION}' (or a single tensor), but it has ${has}`);
    }
    const [obs, achieved, desired] = [OBSERVATION, ACHIEVED_GOAL, DESIRED_GOAL].map(indexOf) as [number, number, number];
    const missing = [[OBSERVATION, obs], [ACHIEVED_GOAL, achieved], [DESIRED_GOAL, desired]].filter(([, i]) => i === -1).map(([n]) => `'${n}'`);
    if (missing.length) {
      throw new Error(
        `${spec.name} is goal-conditioned, so its observations must include '${OBSERVATION}', '${ACHIEVED_GOAL}' and '${DESIRED_GOAL}' (in any order); ` +
          `${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} missing: it has ${has}`,
      );
    }
    const [a, d] = [sizeOf(spec.observations[achieved]!.shape), sizeOf(spec.observations[desired]!.shape)];
    if (a !== d) throw new Error(`${spec.name}: '${ACHIEVED_GOAL}' has ${a} elements but '${DESIRED_GOAL}' has ${d}; a goal is compared with the goal achieved, so they must match`);
    return new ObservationLayout(true, obs, achieved, desired, spec);
  }

  /** The `observation` tensor of a list in spec order (one step's batch, or one env's). */
  observation<T>(tensors: readonly T[]): T {
    return this.pick(tensors, this.observationIndex, OBSERVATION);
  }

  /** The `achieved_goal` tensor; a task without goals has none (throws). */
  achievedGoal<T>(tensors: readonly T[]): T {
    return this.pick(tensors, this.achievedGoalIndex, ACHIEVED_GOAL);
  }

  /** The `desired_goal` tensor; a task without goals has none (throws). */
  desiredGoal<T>(tensors: readonly T[]): T {
    return this.pick(tensors, this.desiredGoalIndex, DESIRED_GOAL);
  }

  /** The desired goal for goal-conditioned tasks, undefined otherwise (the input encoder's goal argument). */
  goal<T>(tensors: readonly T[]): T | undefined {
    return this.goalConditioned ? this.desiredGoal(tensors) : undefined;
  }

  private pick<T>(tensors: readonly T[], index: number, name: string): T {
    if (index < 0) throw new Error(`the task is not goal-conditioned: it has no '${name}'`);
    const t = tensors[index];
    if (t === undefined) throw new Error(`expected '${name}' at observation ${index}, but only ${tensors.length} observation tensors were given`);
    return t;
  }
}
