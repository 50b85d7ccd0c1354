// An off-policy agent that learns nothing and records every input it acts on
// and every batch the learner hands it (copied: storage reuses its sample arrays), for tests of
// the off-policy schedule and storage through their public API.
//
// With `storedExtras` (name → values per row) `act` returns those extras too,
// made from the input so a test can tell which row they belong to:
// extras[name][r·size + j] = extraValue(k, input row r's first element, j), k the name's position.
//
// `script(requests)` gives it a nextBatch: the request for its u-th update is
// requests[u mod length] (asking does not move it on; update does). Without a
// script it has no nextBatch at all, like most agents.
import type { ActResult, BatchRequest, OffPolicyAgent, TransitionBatch } from "../../src/algos/agent.js";

/** The value RecordingAgent.act returns for the k-th stored extra at element j of a row whose input starts with `first`. */
export function extraValue(k: number, first: number, j: number): number {
  return 10 * first + j + 1000 * (k + 1);
}

export class RecordingAgent implements OffPolicyAgent {
  readonly name = "recording";
  readonly kind = "off-policy";
  readonly batches: TransitionBatch[] = [];
  /** The inputs `act` was called with, copied. */
  readonly inputs: Float32Array[] = [];
  /** Set by `script`; absent otherwise. */
  nextBatch?: () => BatchRequest;
  /** How often nextBatch was called. */
  asked = 0;

  /** What `targetValue` returns for each input row; tests change it to play a critic that learned. */
  value: (row: Float32Array) => number = () => 0;
  /** Rows `targetValue` was asked for, summed over calls. */
  valueRows = 0;

  constructor(
    readonly inputDim: number,
    readonly actDim: number,
    readonly gamma = 0.99,
    readonly storedExtras?: Readonly<Record<string, number>>,
  ) {}

  /** Scripts nextBatch (see the file header); requests may be malformed on purpose (typed loosely). */
  script(requests: readonly unknown[]): this {
    this.nextBatch = () => {
      this.asked++;
      return requests[this.batches.length % requests.length] as BatchRequest;
    };
    return this;
  }

  targetValue(input: Float32Array, rows: number): Float32Array {
    this.valueRows += rows;
    return Float32Array.from({ length: rows }, (_, i) => this.value(input.subarray(i * this.inputDim, (i + 1) * this.inputDim)));
  }

  /** Zero actions, and the stored extras when it declares them (see the file header). */
  act(input: Float32Array, rows: number): ActResult {
    this.inputs.push(input.slice());
    const actions = new Float32Array(rows * this.actDim);
    if (!this.storedExtras) return { actions };
    const extras: Record<string, Float32Array> = {};
    Object.entries(this.storedExtras).forEach(([name, size], k) => {
      extras[name] = Float32Array.from({ length: rows * size }, (_, e) => extraValue(k, input[Math.floor(e / size) * this.inputDim]!, e % size));
    });
    return { actions, extras };
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
      ...(batch.extras ? { extras: Object.fromEntries(Object.entries(batch.extras).map(([name, a]) => [name, a.slice()])) } : {}),
    });
    return { updates: this.batches.length };
  }

  checkpointContents() {
    return { networks: {}, optimizers: {} };
  }

  restoreMeta(): void {}
  dispose(): void {}
}
