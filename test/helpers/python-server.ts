// The Python reference server (sims/external/python) for tests: start it as a
// child process and wait for its listening line; fail (never skip) naming the
// Debian packages when python3 or its modules are missing.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { packageRoot } from "../../src/protocol/service-definition.js";

export const PYTHON = process.env["SIMBRIDGE_PYTHON"] ?? "/usr/bin/python3";
export const PACKAGE_DIR = join(packageRoot(), "sims", "external", "python");
export const INSTALL_HINT = "install the Debian packages of deps/apt-packages.txt: bash deps/install-system.sh (as root), or run make test, which does";

export interface PythonServer {
  readonly child: ChildProcess;
  readonly address: string;
  /** What the server wrote to stderr so far (its log with --verbose). */
  readonly stderr: () => string;
}

/** Fails (never skips) with the packages to install when python3 or its modules are missing. */
export function checkPython(): void {
  const r = spawnSync(PYTHON, ["-c", "import grpc, numpy, google.protobuf"], { encoding: "utf8", timeout: 60_000 });
  if (r.error) throw new Error(`cannot run ${PYTHON} (${r.error.message}): the Python external environment needs it; ${INSTALL_HINT}`);
  if (r.status !== 0) throw new Error(`${PYTHON} lacks grpc/numpy/protobuf: ${r.stderr.trim().split("\n").pop()}; ${INSTALL_HINT}`);
}

/** Starts `python3 -m simbridge_external --port 0 ...args` and waits for its listening line. */
export function startPython(...args: string[]): Promise<PythonServer> {
  const child = spawn(PYTHON, ["-m", "simbridge_external", "--port", "0", ...args], {
    cwd: PACKAGE_DIR,
    env: { ...process.env, PYTHONPATH: PACKAGE_DIR, PYTHONUNBUFFERED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
  return new Promise<PythonServer>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`python server ${args.join(" ")} did not print its listening line within 60 s; stderr:\n${stderr}`));
    }, 60_000);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${PYTHON}: ${e.message}; ${INSTALL_HINT}`));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`python server ${args.join(" ")} exited with code ${code} before listening; stderr:\n${stderr}\n(${INSTALL_HINT})`));
    });
    createInterface({ input: child.stdout! }).once("line", (line) => {
      clearTimeout(timer);
      const m = /^simbridge listening on (\S+)$/.exec(line);
      if (m) resolve({ child, address: m[1]!, stderr: () => stderr });
      else reject(new Error(`python server's first line is not 'simbridge listening on HOST:PORT' but '${line}'`));
    });
  });
}

/** Stops a server started by startPython: SIGTERM, then SIGKILL after 5 s; resolves when it has exited. */
export async function stopPython(server: PythonServer | undefined): Promise<void> {
  const child = server?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
