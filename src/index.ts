/**
 * simbridge's library API: what a program that drives environments needs.
 */
export { Connection, type ConnectOptions, type ServerHello } from "./client/connection.js";
export { RemoteVectorEnv } from "./client/remote-vector-env.js";
export { LocalVectorEnv } from "./env/local-vector-env.js";
export { TaskRegistry } from "./env/task-registry.js";
export { Rng } from "./core/rng.js";
export type { ArraySpec, DType } from "./env/spec.js";
export { StepStatus, type Task, type TaskFactory, type TaskSpec, type TaskStep, type Options, type OptionSpec } from "./env/task.js";
export { timeStepAt, type BatchStep, type ResetEntry, type TimeStep, type VectorEnv } from "./env/vector-env.js";
export { Code, SimbridgeError } from "./core/errors.js";
export { PROTOCOL_VERSION } from "./protocol/service-definition.js";
export { startServer, type RunningServer, type ServerOptions } from "./server/server.js";
export { builtinRegistry } from "../sims/catalog.js";
