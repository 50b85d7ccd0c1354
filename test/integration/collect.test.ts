// `simbridge collect` and `simbridge train --algo relay --demos FILE` as a
// user runs them, as subprocesses: scripted PointPush-v0 episodes into a
// file, relay trained from it, its run folder evaluated and replayed by
// collect, and the refusals a user meets first.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { packageRoot } from "../../src/protocol/service-definition.js";
import { readDemonstrations } from "../../src/replay/demonstrations.js";
import { readMetrics } from "../../src/train/metrics-log.js";

const run = promisify(execFile);
const bin = join(packageRoot(), "bin", "simbridge.js");

function simbridge(...args: string[]) {
  return run(process.execPath, [bin, ...args], { cwd: packageRoot(), timeout: 180_000 });
}

/** The exit code and stderr of a command expected to fail. */
async function fails(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await simbridge(...args);
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
  assert.fail(`simbridge ${args.join(" ")} succeeded`);
}

describe("simbridge collect → simbridge train --algo relay --demos", () => {
  const dir = mkdtempSync(join(tmpdir(), "simbridge-collect-"));
  const demos = join(dir, "push.sbd");
  const runDir = join(dir, "relay");

  it("collect records 5 scripted PointPush-v0 episodes into a demonstrations file and prints a JSON summary", async () => {
    const { stdout } = await simbridge("collect", "--task", "PointPush-v0", "--policy", "scripted", "--episodes", "5", "--envs", "2", "--out", demos, "--seed", "3");
    const summary = JSON.parse(stdout) as Record<string, unknown>;
    assert.equal(summary["task"], "PointPush-v0");
    assert.equal(summary["policy"], "scripted");
    assert.equal(summary["episodes"], 5);
    assert.equal(summary["steps"], 250);
    // The scripted demonstrator succeeds in every seeded episode it was measured on (sims/point/scripted.ts).
    assert.equal(summary["success_rate"], 1);
    const d = readDemonstrations(demos);
    assert.equal(d.task, "PointPush-v0");
    assert.equal(d.seed, 3);
    assert.deepEqual(d.episodes.map((e) => e.length), [50, 50, 50, 50, 50]);
    for (const e of d.episodes) {
      assert.equal(e.observations[0]!.length, 51 * 8, "every observation, the final one included");
      assert.equal(e.success[49], 1);
    }
  });

  it("train --algo relay --demos FILE imitates, fine-tunes for 300 steps, and writes a run folder that evaluates without the file", async () => {
    const { stdout } = await simbridge(
      "train", "--task", "PointPush-v0", "--algo", "relay", "--demos", demos, "--steps", "300", "--out", runDir,
      "--learning-starts", "100", "--batch-size", "32", "--log-every", "100", "--final-eval-episodes", "10", "--backend", "wasm",
      "--set", "hidden=32,32", "--set", "bcSteps=50", "--set", "bcBatchSize=32",
    );
    assert.match(stdout, /final evaluation over 10 episodes: success \d\.\d{3}/);
    const train = readMetrics(join(runDir, "metrics.jsonl")).filter((r) => r["kind"] === "train");
    assert.equal(train.length, 3);
    assert.equal(train[0]!["demo_episodes"], 5);
    assert.ok(Number.isFinite(train[0]!["bc_low_loss"]));
    // Every env step is stored for its subgoal and 4 hindsight goals once its 5-step segment closes.
    assert.equal(train[2]!["low_replay_size"], 300 * 5);
    assert.ok(Number.isFinite(train[2]!["low_critic_loss"]));
    const episodes = readMetrics(join(runDir, "metrics.jsonl")).filter((r) => r["kind"] === "episode");
    assert.equal(episodes.length, 6);
    for (const e of episodes) assert.ok((e["subgoals"] as number[][]).length >= 1);
    const { stdout: evalOut } = await simbridge("eval", "--run", runDir, "--episodes", "10", "--json");
    const evaluated = JSON.parse(evalOut) as { success_rate: number };
    assert.equal(evaluated.success_rate, (JSON.parse(readFileSync(join(runDir, "eval.json"), "utf8")) as { success_rate: number }).success_rate);
  });

  it("collect --policy RUN_DIR plays the run's deterministic policy", async () => {
    const played = join(dir, "played.sbd");
    const { stdout } = await simbridge("collect", "--task", "PointPush-v0", "--policy", runDir, "--episodes", "2", "--out", played);
    assert.equal((JSON.parse(stdout) as { episodes: number }).episodes, 2);
    assert.equal(readDemonstrations(played).policy, runDir);
  });

  it("refuses: a task without a scripted demonstrator, relay without --demos, demonstrations of another task, --demos without relay", async () => {
    const noScript = await fails("collect", "--task", "PointReach-v0", "--policy", "scripted", "--episodes", "1", "--out", join(dir, "x.sbd"));
    assert.equal(noScript.code, 2);
    assert.match(noScript.stderr, /PointReach-v0 has no scripted demonstrator; tasks with one: PointPush-v0, PointMaze-v0/);
    assert.ok(!existsSync(join(dir, "x.sbd")));
    const noDemos = await fails("train", "--task", "PointPush-v0", "--algo", "relay", "--steps", "10", "--out", join(dir, "r1"), "--set", "hidden=8");
    assert.equal(noDemos.code, 1);
    assert.match(noDemos.stderr, /relay imitates demonstrations: give --demos FILE/);
    const otherTask = await fails("train", "--task", "PointMaze-v0", "--algo", "relay", "--demos", demos, "--steps", "10", "--out", join(dir, "r2"), "--set", "hidden=8");
    assert.match(otherTask.stderr, /were recorded on 'PointPush-v0', but this run's task is PointMaze-v0: collect demonstrations of PointMaze-v0/);
    const notRelay = await fails("train", "--task", "PointPush-v0", "--algo", "td3", "--demos", demos, "--out", join(dir, "r3"));
    assert.equal(notRelay.code, 2);
    assert.match(notRelay.stderr, /--demos is the demonstrations file of --algo relay/);
  });
});
