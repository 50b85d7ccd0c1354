/**
 * The protocol's checks, as `make proto-check` runs them before the node tests
 * (buf.yaml says which rules and why): `buf lint` passes on proto/, and `buf
 * breaking` against the released v1 protocol (proto/v1-release.binpb) passes on
 * the protocol as it is and with fields, messages and RPCs added, and fails,
 * naming what broke, when a change would break v1 clients. Each change is made
 * to a copy of buf.yaml and proto/ in a temporary folder.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/protocol/service-definition.js";

const ROOT = packageRoot();
/** The npm package's launcher of the buf binary (a node script). */
const BUF = createRequire(import.meta.url).resolve("@bufbuild/buf/bin/buf");
const BREAKING = ["breaking", "proto", "--against", "proto/v1-release.binpb"];
const SESSION = "proto/simbridge/v1/session.proto";
const TENSOR = "proto/simbridge/v1/tensor.proto";
const SPEC = "proto/simbridge/v1/spec.proto";

interface Finding {
  readonly path: string;
  readonly type: string;
  readonly message: string;
}

/** Runs buf in `cwd`; its findings (--error-format=json, one per line; compile errors too, as type COMPILE). */
function buf(cwd: string, args: string[]): { status: number | null; findings: Finding[]; output: string } {
  const run = spawnBuf(cwd, [...args, "--error-format=json"]);
  const findings = run.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Finding);
  return { status: run.status, findings, output: (run.stdout + run.stderr).trim() };
}

function spawnBuf(cwd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [BUF, ...args], { cwd, encoding: "utf8", timeout: 60_000 });
  if (run.error) throw run.error;
  return run;
}

