// Training runs in tests: quiet, HER on two envs of the WASM backend (the same
// numbers on every machine), and the smoke tier's budget, which learns
// PointReach-v0 in minutes on a busy 2-core machine.
import { trainArgs, type TrainArgs } from "../../src/train/train-run.js";

/** trainRun's options that silence its log lines and progress bar. */
export const quiet = { log: () => undefined, progress: false };

/** Run arguments for a test: HER, two envs, the WASM backend, no checkpoints unless asked for; `overrides` win. */
export function testRunArgs(task: string, overrides: Partial<TrainArgs>): TrainArgs {
  return trainArgs(task, { her: true, envs: 2, backend: "wasm", checkpointEvery: 0, ...overrides });
}

/** A test run whose reward GAHIL learns online from the transitions of the (black-box) server at `server`. */
export function gahilRunArgs(task: string, server: string, overrides: Partial<TrainArgs>): TrainArgs {
  return testRunArgs(task, { reward: "gahil", server, ...overrides });
}

/** The smoke budget: 3000 steps on 64×64 networks, then 50 evaluation episodes. */
export const SMOKE_BUDGET = {
  steps: 3000,
  batchSize: 128,
  bufferSize: 50_000,
  learningStarts: 500,
  finalEvalEpisodes: 50,
  algoArgs: { hidden: [64, 64] },
} satisfies Partial<TrainArgs>;
