/**
 * The algorithms `simbridge train --algo NAME` can run: one entry per
 * algorithm file, with its kind (which schedule trains it), its defaults and
 * a one-line description for `--algo` listings.
 */
import type { Agent, AgentShape } from "./agent.js";
import { Ddpg, DDPG_ARGS } from "./ddpg.js";
import { Sac, SAC_ARGS } from "./sac.js";
import { Td3, TD3_ARGS } from "./td3.js";
import { Ppo, PPO_ARGS } from "./ppo.js";
import { Bnpo, BNPO_ARGS, type BnpoArgs } from "./bnpo.js";
import { Hiro, HIRO_ARGS } from "./hiro.js";
import { Relay, RELAY_ARGS } from "./relay.js";
import { Hac, HAC_ARGS } from "./hac.js";
import { Diayn, DIAYN_ARGS } from "./diayn.js";
import { SkillHierarchy, SKILL_HIERARCHY_ARGS } from "./skill-hierarchy.js";

/** Hyper-parameters by name: numbers, lists of numbers, or a word where the default is one (BNPO's brains). */
export type AlgoOverrides = Readonly<Record<string, number | readonly number[] | string>>;

export interface AlgoEntry {
  readonly kind: Agent["kind"];
  readonly summary: string;
  readonly defaults: object;
  /** The networks read raw observations (the run does not normalise them): HIRO's goal arithmetic is on states. */
  readonly rawInput?: boolean;
  make(shape: AgentShape, overrides: AlgoOverrides): Agent;
}

const algos: Readonly<Record<string, AlgoEntry>> = Object.freeze({
  td3: { kind: "off-policy", summary: "TD3, twin delayed DDPG (Fujimoto et al. 2018)", defaults: TD3_ARGS, make: (shape, o) => new Td3(shape, { ...TD3_ARGS, ...o }) },
  ddpg: { kind: "off-policy", summary: "DDPG (Lillicrap et al. 2016)", defaults: DDPG_ARGS, make: (shape, o) => new Ddpg(shape, { ...DDPG_ARGS, ...o }) },
  sac: { kind: "off-policy", summary: "SAC with automatic entropy tuning (Haarnoja et al. 2018)", defaults: SAC_ARGS, make: (shape, o) => new Sac(shape, { ...SAC_ARGS, ...o }) },
  ppo: { kind: "on-policy", summary: "PPO with clipped surrogate and GAE (Schulman et al. 2017)", defaults: PPO_ARGS, make: (shape, o) => new Ppo(shape, { ...PPO_ARGS, ...o }) },
  bnpo: { kind: "off-policy", summary: "BNPO: DDPG and PPO brains train one Gaussian actor through Q(s, μ, σ) (rezer0dai/bnpo)", defaults: BNPO_ARGS, make: (shape, o) => new Bnpo(shape, { ...BNPO_ARGS, ...o } as BnpoArgs) },
  hiro: { kind: "hierarchical", summary: "HIRO: two TD3 levels, subgoals every c steps, off-policy correction (Nachum et al. 2018)", defaults: HIRO_ARGS, rawInput: true, make: (shape, o) => new Hiro(shape, { ...HIRO_ARGS, ...o }) },
  relay: { kind: "hierarchical", summary: "Relay policy learning: two levels imitated from demonstrations (--demos), low level fine-tuned by TD3 + hindsight (Gupta et al. 2019)", defaults: RELAY_ARGS, rawInput: true, make: (shape, o) => new Relay(shape, { ...RELAY_ARGS, ...o }) },
  hac: { kind: "hierarchical", summary: "HAC: k levels of absolute subgoals, hindsight action/goal transitions, subgoal testing (Levy et al. 2019)", defaults: HAC_ARGS, rawInput: true, make: (shape, o) => new Hac(shape, { ...HAC_ARGS, ...o }) },
  diayn: { kind: "skills", summary: "DIAYN: K skills from a skill discriminator's reward, no env reward (Eysenbach et al. 2019)", defaults: DIAYN_ARGS, rawInput: true, make: (shape, o) => new Diayn(shape, { ...DIAYN_ARGS, ...o }) },
  "skill-hier": {
    kind: "hierarchical",
    summary: "DIAYN skills (--set skillsRun=DIR, frozen) as the low level; a DQN picks one every c steps, hindsight goals (Eysenbach et al. 2019, §hierarchical RL)",
    defaults: SKILL_HIERARCHY_ARGS,
    rawInput: true,
    make: (shape, o) => new SkillHierarchy(shape, { ...SKILL_HIERARCHY_ARGS, ...o }),
  },
});

export const ALGO_NAMES = Object.keys(algos);

/** The registry entry of `name`; throws naming the available algorithms. */
export function algoEntry(name: string): AlgoEntry {
  const algo = Object.hasOwn(algos, name) ? algos[name] : undefined;
  if (!algo) throw new Error(`unknown algorithm '${name}'; available: ${ALGO_NAMES.join(", ")}`);
  return algo;
}

/** `--algo` listings: one line per algorithm. */
export function describeAlgos(): string {
  return ALGO_NAMES.map((n) => `  ${n.padEnd(6)} ${algos[n]!.kind.padEnd(12)} ${algos[n]!.summary}`).join("\n");
}

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

/**
 * Throws naming the accepted keys when `overrides` has a key the algorithm does not
 * know, or a value of another kind than the default's (a word where a number is due,
 * or the other way round).
 */
export function checkOverrides(name: string, overrides: Readonly<Record<string, unknown>>): asserts overrides is AlgoOverrides {
  const defaults = algoEntry(name).defaults as Readonly<Record<string, unknown>>;
  const known = Object.keys(defaults);
  for (const [key, value] of Object.entries(overrides)) {
    if (!known.includes(key)) throw new Error(`${name} has no hyper-parameter '${key}'; it has: ${known.join(", ")}`);
    const word = typeof defaults[key] === "string";
    const numbers = typeof value === "number" || (Array.isArray(value) && value.every((x) => typeof x === "number"));
    if (word ? typeof value !== "string" : !numbers) throw new Error(`${name}: ${key} takes ${word ? "a word" : "a number or a list of numbers"}, got ${JSON.stringify(value)}`);
  }
}

/** `overrides` win over the HER defaults, which win over the algorithm's own. */
export function makeAgent(name: string, shape: AgentShape, overrides: AlgoOverrides = {}, her = false): Agent {
  checkOverrides(name, overrides);
  return algoEntry(name).make(shape, her ? { ...HER_DEFAULTS[name], ...overrides } : overrides);
}
