/** Integer draws for samplers, from the seeded stream so runs are reproducible. */
import type { Rng } from "../core/rng.js";

/** A uniform integer in [0, n) (53 random bits per draw, so the bias is negligible). */
export function randomIndex(rng: Rng, n: number): number {
  return Math.floor(rng.uniform() * n);
}
