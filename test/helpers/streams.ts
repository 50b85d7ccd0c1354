// Virtual time and watch frames for the marble tests of the live-monitoring
// streams (src/stream/) and the `simbridge watch` output (src/cli/watch.ts).
import assert from "node:assert/strict";
import { TestScheduler } from "rxjs/testing";
import type { Frame } from "../../src/client/watch-client.js";
import { StepStatus } from "../../src/env/task.js";

/** A TestScheduler whose marble expectations are deep-equality assertions. */
export const marbleScheduler = () => new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));

/** A watch frame: the first step of episode 1 of env 1 on PointReach-v0, running, without a reward or annotations; `p` overrides any field. */
export function watchFrame(p: Partial<Frame> = {}): Frame {
  return {
    sequence: 1,
    sessionId: "s",
    envId: 1,
    task: "PointReach-v0",
    episode: 1,
    episodeStep: 0,
    simTime: 0,
    wallTimeUs: 0,
    dropped: 0,
    status: StepStatus.RUNNING,
    observations: [new Float32Array([0.5, -0.5])],
    reward: undefined,
    isSuccess: false,
    annotations: {},
    ...p,
  };
}
