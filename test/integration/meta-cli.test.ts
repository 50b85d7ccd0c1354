// `simbridge meta` as a user runs it: the generated help, usage errors that
// name the bad setting, a whole (tiny) run writing its folder, and the DIAYN
// baseline on a (tiny) DIAYN run's skills.
import { it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { packageRoot } from "../../src/protocol/service-definition.js";
import { META, metaCommand } from "../../src/cli/meta.js";
import { readMetrics } from "../../src/train/metrics-log.js";
import { trainArgs, trainRun } from "../../src/train/train-run.js";
import { quiet } from "../helpers/training-runs.js";

const run = promisify(execFile);
const bin = join(packageRoot(), "bin", "simbridge.js");
const simbridge = (...args: string[]) => run(process.execPath, [bin, ...args], { cwd: packageRoot(), timeout: 120_000 });

it("meta --help prints the generated help; bad settings are usage errors naming them", async () => {
  assert.equal((await simbridge("meta", "--help")).stdout, `${META.usage}\n`);
  const out = join(mkdtempSync(join(tmpdir(), "simbridge-meta-cli-")), "run");
  // One through the process (exit code 2, the message on stderr), the rest in-process: each spawn loads TF.js.
  const e = await simbridge("meta", "--out", out, "--algo", "maml", "--family", "point-goal", "--set", "latentDim=2").then(
    () => assert.fail("meta with a latent for maml succeeded"),
    (x: { code: number; stderr: string }) => x,
  );
  assert.equal(e.code, 2, e.stderr);
  assert.match(e.stderr, /^simbridge meta: --set: latentDim: maml has no latent \(that is maesn\)/);
  const usage = (args: string[], message: RegExp) => assert.rejects(metaCommand(["--out", out, ...args]), message);
  await usage(["--algo", "maesn", "--family", "point-goal", "--set", "lr=1"], /--set: maesn has no setting "lr"/);
  await usage(["--algo", "maesn", "--family", "point-goal", "--set", "innerLr=fast"], /--set innerLr: expected a number \(or true\/false\), got 'fast'/);
  await usage(["--algo", "maesn", "--family", "maze"], /--family: expected point-goal or point-blocks, got 'maze'/);
  await usage(["--algo", "maesn", "--family", "point-goal", "--meta-batch", "30"], /--meta-batch 30 is more than --train-tasks 20/);
  await usage(["--algo", "scratch", "--family", "point-goal", "--iterations", "5"], /--iterations: scratch does no meta-training/);
  await usage(["--algo", "diayn", "--family", "point-goal"], /--skills-run is required with --algo diayn/);
  await usage(["--algo", "maesn", "--family", "point-goal", "--skills-run", out], /--skills-run is for --algo diayn; maesn does not read it/);
});

it("a tiny maesn run writes metrics per iteration, the meta-test after 0 and 1 steps, and a checkpoint", async () => {
  const out = join(mkdtempSync(join(tmpdir(), "simbridge-meta-cli-")), "run");
  const { stdout } = await simbridge("meta", "--algo", "maesn", "--family", "point-goal", "--out", out, "--iterations", "2", "--meta-batch", "2", "--episodes", "3", "--train-tasks", "3", "--test-tasks", "2", "--test-episodes", "3", "--adapt-steps", "1", "--backend", "wasm");
  assert.match(stdout, /success after 0…1 adaptation steps \d\.\d\d \/ \d\.\d\d/);
  const evalJson = JSON.parse(readFileSync(join(out, "eval.json"), "utf8")) as { success_after: number[]; episodes_per_step: number; iterations: number };
  assert.equal(evalJson.success_after.length, 2);
  assert.equal(evalJson.episodes_per_step, 6);
  assert.equal(evalJson.iterations, 2);
  assert.deepEqual(readMetrics(join(out, "metrics.jsonl")).map((r) => r["iteration"]), [1, 2]);
  const manifest = JSON.parse(readFileSync(join(out, "checkpoint", "manifest.json"), "utf8")) as { networks: Record<string, unknown> };
  assert.deepEqual(Object.keys(manifest.networks).sort(), ["latents", "policy"]);
});

it("the DIAYN baseline: a DIAYN run's skills on the held-out tasks, success after 0 and 1 steps on the skill distribution", async () => {
  const dir = mkdtempSync(join(tmpdir(), "simbridge-meta-diayn-"));
  const skillsRun = join(dir, "diayn");
  await trainRun(
    trainArgs("PointGoal-v0", { algo: "diayn", blackBox: true, envs: 2, backend: "wasm", steps: 200, batchSize: 32, learningStarts: 100, checkpointEvery: 0, finalEvalEpisodes: 2, algoArgs: { skills: 3, hidden: [16, 16], discriminatorHidden: [16, 16] } }),
    skillsRun,
    { resume: false, ...quiet },
  );
  const out = join(dir, "meta");
  await metaCommand(["--algo", "diayn", "--family", "point-goal", "--skills-run", skillsRun, "--out", out, "--test-tasks", "2", "--test-episodes", "4", "--adapt-steps", "1", "--backend", "wasm"]);
  const evalJson = JSON.parse(readFileSync(join(out, "eval.json"), "utf8")) as { algo: string; success_after: number[]; episodes_per_step: number; iterations: number };
  assert.equal(evalJson.algo, "diayn");
  assert.equal(evalJson.iterations, 0);
  assert.equal(evalJson.success_after.length, 2);
  assert.equal(evalJson.episodes_per_step, 8);
  await assert.rejects(metaCommand(["--algo", "diayn", "--family", "point-goal", "--skills-run", join(dir, "nothing"), "--out", join(dir, "m2"), "--backend", "wasm"]), /is not a run folder \(no args\.json\)/);
  assert.equal(existsSync(join(dir, "m2")), false, "a refused skills run leaves no run folder behind");
});

it("MAESN's latent-only variant (--set innerLr=0: the policy is not adapted) runs and keeps its policy", async () => {
  const out = join(mkdtempSync(join(tmpdir(), "simbridge-meta-latent-")), "run");
  await metaCommand(["--algo", "maesn", "--family", "point-goal", "--out", out, "--iterations", "2", "--meta-batch", "2", "--episodes", "3", "--train-tasks", "3", "--test-tasks", "2", "--test-episodes", "3", "--adapt-steps", "2", "--set", "innerLr=0", "--backend", "wasm"]);
  const evalJson = JSON.parse(readFileSync(join(out, "eval.json"), "utf8")) as { success_after: number[] };
  assert.equal(evalJson.success_after.length, 3);
  assert.ok(existsSync(join(out, "checkpoint", "manifest.json")));
});
