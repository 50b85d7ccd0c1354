// The demonstrations file (src/replay/demonstrations.ts): a write/read round
// trip keeps every number, the episode recorder builds episodes from steps,
// and reading refuses what is not demonstrations of the run's task.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StepStatus } from "../../src/env/task.js";
import { packArrays } from "../../src/replay/bytes.js";
import { ReplayBuffer } from "../../src/replay/replay-buffer.js";
import {
  checkDemonstrations,
  decodeDemonstrations,
  demoSpecOf,
  demoSummary,
  encodeDemonstrations,
  episodeTensor,
  EpisodeRecorder,
  readDemonstrations,
  writeDemonstrations,
  type DemoEpisode,
  type Demonstrations,
} from "../../src/replay/demonstrations.js";
import { pointPushV0 } from "../../sims/point/point-push-v0.js";
import { pointMazeV0 } from "../../sims/point/point-maze-v0.js";

const pushSpec = pointPushV0.spec({});

/** An episode of T steps on PointPush-v0's shapes (observation 8, goals 2, action 2) with recognisable values. */
function episode(T: number, base: number, rewards = true): DemoEpisode {
  return {
    length: T,
    observations: [8, 2, 2].map((size, k) => Float32Array.from({ length: (T + 1) * size }, (_, i) => base + 100 * k + i)),
    actions: Float32Array.from({ length: T * 2 }, (_, i) => (i % 3) / 3 - 0.5),
    rewards: rewards ? Float64Array.from({ length: T }, (_, t) => -1 + (t === T - 1 ? 1 : 0)) : undefined,
    success: Uint8Array.from({ length: T }, (_, t) => (t === T - 1 ? 1 : 0)),
    status: StepStatus.TRUNCATED,
  };
}

function demos(episodes: DemoEpisode[]): Demonstrations {
  return { task: "PointPush-v0", policy: "scripted", seed: 3, spec: demoSpecOf(pushSpec), episodes };
}

function assertSameEpisodes(got: readonly DemoEpisode[], want: readonly DemoEpisode[]): void {
  assert.equal(got.length, want.length);
  got.forEach((e, i) => {
    const w = want[i]!;
    assert.equal(e.length, w.length);
    assert.equal(e.status, w.status);
    e.observations.forEach((o, k) => assert.deepEqual([...o], [...w.observations[k]!], `episode ${i} observation ${k}`));
    assert.deepEqual([...e.actions], [...w.actions]);
    assert.deepEqual(e.rewards ? [...e.rewards] : undefined, w.rewards ? [...w.rewards] : undefined);
    assert.deepEqual([...e.success], [...w.success]);
  });
}

const dir = mkdtempSync(join(tmpdir(), "demos-"));

test("write → read keeps every observation (the final one included), action, reward, success flag and the header", () => {
  const d = demos([episode(3, 0), episode(5, 1000), { ...episode(2, 2000), status: StepStatus.TERMINATED }]);
  const path = join(dir, "round-trip.sbd");
  writeDemonstrations(path, d);
  const back = readDemonstrations(path);
  assert.equal(back.task, "PointPush-v0");
  assert.equal(back.policy, "scripted");
  assert.equal(back.seed, 3);
  assert.deepEqual(back.spec.observations, [
    { name: "observation", shape: [8] },
    { name: "achieved_goal", shape: [2] },
    { name: "desired_goal", shape: [2] },
  ]);
  assert.deepEqual(back.spec.action.shape, [2]);
  assertSameEpisodes(back.episodes, d.episodes);
  // Observations by name: T + 1 rows of the tensor.
  assert.equal(episodeTensor(back, back.episodes[1]!, "achieved_goal").length, 6 * 2);
  assert.equal(episodeTensor(back, back.episodes[1]!, "achieved_goal")[0], 1100);
  assert.deepEqual(demoSummary(back), { episodes: 3, steps: 10, success_rate: 1, return_mean: -(2 + 4 + 1) / 3 });
});

test("episodes without env rewards (a black box) round-trip without them; the mean return is then NaN", () => {
  const d = demos([episode(4, 0, false), episode(1, 50, false)]);
  const back = decodeDemonstrations(encodeDemonstrations(d));
  assertSameEpisodes(back.episodes, d.episodes);
  assert.ok(Number.isNaN(demoSummary(back).return_mean));
});

test("the recorder builds an episode from a reset and its steps, returned by the step that ends it", () => {
  const r = new EpisodeRecorder(2);
  r.begin(1, [[1, 2], [3]]);
  assert.equal(r.step(1, [0.5], [[4, 5], [6]], -1, false, StepStatus.RUNNING), undefined);
  const e = r.step(1, [-0.5], [[7, 8], [9]], 0, true, StepStatus.TRUNCATED)!;
  assert.equal(e.length, 2);
  assert.deepEqual([...e.observations[0]!], [1, 2, 4, 5, 7, 8]);
  assert.deepEqual([...e.observations[1]!], [3, 6, 9]);
  assert.deepEqual([...e.actions], [0.5, -0.5]);
  assert.deepEqual([...e.rewards!], [-1, 0]);
  assert.deepEqual([...e.success], [0, 1]);
  assert.throws(() => r.step(0, [0], [[0, 0], [0]], 0, false, StepStatus.RUNNING), /step before begin/);
});

test("refuses a missing file, a file that is no simbridge file, another simbridge file, and damaged arrays", () => {
  assert.throws(() => readDemonstrations(join(dir, "nope.sbd")), /nope\.sbd does not exist \(write one with simbridge collect\)/);
  const text = join(dir, "notes.txt");
  writeFileSync(text, "episode 1: the point pushed the block\n");
  assert.throws(() => readDemonstrations(text), /notes\.txt is not a demonstrations file \(write one with simbridge collect\): bad magic/);
  const hiro = join(dir, "storage.bin");
  writeFileSync(hiro, packArrays({ format: "simbridge.HiroStorage" }, { low: new Uint8Array(8) }));
  assert.throws(() => readDemonstrations(hiro), /storage\.bin is not a demonstrations file .*: it is a 'simbridge\.HiroStorage' file/);
  const replay = new ReplayBuffer({ obs: 2 }, 4);
  replay.add({ obs: [1, 2] });
  assert.throws(() => decodeDemonstrations(replay.serialize(), "replay.bin"), /replay\.bin is not a demonstrations file/);
  // Arrays that do not add up to the header's lengths.
  const good = encodeDemonstrations(demos([episode(3, 0)]));
  assert.throws(() => decodeDemonstrations(good.subarray(0, good.length - 64), "cut.sbd"), /cut\.sbd is not a demonstrations file.*truncated/);
  assert.throws(() => encodeDemonstrations(demos([{ ...episode(3, 0), actions: new Float32Array(5) }])), /episode 0: expected 3 × 2 action values but got 5/);
});

test("checkDemonstrations refuses demonstrations of another task or with other shapes", () => {
  const d = decodeDemonstrations(encodeDemonstrations(demos([episode(2, 0)])));
  checkDemonstrations(d, pushSpec);
  const maze = pointMazeV0.spec({});
  assert.throws(() => checkDemonstrations(d, maze, "demos.sbd"), /demos\.sbd were recorded on 'PointPush-v0', but this run's task is PointMaze-v0/);
  const renamed = { ...maze, name: "PointPush-v0" };
  assert.throws(() => checkDemonstrations(d, renamed, "demos.sbd"), /expected observation 'observation' of shape \[7\] but the file has \[8\]/);
});
