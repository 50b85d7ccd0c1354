// One real server process under load (`simbridge bench load`), read from the
// outside and through its Status RPC: every step is answered, no request
// fails, the server's counts go back to 0 once the clients close, no session
// holds more requests + answers than the flow-control bound, and the server's
// memory stays bounded — counts and bytes, never timings.
import { it } from "node:test";
import assert from "node:assert/strict";
import { benchLoad, benchNonReader, type CountsAfterRound } from "../../src/bench/load.js";

const NOTHING_LEFT: CountsAfterRound = { sessions: 0, envs: 0, pending_requests: 0, queued_responses: 0, paused_sessions: 0 };

it("64 concurrent sessions: every step answered, no errors, nothing left after each round, memory flat", async () => {
  const r = await benchLoad({ task: "PointReach-v0", sessions: 64, envsPerSession: 2, steps: 60, rounds: 4 });
  assert.equal(r.sent, 64 * 60 * 4);
  assert.equal(r.answered, r.sent, "some steps were not answered");
  assert.equal(r.errors, 0, `failed sessions: ${r.first_errors.join("; ")}`);
  assert.deepEqual(r.counts_after_round, Array(4).fill(NOTHING_LEFT));
  assert.ok(r.peak_in_flight_per_session <= r.max_in_flight_per_session, `a session held ${r.peak_in_flight_per_session} > ${r.max_in_flight_per_session}`);
  const [first, , , last] = r.server_rss_mib;
  // Round 1 warms up (JIT, buffers); later rounds must not keep growing.
  assert.ok(last! - first! < 25, `server RSS grew from ${first} MiB to ${last} MiB over 3 more rounds of 64 sessions`);
});

it("pipelined sessions with more requests in flight than the bound: paused and resumed, every step answered", async () => {
  // 48 envs per session, each stepped by its own request: 48 requests in flight
  // per session against the server's default bound of 32.
  const r = await benchLoad({ task: "PointReach-v0", sessions: 4, envsPerSession: 48, steps: 30, rounds: 2, pipeline: true });
  assert.equal(r.sent, 4 * 48 * 30 * 2);
  assert.equal(r.answered, r.sent, "some steps were not answered");
  assert.equal(r.errors, 0, `failed sessions: ${r.first_errors.join("; ")}`);
  assert.deepEqual(r.counts_after_round, Array(2).fill(NOTHING_LEFT));
  assert.equal(r.max_in_flight_per_session, 32);
  assert.ok(r.peak_in_flight_per_session <= r.max_in_flight_per_session, `a session held ${r.peak_in_flight_per_session} > ${r.max_in_flight_per_session}`);
});

it("bench load --non-reader: the other client is always answered, the server's counts and memory stay bounded, everything is freed", async () => {
  const r = await benchNonReader({ task: "PointReach-v0", seconds: 3, baselineSeconds: 1 });
  assert.equal(r.well_behaved_alone.errors, 0);
  assert.equal(r.well_behaved_with_non_reader.errors, 0);
  assert.ok(r.well_behaved_with_non_reader.steps > 0);
  const peak = r.server_counts_peak!;
  assert.ok(peak.peak_in_flight_per_session <= peak.max_in_flight_per_session, `a session held ${peak.peak_in_flight_per_session} > ${peak.max_in_flight_per_session}`);
  // Two sessions, each within the bound.
  assert.ok(peak.in_flight <= 2 * peak.max_in_flight_per_session, JSON.stringify(peak));
  // Without flow control the server grew by ~30 MiB per second of such a client (BENCHMARKS.md, "Load").
  assert.ok(r.server_rss_growth_mib < 48, `server RSS grew by ${r.server_rss_growth_mib} MiB`);
  assert.deepEqual(r.server_counts_after, NOTHING_LEFT);
});

it("bench bridge runs against a real server process and a bare grpc-js echo baseline", async () => {
  const { benchBridge } = await import("../../src/bench/bridge.js");
  const r = await benchBridge({ task: "PointReach-v0", envs: 2, seconds: 0.2, rounds: 3, warmupSeconds: 0.2, pings: 50 });
  assert.equal(r.rounds.length, 3);
  for (const [a, b] of r.rounds) assert.ok(a > 0 && b > 0, JSON.stringify(r.rounds));
  // The ratio is the median of the rounds' ratios, not a ratio of medians.
  const ratios = r.rounds.map(([a, b]) => b / a).sort((x, y) => x - y);
  assert.ok(Math.abs(r.ratio - ratios[1]!) < 0.01, `${r.ratio} vs ${ratios.join(", ")}`);
  for (const k of ["in_process_steps_per_s", "grpc_steps_per_s", "ratio", "rtt_us_p50", "rtt_us_p99", "baseline_pingpong_us_p50"] as const) {
    assert.ok(Number.isFinite(r[k]) && r[k] > 0, `${k} = ${r[k]}`);
  }
  assert.ok(r.rtt_us_p99 >= r.rtt_us_p50);
  // The busy echo computes for one in-process batch before answering: its round trip holds that time.
  assert.ok(r.baseline_busy_echo_us_p50 >= r.batch_us, JSON.stringify(r));
  assert.ok(r.baseline_ratio > 0 && r.baseline_ratio <= 1, JSON.stringify(r));
});

it("bench fleet spreads the envs over server processes on 127.0.0.2, .3 and compares with one server and in-process", async () => {
  const { benchFleet } = await import("../../src/bench/fleet.js");
  const r = await benchFleet({ task: "PointReach-v0", envs: 4, servers: [1, 2], seconds: 0.3 });
  assert.deepEqual(
    r.fleet.map((f) => [f.servers, f.envs_per_server]),
    [
      [1, [4]],
      [2, [2, 2]],
    ],
  );
  for (const v of [r.in_process_steps_per_s, r.one_server_steps_per_s, ...r.fleet.map((f) => f.steps_per_s)]) assert.ok(Number.isFinite(v) && v > 0, JSON.stringify(r));
  assert.ok(Number.isFinite(r.fanout_overhead_us_per_request), JSON.stringify(r));
});
