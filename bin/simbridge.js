#!/usr/bin/env node
// The `simbridge` command. The TypeScript is compiled to dist/ by `npm ci` (the
// package's `prepare` script) or by `make build`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
const main = new URL("../dist/src/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error("simbridge is not built yet: run `make build` (or `npm ci`, which builds it).");
  process.exit(1);
}
await import(main.href);
