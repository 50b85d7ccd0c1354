// Every built-in task passes the conformance suite in-process and over gRPC
// (a real server on port 0).
import { after, before } from "node:test";
import { builtinRegistry } from "../../sims/catalog.js";
import { LocalVectorEnv } from "../../src/env/local-vector-env.js";
import { RemoteVectorEnv } from "../../src/client/remote-vector-env.js";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { vectorEnvContract } from "./vector-env-contract.js";

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
for (const task of ["ReacherGoal-v0", "PointReach-v0"]) {
  vectorEnvContract(`${task} as a black box, over gRPC`, (n) => RemoteVectorEnv.connect(blackBoxServer.address, task, n));
}
vectorEnvContract("Ant-v5 with contact forces, over gRPC", (n) => RemoteVectorEnv.connect(server.address, "Ant-v5", n, { use_contact_forces: true }));
