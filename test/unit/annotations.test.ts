// The agent annotations codec (src/protocol/annotations.ts) without a server:
// the request tensors a client makes, the rows the server cuts for frames,
// the watcher's decoding, and the collector's "would the server take it".
// Every refusal over a real server: test/integration/agent-annotations.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Code, SimbridgeError } from "../../src/core/errors.js";
import { annotationsFit, decodeAnnotations, decodeFrameAnnotations, encodeAnnotations } from "../../src/protocol/annotations.js";
import { decodeTensor, encodeTensor } from "../../src/protocol/tensor-codec.js";
import type { Tensor__Output } from "../../src/protocol/generated/simbridge/v1/Tensor.js";

/** A map with `entries` as own keys and no prototype, whatever their names. */
function dict<T>(entries: ReadonlyArray<readonly [string, T]>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/** A request tensor as the server receives it. */
function wire(values: Float32Array, shape: number[]): Tensor__Output {
  const t = encodeTensor(values, shape);
  return { dtype: t.dtype as Tensor__Output["dtype"], shape, data: t.data as Buffer };
}

test("encodeAnnotations: [rows, length / rows] FLOAT32 per name, [length] when rows do not divide it; no prototype", () => {
  const enc = encodeAnnotations(dict([["subgoal_target", Float32Array.of(1, 2, 3, 4, 5, 6)], ["constructor", Float32Array.of(7, 8, 9)]]), 3);
  assert.equal(Object.getPrototypeOf(enc), null);
  assert.deepEqual(Object.keys(enc), ["subgoal_target", "constructor"]);
  assert.deepEqual(enc["subgoal_target"]!.shape, [3, 2]);
  assert.equal(enc["subgoal_target"]!.dtype, 1);
  assert.deepEqual(enc["constructor"]!.shape, [3, 1]);
  assert.deepEqual(encodeAnnotations({ odd: Float32Array.of(1, 2, 3, 4, 5) }, 3)["odd"]!.shape, [5], "the server names the mismatch");
});

test("decodeAnnotations: none → undefined; each row as a frame's tensors of the per-env shape (copies, no prototype)", () => {
  assert.equal(decodeAnnotations(undefined, 3), undefined);
  assert.equal(decodeAnnotations({}, 3), undefined);
  const grid = Float32Array.from({ length: 12 }, (_, i) => i);
  const checked = decodeAnnotations(dict([["heat", wire(grid, [3, 2, 2])], ["constructor", wire(Float32Array.of(7, 8, 9), [3])]]), 3)!;
  assert.deepEqual(checked.names, ["heat", "constructor"]);
  const row = checked.rowTensors(1);
  assert.equal(Object.getPrototypeOf(row), null);
  assert.deepEqual(row["heat"]!.shape, [2, 2]);
  assert.deepEqual(Array.from(decodeTensor(row["heat"], "heat").data), [4, 5, 6, 7]);
  assert.deepEqual(row["constructor"]!.shape, [], "a [rows] annotation is one scalar per env");
  assert.deepEqual(Array.from(decodeTensor(row["constructor"], "c").data), [8]);
  grid[4] = -1;
  assert.deepEqual(Array.from(decodeTensor(row["heat"], "heat").data), [4, 5, 6, 7], "a frame's row is a copy");
});

test("decodeAnnotations: a problem is INVALID_ARGUMENT naming the annotation (the whole list: the integration test)", () => {
  const nan = () => decodeAnnotations({ subgoal_target: wire(Float32Array.of(1, 2, NaN, 4), [2, 2]) }, 2);
  assert.throws(nan, (e: unknown) => e instanceof SimbridgeError && e.code === Code.INVALID_ARGUMENT && e.field === "annotations.subgoal_target" && /element 0 of row 1 is NaN; values must be finite/.test(e.message));
});

test("decodeFrameAnnotations: Float32Arrays by name, an empty prototype-free object for a frame without annotations", () => {
  const none = decodeFrameAnnotations(undefined);
  assert.equal(Object.getPrototypeOf(none), null);
  assert.deepEqual(Object.keys(none), []);
  const got = decodeFrameAnnotations(dict([["constructor", wire(Float32Array.of(3.5, -1), [2])]]));
  assert.ok(got["constructor"] instanceof Float32Array);
  assert.deepEqual(Array.from(got["constructor"]!), [3.5, -1]);
});

test("annotationsFit: what a server with the capability would take, as encodeAnnotations sends it", () => {
  const xy = Float32Array.of(1, 2, 3, 4);
  assert.equal(annotationsFit({ subgoal_target: xy }, 2), true);
  assert.equal(annotationsFit({}, 2), true);
  assert.equal(annotationsFit({ subgoal_target: xy }, 3), false, "rows do not divide the length");
  assert.equal(annotationsFit({ subgoal_target: xy }, 0), false);
  assert.equal(annotationsFit({ subgoal_target: Float32Array.of(1, Infinity, 3, 4) }, 2), false);
  assert.equal(annotationsFit({ subgoal_target: new Float32Array(2 * 257) }, 2), false);
  assert.equal(annotationsFit({ subgoal_target: new Float32Array(2 * 256) }, 2), true);
  assert.equal(annotationsFit({ SubGoal: xy }, 2), false);
  assert.equal(annotationsFit(dict([["__proto__", xy]]), 2), false);
  assert.equal(annotationsFit(dict(Array.from({ length: 9 }, (_, i) => [`a${i}`, xy] as const)), 2), false);
});
