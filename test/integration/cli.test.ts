// The `simbridge` command as a user runs it: a real `serve` process on port 0,
// `tasks` against it, the demo, and clear usage errors.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { packageRoot } from "../../src/protocol/service-definition.js";
import { RemoteVectorEnv } from "../../src/client/remote-vector-env.js";
import { SimbridgeError, Code } from "../../src/core/errors.js";
import { readMetrics } from "../../src/train/metrics-log.js";
import { ALGO_NAMES } from "../../src/algos/registry.js";
import { TRAIN, EVAL } from "../../src/cli/train.js";
import { SERVE } from "../../src/cli/serve.js";
import { TASKS } from "../../src/cli/tasks.js";
import { DEMO } from "../../src/cli/demo.js";
import { COLLECT } from "../../src/cli/collect.js";
import { PLOT } from "../../src/cli/plot.js";
import { WATCH } from "../../src/cli/watch.js";
import { STATUS } from "../../src/cli/status.js";
import { BENCH_USAGE } from "../../src/cli/bench.js";
import { startServeProcess } from "../../src/bench/child-process.js";

const run = promisify(execFile);
const bin = join(packageRoot(), "bin", "simbridge.js");

function simbridge(...args: string[]) {
  return run(process.execPath, [bin, ...args], { cwd: packageRoot(), timeout: 120_000 });
}

describe("simbridge serve", () => {
  let child: ChildProcess;
  let address: string;
  before(async () => {
    ({ child, address } = await startServeProcess(["--port", "0", "--token", "tok"]));
  });
  after(() => {
    child.kill("SIGTERM");
  });

  it("prints the chosen port and binds loopback by default", () => {
    assert.match(address, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(address, "127.0.0.1:0");
  });

  it("serves the catalogue to `simbridge tasks --server` with the token", async () => {
    const { stdout } = await simbridge("tasks", "--server", address, "--token", "tok", "--json");
    const tasks = JSON.parse(stdout) as Array<{ name: string; action: { shape: number[] } }>;
    assert.deepEqual(tasks.map((t) => t.name).sort(), ["Ant-v5", "AntFall-v0", "AntMaze-v0", "AntPush-v0", "PointBlocks-v0", "PointGoal-v0", "PointMaze-v0", "PointPush-v0", "PointReach-v0", "Reacher-v5", "ReacherGoal-v0", "ReacherMoving-v0"]);
    assert.deepEqual(tasks.find((t) => t.name === "Ant-v5")!.action.shape, [8]);
  });

  it("refuses a client without the token", async () => {
    await assert.rejects(simbridge("tasks", "--server", address), /UNAUTHENTICATED/);
    await assert.rejects(RemoteVectorEnv.connect(address, "Reacher-v5"), (e: unknown) => e instanceof SimbridgeError && e.code === Code.UNAUTHENTICATED);
  });

  it("steps a MuJoCo task for a remote client", async () => {
    const env = await RemoteVectorEnv.connect(address, "Reacher-v5", 2, {}, { token: "tok" });
    const r = await env.reset([{ index: 0, seed: 1 }, { index: 1, seed: 2 }]);
    assert.equal(r.observations[0]!.length, 20);
    const s = await env.step(new Float32Array([0.1, -0.1, 0.2, 0.3]));
    assert.equal(s.reward!.length, 2);
    await env.close();
  });
});

describe("simbridge train, killed and resumed", () => {
  it("a run killed with SIGKILL resumes from its last checkpoint, losing at most the checkpoint interval", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "simbridge-kill-")), "run");
    const child = spawn(
      process.execPath,
      [bin, "train", "--task", "PointReach-v0", "--her", "--steps", "100000", "--out", out, "--checkpoint-every", "400", "--learning-starts", "200", "--set", "hidden=32,32", "--batch-size", "64"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let lastCheckpoint = 0;
    await new Promise<void>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`train exited early with ${code}`)));
      createInterface({ input: child.stderr! }).on("line", (line) => {
        const m = /checkpoint at step (\d+)/.exec(line);
        if (m) lastCheckpoint = Number(m[1]);
        if (lastCheckpoint >= 800) {
          child.removeAllListeners("exit");
          child.kill("SIGKILL");
          resolve();
        }
      });
    });
    await new Promise((r) => child.once("exit", r));
    const { stderr, stdout } = await simbridge("train", "--resume", out, "--steps", String(lastCheckpoint + 400));
    const resumedAt = Number(/resumed from the checkpoint at step (\d+)/.exec(stderr)?.[1]);
    assert.ok(resumedAt >= lastCheckpoint, `resumed at ${resumedAt}, last checkpoint seen ${lastCheckpoint}`);
    assert.equal(resumedAt % 400, 0, `resumed at ${resumedAt}: a checkpoint every 400 steps`);
    assert.match(stdout, /final evaluation over 100 episodes/);
    const evalJson = JSON.parse(readFileSync(join(out, "eval.json"), "utf8")) as { steps: number; episodes: number; success_rate: number; return_mean: number };
    assert.equal(evalJson.steps, lastCheckpoint + 400);
    // metrics.jsonl tells one run: the killed run's records past the checkpoint are gone, and
    // the episode counter and step counter carry on from the checkpoint. One env, so every
    // episode starts where the previous one ended, except the first after the resume point,
    // which starts there (the episode under way at the checkpoint is not in it).
    const records = readMetrics(join(out, "metrics.jsonl"));
    const episodes = records.filter((r) => r["kind"] === "episode") as Array<{ step: number; episode: number; length: number }>;
    assert.ok(episodes.some((e) => e.step <= resumedAt) && episodes.some((e) => e.step > resumedAt), "episodes on both sides of the resume point");
    assert.deepEqual(episodes.map((e) => e.episode), episodes.map((_, i) => i + 1), "episode numbers 1, 2, … without repeats or gaps");
    let end = 0;
    for (const ep of episodes) {
      const start = end < resumedAt && ep.step > resumedAt ? resumedAt : end;
      assert.equal(ep.step - ep.length, start, `episode ${ep.episode} (${ep.length} steps, ended at step ${ep.step}) starts at ${start}`);
      end = ep.step;
    }
    assert.ok(end <= lastCheckpoint + 400);
    const finalEval = records.filter((r) => r["kind"] === "eval" && r["final"] === true);
    assert.deepEqual(finalEval.map((r) => r["step"]), [lastCheckpoint + 400], "one final evaluation, at the last step");
    // The checkpoint the resumed run left is the policy it finished with: evaluating it from
    // the folder over the same (seeded) episodes reproduces its final evaluation exactly.
    const { stdout: evalOut } = await simbridge("eval", "--run", out, "--episodes", String(evalJson.episodes), "--json");
    const e = JSON.parse(evalOut) as { task: string; episodes: number; success_rate: number; return_mean: number };
    assert.equal(e.task, "PointReach-v0");
    assert.deepEqual([e.episodes, e.success_rate, e.return_mean], [evalJson.episodes, evalJson.success_rate, evalJson.return_mean]);
  });
});

