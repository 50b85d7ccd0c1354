/**
 * The viewer's HTTP server (`simbridge view`): one page, its scripts, the
 * browser libraries from node_modules (three.js, uPlot; no CDN), and `/events`,
 * a Server-Sent Events stream relaying a simbridge server's watch frames
 * (view-relay.ts) and a run folder's metrics (metrics-tail.ts).
 *
 * Loopback by default. When the simbridge server has a token, the viewer
 * requires the same token for the page and its events (`?token=` in the URL
 * it prints; the page passes it on), so the viewer never opens a server's
 * frames to whoever can reach its port. Browsers beyond MAX_BROWSERS are
 * refused (503).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { sameSecret } from "../server/session.js";
import { packageRoot } from "../protocol/service-definition.js";
import type { TlsClientOptions } from "../client/tls.js";
import { ViewRelay, type RelayEvent } from "./view-relay.js";
import { MetricsTail } from "./metrics-tail.js";
import { BrowserStream } from "./browser-stream.js";

export interface ViewerOptions {
  /** HOST:PORT of the simbridge server to watch. */
  readonly target: string;
  readonly token?: string;
  readonly tls?: TlsClientOptions;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
  /** A run folder whose metrics.jsonl to chart. */
  readonly runDir?: string;
  /** Frames per second per env (default 15). */
  readonly maxHz?: number;
}

export interface RunningViewer {
  /** The page's URL (with `?token=` when one is needed). */
  readonly url: string;
  readonly port: number;
  readonly relay: ViewRelay;
  /** Open browser connections. */
  readonly browsers: number;
  close(): Promise<void>;
}

const MAX_BROWSERS = 16;
const HEARTBEAT_MS = 15_000;
const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".map": "application/json" };

/** URL prefix → folder served under it. */
function staticRoots(): Record<string, string> {
  const require = createRequire(import.meta.url);
  return {
    "/app/": join(dirname(fileURLToPath(import.meta.url)), "page"),
    "/lib/three/": dirname(require.resolve("three")),
    "/lib/three-addons/": join(dirname(require.resolve("three")), "..", "examples", "jsm"),
    "/lib/uplot/": dirname(require.resolve("uplot")),
  };
}

export async function startViewer(options: ViewerOptions): Promise<RunningViewer> {
  const host = options.host ?? "127.0.0.1";
  const roots = staticRoots();
  const page = join(packageRoot(), "src", "viewer", "page", "index.html");
  const relay = new ViewRelay({ target: options.target, ...(options.token ? { token: options.token } : {}), ...(options.tls ? { tls: options.tls } : {}), ...(options.maxHz !== undefined ? { maxHz: options.maxHz } : {}) });
  const browsers = new Set<BrowserStream>();
  const metrics = options.runDir
    ? new MetricsTail(options.runDir, (records, reset) => {
        for (const b of browsers) b.sendRaw("metrics", { records, reset });
      })
    : undefined;
  const statusExtra = () => ({ browsers: browsers.size, droppedHere: [...browsers].reduce((s, b) => s + b.dropped, 0), runDir: options.runDir ?? null });
  relay.subscribe((e: RelayEvent) => {
    for (const b of browsers) b.send(e, e.type === "status" ? statusExtra() : undefined);
  });
  const heartbeat = setInterval(() => {
    for (const b of browsers) b.heartbeat();
  }, HEARTBEAT_MS);

  const authorised = (url: URL): boolean => {
    if (!options.token) return true;
    return sameSecret(url.searchParams.get("token") ?? "", options.token);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://viewer");
    if (req.method !== "GET") return plain(res, 405, "only GET");
    if (url.pathname === "/" || url.pathname === "/index.html") {
      if (!authorised(url)) return plain(res, 401, "this viewer needs the server's token: open the URL `simbridge view` printed (…/?token=…)");
      void send(res, page);
      return;
    }
    if (url.pathname === "/events") {
      if (!authorised(url)) return plain(res, 401, "token required");
      if (browsers.size >= MAX_BROWSERS) return plain(res, 503, `at most ${MAX_BROWSERS} browsers at once`);
      const b = new BrowserStream(res, () => browsers.delete(b));
      browsers.add(b);
      // A new browser starts from the present: models, each env's latest frame, status, the metrics so far.
      for (const [key, model] of relay.models) b.send({ type: "model", key, model });
      for (const frame of relay.latest.values()) b.send({ type: "frame", frame });
      b.send({ type: "status", status: relay.status() }, statusExtra());
      if (metrics) b.sendRaw("metrics", { records: metrics.records, reset: true });
      return;
    }
    for (const [prefix, root] of Object.entries(roots)) {
      if (!url.pathname.startsWith(prefix)) continue;
      let name: string;
      try {
        name = decodeURIComponent(url.pathname.slice(prefix.length));
      } catch {
        return plain(res, 400, "bad path"); // a malformed %-escape must not throw out of the handler
      }
      const file = normalize(join(root, name));
      if (!file.startsWith(root + sep)) return plain(res, 404, "not found");
      void send(res, file);
      return;
    }
    plain(res, 404, "not found");
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8080, host, () => {
      const a = server.address();
      resolve(typeof a === "object" && a ? a.port : 0);
    });
  });
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/${options.token ? `?token=${encodeURIComponent(options.token)}` : ""}`,
    port,
    relay,
    get browsers() {
      return browsers.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(heartbeat);
        metrics?.close();
        relay.close();
        for (const b of browsers) b.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function send(res: ServerResponse, file: string): Promise<void> {
  try {
    const body = await readFile(file);
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-cache" });
    res.end(body);
  } catch {
    plain(res, 404, "not found");
  }
}

function plain(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { "content-type": "text/plain; charset=utf-8" });
  res.end(text + "\n");
}
