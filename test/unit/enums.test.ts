// Enums written in the ground module must carry the numbers of their sources:
// gRPC's status codes (Code) and the generated protocol enums (StepStatus, DType).
import { test } from "node:test";
import assert from "node:assert/strict";
import { status } from "@grpc/grpc-js";
import { Code } from "../../src/core/errors.js";
import { StepStatus } from "../../src/env/task.js";
import { StepStatus as WireStepStatus } from "../../src/protocol/generated/simbridge/v1/StepStatus.js";
import { DType as WireDType } from "../../src/protocol/generated/simbridge/v1/DType.js";
import { WireDType as CodecDType } from "../../src/protocol/tensor-codec.js";

test("Code has grpc-js's status numbers, name for name", () => {
  for (const [name, value] of Object.entries(Code)) assert.equal(value, status[name as keyof typeof status], name);
  assert.equal(Object.keys(Code).length, Object.keys(status).filter((k) => Number.isNaN(Number(k))).length);
});

test("StepStatus and the codec's dtypes are the generated protocol enums", () => {
  assert.deepEqual(StepStatus, { RUNNING: WireStepStatus.RUNNING, TERMINATED: WireStepStatus.TERMINATED, TRUNCATED: WireStepStatus.TRUNCATED });
  for (const [name, value] of Object.entries(CodecDType)) assert.equal(value, WireDType[name.toUpperCase() as keyof typeof WireDType], name);
});