describe("simbridge CLI", () => {
  it("runs the demo through the embedded server", async () => {
    const { stdout } = await simbridge("demo", "--episodes", "1", "--envs", "1");
    for (const task of ["Reacher-v5", "ReacherGoal-v0", "Ant-v5", "PointReach-v0"]) assert.match(stdout, new RegExp(`${task}\\s+1 episodes`));
  });

  it("lists the built-in tasks", async () => {
    const { stdout } = await simbridge("tasks");
    assert.match(stdout, /Ant-v5\s+obs observation\[27\]/);
  });

  it("fails with a usage error naming the bad flag", async () => {
    await assert.rejects(simbridge("serve", "--task", "Nope-v1"), (e: { code: number; stderr: string }) => {
      assert.equal(e.code, 2);
      assert.match(e.stderr, /unknown task 'Nope-v1'/);
      return true;
    });
    await assert.rejects(simbridge("bench", "bridge", "--envs", "zero"), /--envs: expected an integer/);
    await assert.rejects(simbridge("frobnicate"), /unknown command 'frobnicate'/);
  });

  it("lists the algorithms with their kind, and names them when --algo is wrong", async () => {
    const { stdout } = await simbridge("train", "--algo", "list");
    for (const [algo, kind] of [["td3", "off-policy"], ["ddpg", "off-policy"], ["sac", "off-policy"], ["ppo", "on-policy"]]) assert.match(stdout, new RegExp(`${algo}\\s+${kind}`));
    const out = mkdtempSync(join(tmpdir(), "simbridge-cli-algo-"));
    await assert.rejects(simbridge("train", "--algo", "a2c", "--task", "PointReach-v0", "--out", join(out, "x")), /--algo: expected td3, ddpg, sac, ppo, bnpo, hiro, relay, hac, diayn, skill-hier or list, got 'a2c'; available:[\s\S]*ppo\s+on-policy/);
    await assert.rejects(simbridge("train", "--algo", "ppo", "--task", "PointReach-v0", "--her-goals", "sampled", "--out", join(out, "y")), /--her-goals chooses how --her relabels: give --her too/);
    await assert.rejects(simbridge("train", "--algo", "ppo", "--her", "--her-goals", "random", "--task", "PointReach-v0", "--out", join(out, "z")), /--her-goals: expected achieved or sampled, got 'random'/);
    await assert.rejects(simbridge("train", "--algo", "td3", "--her", "--her-goals", "sampled", "--task", "PointReach-v0", "--steps", "10", "--out", join(out, "w")), /--her-goals sampled is PPO's restricted relabelling/);
    await assert.rejects(simbridge("train", "--algo", "ppo", "--set", "rolloutSteps=0", "--task", "PointReach-v0", "--steps", "10", "--out", join(out, "v")), /rolloutSteps must be a positive integer, got 0/);
    await assert.rejects(simbridge("train", "--algo", "td3", "--set", "__proto__=1", "--task", "PointReach-v0", "--steps", "10", "--out", join(out, "u")), /td3 has no hyper-parameter '__proto__'/);
  });

  it("refuses a --stop-at-success that could never fire or is not a rate", async () => {
    const out = mkdtempSync(join(tmpdir(), "simbridge-cli-stop-"));
    await assert.rejects(simbridge("train", "--task", "PointReach-v0", "--her", "--stop-at-success", "0.9", "--out", join(out, "a")), /--stop-at-success stops after evaluations: give --eval-every N too/);
    await assert.rejects(simbridge("train", "--task", "PointReach-v0", "--her", "--stop-at-success", "1.5", "--eval-every", "100", "--out", join(out, "b")), /--stop-at-success: expected a success rate in \(0, 1\], got 1.5/);
    await assert.rejects(simbridge("train", "--task", "PointReach-v0", "--stop-at-success", "0", "--out", join(out, "c")), /--stop-at-success: expected a positive number, got .0./);
    await assert.rejects(simbridge("train", "--task", "Reacher-v5", "--stop-at-success", "0.9", "--eval-every", "100", "--steps", "200", "--out", join(out, "d")), /Reacher-v5 has no goals \(no success\): give --steps only/);
  });

  it("checks the credit and replay flags against each other and the learner", async () => {
    const out = mkdtempSync(join(tmpdir(), "simbridge-cli-credit-"));
    const train = (...flags: string[]) => simbridge("train", "--task", "PointReach-v0", "--her", "--steps", "10", "--out", join(out, String(Math.random())), ...flags);
    await assert.rejects(train("--credit", "twostep"), /--credit: expected one, nstep, floating or gae, got 'twostep'/);
    await assert.rejects(train("--n", "5"), /--n sets the window of --credit nstep, floating or gae/);
    await assert.rejects(train("--credit", "nstep", "--lambda", "0.9"), /--lambda is GAE's λ: give --credit gae too/);
    await assert.rejects(train("--credit", "gae", "--lambda", "1.5"), /--lambda: expected a number in \[0, 1\], got 1.5/);
    await assert.rejects(train("--recalc-delay", "3"), /--recalc-delay tunes the two-layer replay: give --replay two-layer too/);
    await assert.rejects(train("--replay", "two-layer", "--recalc-delay", "soon"), /--recalc-delay: expected a number ≥ 0 or never, got 'soon'/);
    await assert.rejects(train("--algo", "ppo", "--her-goals", "sampled", "--credit", "nstep"), /ppo assigns credit with GAE over its own rollouts/);
    const { stdout } = await simbridge("train", "--help");
    for (const flag of ["--credit", "--n", "--lambda", "--replay", "--recalc-delay", "--recalc-episodes"]) assert.match(stdout, new RegExp(`${flag}\\b`));
  });

  it("COMMAND --help prints the help generated from the command's flag declarations and exits 0", async () => {
    for (const command of [TRAIN, EVAL, COLLECT, SERVE, TASKS, DEMO, PLOT, WATCH, STATUS]) {
      const { stdout } = await simbridge(command.spec.name, "--help");
      assert.equal(stdout, `${command.usage}\n`, command.spec.name);
    }
    assert.equal((await simbridge("bench", "load", "--help")).stdout, `${BENCH_USAGE}\n`);
  });

  it("train --help lists every declared flag and the algorithms; bad values and unknown flags are usage errors in the generated words", async () => {
    const { stdout } = await simbridge("train", "--help");
    for (const name of Object.keys(TRAIN.spec.flags)) assert.match(stdout, new RegExp(`^  --${name}(?= |$)`, "m"), `--${name}`);
    for (const algo of ALGO_NAMES) assert.match(stdout, new RegExp(`^ +${algo} +(off-policy|on-policy|hierarchical|skills) `, "m"), algo);
    const out = join(mkdtempSync(join(tmpdir(), "simbridge-cli-flags-")), "run");
    const usage = (args: string[], stderr: RegExp) =>
      assert.rejects(simbridge("train", "--task", "PointReach-v0", "--out", out, ...args), (e: { code: number; stderr: string }) => {
        assert.equal(e.code, 2);
        assert.match(e.stderr, stderr);
        return true;
      });
    await usage(["--envs", "zero"], /^simbridge train: --envs: expected an integer ≥ 1, got 'zero'\n$/);
    await usage(["--updates-per-step", "0"], /^simbridge train: --updates-per-step: expected a positive number, got '0'\n$/);
    await usage(["--backend", "gpu"], /^simbridge train: --backend: expected auto, tensorflow-gpu, tensorflow, wasm or cpu, got 'gpu'\n$/);
    await usage(["--batchsize", "64"], /^simbridge train: unknown flag --batchsize \(did you mean --batch-size\?\)\n\nusage: simbridge train /);
    await usage(["--steps"], /^simbridge train: --steps: missing its value \(N\)/);
  });
});