/** A copy of buf.yaml and proto/ (the baseline image included) in a temporary folder, removed after `body`. */
function withCopy(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "simbridge-buf-"));
  try {
    cpSync(join(ROOT, "buf.yaml"), join(dir, "buf.yaml"));
    cpSync(join(ROOT, "proto"), join(dir, "proto"), { recursive: true });
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Replaces the one match of `from` in the copy's `file`; fails when the anchor is not there exactly once. */
function edit(dir: string, file: string, from: RegExp, to: string): void {
  const path = join(dir, file);
  const text = readFileSync(path, "utf8");
  const matches = text.match(new RegExp(from.source, from.flags.includes("g") ? from.flags : from.flags + "g")) ?? [];
  assert.equal(matches.length, 1, `${file}: expected one match of ${from} to edit, found ${matches.length}`);
  writeFileSync(path, text.replace(from, to));
}

function assertPasses(run: ReturnType<typeof buf>, what: string): void {
  assert.deepEqual(run.findings, [], `${what}: ${run.output}`);
  assert.equal(run.status, 0, `${what} exited ${run.status}: ${run.output}`);
}

/** buf failed with a finding of rule `type` in `path` whose message names every one of `names`. */
function assertFinding(run: ReturnType<typeof buf>, path: string, type: string, names: string[]): void {
  assert.notEqual(run.status, 0, `buf should fail with ${type}, but passed: ${run.output}`);
  const compile = run.findings.filter((f) => f.type === "COMPILE");
  assert.deepEqual(compile, [], "the edited copy should still compile");
  const hit = run.findings.find((f) => f.type === type && f.path === path && names.every((n) => f.message.includes(`"${n}"`)));
  assert.ok(hit, `expected a ${type} finding in ${path} naming ${names.join(", ")}; buf said:\n${run.output}`);
}

test("buf runs from node_modules (the npm package @bufbuild/buf), no download", () => {
  const run = spawnBuf(ROOT, ["--version"]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout.trim(), /^\d+\.\d+\.\d+/);
});

test("buf lint passes on proto/ (STANDARD, with the exceptions buf.yaml gives reasons for)", () => {
  assertPasses(buf(ROOT, ["lint"]), "buf lint");
});

test("buf lint's exceptions cover only the files that shipped those names: a new file gets the whole STANDARD set", () => {
  withCopy((dir) => {
    const file = "proto/simbridge/v1/lint_probe.proto";
    writeFileSync(
      join(dir, file),
      [
        'syntax = "proto3";',
        "package simbridge.v1;",
        "enum ProbeMode {",
        "  PROBE_MODE_UNSPECIFIED = 0;",
        "  PROBE_LOUD = 1;",
        "}",
        "message ProbeRequest {}",
        "message ProbeFrame {}",
        "service ProbeService {",
        "  rpc Probe(ProbeRequest) returns (stream ProbeFrame);",
        "}",
        "",
      ].join("\n"),
    );
    const run = buf(dir, ["lint"]);
    assertFinding(run, file, "ENUM_VALUE_PREFIX", ["PROBE_LOUD"]);
    assertFinding(run, file, "RPC_RESPONSE_STANDARD_NAME", ["ProbeFrame"]);
    assert.deepEqual(
      run.findings.filter((f) => f.path !== file),
      [],
      "only the new file should have findings",
    );
  });
});

test("buf breaking against v1: the protocol as it is passes", () => {
  withCopy((dir) => assertPasses(buf(dir, BREAKING), "buf breaking on the unchanged protocol"));
});

test("buf breaking against v1: a new optional field, a new message and a new RPC pass", () => {
  withCopy((dir) => {
    edit(dir, SESSION, /^message MakeEnvsRequest \{\n/m, "message MakeEnvsRequest {\n  optional string probe_note = 1000;\n");
    edit(dir, SESSION, /^service EnvironmentService \{\n/m, "service EnvironmentService {\n  rpc ProbeAdded(ProbeAddedRequest) returns (ProbeAddedResponse);\n");
    writeFileSync(
      join(dir, SESSION),
      readFileSync(join(dir, SESSION), "utf8") + "\nmessage ProbeAddedRequest {}\n\nmessage ProbeAddedResponse {\n  optional uint64 count = 1;\n}\n",
    );
    assertPasses(buf(dir, BREAKING), "buf breaking with additions");
    assertPasses(buf(dir, ["lint"]), "buf lint with additions");
  });
});

test("buf breaking against v1: a changed field number fails, naming the field", () => {
  withCopy((dir) => {
    edit(dir, SESSION, /(?<before>message MakeEnvsRequest \{[^}]*?uint32 count = )2;/, "$<before>20;");
    assertFinding(buf(dir, BREAKING), SESSION, "FIELD_NO_DELETE", ["2", "count", "MakeEnvsRequest"]);
  });
});

test("buf breaking against v1: a changed field type fails, naming the field and both types", () => {
  withCopy((dir) => {
    edit(dir, TENSOR, /(message Tensor \{[^}]*?)bytes data = 3;/, "$1string data = 3;");
    assertFinding(buf(dir, BREAKING), TENSOR, "FIELD_SAME_TYPE", ["data", "Tensor", "bytes", "string"]);
  });
});

test("buf breaking against v1: a renamed field fails though the wire keeps its number (generated code and JSON change)", () => {
  withCopy((dir) => {
    edit(dir, SESSION, /(message StepResult \{[^}]*?repeated bool )is_success = 5;/, "$1succeeded = 5;");
    const run = buf(dir, BREAKING);
    assertFinding(run, SESSION, "FIELD_SAME_NAME", ["StepResult", "is_success", "succeeded"]);
    assertFinding(run, SESSION, "FIELD_SAME_JSON_NAME", ["StepResult", "isSuccess", "succeeded"]);
  });
});

test("buf breaking against v1: a message moved to another file fails (FILE rules: generated imports change)", () => {
  withCopy((dir) => {
    const tensor = readFileSync(join(dir, TENSOR), "utf8");
    const value = /^(?:\/\/[^\n]*\n)*message Value \{\n[\s\S]*?\n\}\n/m.exec(tensor);
    assert.ok(value, `${TENSOR}: message Value not found`);
    writeFileSync(join(dir, TENSOR), tensor.replace(value[0], ""));
    writeFileSync(join(dir, SPEC), readFileSync(join(dir, SPEC), "utf8") + "\n" + value[0]);
    assertFinding(buf(dir, BREAKING), TENSOR, "MESSAGE_NO_DELETE", ["Value"]);
  });
});
