/**
 * `simbridge demo`: starts the embedded MuJoCo server on loopback, connects
 * to it like any remote client, and drives a few episodes of every task with
 * random actions, printing what happened.
 */
import { builtinRegistry } from "../../sims/catalog.js";
import { RemoteVectorEnv } from "../client/remote-vector-env.js";
import { Rng } from "../core/rng.js";
import { sizeOf } from "../env/spec.js";
import { StepStatus, statusName } from "../env/task.js";
import { startServer } from "../server/server.js";
import { defineCommand } from "./flags.js";

export const DEMO = defineCommand({
  name: "demo",
  synopsis: ["[--episodes N] [--envs N] [--seed N]"],
  about: "Starts the embedded MuJoCo server on loopback and drives random episodes of every task through it, like any remote client.",
  flags: {
    episodes: { type: "int", min: 1, default: 3, help: "random episodes per task" },
    envs: { type: "int", min: 1, default: 2, help: "envs per request" },
    seed: { type: "int", min: 0, default: 0, help: "seed of the actions and env resets" },
  },
});

export const DEMO_USAGE = DEMO.usage;

export async function demoCommand(argv: string[]): Promise<void> {
  const { values } = DEMO.parse(argv);
  const { episodes, envs: numEnvs, seed } = values;
  const registry = builtinRegistry();
  const server = await startServer({ registry, port: 0 });
  console.log(`embedded MuJoCo server on ${server.address}; ${episodes} random episodes per task, ${numEnvs} envs per request`);
  try {
    for (const name of registry.names) {
      const env = await RemoteVectorEnv.connect(server.address, name, numEnvs);
      const rng = new Rng(seed);
      const per = sizeOf(env.spec.action.shape);
      const started = performance.now();
      let steps = 0;
      const returns: number[] = [];
      const lengths: number[] = [];
      const outcomes: string[] = [];
      let successes = 0;
      const ret = new Float64Array(numEnvs);
      const len = new Int32Array(numEnvs);
      const success = new Uint8Array(numEnvs);
      await env.reset(Array.from({ length: numEnvs }, (_, i) => ({ index: i, seed: seed * 1000 + i })));
      let active = Array.from({ length: numEnvs }, (_, i) => i);
      let begun = numEnvs;
      while (active.length > 0) {
        const actions = new Float32Array(active.length * per);
        for (let i = 0; i < actions.length; i++) actions[i] = rng.uniformRange(-1, 1);
        const s = await env.step(actions, active);
        steps += active.length;
        const restart: number[] = [];
        const next: number[] = [];
        s.indices.forEach((envIndex, row) => {
          ret[envIndex] += s.reward?.[row] ?? 0;
          len[envIndex]++;
          if (s.isSuccess[row]) success[envIndex] = 1;
          if (s.status[row] === StepStatus.RUNNING) {
            next.push(envIndex);
            return;
          }
          returns.push(ret[envIndex]!);
          lengths.push(len[envIndex]!);
          outcomes.push(statusName(s.status[row]!));
          successes += success[envIndex]!;
          ret[envIndex] = 0;
          len[envIndex] = 0;
          success[envIndex] = 0;
          if (begun < episodes) {
            begun++;
            restart.push(envIndex);
          }
        });
        if (restart.length) await env.reset(restart.map((index) => ({ index })));
        active = [...next, ...restart];
      }
      const seconds = (performance.now() - started) / 1000;
      await env.close();
      const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
      console.log(
        `${name.padEnd(16)} ${returns.length} episodes  mean return ${mean.toFixed(2).padStart(9)}  mean length ${(lengths.reduce((a, b) => a + b, 0) / lengths.length).toFixed(0).padStart(4)}` +
          `  ended ${[...new Set(outcomes)].join("/")}${env.spec.goalConditioned ? `  success ${successes}/${returns.length}` : ""}  ${Math.round(steps / seconds)} steps/s over gRPC`,
      );
    }
  } finally {
    await server.close();
  }
}
