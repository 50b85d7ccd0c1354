// SessionFlow against a recording stand-in for the grpc-js call: when reading
// stops (the bound, or grpc-js's buffer full) and when it resumes (answers
// written down to half the bound, and grpc-js drained).
import { it } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { SessionFlow, type FlowTotals } from "../../src/server/session-flow.js";

/** A call whose writes complete when the test says so; `accepting` is what write() returns. */
class FakeCall extends EventEmitter {
  readonly log: string[] = [];
  readonly unwritten: Array<() => void> = [];
  accepting = true;
  writableNeedDrain = false;
  pause() {
    this.log.push("pause");
  }
  resume() {
    this.log.push("resume");
  }
  write(_response: string, callback: () => void): boolean {
    this.unwritten.push(callback);
    if (!this.accepting) this.writableNeedDrain = true;
    return this.accepting;
  }
  /** The connection takes the oldest `n` answers. */
  flush(n: number) {
    for (let i = 0; i < n; i++) this.unwritten.shift()!();
  }
}

it("stops reading at the bound and resumes once half of it is written", () => {
  const call = new FakeCall();
  const totals: FlowTotals = { peakInFlight: 0 };
  const flow = new SessionFlow<string>(call, 4, totals);
  for (let i = 0; i < 3; i++) flow.received();
  assert.deepEqual(call.log, []);
  flow.received(); // 4 in flight
  assert.deepEqual(call.log, ["pause"]);
  assert.equal(flow.paused, true);
  for (let i = 0; i < 4; i++) flow.send(`answer ${i}`);
  assert.deepEqual({ pending: flow.pending, queued: flow.queued }, { pending: 0, queued: 4 });
  call.flush(1); // 3 in flight: still over half the bound
  assert.deepEqual(call.log, ["pause"]);
  call.flush(1); // 2 = half: read again
  assert.deepEqual(call.log, ["pause", "resume"]);
  assert.equal(flow.paused, false);
  assert.equal(totals.peakInFlight, 4);
});

it("stops reading when grpc-js's buffer is full, and resumes only after 'drain'", () => {
  const call = new FakeCall();
  const flow = new SessionFlow<string>(call, 32, { peakInFlight: 0 });
  flow.received();
  call.accepting = false;
  flow.send("answer");
  assert.deepEqual(call.log, ["pause"]);
  call.flush(1); // written, but grpc-js has not drained yet
  assert.deepEqual(call.log, ["pause"]);
  call.writableNeedDrain = false;
  call.emit("drain");
  assert.deepEqual(call.log, ["pause", "resume"]);
  assert.equal(call.listenerCount("drain"), 0);
});

it("requests discarded (the session ended) are no longer counted, and reading does not resume", () => {
  const call = new FakeCall();
  const flow = new SessionFlow<string>(call, 2, { peakInFlight: 0 });
  flow.received();
  flow.received();
  flow.discard();
  flow.discard();
  assert.equal(flow.inFlight, 0);
  assert.deepEqual(call.log, ["pause"]);
  assert.throws(() => new SessionFlow<string>(call, 0, { peakInFlight: 0 }), /integer ≥ 1/);
});
