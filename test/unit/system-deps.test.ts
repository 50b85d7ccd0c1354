/**
 * deps/apt-packages.txt is what `make setup` installs (deps/install-system.sh)
 * before `make test` and `make run`. These tests fail when it misses a Debian
 * package that the tests need: a third-party module the Python reference server
 * imports, or an external command that a test or src/ spawns. Without them a
 * fresh clone gets cancelled tests instead of an install.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { packageRoot } from "../../src/protocol/service-definition.js";

const ROOT = packageRoot();
const LIST = "deps/apt-packages.txt";
const PYTHON_DIR = join(ROOT, "sims", "external", "python");
const SELF = "test/unit/system-deps.test.ts";

/** Not needed from deps/apt-packages.txt, and why. */
interface NotListed {
  readonly notListed: string;
}
type Provider = string | NotListed;

/** Third-party Python module (or its first dotted parts) → Debian package. */
const PYTHON_MODULES: Readonly<Record<string, Provider>> = {
  grpc: "python3-grpcio",
  "google.protobuf": "python3-protobuf",
  numpy: "python3-numpy",
  grpc_tools: {
    notListed:
      "protocol.py tries `python3 -m grpc_tools.protoc` first, but Debian's python3-grpc-tools bundles protoc 3.5.1 (< 3.15), so the system protoc (protobuf-compiler) is what runs",
  },
};

/** Modules of the server itself and the code it generates into build/. */
const PYTHON_LOCAL = new Set(["simbridge_external", "simbridge", "grpc_health_v1_pb2"]);

/** Standard library: comes with python3. Add here when the server starts using another one. */
const PYTHON_STDLIB = new Set(
  ("__future__ abc argparse array asyncio atexit base64 bisect codecs collections concurrent contextlib copy " +
    "dataclasses datetime decimal enum errno fnmatch functools glob gzip hashlib heapq hmac importlib inspect io " +
    "itertools json locale logging math numbers operator os pathlib pickle platform queue random re secrets " +
    "select selectors shlex shutil signal socket ssl statistics string struct subprocess sys tempfile textwrap " +
    "threading time traceback types typing unittest uuid warnings weakref zlib").split(" "),
);

/** External command → Debian package. */
const COMMANDS: Readonly<Record<string, Provider>> = {
  python3: "python3",
  openssl: "openssl",
  protoc: "protobuf-compiler",
  gcc: {
    notListed:
      "src/bench/physics.ts builds a native MuJoCo baseline only when gcc and libmujoco-dev are there, else it reports a note; test/unit/bench-physics.test.ts accepts either",
  },
  node: { notListed: "Node.js >= 20 is the prerequisite the README names; make itself needs it" },
  npm: { notListed: "comes with Node.js" },
  npx: { notListed: "comes with Node.js" },
};

function read(path: string): string {
  return readFileSync(join(ROOT, path), "utf8");
}

/** The packages of deps/apt-packages.txt: one per line, # starts a comment. */
function listedPackages(): string[] {
  return read(LIST)
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter((line) => line !== "");
}

/** What is missing from the list, each with the files that need it; reported as one line per module or command. */
class Problems {
  private readonly byWhat = new Map<string, { files: Set<string>; fix: string }>();
  constructor(private readonly listed: ReadonlySet<string>) {}

  /** Notes `what` (a module or command, used in `file`) unless its package is listed or not needed. */
  check(kind: "module" | "command", what: string, provider: Provider | undefined, file: string, table: string): void {
    let fix: string;
    if (provider === undefined) {
      fix = `${table} in ${SELF} does not know it: map it to the Debian package providing it, and add that package to ${LIST}`;
    } else if (typeof provider === "string" && !this.listed.has(provider)) {
      fix = `add the Debian package ${provider} to ${LIST}`;
    } else return;
    const key = `the ${kind} ${what}`;
    const entry = this.byWhat.get(key) ?? { files: new Set<string>(), fix };
    entry.files.add(file);
    this.byWhat.set(key, entry);
  }

