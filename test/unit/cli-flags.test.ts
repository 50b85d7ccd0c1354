// src/cli/flags.ts: one declaration per flag gives parsing, validation and the
// --help text. The module on a test command, then every real command's
// declarations against its generated help (and train's against TRAIN_DEFAULTS).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { UsageError } from "../../src/cli/args.js";
import { defaultOf, defineCommand, orList, type AnyCommand } from "../../src/cli/flags.js";
import { TRAIN, EVAL, trainCommand } from "../../src/cli/train.js";
import { SERVE } from "../../src/cli/serve.js";
import { TASKS } from "../../src/cli/tasks.js";
import { DEMO } from "../../src/cli/demo.js";
import { COLLECT } from "../../src/cli/collect.js";
import { SKILLS } from "../../src/cli/skills.js";
import { META } from "../../src/cli/meta.js";
import { PLOT } from "../../src/cli/plot.js";
import { WATCH } from "../../src/cli/watch.js";
import { STATUS } from "../../src/cli/status.js";
import { BENCH_BRIDGE, BENCH_FLEET, BENCH_LOAD, BENCH_PHYSICS, BENCH_META, BENCH_SCALING, BENCH_UPDATE, BENCH_USAGE, benchCommand } from "../../src/cli/bench.js";
import { ALGO_NAMES } from "../../src/algos/registry.js";
import { TRAIN_DEFAULTS } from "../../src/train/train-run.js";

const CMD = defineCommand({
  name: "try",
  synopsis: ["THING [--count N] [flags]"],
  about: "A command to test the flag module with.",
  positionals: { meta: "THING", min: 1, max: 1 },
  flags: {
    count: { type: "int", min: 1, default: 3, help: "how many" },
    port: { type: "int", min: 0, max: 65535, help: "a port", group: "connection" },
    rate: { type: "number", above: 0, default: 1.5, help: "how fast" },
    hz: { type: "number", min: 0, meta: "N", defaultText: "10, or 0 with --fast", help: "how often" },
    name: { type: "string", meta: "NAME", help: "a name" },
    mode: { type: "enum", values: ["fast", "slow", "off"], default: "slow", help: "the mode" },
    fast: { type: "boolean", help: "go fast" },
    tag: { type: "list", values: ["a", "b"], help: "tags" },
    id: { type: "list", of: "int", split: true, meta: "ID", help: "ids" },
    set: { type: "pairs", help: "settings" },
  },
});

function usageError(fn: () => unknown, message: RegExp | string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UsageError, `a UsageError, got ${String(e)}`);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe("defineCommand: parsing", () => {
  it("gives each flag its default and its type", () => {
    const { values, positionals, given } = CMD.parse(["x"]);
    assert.deepEqual(positionals, ["x"]);
    assert.deepEqual(values, { count: 3, port: undefined, rate: 1.5, hz: undefined, name: undefined, mode: "slow", fast: false, tag: [], id: [], set: [] });
    assert.equal(given.size, 0);
  });

  it("reads values, inline or separate; lists and pairs accumulate; the last single value wins", () => {
    const { values, given } = CMD.parse(["x", "--count=7", "--count", "8", "--rate", "0.25", "--hz=0", "--name", "-n-", "--mode", "off", "--fast", "--tag", "a", "--tag=b", "--id", "1, 2", "--id", "3", "--set", "a=1", "--set", "b=x=y"]);
    assert.deepEqual(values, { count: 8, port: undefined, rate: 0.25, hz: 0, name: "-n-", mode: "off", fast: true, tag: ["a", "b"], id: [1, 2, 3], set: [["a", "1"], ["b", "x=y"]] });
    assert.deepEqual([...given].sort(), ["count", "fast", "hz", "id", "mode", "name", "rate", "set", "tag"]);
  });

  it("tells a default from the same value given", () => {
    assert.ok(!CMD.parse(["x"]).given.has("mode"));
    assert.ok(CMD.parse(["x", "--mode", "slow"]).given.has("mode"));
  });

  it("takes positionals after --", () => {
    assert.deepEqual(CMD.parse(["--", "--x"]).positionals, ["--x"]);
  });
});

