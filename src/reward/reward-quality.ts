/**
 * Reward quality: how well a learned reward ranks transitions, as pure functions.
 *
 *     auroc(scores, success)     // P(score of a success > score of a failure), ties count ½
 *     spearman(rewards, negDist) // rank correlation, e.g. with −‖achieved − desired‖
 *
 * Both work on ranks, so any monotone rescaling of a reward (GAHIL's
 * `rewardScale`, an offset) leaves them unchanged; they measure the ordering a
 * learner can exploit, not the calibration. Tied values get the average of the
 * ranks they span (fractional ranking), which makes `auroc` the Mann–Whitney U
 * statistic divided by n₊·n₋ and `spearman` the Pearson correlation of the
 * average ranks.
 *
 * Degenerate inputs give NaN rather than a number that looks like a result:
 * `auroc` with no positive or no negative label, `spearman` with fewer than two
 * points or a constant vector. NaN inputs are an error (they have no rank).
 */
import { SimbridgeError } from "../core/errors.js";

/** A binary label: 1/true positive, 0/false negative. */
export type Label = 0 | 1 | boolean;

/**
 * Average (fractional) ranks, 1-based: the smallest value gets rank 1, and each
 * group of equal values gets the mean of the ranks it occupies
 * (e.g. [10, 20, 20, 30] → [1, 2.5, 2.5, 4]).
 */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(values[i]!)) throw SimbridgeError.invalidArgument(`values: element ${i} is NaN, which has no rank`, "values");
    order[i] = i;
  }
  order.sort((a, b) => values[a]! - values[b]! || a - b);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && values[order[j]!] === values[order[i]!]) j++;
    // Positions i..j-1 (0-based) hold equal values: ranks i+1..j, mean (i+1+j)/2.
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) ranks[order[k]!] = rank;
    i = j;
  }
  return ranks;
}

/**
 * Area under the ROC curve of `scores` for binary `labels` (1/true = positive):
 * the probability that a random positive scores higher than a random negative,
 * ties counting ½. Computed from average ranks (Mann–Whitney):
 * `(R₊ − n₊(n₊+1)/2) / (n₊·n₋)` with R₊ the rank sum of the positives.
 * 1 is a perfect ranking, 0.5 chance, 0 a perfectly inverted one.
 *
 * Returns NaN when every label is equal (no positive or no negative): the
 * area is undefined, not 0.5.
 */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<Label>): number {
  if (scores.length !== labels.length) {
    throw SimbridgeError.invalidArgument(`labels: expected ${scores.length} labels (one per score) but got ${labels.length}`, "labels");
  }
  const ranks = averageRanks(scores);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < ranks.length; i++) {
    if (isPositive(labels[i]!, i)) {
      positives++;
      rankSum += ranks[i]!;
    }
  }
  const negatives = ranks.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Spearman's rank correlation of `x` and `y`: the Pearson correlation of their
 * average ranks (so ties are handled exactly, unlike the 1 − 6Σd²/(n(n²−1))
 * shortcut, which assumes distinct values). In [−1, 1].
 *
 * Returns NaN for fewer than two points or when either vector is constant
 * (its ranks have no variance, so no correlation is defined).
 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw SimbridgeError.invalidArgument(`y: expected ${x.length} values (as many as x) but got ${y.length}`, "y");
  const n = x.length;
  if (n < 2) return NaN;
  const rx = averageRanks(x);
  const ry = averageRanks(y);
  const mean = (n + 1) / 2; // the mean of average ranks is always (n+1)/2
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = rx[i]! - mean;
    const dy = ry[i]! - mean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return sxy / Math.sqrt(sxx * syy);
}

function isPositive(label: Label, i: number): boolean {
  if (label === true || label === 1) return true;
  if (label === false || label === 0) return false;
  throw SimbridgeError.invalidArgument(`labels: element ${i} is ${String(label)}; expected 0, 1, true or false`, "labels");
}
