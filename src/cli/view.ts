/**
 * `simbridge view HOST:PORT`: the browser viewer. Starts a local HTTP server
 * (src/viewer/viewer-server.ts) that relays the server's watch frames with
 * views to one page: every live env in 3-D, the connection state and frame
 * rates, and with `--run DIR` that run's learning curves as it trains.
 * Prints `simbridge view on URL` first (with `?token=` when the server has a
 * token: the page needs it too). Ctrl-C stops.
 */
import { startViewer } from "../viewer/viewer-server.js";
import { connectOptionsFrom } from "./args.js";
import { CONNECTION_FLAGS, defineCommand } from "./flags.js";

export const VIEW = defineCommand({
  name: "view",
  synopsis: ["HOST:PORT [--port 8080] [--host 127.0.0.1] [--run runs/NAME] [--hz N] [--token T] [--tls-ca FILE]"],
  about:
    "A web viewer of a running server's envs: a local HTTP page (three.js) drawing every live env in 3-D from the server's watch stream " +
    "(body poses and view models, capability viewer_model), with goals, achieved goals and subgoals as markers, episode, step, sim time, reward " +
    "and success; frame rates, dropped frames and the connection state (it reconnects when the server restarts); and, with --run, the run's " +
    "learning curves (success, return, losses, reward AUROC) while it trains. Loopback by default; with a token the page needs it too.",
  positionals: { meta: "HOST:PORT", min: 1, max: 1 },
  flags: {
    port: { type: "int", min: 0, max: 65535, defaultText: "8080", help: "the viewer's HTTP port (0: a free one)" },
    host: { type: "string", meta: "H", defaultText: "127.0.0.1", help: "the viewer's HTTP address; anything but loopback shows the server's frames to whoever can reach it" },
    run: { type: "string", meta: "DIR", help: "a run folder whose metrics.jsonl to chart live" },
    hz: { type: "number", above: 0, meta: "N", defaultText: "15", help: "frames per second per env asked of the server" },
    ...CONNECTION_FLAGS,
  },
});

export const VIEW_USAGE = VIEW.usage;

export async function viewCommand(argv: string[]): Promise<void> {
  const { values, positionals } = VIEW.parse(argv);
  const { token, tls } = connectOptionsFrom(values);
  const host = values.host ?? "127.0.0.1";
  if (!/^(127\.|localhost$|::1$)/.test(host)) process.stderr.write(`warning: the viewer listens on ${host}: anyone who can reach it sees the server's envs${token ? " (with the token in its URL)" : ""}\n`);
  const viewer = await startViewer({
    target: positionals[0]!,
    host,
    port: values.port ?? 8080,
    ...(token ? { token } : {}),
    ...(tls ? { tls } : {}),
    ...(values.run ? { runDir: values.run } : {}),
    ...(values.hz !== undefined ? { maxHz: values.hz } : {}),
  });
  console.log(`simbridge view on ${viewer.url}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await viewer.close();
}
