// Options of the learned reward are refused by name when GAHIL has no such
// option: by Gahil itself (an Error), by trainRun (before connecting to
// anything) and by `simbridge train --reward-set` (a usage error, exit 2),
// each listing the accepted names — as --set does for algorithm options.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Gahil, GAHIL_OPTION_NAMES, type GahilOptions } from "../../src/reward/gahil.js";
import { UsageError } from "../../src/cli/args.js";
import { trainCommand } from "../../src/cli/train.js";
import { packageRoot } from "../../src/protocol/service-definition.js";
import { gahilOptionsFor, REWARD_ARG_NAMES, trainRun } from "../../src/train/train-run.js";
import { quiet, testRunArgs } from "../helpers/training-runs.js";

const sizes = { goalSize: 2, obsSize: 0, actionSize: 0, hidden: [4] } as const;

test("Gahil refuses an option it does not have, naming the ones it has", () => {
  assert.throws(
    () => new Gahil({ ...sizes, minPositive: 5 } as unknown as GahilOptions),
    (e: unknown) =>
      e instanceof Error && /GAHIL has no option 'minPositive'/.test(e.message) && GAHIL_OPTION_NAMES.every((n) => e.message.includes(n)) && e.message.includes("minPositives"),
  );
  // Prototype names are no options either.
  assert.throws(() => new Gahil({ ...sizes, ["constructor"]: 1 } as unknown as GahilOptions), /GAHIL has no option 'constructor'/);
  // Known names still work, and a wrongly typed value is refused instead of misread.
  new Gahil({ ...sizes, minPositives: 5, judgedGoal: false }).dispose();
  assert.throws(() => new Gahil({ ...sizes, judgedGoal: "false" } as unknown as GahilOptions), /judgedGoal: expected true or false but got "false"/);
  assert.throws(() => new Gahil({ ...sizes, learningRate: "fast" } as unknown as GahilOptions), /learningRate: expected a positive number/);
});

test("GAHIL_OPTION_NAMES is every option; --reward-set takes all but those the run sets", () => {
  assert.ok(GAHIL_OPTION_NAMES.includes("trainEvery") && GAHIL_OPTION_NAMES.includes("rewardClip"));
  assert.deepEqual(
    GAHIL_OPTION_NAMES.filter((n) => !REWARD_ARG_NAMES.includes(n)),
    ["goalSize", "obsSize", "actionSize", "seed"],
  );
});

test("trainRun refuses unknown reward options with the accepted names, before connecting to anything", async () => {
  const dir = mkdtempSync(join(tmpdir(), "simbridge-reward-set-"));
  const run = (reward: "gahil" | "known", rewardArgs: Record<string, number>) =>
    trainRun(testRunArgs("PointReach-v0", { reward, rewardArgs, steps: 10 }), join(dir, `${reward}-${Object.keys(rewardArgs).join("")}`), { resume: false, ...quiet });
  await assert.rejects(run("gahil", { minPositive: 5 }), (e: unknown) => {
    assert.ok(e instanceof Error);
    assert.match(e.message, /reward option 'minPositive' is not a GAHIL option; accepted: /);
    for (const n of REWARD_ARG_NAMES) assert.ok(e.message.includes(n), `${n} is not listed`);
    return true;
  });
  await assert.rejects(run("gahil", { seed: 3 }), /reward option 'seed' is set by the run/);
  await assert.rejects(run("known", { minPositives: 5 }), /this run's reward is known: use --reward gahil/);
});

test("simbridge train --reward-set with an unknown name is a usage error listing the accepted names", async () => {
  const out = join(mkdtempSync(join(tmpdir(), "simbridge-reward-set-cli-")), "run");
  const argv = ["--task", "PointReach-v0", "--her", "--out", out, "--reward", "gahil"];
  await assert.rejects(trainCommand([...argv, "--reward-set", "minPositive=512"]), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.match(e.message, /^--reward-set: reward option 'minPositive' is not a GAHIL option; accepted: .*minPositives/);
    return true;
  });
  await assert.rejects(trainCommand([...argv.slice(0, -1), "known", "--reward-set", "minPositives=512"]), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.match(e.message, /^--reward-set: .*this run's reward is known: use --reward gahil/);
    return true;
  });
  // As a user sees it: exit status 2 and the message on stderr.
  const bin = join(packageRoot(), "bin", "simbridge.js");
  await assert.rejects(promisify(execFile)(process.execPath, [bin, "train", ...argv, "--reward-set", "trainEvry=100"], { timeout: 60_000 }), (e: unknown) => {
    const err = e as { code?: number; stderr?: string };
    assert.equal(err.code, 2);
    assert.match(err.stderr ?? "", /simbridge train: --reward-set: reward option 'trainEvry' is not a GAHIL option; accepted: .*trainEvery/);
    return true;
  });
});

test("GAHIL for learners that bring their own storage (HIRO, HAC) counts rounds in real failures; --reward-set still wins", () => {
  const layout = { goalSize: 2, obsSize: 4 };
  for (const algo of ["hiro", "hac"]) assert.equal(gahilOptionsFor({ algo, rewardArgs: {}, seed: 0 }, layout, 2).negatives, "none", algo);
  assert.equal(gahilOptionsFor({ algo: "td3", rewardArgs: {}, seed: 0 }, layout, 2).negatives, undefined, "HER's learners feed relabelled negatives");
  assert.equal(gahilOptionsFor({ algo: "hiro", rewardArgs: { negatives: "mismatched" }, seed: 0 }, layout, 2).negatives, "mismatched");
  assert.equal(gahilOptionsFor({ algo: "hiro", rewardArgs: { trainEvery: 250 }, seed: 3 }, layout, 2).trainEvery, 250);
});
