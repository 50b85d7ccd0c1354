// PointReach-v0 passes the conformance suite in-process and over gRPC.
import { after, before } from "node:test";
import { TaskRegistry } from "../../src/env/task-registry.js";
import { LocalVectorEnv } from "../../src/env/local-vector-env.js";
import { RemoteVectorEnv } from "../../src/client/remote-vector-env.js";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { pointReachV0 } from "../../sims/point/point-reach-v0.js";
import { vectorEnvContract } from "./vector-env-contract.js";

const registry = new TaskRegistry([pointReachV0]);
let server: RunningServer;
before(async () => {
  server = await startServer({ registry, port: 0 });
});
after(async () => {
  await server.close();
});

vectorEnvContract("PointReach-v0 in-process", (n) => LocalVectorEnv.make(registry, "PointReach-v0", n));
vectorEnvContract("PointReach-v0 over gRPC", (n) => RemoteVectorEnv.connect(server.address, "PointReach-v0", n));
