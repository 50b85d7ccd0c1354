/**
 * The algorithms `simbridge train --algo NAME` can run.
 */
import type { AgentShape, OffPolicyAgent } from "./off-policy-agent.js";
import { Td3, TD3_ARGS } from "./td3.js";

export type AlgoOverrides = Readonly<Record<string, number | readonly number[]>>;

const makers: Record<string, (shape: AgentShape, overrides: AlgoOverrides) => OffPolicyAgent> = {
  td3: (shape, o) => new Td3(shape, { ...TD3_ARGS, ...o }),
};

export const ALGO_NAMES = Object.keys(makers);

export function makeAgent(name: string, shape: AgentShape, overrides: AlgoOverrides = {}): OffPolicyAgent {
  const make = makers[name];
  if (!make) throw new Error(`unknown algorithm '${name}'; available: ${ALGO_NAMES.join(", ")}`);
  return make(shape, overrides);
}
