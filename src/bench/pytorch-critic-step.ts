/**
 * The PyTorch baseline of a critic Adam step: the same critic as
 * `criticStepMs` in update.ts (in → hidden → hidden → 1, ReLU, MSE against a
 * random target, Adam lr 3e-4) written plainly in PyTorch and timed by a
 * /usr/bin/python3 child process, when Debian's python3-torch is installed.
 *
 * One thread (torch's intra-op threads and OpenBLAS's): tfjs-backend-wasm runs
 * single-threaded in Node, so both sides get one core of this shared 2-core
 * machine. Debian's torch does its matmuls in whatever libblas.so.3 the system
 * provides: the reference BLAS (libblas3) is ~15× slower than OpenBLAS
 * (libopenblas0) at batch 256, hidden 256, so the report names the library
 * that was loaded and OPENBLAS_CORETYPE (the machine may pin the kernel).
 */
import { spawnSync } from "node:child_process";

export type PytorchCriticStep =
  | { available: true; ms: number; torch_version: string; threads: number; blas: string; openblas_coretype: string }
  | { available: false; reason: string };

export interface PytorchCriticStepOptions {
  batch: number;
  hidden: number;
  inDim: number;
  warmup: number;
  iters: number;
}

/** Debian's python3, where python3-torch installs (as the tests' Python server: $SIMBRIDGE_PYTHON overrides). */
const PYTHON = process.env["SIMBRIDGE_PYTHON"] ?? "/usr/bin/python3";

/**
 * Every timing script's last lines: times `work()` `iters` times after `warmup`
 * untimed calls and prints the median with which torch and BLAS ran.
 */
export const TIME_AND_REPORT_PYTHON = `
for _ in range(warmup):
    work()
times = []
for _ in range(iters):
    t0 = time.perf_counter()
    work()
    times.append((time.perf_counter() - t0) * 1000)
with open("/proc/self/maps") as maps:
    blas = sorted({l.split()[-1] for l in maps if "blas" in l.split()[-1]})
print(json.dumps({"ms": statistics.median(times), "torch_version": torch.__version__, "threads": torch.get_num_threads(), "blas": " ".join(blas) or "none loaded"}))
`;

const SCRIPT = `
import json, statistics, sys, time
import torch
batch, hidden, in_dim, warmup, iters = map(int, sys.argv[1:6])
torch.set_num_threads(1)
torch.manual_seed(1)
critic = torch.nn.Sequential(
    torch.nn.Linear(in_dim, hidden), torch.nn.ReLU(),
    torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
    torch.nn.Linear(hidden, 1))
opt = torch.optim.Adam(critic.parameters(), lr=3e-4)
x = torch.randn(batch, in_dim)
target = torch.randn(batch, 1)
def work():
    opt.zero_grad(set_to_none=True)
    loss = ((critic(x) - target) ** 2).mean()
    loss.backward()
    opt.step()
    return loss.item()
` + TIME_AND_REPORT_PYTHON;

/** Median ms of one PyTorch critic Adam step at these sizes, or why there is none. */
export function pytorchCriticStep(opts: PytorchCriticStepOptions): PytorchCriticStep {
  return runPytorchTiming(SCRIPT, [opts.batch, opts.hidden, opts.inDim, opts.warmup, opts.iters]);
}

/**
 * Runs a timing script with Debian's python3 and torch on one thread (torch's and
 * OpenBLAS's). The script gets `args` as argv[1:] and prints one JSON line with
 * `ms`, `torch_version`, `threads` and `blas` (see SCRIPT); the result names
 * what ran, or says why there is no PyTorch figure.
 */
export function runPytorchTiming(script: string, args: readonly number[]): PytorchCriticStep {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" };
  const run = spawnSync(PYTHON, ["-c", script, ...args.map(String)], { encoding: "utf8", timeout: 600_000, env });
  if (run.error) return { available: false, reason: `${PYTHON} could not run (${run.error.message}): no PyTorch baseline` };
  if (/No module named 'torch'/.test(run.stderr)) return { available: false, reason: "PyTorch not installed (Debian package python3-torch): no PyTorch baseline" };
  if (run.status !== 0) return { available: false, reason: `PyTorch baseline failed: ${run.stderr.trim().split("\n").pop()}` };
  const out = JSON.parse(run.stdout) as { ms: number; torch_version: string; threads: number; blas: string };
  return {
    available: true,
    ms: Math.round(out.ms * 1000) / 1000,
    torch_version: out.torch_version,
    threads: out.threads,
    blas: out.blas,
    openblas_coretype: process.env["OPENBLAS_CORETYPE"] ?? "(not set: OpenBLAS picks its kernel)",
  };
}