  lines(): string[] {
    return [...this.byWhat].map(([key, { files, fix }]) => `${key} (used in ${[...files].join(", ")}): ${fix}`);
  }
}

/** The table entry of a dotted module: its longest prefix in the table (google.protobuf.message → google.protobuf). */
function moduleProvider(module: string): Provider | undefined {
  const parts = module.split(".");
  for (let n = parts.length; n > 0; n--) {
    const entry = PYTHON_MODULES[parts.slice(0, n).join(".")];
    if (entry !== undefined) return entry;
  }
  return undefined;
}

function pythonSources(): string[] {
  const pkg = join(PYTHON_DIR, "simbridge_external");
  const files = readdirSync(pkg)
    .filter((f) => f.endsWith(".py"))
    .map((f) => join(pkg, f));
  const scripts = readdirSync(PYTHON_DIR)
    .filter((f) => f.endsWith(".sh"))
    .map((f) => join(PYTHON_DIR, f));
  return [...files, ...scripts].map((f) => relative(ROOT, f)).sort();
}

/** Python code without its docstrings (their examples are not imports). */
function withoutDocstrings(source: string): string {
  return source.replace(/"""[\s\S]*?"""|'''[\s\S]*?'''/g, "");
}

/** Absolute module names a Python source imports or runs with `-m`; relative imports (from .x) are the package's own. */
function pythonModules(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/^[ \t]*import[ \t]+([^\n#]+)/gm)) {
    for (const part of m[1]!.split(",")) found.push(part.trim().split(/\s+/)[0]!);
  }
  for (const m of source.matchAll(/^[ \t]*from[ \t]+([A-Za-z_][\w.]*)[ \t]+import\b/gm)) found.push(m[1]!);
  for (const m of source.matchAll(/["']-m["']\s*,\s*["']([A-Za-z_][\w.]*)["']/g)) found.push(m[1]!);
  return found.filter((name) => /^[A-Za-z_][\w.]*$/.test(name));
}

/** Commands a Python or shell source runs: argv lists starting with a literal (["protoc"]) in code using subprocess, and /usr/bin/X paths. */
function pythonCommands(source: string): string[] {
  const found: string[] = [];
  if (/\bimport\s+subprocess\b|\bfrom\s+subprocess\s+import\b/.test(source)) {
    for (const m of source.matchAll(/\[\s*(["'])([A-Za-z_][\w.+-]*)\1/g)) found.push(m[2]!);
  }
  const code = source.replace(/^#!.*\n/, "");
  for (const m of code.matchAll(/\/usr\/(?:local\/)?bin\/([A-Za-z_][\w.+-]*)/g)) found.push(m[1]!);
  return found;
}

function typescriptSources(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && path !== join("src", "protocol", "generated")) walk(path);
      } else if (/\.(ts|js)$/.test(entry.name) && !entry.name.endsWith(".d.ts") && path !== SELF) out.push(path);
    }
  };
  for (const dir of ["src", "sims", "test", "bin"]) walk(dir);
  return out.sort();
}

const SPAWN_CALL = /(?<![.\w])(spawn|spawnSync|execFile|execFileSync|execSync)\s*\(\s*([^,)]+)/g;
const STRING = /^(["'`])([^"'`]*)\1$/;

/**
 * Commands that a TypeScript source spawns: the first argument of spawn/
 * spawnSync/execFile/execFileSync/execSync when it is a string literal, or a
 * `const X = ... ?? "literal"` of the same file (PYTHON = $SIMBRIDGE_PYTHON ??
 * "/usr/bin/python3"). process.execPath is node; other expressions (a binary
 * built at run time, a parameter) cannot be known here and are left out.
 */
function spawnedCommands(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(SPAWN_CALL)) {
    const arg = m[2]!.trim();
    let text: string | undefined;
    if (arg === "process.execPath") text = "node";
    else if (STRING.test(arg)) text = STRING.exec(arg)![2];
    else if (/^[A-Za-z_$][\w$]*$/.test(arg)) {
      const decl = new RegExp(`\\bconst\\s+${arg.replace(/\$/g, "\\$")}\\s*(?::[^=]+)?=\\s*([^;\\n]+)`).exec(source);
      const init = decl?.[1]?.trim();
      const fallback = init === undefined ? undefined : /^(?:.*(?:\?\?|\|\|)\s*)?(["'`])([^"'`$]+)\1$/.exec(init);
      text = fallback?.[2];
    }
    if (text === undefined) continue;
    // execSync takes a shell line: its first word is the command.
    const first = text.trim().split(/\s+/)[0];
    if (first) found.push(basename(first));
  }
  return found;
}

test(`${LIST} lists valid, distinct Debian package names`, () => {
  const packages = listedPackages();
  assert.ok(packages.length > 0, `${LIST} lists no package`);
  for (const p of packages) assert.match(p, /^[a-z0-9][a-z0-9+.-]+$/, `${LIST}: "${p}" is not a Debian package name (one per line)`);
  assert.deepEqual([...new Set(packages)], packages, `${LIST} lists a package twice`);
});

test(`the Python reference server's third-party modules and commands have their Debian packages in ${LIST}`, () => {
  const problems = new Problems(new Set(listedPackages()));
  const modules = new Set<string>();
  const commands = new Set<string>();
  for (const file of pythonSources()) {
    const source = read(file);
    const code = file.endsWith(".py") ? withoutDocstrings(source) : source;
    for (const module of pythonModules(code)) {
      modules.add(module);
      const top = module.split(".")[0]!;
      if (PYTHON_LOCAL.has(top) || PYTHON_STDLIB.has(top)) continue;
      problems.check("module", module, moduleProvider(module), file, "PYTHON_MODULES (or PYTHON_STDLIB)");
    }
    for (const command of pythonCommands(code)) {
      commands.add(command);
      problems.check("command", command, COMMANDS[command], file, "COMMANDS");
    }
  }
  // The scan itself still works: the server is a gRPC server on numpy, and runs protoc.
  for (const expected of ["grpc", "numpy"]) {
    assert.ok([...modules].some((m) => m === expected || m.startsWith(expected + ".")), `the scan of ${relative(ROOT, PYTHON_DIR)} found no import of ${expected}: is the import pattern in ${SELF} still right?`);
  }
  assert.ok(commands.has("protoc"), `the scan of ${relative(ROOT, PYTHON_DIR)} found no protoc command: is the pattern in ${SELF} still right?`);
  assert.deepEqual(problems.lines(), []);
});

test(`external commands spawned by src/ and the tests have their Debian packages in ${LIST}`, () => {
  const problems = new Problems(new Set(listedPackages()));
  const commands = new Set<string>();
  for (const file of typescriptSources()) {
    for (const command of spawnedCommands(read(file))) {
      commands.add(command);
      problems.check("command", command, COMMANDS[command], file, "COMMANDS");
    }
  }
  // The scan itself still works: the contract tests spawn the Python server.
  assert.ok(commands.has("python3"), `the scan found no spawn of python3 (test/contract/external-python.test.ts): is the pattern in ${SELF} still right?`);
  assert.deepEqual(problems.lines(), []);
});

test(`make setup (before build, run, test, demo) installs ${LIST}, and nothing else keeps its own list`, () => {
  const makefile = read("Makefile");
  assert.match(makefile, /^setup:.*\bsystem-deps\b/m, "the Makefile's setup target should depend on system-deps");
  assert.match(makefile, /^system-deps:\n\t@?bash deps\/install-system\.sh\b/m, "system-deps should run deps/install-system.sh");
  assert.match(read("deps/install-system.sh"), /apt-packages\.txt/, "deps/install-system.sh should read deps/apt-packages.txt");
  const ciCode = read(".ci/run").split("\n").filter((line) => !/^\s*#/.test(line)).join("\n");
  assert.doesNotMatch(ciCode, /apt-get|dpkg/, ".ci/run should leave the Debian packages to make test");
});
