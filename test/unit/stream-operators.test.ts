// Marble tests of the live-monitoring operators (src/stream/operators.ts) in
// virtual time: one marble character = 1 ms.
import { test } from "node:test";
import assert from "node:assert/strict";
import { StepStatus } from "../../src/env/task.js";
import {
  droppedFrames,
  droppedFramesPerEnv,
  envKey,
  episodeStats,
  episodeSummaries,
  framesPerSecond,
  framesPerSecondPerEnv,
  latestPerEnv,
  sampleEvery,
  stepsPerSecond,
  stepsPerSecondPerEnv,
  type EpisodeSummary,
} from "../../src/stream/operators.js";
import { marbleScheduler as scheduler, watchFrame as frame } from "../helpers/streams.js";

test("envKey: session and env id", () => {
  assert.equal(envKey(frame({ sessionId: "abc", envId: 7 })), "abc/7");
});

test("framesPerSecond: a sliding window that falls back to 0 when frames stop", () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable }) => {
    const src = cold("a 4ms b 19ms |", { a: frame(), b: frame({ envId: 2 }) });
    // window 10 ms: one frame in it = 100 frames/s; a leaves at 10, b at 15.
    expectObservable(src.pipe(framesPerSecond(10, ts))).toBe("a 4ms b 4ms c 4ms d 9ms |", { a: 100, b: 200, c: 100, d: 0 });
  });
});

test("framesPerSecond: completes with the source (no trailing timer), errors pass, unsubscribing cancels the timer", () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable, expectSubscriptions }) => {
    expectObservable(cold("a|", { a: frame() }).pipe(framesPerSecond(10, ts))).toBe("a|", { a: 100 });
    expectObservable(cold("a-#", { a: frame() }).pipe(framesPerSecond(10, ts))).toBe("a-#", { a: 100 });
    const src = cold("aa 20ms |", { a: frame() });
    expectObservable(src.pipe(framesPerSecond(10, ts)), "^ 5ms !").toBe("ab", { a: 100, b: 200 });
    expectSubscriptions(src.subscriptions).toBe("^ 5ms !");
  });
});

test("framesPerSecondPerEnv: one rate per env; envs leave the map when their window empties", () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable }) => {
    const src = cold("a 4ms b 19ms |", { a: frame({ envId: 1 }), b: frame({ envId: 2 }) });
    expectObservable(src.pipe(framesPerSecondPerEnv(10, ts))).toBe("a 4ms b 4ms c 4ms d 9ms |", {
      a: new Map([["s/1", 100]]),
      b: new Map([["s/1", 100], ["s/2", 100]]),
      c: new Map([["s/2", 100]]),
      d: new Map(),
    });
  });
});

test("stepsPerSecond(PerEnv): each frame counts 1 + dropped", () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable }) => {
    const src = cold("a 4ms b 19ms |", { a: frame({ envId: 1, dropped: 3 }), b: frame({ envId: 2, dropped: 1 }) });
    expectObservable(src.pipe(stepsPerSecond(100, ts))).toBe("a 4ms b 19ms |", { a: 40, b: 60 });
    expectObservable(src.pipe(stepsPerSecondPerEnv(10, ts))).toBe("a 4ms b 4ms c 4ms d 9ms |", {
      a: new Map([["s/1", 400]]),
      b: new Map([["s/1", 400], ["s/2", 200]]),
      c: new Map([["s/2", 200]]),
      d: new Map(),
    });
  });
});

test("rates: each subscription has its own window (no shared state)", () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable }) => {
    const rate = cold("a-a|", { a: frame() }).pipe(framesPerSecond(10, ts));
    expectObservable(rate).toBe("a-b|", { a: 100, b: 200 });
    expectObservable(rate).toBe("a-b|", { a: 100, b: 200 });
  });
  assert.throws(() => framesPerSecond(0), /windowMs/);
});

test("latestPerEnv: the latest frame of every env, a fresh Map per frame", () => {
  const ts = scheduler();
  const a = frame({ envId: 1 });
  const b = frame({ envId: 2 });
  const c = frame({ envId: 1, episodeStep: 1 });
  const d = frame({ sessionId: "t", envId: 1 });
  ts.run(({ cold, expectObservable }) => {
    expectObservable(cold("abcd|", { a, b, c, d }).pipe(latestPerEnv())).toBe("abcd|", {
      a: new Map([["s/1", a]]),
      b: new Map([["s/1", a], ["s/2", b]]),
      c: new Map([["s/1", c], ["s/2", b]]),
      d: new Map([["s/1", c], ["s/2", b], ["t/1", d]]),
    });
  });
});

test("droppedFrames / droppedFramesPerEnv: running totals of Frame.dropped", () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable }) => {
    const src = cold("a-b-c-#", { a: frame({ dropped: 0 }), b: frame({ envId: 2, dropped: 3 }), c: frame({ dropped: 2 }) });
    expectObservable(src.pipe(droppedFrames())).toBe("a-b-c-#", { a: 0, b: 3, c: 5 });
    expectObservable(src.pipe(droppedFramesPerEnv())).toBe("a-b-c-#", {
      a: new Map([["s/1", 0]]),
      b: new Map([["s/1", 0], ["s/2", 3]]),
      c: new Map([["s/1", 2], ["s/2", 3]]),
    });
  });
});

