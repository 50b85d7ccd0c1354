// A browser that takes nothing (its socket is full) holds at most one frame
// per env in the viewer; the frames it misses are counted, and it gets each
// env's latest frame once its socket drains. Non-frame events past the bound
// cut it off instead of queueing without end.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import { BrowserStream } from "../../src/viewer/browser-stream.js";
import type { FrameEvent } from "../../src/viewer/view-relay.js";

class FullSocket extends EventEmitter {
  full = true;
  written: string[] = [];
  ended = false;
  writeHead(): this {
    return this;
  }
  write(chunk: string): boolean {
    this.written.push(chunk);
    return !this.full;
  }
  end(): void {
    this.ended = true;
  }
}

function frame(env: number, step: number): FrameEvent {
  return { id: `s/${env}`, task: "PointReach-v0", envId: env, sessionId: "s", episode: 1, step, simTime: step * 0.1, status: 1, reward: null, success: false, dropped: 0, key: "", poses: null, goal: null, achieved: null, subgoal: null, wallTimeUs: 0 };
}

test("a stalled browser holds one frame per env, counts the rest, and gets the latest on drain", () => {
  const socket = new FullSocket();
  let closed = false;
  const b = new BrowserStream(socket as unknown as ServerResponse, () => (closed = true));
  // The first write fills the socket (returns false); from then on frames wait.
  for (let step = 0; step < 10_000; step++) for (let env = 1; env <= 4; env++) b.send({ type: "frame", frame: frame(env, step) });
  assert.ok(b.pending <= 4, `pending ${b.pending}`);
  assert.ok(b.dropped >= 4 * 10_000 - 4 - socket.written.length, `dropped ${b.dropped}`);
  const before = socket.written.length;
  socket.full = false;
  socket.emit("drain");
  const sent = socket.written.slice(before);
  assert.equal(sent.length, 4);
  for (const s of sent) assert.match(s, /"step":9999/);
  assert.equal(closed, false);
});

test("a browser that never drains is cut once its queued events pass the bound", () => {
  const socket = new FullSocket();
  let closed = false;
  const b = new BrowserStream(socket as unknown as ServerResponse, () => (closed = true));
  for (let i = 0; i < 2000 && !b.isClosed; i++) b.sendRaw("metrics", { records: [], reset: false });
  assert.ok(closed && socket.ended);
});
