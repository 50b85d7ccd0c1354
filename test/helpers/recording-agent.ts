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

  constructor(
    readonly inputDim: number,
    readonly actDim: number,
  ) {}

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