describe("defineCommand: validation messages name the flag", () => {
  it("integers, with their bounds", () => {
    usageError(() => CMD.parse(["x", "--count", "zero"]), "--count: expected an integer ≥ 1, got 'zero'");
    usageError(() => CMD.parse(["x", "--count", "0"]), "--count: expected an integer ≥ 1, got '0'");
    usageError(() => CMD.parse(["x", "--count", "1.5"]), "--count: expected an integer ≥ 1, got '1.5'");
    usageError(() => CMD.parse(["x", "--count="]), "--count: expected an integer ≥ 1, got ''");
    usageError(() => CMD.parse(["x", "--port", "70000"]), "--port: expected an integer from 0 to 65535, got '70000'");
    usageError(() => CMD.parse(["x", "--id", "1,x"]), "--id: expected an integer ≥ 0, got 'x'");
    usageError(() => CMD.parse(["x", "--id", "1,"]), "--id: expected an integer ≥ 0, got ''");
  });

  it("numbers", () => {
    usageError(() => CMD.parse(["x", "--rate", "0"]), "--rate: expected a positive number, got '0'");
    usageError(() => CMD.parse(["x", "--rate", "Infinity"]), "--rate: expected a positive number, got 'Infinity'");
    usageError(() => CMD.parse(["x", "--hz=-1"]), "--hz: expected a number ≥ 0, got '-1'");
    usageError(() => CMD.parse(["x", "--hz", "fast"]), "--hz: expected a number ≥ 0, got 'fast'");
  });

  it("enums and list items, listing the allowed values", () => {
    usageError(() => CMD.parse(["x", "--mode", "quick"]), "--mode: expected fast, slow or off, got 'quick'");
    usageError(() => CMD.parse(["x", "--tag", "c"]), "--tag: expected a or b, got 'c'");
    assert.equal(orList(["a"]), "a");
    assert.equal(orList(["a", "b", "c", "d"]), "a, b, c or d");
  });

  it("NAME=VALUE pairs", () => {
    usageError(() => CMD.parse(["x", "--set", "novalue"]), "--set: expected NAME=VALUE, got 'novalue'");
    usageError(() => CMD.parse(["x", "--set", "=1"]), "--set: expected NAME=VALUE, got '=1'");
  });

  it("unknown flags, with a near miss suggested and the synopsis", () => {
    usageError(() => CMD.parse(["x", "--cont", "3"]), /^unknown flag --cont \(did you mean --count\?\)\n\nusage: simbridge try THING \[--count N\] \[flags\]\nRun 'simbridge try --help' for every flag\.$/);
    usageError(() => CMD.parse(["x", "--frobnicate"]), /^unknown flag --frobnicate\n/);
    usageError(() => CMD.parse(["x", "-c", "3"]), /^unknown flag -c/);
    usageError(() => CMD.parse(["x", "--Fast"]), /^unknown flag --Fast \(did you mean --fast\?\)/);
    usageError(() => CMD.parse(["x", "--constructor"]), /^unknown flag --constructor/);
  });

  it("a missing value, a value for a boolean, positionals", () => {
    usageError(() => CMD.parse(["x", "--count"]), /^--count: missing its value \(N\)/);
    usageError(() => CMD.parse(["x", "--name", "--fast"]), /^--name: missing its value \(NAME\)/);
    usageError(() => CMD.parse(["x", "--fast=yes"]), /^--fast takes no value, got 'yes'/);
    usageError(() => CMD.parse([]), /^missing THING\n\nusage: simbridge try/);
    usageError(() => CMD.parse(["x", "y"]), /^expected one THING, got x y/);
    const none = defineCommand({ name: "none", synopsis: [""], flags: { out: { type: "string", required: true, help: "where" } } });
    usageError(() => none.parse(["--out", "o", "stray"]), /^unexpected argument 'stray'/);
    usageError(() => none.parse([]), /^--out is required\n\nusage: simbridge none/);
    const out: string = none.parse(["--out", "o"]).values.out;
    assert.equal(out, "o");
  });

  it("refuses a declaration whose default is not one of its values", () => {
    assert.throws(() => defineCommand({ name: "bad", synopsis: [], flags: { m: { type: "enum", values: ["a"], default: "b", help: "" } } }), /--m: default 'b' is not one of its values/);
  });
});

