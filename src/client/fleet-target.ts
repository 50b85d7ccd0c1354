/**
 * Fleet targets: the `--server` strings that name several env servers at once,
 * in gRPC's own target syntax (https://github.com/grpc/grpc/blob/master/doc/naming.md):
 *
 *   HOST:PORT                          one server (no scheme: today's single-server client)
 *   ipv4:127.0.0.2:50051,127.0.0.3:50051   a fixed list (ipv6:[::1]:50051,… likewise)
 *   dns:///envs.example:50051          every A (and AAAA) record of the name, re-resolved as the fleet changes
 *   dns:envs.example:50051             the same (the authority-less short form)
 *   xds:///name                        needs @grpc/grpc-js-xds: refused here with what to do instead
 *
 * A fleet client keeps one session per backend it resolves (envs are pinned
 * to their session), so it resolves names itself rather than letting a gRPC
 * channel pick a backend per call.
 */
import { promises as dns } from "node:dns";
import { Code, SimbridgeError } from "../core/errors.js";

export type FleetTarget =
  | { readonly kind: "single"; readonly address: string }
  | { readonly kind: "list"; readonly addresses: readonly string[] }
  | { readonly kind: "dns"; readonly host: string; readonly port: number };

const DEFAULT_PORT = 443; // gRPC's default for a name without a port

/** Parses a target; throws INVALID_ARGUMENT naming what is wrong. */
export function parseFleetTarget(target: string): FleetTarget {
  const t = target.trim();
  if (t === "") throw invalid(target, "empty");
  if (t.startsWith("ipv4:") || t.startsWith("ipv6:")) {
    const family = t.slice(0, 4);
    const list = t.slice(5).split(",").map((a) => a.trim());
    if (list.some((a) => a === "")) throw invalid(target, `an empty address in the ${family} list`);
    const addresses = list.map((a) => checkAddress(target, a, family));
    if (new Set(addresses).size !== addresses.length) throw invalid(target, "an address is listed twice");
    return { kind: "list", addresses };
  }
  if (t.startsWith("dns:")) {
    let rest = t.slice(4);
    if (rest.startsWith("//")) {
      const slash = rest.indexOf("/", 2);
      if (slash < 0) throw invalid(target, "expected dns:///NAME:PORT");
      if (slash > 2) throw invalid(target, `a DNS server in the authority (${rest.slice(2, slash)}) is not supported: use dns:///NAME:PORT (the system resolver)`);
      rest = rest.slice(slash + 1);
    }
    const { host, port } = splitHostPort(target, rest);
    return { kind: "dns", host, port };
  }
  if (t.startsWith("xds:")) {
    throw new SimbridgeError(
      Code.INVALID_ARGUMENT,
      `--server ${target}: xds targets are not supported by this client yet; list the backends (ipv4:A:PORT,B:PORT) or use dns:///NAME:PORT (e.g. a Kubernetes headless Service)`,
      "server",
    );
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t) || t.startsWith("unix:")) throw invalid(target, "unknown scheme (ipv4:, ipv6:, dns: or HOST:PORT)");
  return { kind: "single", address: t };
}

/** Whether the target names a fleet (any scheme) rather than one HOST:PORT. */
export function isFleetTarget(target: string): boolean {
  return parseFleetTarget(target).kind !== "single";
}

/** The backends' HOST:PORT addresses now; a dns target is looked up (A and AAAA records, sorted). */
export async function resolveFleetTarget(target: FleetTarget): Promise<string[]> {
  switch (target.kind) {
    case "single":
      return [target.address];
    case "list":
      return [...target.addresses];
    case "dns": {
      const [v4, v6] = await Promise.all([dns.resolve4(target.host).catch(noRecords), dns.resolve6(target.host).catch(noRecords)]);
      const found = [...v4.sort().map((ip) => `${ip}:${target.port}`), ...v6.sort().map((ip) => `[${ip}]:${target.port}`)];
      if (found.length === 0) {
        // /etc/hosts names (e.g. localhost) have no DNS records: the system lookup knows them.
        const all = await dns.lookup(target.host, { all: true }).catch(() => []);
        for (const a of all) found.push(a.family === 6 ? `[${a.address}]:${target.port}` : `${a.address}:${target.port}`);
      }
      if (found.length === 0) throw new SimbridgeError(Code.UNAVAILABLE, `dns:///${target.host}:${target.port}: the name has no addresses`, "server");
      return [...new Set(found)];
    }
  }
}

function noRecords(e: NodeJS.ErrnoException): string[] {
  if (e.code === "ENODATA" || e.code === "ENOTFOUND" || e.code === "ENOTIMP" || e.code === "ESERVFAIL") return [];
  throw new SimbridgeError(Code.UNAVAILABLE, `DNS lookup failed: ${e.message}`, "server");
}

function checkAddress(target: string, a: string, family: string): string {
  const { host, port } = splitHostPort(target, a);
  if (family === "ipv4" && !/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) throw invalid(target, `${a} is not an IPv4 address with a port`);
  if (family === "ipv6" && !host.includes(":")) throw invalid(target, `${a} is not an IPv6 address ([ADDR]:PORT)`);
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** HOST:PORT or [V6]:PORT, the port optional (gRPC's 443). */
function splitHostPort(target: string, s: string): { host: string; port: number } {
  let host: string;
  let portText: string | undefined;
  if (s.startsWith("[")) {
    const end = s.indexOf("]");
    if (end < 0) throw invalid(target, `unclosed [ in ${s}`);
    host = s.slice(1, end);
    const after = s.slice(end + 1);
    if (after !== "" && !after.startsWith(":")) throw invalid(target, `expected :PORT after ${s.slice(0, end + 1)}`);
    portText = after === "" ? undefined : after.slice(1);
  } else {
    const colon = s.lastIndexOf(":");
    host = colon < 0 ? s : s.slice(0, colon);
    portText = colon < 0 ? undefined : s.slice(colon + 1);
  }
  if (host === "") throw invalid(target, `no host in ${s}`);
  const port = portText === undefined ? DEFAULT_PORT : Number(portText);
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535) || (portText !== undefined && !/^\d+$/.test(portText))) throw invalid(target, `bad port in ${s}`);
  return { host, port };
}

function invalid(target: string, why: string): SimbridgeError {
  return new SimbridgeError(Code.INVALID_ARGUMENT, `--server ${target}: ${why}`, "server");
}
