/**
 * Policies act in [−1, 1]; tasks declare their own bounds. This maps one to
 * the other (a task without bounds gets the policy's action as is).
 */
import type { ArraySpec } from "../env/spec.js";

export function toEnvActions(spec: ArraySpec, actions: Float32Array, out = new Float32Array(actions.length)): Float32Array {
  const lo = spec.minimum;
  const hi = spec.maximum;
  const per = lo?.length ?? 0;
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!;
    if (!lo || !hi) {
      out[i] = a;
      continue;
    }
    const l = lo[i % per]!;
    const h = hi[i % per]!;
    out[i] = Number.isFinite(l) && Number.isFinite(h) ? l + ((a + 1) / 2) * (h - l) : a;
  }
  return out;
}
