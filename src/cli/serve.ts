/**
 * `simbridge serve`: serves the built-in tasks over gRPC until interrupted.
 * The first SIGTERM or SIGINT drains the server (server.ts: health
 * NOT_SERVING, new sessions refused, requests in flight answered, then each
 * session ended with UNAVAILABLE so its client fails over) and exits 0 — what
 * Kubernetes expects of a pod it stops; a second signal closes at once.
 */
import { builtinRegistry } from "../../sims/catalog.js";
import { DEFAULT_DRAIN_GRACE_MS, MAX_TIMER_MS, startServer } from "../server/server.js";
import { startViewer } from "../viewer/viewer-server.js";
import { quote } from "../core/quote.js";
import { UsageError } from "./args.js";
import { defineCommand } from "./flags.js";

export const SERVE = defineCommand({
  name: "serve",
  synopsis: ["[--task NAME ...] [--black-box] [--host HOST] [--port N] [--token T] [--tls-cert FILE --tls-key FILE] [flags]"],
  about:
    "Serves the built-in tasks over gRPC until interrupted. The first line printed is 'simbridge listening on HOST:PORT'.\n\n" +
    "Health (grpc.health.v1): the service names '', 'simbridge.v1.EnvironmentService' and 'task:NAME' for each task " +
    "served are SERVING until the server drains.\n\n" +
    "On the first SIGTERM or SIGINT the server drains: it prints 'draining: N sessions, M envs; new sessions refused', " +
    "turns every health status NOT_SERVING, refuses new sessions, answers the requests it has already read, then ends " +
    "each session with UNAVAILABLE so that its client moves to another server, and exits 0. Calls still open after " +
    "--drain-timeout are cut; a second signal closes at once.",
  flags: {
    task: { type: "list", meta: "NAME", defaultText: "every built-in task", help: "serve only these tasks" },
    "black-box": { type: "boolean", help: "serve the tasks as black boxes: no reward, no info, only success (like a real robot)" },
    host: { type: "string", meta: "HOST", default: "127.0.0.1", help: "address to bind (the default is loopback only)" },
    port: { type: "int", min: 0, max: 65535, default: 0, help: "port (0: a free port, printed on start)" },
    token: { type: "string", meta: "T", defaultText: "$SIMBRIDGE_TOKEN", help: "require this bearer token" },
    "tls-cert": { type: "string", meta: "FILE", help: "serve TLS with this PEM certificate chain (with --tls-key; clients trust it as their CA)" },
    "tls-key": { type: "string", meta: "FILE", help: "the PEM private key of --tls-cert" },
    "max-envs": { type: "int", min: 1, default: 64, help: "most envs one session may open" },
    view: { type: "int", min: 0, max: 65535, meta: "PORT", help: "also serve the browser viewer (simbridge view) of these envs on this loopback port (0: a free one)" },
    capacity: { type: "int", min: 0, default: 0, help: "envs this server would host in all, announced to clients that spread envs over a fleet (0: not declared, the fleet splits evenly)" },
    "max-message-bytes": { type: "int", min: 1024, default: 4 * 1024 * 1024, help: "largest request accepted; larger ones fail with RESOURCE_EXHAUSTED" },
    "drain-timeout": { type: "int", min: 0, max: MAX_TIMER_MS, meta: "MS", default: DEFAULT_DRAIN_GRACE_MS, help: "after a SIGTERM or SIGINT, how long the drain may take before the calls still open are cut (ms)" },
  },
});

export const SERVE_USAGE = SERVE.usage;

export async function serveCommand(argv: string[]): Promise<void> {
  const { values } = SERVE.parse(argv);
  const all = builtinRegistry();
  for (const name of values.task) {
    if (!all.names.includes(name)) throw new UsageError(`--task: unknown task ${quote(name)}; built-in tasks: ${all.names.join(", ")}`);
  }
  let registry = values.task.length ? all.only(values.task) : all;
  if (values["black-box"]) registry = registry.asBlackBox();
  const token = values.token ?? process.env["SIMBRIDGE_TOKEN"];
  if (Boolean(values["tls-cert"]) !== Boolean(values["tls-key"])) throw new UsageError("--tls-cert and --tls-key go together");
  const server = await startServer({
    ...(values["tls-cert"] ? { tls: { certFile: values["tls-cert"], keyFile: values["tls-key"]! } } : {}),
    registry,
    host: values.host,
    port: values.port,
    ...(token ? { token } : {}),
    maxEnvsPerSession: values["max-envs"],
    capacity: values.capacity,
    maxMessageBytes: values["max-message-bytes"],
  });
  // The first line is machine-readable: tools wait for it to learn the port.
  console.log(`simbridge listening on ${server.address}`);
  console.log(`tasks: ${registry.names.join(", ")}${values["black-box"] ? " (black box)" : ""}${token ? " (token required)" : ""}`);
  const viewer = values.view === undefined ? undefined : await startViewer({ target: server.address, port: values.view, ...(token ? { token } : {}) });
  if (viewer) console.log(`simbridge view on ${viewer.url}`);
  let signals = 0;
  let onSignal: () => void = () => undefined;
  const firstSignal = new Promise<void>((resolve) => {
    onSignal = () => {
      signals++;
      if (signals === 1) resolve();
      else {
        // The operator does not want to wait for the clients.
        console.log("second signal: closing now");
        void server.close();
      }
    };
  });
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  await firstSignal;
  const counts = server.status();
  console.log(`draining: ${counts.sessions} sessions, ${counts.envs} envs; new sessions refused`);
  await viewer?.close();
  await server.drain(values["drain-timeout"]);
  // Exit now, with the signal handlers still installed: a signal that arrives as the process winds
  // down by itself (a second Ctrl-C, an orchestrator's repeat) would otherwise find the default
  // action restored and kill it instead of letting it exit 0. Flush stdout first (a pipe is async).
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  process.exit(0);
}
