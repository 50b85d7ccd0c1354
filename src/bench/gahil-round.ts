/**
 * `simbridge bench update --algo gahil`: one GAHIL discriminator round
 * (`Gahil.trainRound`: `stepsPerRound` Adam steps of the 400-300 D on `batch`
 * positives + `batch` negatives drawn from its pools, the relativistic loss),
 * at ReacherGoal-v0's sizes by default, against the same round in PyTorch
 * (one thread) measured in the same run when python3-torch is installed.
 *
 * The pools hold random rows (4 × batch of each class): the time of a round does
 * not depend on what the rows say. The PyTorch side draws its batches from
 * tensors of the same size with `torch.randint`, as `gather` does.
 */
import { Rng } from "../core/rng.js";
import { selectBackend, type BackendName } from "../nn/backend.js";
import { Gahil } from "../reward/gahil.js";
import type { RewardBatch } from "../reward/reward-model.js";
import { TIME_AND_REPORT_PYTHON, runPytorchTiming, type PytorchCriticStep } from "./pytorch-critic-step.js";
import { median, round, warmupFor } from "./update.js";

export interface BenchGahilRoundOptions {
  /** Rows per class and step (GAHIL's batchSize; `make run` uses 1024, the default option 4096). */
  batch: number;
  goalDim: number;
  obsDim: number;
  actDim: number;
  /** Timed rounds (median reported). */
  iters: number;
  backend?: string;
}

export interface BenchGahilRoundResult {
  backend: string;
  rows_per_class: number;
  steps_per_round: number;
  input_size: number;
  hidden: number[];
  round_ms: number;
  pytorch: (PytorchCriticStep & { available: true; simbridge_over_pytorch: number }) | (PytorchCriticStep & { available: false });
}

const STEPS_PER_ROUND = 6;
const HIDDEN = [400, 300];

export async function benchGahilRound(opts: BenchGahilRoundOptions): Promise<BenchGahilRoundResult> {
  const backend = await selectBackend((opts.backend ?? "auto") as BackendName);
  const gahil = new Gahil({ goalSize: opts.goalDim, obsSize: opts.obsDim, actionSize: opts.actDim, batchSize: opts.batch, stepsPerRound: STEPS_PER_ROUND, hidden: HIDDEN, seed: 1 });
  try {
    const rng = new Rng(2);
    const rows = 4 * opts.batch;
    const random = (width: number) => Float32Array.from({ length: rows * width }, () => rng.normal());
    const batch = (): RewardBatch => ({
      achievedGoal: random(opts.goalDim),
      desiredGoal: random(opts.goalDim),
      nextAchievedGoal: random(opts.goalDim),
      obs: random(opts.obsDim),
      nextObs: random(opts.obsDim),
      action: random(opts.actDim),
    });
    gahil.addPositives(batch());
    gahil.addNegatives(batch());
    const iters = Math.max(1, opts.iters);
    const roundMs = median(warmupFor(iters), iters, () => gahil.trainRound());
    const torch = runPytorchTiming(TORCH_ROUND, [opts.batch, gahil.inputSize, HIDDEN[0]!, HIDDEN[1]!, STEPS_PER_ROUND, warmupFor(iters), iters]);
    return {
      backend: backend.detail,
      rows_per_class: opts.batch,
      steps_per_round: STEPS_PER_ROUND,
      input_size: gahil.inputSize,
      hidden: HIDDEN,
      round_ms: round(roundMs),
      pytorch: torch.available ? { ...torch, simbridge_over_pytorch: round(roundMs / torch.ms) } : torch,
    };
  } finally {
    gahil.dispose();
  }
}

/** The same round in PyTorch: D = in → h1 → h2 → 1 (ReLU), Adam 3e-3, the relativistic loss of gahil.ts. */
const TORCH_ROUND =
  `
import json, statistics, sys, time
import torch
batch, in_dim, h1, h2, steps, warmup, iters = map(int, sys.argv[1:8])
torch.set_num_threads(1)
torch.manual_seed(1)
d = torch.nn.Sequential(torch.nn.Linear(in_dim, h1), torch.nn.ReLU(), torch.nn.Linear(h1, h2), torch.nn.ReLU(), torch.nn.Linear(h2, 1))
opt = torch.optim.Adam(d.parameters(), lr=3e-3)
pos = torch.randn(4 * batch, in_dim)
neg = torch.randn(4 * batch, in_dim)
def work():
    for _ in range(steps):
        x = torch.cat([pos[torch.randint(0, pos.shape[0], (batch,))], neg[torch.randint(0, neg.shape[0], (batch,))]])
        out = d(x).squeeze(1)
        real, fake = out[:batch], out[batch:]
        loss = 0.5 * ((fake - real.mean() + 2) ** 2).mean() + ((real - fake.mean() - 2) ** 2).mean() + 0.1 * ((real - 0.1) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return loss.item()
` + TIME_AND_REPORT_PYTHON;
