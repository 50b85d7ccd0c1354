/**
 * `simbridge status HOST:PORT`: a running server's live counts over the Status
 * RPC — sessions, envs, pending requests, responses not yet sent (and the
 * flow-control bound on them), watchers, the server's memory.
 */
import { fetchServerStatus, type ServerStatus } from "../client/server-status.js";
import { connectOptionsFrom } from "./args.js";
import { CONNECTION_FLAGS, defineCommand } from "./flags.js";

export const STATUS = defineCommand({
  name: "status",
  synopsis: ["HOST:PORT [--token T] [--tls-ca FILE] [--json]"],
  about:
    "A running server's live counts over its Status RPC: open sessions and envs, requests read and not yet answered, responses not yet " +
    "sent (per session at most the flow-control bound: a session whose client stops reading is paused), watchers, the server's memory.",
  positionals: { meta: "HOST:PORT", min: 1, max: 1 },
  flags: {
    json: { type: "boolean", help: "one JSON object with the protocol's StatusResponse field names" },
    ...CONNECTION_FLAGS,
  },
});

export const STATUS_USAGE = STATUS.usage;

export async function statusCommand(argv: string[]): Promise<void> {
  const { values, positionals } = STATUS.parse(argv);
  const address = positionals[0]!;
  const s = await fetchServerStatus(address, connectOptionsFrom(values));
  console.log(values.json ? JSON.stringify(statusJson(s)) : statusText(address, s));
}

/** The counts under the protocol's field names. */
export function statusJson(s: ServerStatus) {
  return {
    server_name: s.serverName,
    sessions: s.sessions,
    envs: s.envs,
    watchers: s.watchers,
    pending_requests: s.pendingRequests,
    queued_responses: s.queuedResponses,
    paused_sessions: s.pausedSessions,
    max_in_flight_per_session: s.maxInFlightPerSession,
    peak_in_flight_per_session: s.peakInFlightPerSession,
    rss_bytes: s.rssBytes,
  };
}

function statusText(address: string, s: ServerStatus): string {
  return [
    `${s.serverName} at ${address}`,
    `sessions          ${s.sessions}${s.pausedSessions ? ` (${s.pausedSessions} paused: their clients are not reading)` : ""}`,
    `envs              ${s.envs}`,
    `watchers          ${s.watchers}`,
    `pending requests  ${s.pendingRequests}`,
    `unsent responses  ${s.queuedResponses}`,
    `in flight         per session at most ${s.maxInFlightPerSession}; highest so far ${s.peakInFlightPerSession}`,
    `memory (RSS)      ${s.rssBytes ? `${(s.rssBytes / 2 ** 20).toFixed(1)} MiB` : "unknown"}`,
  ].join("\n");
}
