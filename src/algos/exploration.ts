/**
 * Exploration around a deterministic policy's actions, shared by TD3 and DDPG
 * (and the TD3 levels of the hierarchies).
 */
import type { Rng } from "../core/rng.js";

/** Throws unless `p` is a probability; agents call it when built, so a bad --set fails before training. */
export function checkRandomActionProb(p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`randomActionProb must be in [0, 1], got ${p}`);
}

/**
 * Exploration around deterministic actions (in place), rows of `actDim`: each row
 * is, with probability `randomProb`, replaced by a uniform random action (HER's
 * baselines "random_eps"), else gets Gaussian noise of std `sigma`; clipped to [−1, 1].
 */
export function explore(actions: Float32Array, actDim: number, sigma: number, randomProb: number, rng: Rng): Float32Array {
  checkRandomActionProb(randomProb);
  for (let row = 0; row < actions.length; row += actDim) {
    const random = randomProb > 0 && rng.uniform() < randomProb;
    for (let i = row; i < row + actDim; i++) {
      actions[i] = random ? 2 * rng.uniform() - 1 : Math.max(-1, Math.min(1, actions[i]! + sigma * rng.normal()));
    }
  }
  return actions;
}
