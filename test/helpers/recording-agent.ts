// An off-policy agent that learns nothing and records every input it acts on
// and every batch the learner hands it (copied: storage reuses its sample arrays), for tests of
// the off-policy schedule and storage through their public API.
import type { ActResult, OffPolicyAgent, TransitionBatch } from "../../src/algos/agent.js";

export class RecordingAgent implements OffPolicyAgent {
  readonly name = "recording";
  readonly kind = "off-policy";
  readonly batches: TransitionBatch[] = [];
  /** The inputs `act` was called with, copied. */
  readonly inputs: Float32Array[] = [];

  /** What `targetValue` returns for each input row; tests change it to play a critic that learned. */
  value: (row: Float32Array) => number = () => 0;
  /** Rows `targetValue` was asked for, summed over calls. */
  valueRows = 0;

  constructor(
    readonly inputDim: number,
    readonly actDim: number,
    readonly gamma = 0.99,
  ) {}

  targetValue(input: Float32Array, rows: number): Float32Array {
    this.valueRows += rows;
    return Float32Array.from({ length: rows }, (_, i) => this.value(input.subarray(i * this.inputDim, (i + 1) * this.inputDim)));
  }

  /** Zero actions. */
  act(input: Float32Array, rows: number): ActResult {
    this.inputs.push(input.slice());
    return { actions: new Float32Array(rows * this.actDim) };
  }

  update(batch: TransitionBatch): Record<string, number> {
    this.batches.push({
      rows: batch.rows,
      obs: batch.obs.slice(),
      action: batch.action.slice(),
      reward: batch.reward.slice(),
      nextObs: batch.nextObs.slice(),
      terminated: batch.terminated.slice(),
      ...(batch.discount ? { discount: batch.discount.slice() } : {}),
    });
    return { updates: this.batches.length };
  }

  checkpointContents() {
    return { networks: {}, optimizers: {} };
  }

  restoreMeta(): void {}
  dispose(): void {}
}
