/**
 * `simbridge serve`: serves the built-in tasks over gRPC until interrupted.
 */
import { builtinRegistry } from "../../sims/catalog.js";
import { startServer } from "../server/server.js";
import { intFlag, parse, UsageError } from "./args.js";

export const SERVE_USAGE = `usage: simbridge serve [--task NAME ...] [--black-box] [--host 127.0.0.1] [--port 0] [--token T]
                      [--tls-cert FILE --tls-key FILE] [--max-envs 64] [--max-message-bytes 4194304]
  --task               serve only these tasks (repeatable; default: every built-in task)
  --black-box          serve the tasks as black boxes: no reward, no info, only success (like a real robot)
  --host               address to bind (default 127.0.0.1, loopback only)
  --port               port (default 0: a free port, printed on start)
  --token              require this bearer token (also read from SIMBRIDGE_TOKEN)
  --tls-cert/--tls-key serve TLS with this PEM certificate chain and key (clients pass --tls-ca)
  --max-envs           most envs one session may open
  --max-message-bytes  largest request accepted; larger ones fail with RESOURCE_EXHAUSTED`;

export async function serveCommand(argv: string[]): Promise<void> {
  const { values } = parse(
    argv,
    {
      task: { type: "string", multiple: true },
      "black-box": { type: "boolean" },
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "0" },
      token: { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "max-envs": { type: "string" },
      "max-message-bytes": { type: "string" },
    },
    SERVE_USAGE,
  );
  const all = builtinRegistry();
  for (const name of values.task ?? []) {
    if (!all.names.includes(name)) throw new UsageError(`--task: unknown task '${name}'; built-in tasks: ${all.names.join(", ")}`);
  }
  let registry = values.task?.length ? all.only(values.task) : all;
  if (values["black-box"]) registry = registry.asBlackBox();
  const token = values.token ?? process.env["SIMBRIDGE_TOKEN"];
  if (Boolean(values["tls-cert"]) !== Boolean(values["tls-key"])) throw new UsageError("--tls-cert and --tls-key go together");
  const server = await startServer({
    ...(values["tls-cert"] ? { tls: { certFile: values["tls-cert"], keyFile: values["tls-key"]! } } : {}),
    registry,
    host: values.host!,
    port: intFlag(values.port, "port", 0),
    ...(token ? { token } : {}),
    maxEnvsPerSession: intFlag(values["max-envs"], "max-envs", 64, 1),
    maxMessageBytes: intFlag(values["max-message-bytes"], "max-message-bytes", 4 * 1024 * 1024, 1024),
  });
  // The first line is machine-readable: tools wait for it to learn the port.
  console.log(`simbridge listening on ${server.address}`);
  console.log(`tasks: ${registry.names.join(", ")}${values["black-box"] ? " (black box)" : ""}${token ? " (token required)" : ""}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await server.close();
}