function episode(p: Partial<EpisodeSummary>): EpisodeSummary {
  return {
    sessionId: "s",
    envId: 1,
    task: "PointReach-v0",
    episode: 1,
    steps: 0,
    return: undefined,
    success: false,
    simTime: 0,
    wallTimeUs: 0,
    status: undefined,
    frames: 0,
    complete: false,
    ...p,
  };
}

test("episodeSummaries: a fully seen episode ends at its TRUNCATED frame with its exact return", () => {
  const ts = scheduler();
  const { RUNNING, TRUNCATED } = StepStatus;
  ts.run(({ cold, expectObservable }) => {
    const src = cold("abc-d|", {
      a: frame({ episodeStep: 0, reward: 0 }), // the reset frame's reward is not part of the return
      b: frame({ episodeStep: 1, reward: -1, simTime: 0.02, status: RUNNING }),
      c: frame({ episodeStep: 2, reward: -0.5, simTime: 0.04, wallTimeUs: 7, status: TRUNCATED, isSuccess: true }),
      d: frame({ episodeStep: 3, status: RUNNING }), // a stray frame of the same episode: ignored
    });
    expectObservable(src.pipe(episodeSummaries())).toBe("--c--|", {
      c: episode({ steps: 2, return: -1.5, success: true, simTime: 0.04, wallTimeUs: 7, status: TRUNCATED, frames: 3, complete: true }),
    });
  });
});

test("episodeSummaries: an episode whose end was not seen ends at the env's next episode; partial episodes are marked incomplete", () => {
  const ts = scheduler();
  const { TERMINATED } = StepStatus;
  ts.run(({ cold, expectObservable }) => {
    const src = cold("abcdef|", {
      a: frame({ envId: 2, episodeStep: 0 }),
      b: frame({ envId: 2, episodeStep: 3, dropped: 2, reward: -1, simTime: 0.06 }),
      c: frame({ envId: 1, episode: 4, episodeStep: 5, reward: 2, status: TERMINATED, isSuccess: true }), // watch began mid-episode
      d: frame({ envId: 2, episode: 2, episodeStep: 0 }), // env 2 was reset: its episode 1 is over
      e: frame({ envId: 3, episodeStep: 0, reward: undefined }), // black box: no reward
      f: frame({ envId: 3, episodeStep: 1, reward: undefined, status: TERMINATED }),
    });
    expectObservable(src.pipe(episodeSummaries())).toBe("--cd-f|", {
      c: episode({ episode: 4, steps: 5, return: 2, success: true, status: TERMINATED, frames: 1, complete: false }),
      d: episode({ envId: 2, steps: 3, return: -1, simTime: 0.06, frames: 2, complete: false }),
      f: episode({ envId: 3, steps: 1, return: undefined, status: TERMINATED, frames: 2, complete: true }),
    });
  });
});

test("episodeStats: success rate and length over the last N episodes whose end was seen, return over the complete ones", () => {
  const ts = scheduler();
  const { TERMINATED, TRUNCATED } = StepStatus;
  ts.run(({ cold, expectObservable }) => {
    const src = cold("a-b-c-d|", {
      a: episode({ success: true, return: -1, steps: 2, status: TERMINATED, complete: true }),
      b: episode({ success: false, return: -9, steps: 9, status: undefined }), // end not seen: only counted
      c: episode({ success: false, return: -3, steps: 6, status: TRUNCATED, complete: false }), // end seen, not whole
      d: episode({ success: true, return: undefined, steps: 4, status: TERMINATED, complete: true }), // black box
    });
    expectObservable(src.pipe(episodeStats(3))).toBe("a-b-c-d|", {
      a: { episodes: 1, window: 1, ended: 1, complete: 1, successRate: 1, meanSteps: 2, meanReturn: -1 },
      b: { episodes: 2, window: 2, ended: 1, complete: 1, successRate: 1, meanSteps: 2, meanReturn: -1 },
      c: { episodes: 3, window: 3, ended: 2, complete: 1, successRate: 0.5, meanSteps: 4, meanReturn: -1 },
      d: { episodes: 4, window: 3, ended: 2, complete: 1, successRate: 0.5, meanSteps: 5, meanReturn: undefined },
    });
    expectObservable(cold("b|", { b: episode({ status: undefined, steps: 3 }) }).pipe(episodeStats())).toBe("b|", {
      b: { episodes: 1, window: 1, ended: 0, complete: 0, successRate: undefined, meanSteps: undefined, meanReturn: undefined },
    });
  });
  assert.throws(() => episodeStats(0), /lastN/);
});

test("sampleEvery: the first value at once, then at most one (the latest) per period", () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable }) => {
    expectObservable(cold("a-b-c-------d|").pipe(sampleEvery(3, ts))).toBe("a--b--c-----d|");
  });
});

test("sampleEvery: a waiting value is flushed at completion; errors pass at once and drop it", () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable }) => {
    expectObservable(cold("ab|").pipe(sampleEvery(5, ts))).toBe("a-(b|)");
    expectObservable(cold("a-b#").pipe(sampleEvery(5, ts))).toBe("a--#");
    const src = cold("abcd-----|");
    expectObservable(src.pipe(sampleEvery(3, ts)), "^-!").toBe("a-");
  });
});
