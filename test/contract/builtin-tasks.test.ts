// Every built-in task passes the conformance suite in-process and over gRPC
// (a real server on port 0); the goal tasks offer their reward function over
// gRPC (compute_reward), and refuse it as black boxes.
import { after, before, it } from "node:test";
import assert from "node:assert/strict";
import { builtinRegistry } from "../../sims/catalog.js";
import { LocalVectorEnv } from "../../src/env/local-vector-env.js";
import { RemoteVectorEnv } from "../../src/client/remote-vector-env.js";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { Connection } from "../../src/client/connection.js";
import { vectorEnvContract } from "./vector-env-contract.js";
import { computeRewardContract, computeRewardRefusedContract } from "./compute-reward-contract.js";

const registry = builtinRegistry();
let server: RunningServer;
let blackBoxServer: RunningServer;
before(async () => {
  server = await startServer({ registry, port: 0 });
  blackBoxServer = await startServer({ registry: registry.asBlackBox(), port: 0 });
});
after(async () => {
  await server.close();
  await blackBoxServer.close();
});

for (const task of registry.names) {
  vectorEnvContract(`${task} in-process`, (n) => LocalVectorEnv.make(registry, task, n));
  vectorEnvContract(`${task} over gRPC`, (n) => RemoteVectorEnv.connect(server.address, task, n));
}
for (const task of ["ReacherGoal-v0", "ReacherMoving-v0", "PointReach-v0", "PointMaze-v0", "PointPush-v0", "AntMaze-v0"]) {
  vectorEnvContract(`${task} as a black box, over gRPC`, (n) => RemoteVectorEnv.connect(blackBoxServer.address, task, n));
}
vectorEnvContract("Ant-v5 with contact forces, over gRPC", (n) => RemoteVectorEnv.connect(server.address, "Ant-v5", n, { use_contact_forces: true }));

computeRewardContract("PointReach-v0 (dense reward) over gRPC", {
  open: () => Connection.open(server.address),
  task: "PointReach-v0",
  options: { reward_type: "dense" },
  taskWithoutRewardFunction: "Reacher-v5",
});
computeRewardContract("PointMaze-v0 (dense reward, HIRO's) over gRPC", { open: () => Connection.open(server.address), task: "PointMaze-v0" });
computeRewardContract("PointPush-v0 (dense reward) over gRPC", { open: () => Connection.open(server.address), task: "PointPush-v0", options: { reward_type: "dense" } });
computeRewardContract("ReacherGoal-v0 over gRPC", { open: () => Connection.open(server.address), task: "ReacherGoal-v0", options: { distance_threshold: 0.2 } });
computeRewardContract("ReacherMoving-v0 over gRPC", { open: () => Connection.open(server.address), task: "ReacherMoving-v0", options: { distance_threshold: 0.2 } });
computeRewardContract("AntMaze-v0 (dense reward) over gRPC", { open: () => Connection.open(server.address), task: "AntMaze-v0", options: { max_episode_steps: 20 } });
computeRewardContract("AntFall-v0 (3-D goals, sparse reward) over gRPC", {
  open: () => Connection.open(server.address),
  task: "AntFall-v0",
  options: { reward_type: "sparse", distance_threshold: 12, max_episode_steps: 20 },
});
for (const task of ["ReacherGoal-v0", "ReacherMoving-v0", "PointReach-v0", "PointMaze-v0", "PointPush-v0", "AntMaze-v0"]) {
  computeRewardRefusedContract(`${task} as a black box, over gRPC`, { open: () => Connection.open(blackBoxServer.address), task });
}

it("a built-in task's spec says hasRewardFunction exactly when its tasks have computeReward", async () => {
  for (const name of registry.names) {
    const task = await registry.get(name).create({});
    try {
      assert.equal(task.spec.hasRewardFunction === true, typeof task.computeReward === "function", name);
    } finally {
      task.close();
    }
  }
});
