// monitor() (src/stream/monitor.ts) in virtual time, and the pure output
// formats of `simbridge watch` (src/cli/watch.ts) over its snapshots.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Frame } from "../../src/client/watch-client.js";
import { StepStatus } from "../../src/env/task.js";
import { monitor, type MonitorSnapshot } from "../../src/stream/monitor.js";
import { sampleEvery } from "../../src/stream/operators.js";
import { marbleScheduler as scheduler, watchFrame } from "../helpers/streams.js";
import { episodesText, frameToJson, renderLine, renderView, shortestFloat32, summarizeAnnotations, summarizeObservation } from "../../src/cli/watch.js";

/** The frames of these tests: a full-length session id (the output shortens it), two observation tensors, reward 0. */
const frame = (p: Partial<Frame> = {}): Frame =>
  watchFrame({ sessionId: "0123456789ab", observations: [new Float32Array([0.3, -0.4, 0, 0]), new Float32Array([0.3, -0.4])], reward: 0, ...p });

const EMPTY: MonitorSnapshot = {
  frames: 0,
  framesPerSecond: 0,
  dropped: 0,
  latest: new Map(),
  framesPerSecondPerEnv: new Map(),
  stepsPerSecondPerEnv: new Map(),
  droppedPerEnv: new Map(),
  lastEpisodePerEnv: new Map(),
  episodes: undefined,
};

const a = frame({ dropped: 2 }); // two frames of the env's previous episode were skipped
const b = frame({ sequence: 2, episodeStep: 1, simTime: 0.05, wallTimeUs: 9, reward: 1, status: StepStatus.TERMINATED, isSuccess: true });
const k = "0123456789ab/1";
const AFTER_B: MonitorSnapshot = {
  frames: 2,
  framesPerSecond: 200,
  dropped: 2,
  latest: new Map([[k, b]]),
  framesPerSecondPerEnv: new Map([[k, 200]]),
  stepsPerSecondPerEnv: new Map([[k, 400]]),
  droppedPerEnv: new Map([[k, 2]]),
  lastEpisodePerEnv: new Map([
    [
      k,
      {
        sessionId: "0123456789ab",
        envId: 1,
        task: "PointReach-v0",
        episode: 1,
        steps: 1,
        return: 1,
        success: true,
        simTime: 0.05,
        wallTimeUs: 9,
        status: StepStatus.TERMINATED,
        frames: 2,
        complete: true,
      },
    ],
  ]),
  episodes: { episodes: 1, window: 1, ended: 1, complete: 1, successRate: 1, meanSteps: 1, meanReturn: 1 },
};

test("monitor: an empty snapshot at once, then the composed state; completes with the source", () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable }) => {
    const view = cold("a-b|", { a, b }).pipe(monitor({ windowMs: 10, scheduler: ts }), sampleEvery(5, ts));
    expectObservable(view).toBe("e--(s|)", { e: EMPTY, s: AFTER_B });
  });
});

test("monitor: rates decay while frames stop; errors pass", () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable }) => {
    const view = cold("a 19ms #", { a }).pipe(monitor({ windowMs: 10, scheduler: ts }), sampleEvery(15, ts));
    const one = { ...EMPTY, frames: 1, dropped: 2, latest: new Map([[k, a]]), droppedPerEnv: new Map([[k, 2]]) };
    // t=0: the empty snapshot passes; t=15: the latest, after a left the 10 ms window; t=20: the error
    expectObservable(view).toBe("e 14ms s 4ms #", { e: EMPTY, s: one });
  });
});

test("frameToJson: proto field names, status by name, observations as short arrays, reward null when absent", () => {
  const j = frameToJson(frame({ reward: undefined, observations: [new Float32Array([0.1, -2.5, 1 / 3])] }));
  assert.deepEqual(j, {
    sequence: 1,
    session_id: "0123456789ab",
    env_id: 1,
    task: "PointReach-v0",
    episode: 1,
    episode_step: 0,
    sim_time: 0,
    wall_time_us: 0,
    dropped: 0,
    status: "RUNNING",
    observations: [[0.1, -2.5, 0.33333334]],
    reward: null,
    is_success: false,
  });
  assert.equal(JSON.stringify(j.observations), "[[0.1,-2.5,0.33333334]]");
});

test("shortestFloat32: the shortest decimal that reads back as the same float32", () => {
  for (const v of [0, 1, -0.1, 1 / 3, 1e-30, 3.4e38, 123456.789, Math.PI]) {
    const f = Math.fround(v);
    const s = shortestFloat32(f);
    assert.equal(Math.fround(s), f);
    assert.ok(String(s).length <= String(f).length);
  }
  assert.equal(shortestFloat32(Math.fround(0.1)), 0.1);
  assert.ok(Number.isNaN(shortestFloat32(NaN)));
});

