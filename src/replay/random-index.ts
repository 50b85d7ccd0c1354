/** Integer draws for samplers, from the seeded stream so runs are reproducible. */
import type { Rng } from "../core/rng.js";

/** A uniform integer in [0, n) (53 random bits per draw, so the bias is negligible). */
export function randomIndex(rng: Rng, n: number): number {
  return Math.floor(rng.uniform() * n);
}

/** A uniformly random permutation of 0..n−1 (Fisher–Yates): one epoch's order of rows. */
export function permutation(rng: Rng, n: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = randomIndex(rng, i + 1);
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
  return order;
}