describe("defineCommand: the generated --help", () => {
  it("has the synopsis, the about text, the groups, and every flag with its default and allowed values", () => {
    const help = CMD.usage;
    assert.match(help, /^usage: simbridge try THING \[--count N\] \[flags\]\n\nA command to test the flag module with\.\n\nflags:\n/);
    assert.match(help, /\n\nconnection:\n {2}--port N +a port \[integer from 0 to 65535\]/);
    assert.match(help, /--count N +how many \[integer ≥ 1; default: 3\]/);
    assert.match(help, /--rate X +how fast \[positive number; default: 1\.5\]/);
    assert.match(help, /--hz N +how often \[number ≥ 0; default: 10, or 0 with --fast\]/);
    assert.match(help, /--mode fast\|slow\|off +the mode \[default: slow\]/);
    assert.match(help, /--fast +go fast\n/);
    assert.match(help, /--tag a\|b +tags \[repeatable\]/);
    assert.match(help, /--id ID +ids \[integers ≥ 0; repeatable, or comma-separated\]/);
    assert.match(help, /--set NAME=VALUE +settings \[repeatable\]/);
    for (const line of help.split("\n")) assert.ok(line.length <= 100 || line.startsWith("usage:"), `too wide: ${line}`);
  });
});

const COMMANDS: AnyCommand[] = [TRAIN, EVAL, COLLECT, SKILLS, META, SERVE, TASKS, DEMO, PLOT, WATCH, STATUS, BENCH_PHYSICS, BENCH_BRIDGE, BENCH_LOAD, BENCH_UPDATE, BENCH_FLEET, BENCH_SCALING, BENCH_META];

describe("every command's --help comes from its declarations", () => {
  for (const command of COMMANDS) {
    it(`simbridge ${command.spec.name}: every flag with its default; no flag mentioned that is not declared`, () => {
      const help = command.usage;
      for (const [name, f] of Object.entries(command.spec.flags)) {
        const line = help.split("\n").findIndex((l) => l.startsWith(`  --${name} `) || l === `  --${name}`);
        assert.ok(line >= 0, `--${name} is not listed`);
        const shown = defaultOf(f);
        if (shown !== undefined) {
          // The flag's entry runs to the next flag's line.
          const entry = help.split("\n").slice(line).join("\n").split(/\n {2}--/)[0]!.replace(/\s+/g, " ");
          assert.ok(entry.includes(`default: ${shown}`), `--${name}: default ${shown} not in '${entry}'`);
        }
      }
      for (const m of help.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g)) assert.ok(Object.hasOwn(command.spec.flags, m[1]!), `help mentions --${m[1]}, which ${command.spec.name} does not declare`);
      // Parsing no flags at all gives the declared defaults.
      if (!command.spec.positionals?.min && !Object.values(command.spec.flags).some((f) => f.type === "string" && f.required)) {
        const { values } = command.parse([]);
        for (const [name, f] of Object.entries(command.spec.flags)) if ("default" in f) assert.equal(values[name], f.default, `--${name}`);
      }
    });
  }

  it("bench's help is its six benchmarks'", () => {
    assert.equal(BENCH_USAGE, [BENCH_PHYSICS, BENCH_BRIDGE, BENCH_LOAD, BENCH_UPDATE, BENCH_FLEET, BENCH_SCALING, BENCH_META].map((b) => b.usage).join("\n\n"));
    assert.match(BENCH_LOAD.usage, /--envs N +[^\n]*\n? *\[integer ≥ 1; default: 1, or 64 with --non-reader\]/);
  });

  it("train's defaults are TRAIN_DEFAULTS (one source), shown in its help", () => {
    const camel = (s: string) => s.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    const { values } = (TRAIN as AnyCommand).parse([]);
    let compared = 0;
    for (const [name, f] of Object.entries(TRAIN.spec.flags)) {
      if (!("default" in f)) continue;
      const key = camel(name) as keyof typeof TRAIN_DEFAULTS;
      assert.ok(Object.hasOwn(TRAIN_DEFAULTS, key), `--${name} has a default but TRAIN_DEFAULTS has no ${key}`);
      assert.equal(f.default, TRAIN_DEFAULTS[key], `--${name}`);
      assert.equal(values[name], TRAIN_DEFAULTS[key], `--${name}`);
      compared++;
    }
    assert.ok(compared >= 18, `${compared} defaults compared`);
    assert.match(TRAIN.usage, new RegExp(`--steps N .*\\n? *\\[integer ≥ 1; default: ${TRAIN_DEFAULTS.steps}\\]`));
  });

  it("train's --help lists the algorithms and the enums' values", () => {
    for (const algo of ALGO_NAMES) assert.match(TRAIN.usage, new RegExp(`\\n {4,}${algo} +(off-policy|on-policy|hierarchical|skills)`));
    assert.match(TRAIN.usage, /--reward auto\|env\|known\|gahil/);
    assert.match(TRAIN.usage, /--her-goals achieved\|sampled/);
    assert.match(TRAIN.usage, /\[auto, tensorflow-gpu, tensorflow, wasm, cpu; default: auto\]/);
  });

  it("train's enum messages", () => {
    usageError(() => TRAIN.parse(["--her-goals", "random"]), "--her-goals: expected achieved or sampled, got 'random'");
    usageError(() => TRAIN.parse(["--reward", "learned"]), "--reward: expected auto, env, known or gahil, got 'learned'");
    usageError(() => TRAIN.parse(["--algo", "a2c"]), /^--algo: expected td3, ddpg, sac, ppo, bnpo, hiro, relay, hac, diayn, skill-hier or list, got 'a2c'; available:\n[\s\S]*ppo\s+on-policy/);
  });
});