test("summarizeObservation: the first numbers and the norm", () => {
  assert.equal(summarizeObservation(new Float32Array([3, -4, 0, 0])), "[3.000 -4.000 0.000 …] norm 5.000");
  assert.equal(summarizeObservation(new Float32Array([-0.0001, 1])), "[0.000 1.000] norm 1.000");
});

test("renderLine / episodesText: one status line; figures only from the episodes they are exact for", () => {
  assert.equal(renderLine(EMPTY, 0), "0.0s  frames 0 (0.0/s)  dropped 0  envs 0");
  assert.equal(
    renderLine(AFTER_B, 1.25),
    "1.3s  frames 2 (200.0/s)  dropped 2  envs 1  episodes 1  success 100% (ends seen: 1 of the last 1)  length 1.0  return 1.00 (1 whole)",
  );
  assert.match(
    episodesText({ episodes: 3, window: 3, ended: 0, complete: 0, successRate: undefined, meanSteps: undefined, meanReturn: undefined }),
    /episodes 3 .*no episode end seen/,
  );
});

test("renderView: a header, one row per env with its last episode, lines cut to the width", () => {
  const waiting = renderView(EMPTY, "127.0.0.1:1", 0);
  assert.match(waiting[0]!, /simbridge watch 127\.0\.0\.1:1/);
  assert.match(waiting.at(-1)!, /waiting for frames/);
  const lines = renderView(AFTER_B, "127.0.0.1:1", 2, 200);
  const header = lines.findIndex((l) => l.startsWith("session"));
  assert.ok(header > 0);
  const cells = lines[header + 1]!.split(/\s+/);
  assert.deepEqual(cells.slice(0, 12), ["01234567", "1", "PointReach-v0", "1", "1", "0.05", "TERMINATED", "yes", "200.0", "400.0", "2", "1.000"]);
  assert.match(lines[header + 1]!, /\[0\.300 -0\.400 0\.000 …\] norm 0\.500$/);
  assert.match(lines[header + 2]!, /last episode 1: 1 steps, 0\.05 sim s, TERMINATED, success yes, return 1\.000$/);
  assert.ok(renderView(AFTER_B, "127.0.0.1:1", 2, 40).every((l) => l.length <= 40));
});

/** A frame's annotations as the watch client gives them: by name, no prototype. */
function annotations(entries: Record<string, number[]>): Record<string, Float32Array> {
  const out = Object.create(null) as Record<string, Float32Array>;
  for (const [name, values] of Object.entries(entries)) out[name] = Float32Array.from(values);
  return out;
}

test("summarizeAnnotations: each annotation by name with its first values; empty without annotations", () => {
  assert.equal(summarizeAnnotations(annotations({})), "");
  assert.equal(summarizeAnnotations(annotations({ subgoal_target: [3.1234, 7.9] })), "subgoal_target (3.12, 7.90)");
  assert.equal(
    summarizeAnnotations(annotations({ subgoal_target: [-0.001, 1], path: [1, 2, 3, 4, 5, 6] })),
    "subgoal_target (0.00, 1.00)  path (1.00, 2.00, 3.00, 4.00, … 6 values)",
  );
  assert.equal(summarizeAnnotations(annotations({ constructor: [1] })), "constructor (1.00)");
});

test("renderView: an env's row ends with the annotations of its latest frame, when it has any", () => {
  const annotated = frame({ annotations: annotations({ subgoal_target: [3.12, 7.9] }) });
  const view: MonitorSnapshot = { ...AFTER_B, latest: new Map([[k, annotated]]) };
  const lines = renderView(view, "127.0.0.1:1", 2, 200);
  const header = lines.findIndex((l) => l.startsWith("session"));
  assert.match(lines[header + 1]!, /norm 0\.500  subgoal_target \(3\.12, 7\.90\)$/);
  // Without annotations the row ends with the observation, as before.
  assert.match(renderView(AFTER_B, "127.0.0.1:1", 2, 200)[header + 1]!, /norm 0\.500$/);
});

test("frameToJson: annotations by name as short arrays, only when the frame has any", () => {
  const j = frameToJson(frame({ annotations: annotations({ subgoal_target: [0.1, 1 / 3] }) }));
  assert.deepEqual(j.annotations, { subgoal_target: [0.1, 0.33333334] });
  assert.equal(JSON.stringify(j).endsWith(',"annotations":{"subgoal_target":[0.1,0.33333334]}}'), true);
  assert.equal("annotations" in frameToJson(frame()), false);
});
