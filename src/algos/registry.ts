/**
 * The algorithms `simbridge train --algo NAME` can run.
 */
import type { AgentShape, OffPolicyAgent } from "./off-policy-agent.js";
import { Ddpg, DDPG_ARGS } from "./ddpg.js";
import { Sac, SAC_ARGS } from "./sac.js";
import { Td3, TD3_ARGS } from "./td3.js";

export type AlgoOverrides = Readonly<Record<string, number | readonly number[]>>;

const algos: Record<string, { defaults: object; make: (shape: AgentShape, overrides: AlgoOverrides) => OffPolicyAgent }> = {
  td3: { defaults: TD3_ARGS, make: (shape, o) => new Td3(shape, { ...TD3_ARGS, ...o }) },
  ddpg: { defaults: DDPG_ARGS, make: (shape, o) => new Ddpg(shape, { ...DDPG_ARGS, ...o }) },
  sac: { defaults: SAC_ARGS, make: (shape, o) => new Sac(shape, { ...SAC_ARGS, ...o }) },
};

export const ALGO_NAMES = Object.keys(algos);

/**
 * Defaults for sparse-reward goal tasks with HER, from openai/baselines `her`
 * (γ 0.98, polyak 0.95 → τ 0.05, Adam lr 1e-3): with the MuJoCo defaults
 * (τ 0.005, lr 3e-4) values propagate through a −1/0 reward several times
 * slower (measured on PointReach-v0: 0.0 vs 0.2 success after 3000 steps).
 * The deterministic learners also take baselines' exploration and action
 * penalty (noise 0.2, random actions 30 % of the time, λ 1): without them
 * TD3 on ReacherGoal-v0 seed 1 never learned goals near the arm's base and
 * drifted off goals it had reached (0.93 success at 20k steps; 0.99 with them;
 * BENCHMARKS.md).
 */
const HER_COMMON: AlgoOverrides = { gamma: 0.98, tau: 0.05, actorLr: 1e-3, criticLr: 1e-3 };
const HER_DETERMINISTIC: AlgoOverrides = { ...HER_COMMON, explorationNoise: 0.2, randomActionProb: 0.3, actionL2: 1 };
export const HER_DEFAULTS: Readonly<Record<string, AlgoOverrides>> = Object.freeze({ td3: HER_DETERMINISTIC, ddpg: HER_DETERMINISTIC, sac: HER_COMMON });

/** Throws naming the accepted keys when `overrides` has a key the algorithm does not know. */
export function checkOverrides(name: string, overrides: AlgoOverrides): void {
  const algo = algos[name];
  if (!algo) throw new Error(`unknown algorithm '${name}'; available: ${ALGO_NAMES.join(", ")}`);
  const known = Object.keys(algo.defaults);
  for (const key of Object.keys(overrides)) {
    if (!known.includes(key)) throw new Error(`${name} has no hyper-parameter '${key}'; it has: ${known.join(", ")}`);
  }
}

/** `overrides` win over the HER defaults, which win over the algorithm's own. */
export function makeAgent(name: string, shape: AgentShape, overrides: AlgoOverrides = {}, her = false): OffPolicyAgent {
  checkOverrides(name, overrides);
  return algos[name]!.make(shape, her ? { ...HER_DEFAULTS[name], ...overrides } : overrides);
}
