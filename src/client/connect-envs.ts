/**
 * The envs a `--server` target names: one server's RemoteVectorEnv (HOST:PORT,
 * reconnecting to it when it is lost) or, for a target with several backends
 * (`ipv4:…,…`, `dns:///NAME:PORT`; see fleet-target.ts), a FleetVectorEnv
 * spread over them. Either way a lost server surfaces as ABORTED ("reset
 * them") and `log` hears one line per loss, return or move.
 */
import type { Options } from "../env/task.js";
import type { ConnectOptions } from "./connection.js";
import { describeFleetEvent, FleetVectorEnv } from "./fleet-vector-env.js";
import { parseFleetTarget } from "./fleet-target.js";
import { RemoteVectorEnv } from "./remote-vector-env.js";

export interface ConnectEnvsOptions {
  readonly connect?: ConnectOptions;
  /** 0: lockstep; > 0: real-time envs at this control rate. */
  readonly realtimeHz?: number;
  /** Survive lost servers (default true): reconnect (one server) or fail over (a fleet). */
  readonly reconnect?: boolean;
  /** One line per loss, reconnect, failover or move. */
  readonly log?: (line: string) => void;
}

export async function connectEnvs(target: string, task: string, numEnvs: number, options: Options = {}, o: ConnectEnvsOptions = {}): Promise<RemoteVectorEnv | FleetVectorEnv> {
  const parsed = parseFleetTarget(target);
  const log = o.log ?? (() => undefined);
  if (parsed.kind === "single") {
    const reconnect =
      o.reconnect === false
        ? (false as const)
        : {
            onEvent: (e: { attempt: number; error?: Error; restored?: boolean }) =>
              log(e.restored ? `reconnected to ${target} (attempt ${e.attempt}); envs re-created` : `lost ${target} (${e.error?.message}); reconnecting, attempt ${e.attempt}`),
          };
    return RemoteVectorEnv.connect(parsed.address, task, numEnvs, options, o.connect ?? {}, { reconnect, ...(o.realtimeHz ? { realtimeHz: o.realtimeHz } : {}) });
  }
  return FleetVectorEnv.connect(parsed, task, numEnvs, options, {
    ...(o.connect ? { connect: o.connect } : {}),
    ...(o.realtimeHz ? { realtimeHz: o.realtimeHz } : {}),
    // A fleet without failover would be one server's outage away from a dead run: losses always fail over.
    onEvent: (e) => log(describeFleetEvent(e)),
  });
}
