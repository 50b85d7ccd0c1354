import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BackendUnavailableError, selectBackend, setModuleImporterForTests } from "../../src/nn/backend.js";
import type { BackendName } from "../../src/nn/backend.js";

function notFound(specifier: string): Promise<never> {
  const error = new Error(`Cannot find package '${specifier}' imported from /x.js`) as Error & { code: string };
  error.code = "ERR_MODULE_NOT_FOUND";
  return Promise.reject(error);
}

test("an explicit native backend that is not installed fails with how to install it", async () => {
  setModuleImporterForTests(notFound);
  try {
    await assert.rejects(selectBackend("tensorflow"), (error: unknown) => {
      assert.ok(error instanceof BackendUnavailableError);
      assert.match(error.message, /@tensorflow\/tfjs-node is not installed/);
      assert.match(error.message, /npm install @tensorflow\/tfjs-node`/);
      return true;
    });
    await assert.rejects(selectBackend("tensorflow-gpu"), /npm install @tensorflow\/tfjs-node-gpu/);
  } finally {
    setModuleImporterForTests();
  }
});

test("a native package that is installed but broken says so", async () => {
  setModuleImporterForTests(() => Promise.reject(new Error("libtensorflow.so.2: cannot open shared object file")));
  try {
    await assert.rejects(selectBackend("tensorflow"), /installed but failed to load \(libtensorflow\.so\.2/);
  } finally {
    setModuleImporterForTests();
  }
});

test("auto falls back to wasm when no native package is installed; selection is idempotent", async () => {
  setModuleImporterForTests(notFound);
  try {
    const a = await selectBackend("auto");
    assert.equal(a.name, "wasm");
    assert.match(a.detail, /^wasm \((no )?SIMD, \d+ threads?\)$/);
    assert.equal(tf.getBackend(), "wasm");
    const [b, c] = await Promise.all([selectBackend("auto"), selectBackend("wasm")]);
    assert.deepEqual(b, a);
    assert.deepEqual(c, a);
    const cpu = await selectBackend("cpu");
    assert.equal(cpu.name, "cpu");
    assert.equal(tf.getBackend(), "cpu");
    assert.equal((await selectBackend("wasm")).name, "wasm");
    assert.equal(tf.getBackend(), "wasm");
  } finally {
    setModuleImporterForTests();
  }
});

test("an unknown backend name is rejected", async () => {
  await assert.rejects(selectBackend("webgpu" as BackendName), /Unknown backend "webgpu"; expected one of auto, tensorflow-gpu, tensorflow, wasm, cpu/);
});
