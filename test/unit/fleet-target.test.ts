// Fleet targets (gRPC naming) and how envs are spread over backends.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isFleetTarget, parseFleetTarget, resolveFleetTarget } from "../../src/client/fleet-target.js";
import { spread } from "../../src/client/fleet-vector-env.js";
import { Code, SimbridgeError } from "../../src/core/errors.js";

const invalid = (pattern: RegExp) => (e: unknown) => e instanceof SimbridgeError && e.code === Code.INVALID_ARGUMENT && pattern.test(e.message);

test("targets: one HOST:PORT, ipv4/ipv6 lists, dns names; schemes make a fleet", () => {
  assert.deepEqual(parseFleetTarget("127.0.0.1:50051"), { kind: "single", address: "127.0.0.1:50051" });
  assert.deepEqual(parseFleetTarget("localhost:7"), { kind: "single", address: "localhost:7" });
  assert.deepEqual(parseFleetTarget("ipv4:127.0.0.2:50051,127.0.0.3:50052"), { kind: "list", addresses: ["127.0.0.2:50051", "127.0.0.3:50052"] });
  assert.deepEqual(parseFleetTarget("ipv4:10.0.0.1"), { kind: "list", addresses: ["10.0.0.1:443"] }, "gRPC's default port");
  assert.deepEqual(parseFleetTarget("ipv6:[::1]:50051,[fe80::2]:7"), { kind: "list", addresses: ["[::1]:50051", "[fe80::2]:7"] });
  assert.deepEqual(parseFleetTarget("dns:///envs.example:50051"), { kind: "dns", host: "envs.example", port: 50051 });
  assert.deepEqual(parseFleetTarget("dns:envs.example:9"), { kind: "dns", host: "envs.example", port: 9 });
  assert.equal(isFleetTarget("127.0.0.1:1"), false);
  assert.equal(isFleetTarget("ipv4:127.0.0.1:1"), true, "a one-address list is still a fleet (it fails over when names change)");
});

test("targets: what is wrong is named", () => {
  assert.throws(() => parseFleetTarget(""), invalid(/empty/));
  assert.throws(() => parseFleetTarget("ipv4:127.0.0.2:1,,127.0.0.3:1"), invalid(/empty address/));
  assert.throws(() => parseFleetTarget("ipv4:host.example:1"), invalid(/not an IPv4 address/));
  assert.throws(() => parseFleetTarget("ipv6:127.0.0.1:1"), invalid(/not an IPv6 address/));
  assert.throws(() => parseFleetTarget("ipv4:127.0.0.2:1,127.0.0.2:1"), invalid(/listed twice/));
  assert.throws(() => parseFleetTarget("ipv4:127.0.0.2:99999"), invalid(/bad port/));
  assert.throws(() => parseFleetTarget("ipv4:127.0.0.2:5x"), invalid(/bad port/));
  assert.throws(() => parseFleetTarget("dns://8.8.8.8/envs.example:1"), invalid(/DNS server in the authority/));
  assert.throws(() => parseFleetTarget("xds:///envs"), invalid(/xds targets are not supported.*dns:\/\/\//));
  assert.throws(() => parseFleetTarget("http://envs:1"), invalid(/unknown scheme/));
  assert.throws(() => parseFleetTarget("unix:/tmp/sock"), invalid(/unknown scheme/));
});

test("dns targets resolve to every address of the name (localhost via the system's hosts file)", async () => {
  const found = await resolveFleetTarget(parseFleetTarget("dns:///localhost:50051"));
  assert.ok(found.length >= 1 && found.every((a) => a.endsWith(":50051")), found.join(", "));
  assert.ok(found.includes("127.0.0.1:50051") || found.includes("[::1]:50051"), found.join(", "));
  await assert.rejects(resolveFleetTarget(parseFleetTarget("dns:///no-such-host.invalid:1")), (e: unknown) => e instanceof SimbridgeError && e.code === Code.UNAVAILABLE);
});

test("spread: even without declared capacities, by capacity when all declare, never above a session's limit", () => {
  const even = (n: number, backends: number) => spread(n, Array.from({ length: backends }, () => ({ capacity: 0, maxEnvs: 64 })));
  assert.deepEqual(even(32, 4), [8, 8, 8, 8]);
  assert.deepEqual(even(10, 4), [3, 3, 2, 2], "remainders to the first backends");
  assert.deepEqual(even(2, 4), [1, 1, 0, 0]);
  assert.deepEqual(spread(30, [{ capacity: 1, maxEnvs: 64 }, { capacity: 2, maxEnvs: 64 }]), [10, 20]);
  // One backend without a declared capacity: the fleet splits evenly.
  assert.deepEqual(spread(30, [{ capacity: 0, maxEnvs: 64 }, { capacity: 2, maxEnvs: 64 }]), [15, 15]);
  // A small session limit pushes the rest to the others (water-filling).
  assert.deepEqual(spread(32, [{ capacity: 0, maxEnvs: 4 }, { capacity: 0, maxEnvs: 64 }, { capacity: 0, maxEnvs: 64 }]), [4, 14, 14]);
  assert.deepEqual(spread(7, [{ capacity: 0, maxEnvs: 3 }, { capacity: 0, maxEnvs: 4 }]), [3, 4]);
  assert.throws(() => spread(8, [{ capacity: 0, maxEnvs: 3 }, { capacity: 0, maxEnvs: 4 }]), (e: unknown) => e instanceof SimbridgeError && e.code === Code.RESOURCE_EXHAUSTED && /at most 7/.test(e.message));
  for (let n = 1; n <= 50; n++) assert.equal(even(n, 3).reduce((a, b) => a + b, 0), n);
});