describe("simbridge train --resume", () => {
  it("refuses flags the run's args.json decides, before reading the folder", async () => {
    await assert.rejects(trainCommand(["--resume", "/nonexistent/run", "--steps", "10", "--algo", "sac", "--envs", "2"]), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /^--algo, --envs: not with --resume \(the run's args\.json decides; --resume takes --steps, --token, --tls-ca\)/);
      return true;
    });
  });
});

describe("simbridge bench", () => {
  it("each benchmark takes its own flags; mode-only flags are refused before anything runs", async () => {
    const refused = (argv: string[], message: RegExp) =>
      assert.rejects(benchCommand(argv), (e: unknown) => {
        assert.ok(e instanceof UsageError);
        assert.match(e.message, message);
        return true;
      });
    await refused(["physics", "--envs", "8"], /^unknown flag --envs\n\nusage: simbridge bench physics /);
    await refused(["bridge", "--pings", "5"], /^--pings: expected an integer ≥ 10, got '5'$/);
    await refused(["load", "--non-reader", "--rounds", "2"], /^--rounds is not for --non-reader\n/);
    await refused(["load", "--seconds", "2"], /^--seconds is for --non-reader\n/);
    await refused(["update", "--algo", "ppo", "--hidden", "8"], /^--hidden is not for --algo ppo\n/);
    await refused(["update", "--algo", "gahil", "--rows", "8"], /^--rows is not for --algo gahil\n/);
    await refused(["update", "--algo", "a2c"], /^--algo: expected td3, ppo or gahil, got 'a2c'$/);
    await refused(["update", "--backend", "gpu"], /^--backend: expected auto, tensorflow-gpu, tensorflow, wasm or cpu, got 'gpu'$/);
    await refused(["fleet", "--servers", "1,0"], /^--servers: expected an integer ≥ 1, got '0'$/);
    await refused(["fleet", "--servers", "300"], /^--servers: at most 250 server processes/);
    await refused(["nope"], /^unknown benchmark 'nope'; expected physics, bridge, load, update, fleet, scaling or meta/);
  });
});
