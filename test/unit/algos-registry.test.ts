import { test } from "node:test";
import assert from "node:assert/strict";
import { selectBackend } from "../../src/nn/backend.js";
import { ALGO_NAMES, algoEntry, describeAlgos, makeAgent } from "../../src/algos/registry.js";
import { PPO_ARGS, type Ppo } from "../../src/algos/ppo.js";
import { TD3_ARGS, type Td3 } from "../../src/algos/td3.js";
import type { Sac } from "../../src/algos/sac.js";

await selectBackend("wasm");
const shape = { inputDim: 4, actDim: 2, seed: 0 };

test("with --her, TD3 and DDPG get baselines' HER settings and SAC the ones it has; --set wins", () => {
  const td3 = makeAgent("td3", shape, { gamma: 0.9 }, true) as Td3;
  assert.deepEqual(
    { gamma: td3.args.gamma, tau: td3.args.tau, lr: td3.args.actorLr, noise: td3.args.explorationNoise, random: td3.args.randomActionProb, l2: td3.args.actionL2 },
    { gamma: 0.9, tau: 0.05, lr: 1e-3, noise: 0.2, random: 0.3, l2: 1 },
  );
  td3.dispose();
  const plain = makeAgent("td3", shape, {}, false) as Td3;
  assert.deepEqual(plain.args, TD3_ARGS);
  plain.dispose();
  const sac = makeAgent("sac", shape, {}, true) as Sac;
  assert.equal(sac.args.gamma, 0.98);
  assert.equal("randomActionProb" in sac.args, false);
  sac.dispose();
  assert.deepEqual([...ALGO_NAMES].sort(), ["bnpo", "ddpg", "diayn", "hac", "hiro", "ppo", "relay", "sac", "skill-hier", "td3"]);
});

test("an unknown hyper-parameter or algorithm is refused with the accepted names", () => {
  assert.throws(() => makeAgent("sac", shape, { randomActionProb: 0.3 }), /sac has no hyper-parameter 'randomActionProb'; it has: hidden/);
  assert.throws(() => makeAgent("td3", shape, { randomActionProb: 1.5 }), /randomActionProb must be in \[0, 1\], got 1.5/);
  assert.throws(() => makeAgent("ddpg", shape, { randomActionProb: -1 }), /randomActionProb must be in \[0, 1\]/);
  assert.throws(() => makeAgent("a2c", shape), /unknown algorithm 'a2c'; available: td3, ddpg, sac, ppo/);
  assert.throws(() => makeAgent("__proto__", shape), /unknown algorithm '__proto__'/);
  assert.throws(() => makeAgent("ppo", shape, { tau: 0.1 }), /ppo has no hyper-parameter 'tau'; it has: hidden, learningRate/);
});

test("every algorithm declares its kind; PPO is on-policy with CleanRL's defaults and no HER defaults", () => {
  assert.deepEqual(
    ALGO_NAMES.map((n) => [n, algoEntry(n).kind]),
    [
      ["td3", "off-policy"],
      ["ddpg", "off-policy"],
      ["sac", "off-policy"],
      ["ppo", "on-policy"],
      ["bnpo", "off-policy"],
      ["hiro", "hierarchical"],
      ["relay", "hierarchical"],
      ["hac", "hierarchical"],
      ["diayn", "skills"],
      ["skill-hier", "hierarchical"],
    ],
  );
  // The hierarchies and DIAYN read raw observations (goal arithmetic, the discriminator on positions); the flat learners normalised ones.
  assert.deepEqual(
    ALGO_NAMES.filter((n) => algoEntry(n).rawInput === true),
    ["hiro", "relay", "hac", "diayn", "skill-hier"],
  );
  const ppo = makeAgent("ppo", shape, {}, true) as Ppo;
  assert.deepEqual(ppo.args, PPO_ARGS);
  assert.equal(ppo.kind, "on-policy");
  ppo.dispose();
  assert.match(describeAlgos(), /ppo\s+on-policy\s+PPO/);
  assert.match(describeAlgos(), /hiro\s+hierarchical\s+HIRO/);
});
