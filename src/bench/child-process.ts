/**
 * Benchmarks measure against real server processes: this starts one and
 * waits for the line that says it is ready.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { packageRoot } from "../protocol/service-definition.js";

/** Starts `node ...args` and resolves with its first stdout line matching `pattern`. */
export async function startChild(args: string[], pattern: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, args, { cwd: packageRoot(), stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code} before it was ready`)));
    lines.on("line", (line) => {
      const m = pattern.exec(line);
      if (m) {
        child.removeAllListeners("exit");
        resolve(m);
      }
    });
  });
  return { child, match };
}

/** Starts `simbridge serve ...args` in a child process; resolves with it and the address it printed. */
export async function startServeProcess(args: string[]): Promise<{ child: ChildProcess; address: string }> {
  const { child, match } = await startChild([join(packageRoot(), "bin", "simbridge.js"), "serve", ...args], /listening on (\S+)/);
  return { child, address: match[1]! };
}
