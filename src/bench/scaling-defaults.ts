/**
 * The defaults of `simbridge bench scaling` (issue 15's points), in a file of
 * their own so that the CLI's help can show them without loading the bench.
 */
export type ScalingCurve = "envs" | "update" | "all";

export const SCALING_DEFAULTS = {
  curve: "all" as ScalingCurve,
  task: "Ant-v5",
  /** Envs per request. */
  envs: [1, 2, 4, 8, 16, 32, 64],
  /** Seconds of stepping per side, point and repeat. */
  seconds: 2,
  repeats: 3,
  batches: [32, 64, 128, 256, 512, 1024],
  hiddenForBatches: 256,
  hiddens: [64, 128, 256, 512],
  batchForHiddens: 256,
  /** Critic input: bench update's obs 32 + action 8. */
  inDim: 40,
  iters: 30,
  nativeSeconds: 2,
} as const;
