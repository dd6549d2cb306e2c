// Evaluation metrics: builders for the specs the compiler emits, and pure JS reductions over
// logits read back from the backend (float64 arithmetic, explicit tie-breaking).
import type { MetricSpec, Model } from "./program.js";
import { IGNORE_INDEX } from "./losses/cross-entropy.js";

export function accuracy(): MetricSpec {
  return { kind: "accuracy" };
}

/** The fraction of examples where the evaluated model's argmax equals `teacher`'s. */
export function agreement(teacher: Model): MetricSpec {
  return { kind: "agreement", teacher };
}

export function ece(): MetricSpec {
  return { kind: "ece" };
}

/** The label a metric has in reports: `accuracy`, `agreement(big)`, `ece`. */
export function metricLabel(metric: MetricSpec): string {
  return metric.kind === "agreement" ? `agreement(${metric.teacher.name})` : metric.kind;
}

/** Number of equal-width confidence bins for ECE. */
export const ECE_BINS = 15;

/** Row-wise argmax of row-major [rows, classes] logits; ties go to the first index. */
export function argmaxRows(logits: ArrayLike<number>, classes: number): Int32Array {
  const rows = logits.length / classes;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let max = logits[r * classes]!;
    for (let c = 1; c < classes; c++) {
      const v = logits[r * classes + c]!;
      if (v > max) {
        max = v;
        best = c;
      }
    }
    out[r] = best;
  }
  return out;
}

/** Row-wise max softmax probability, computed stably in float64: 1 / Σ_c exp(z_c − max z). */
export function confidenceRows(logits: ArrayLike<number>, classes: number): Float64Array {
  const rows = logits.length / classes;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[r * classes + c]!);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[r * classes + c]! - max);
    out[r] = 1 / sum;
  }
  return out;
}

/** Mean of [predicted = label] over rows whose label is not -100; NaN when there are none. */
export function accuracyOf(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  let n = 0;
  let hits = 0;
  for (let i = 0; i < predicted.length; i++) {
    if (labels[i] === IGNORE_INDEX) continue;
    n++;
    if (predicted[i] === labels[i]) hits++;
  }
  return n === 0 ? NaN : hits / n;
}

/**
 * Mean of [student argmax = teacher argmax], over rows whose label is not -100 when labels are
 * given, over all rows otherwise.
 */
export function agreementOf(student: ArrayLike<number>, teacher: ArrayLike<number>, labels?: ArrayLike<number>): number {
  let n = 0;
  let same = 0;
  for (let i = 0; i < student.length; i++) {
    if (labels && labels[i] === IGNORE_INDEX) continue;
    n++;
    if (student[i] === teacher[i]) same++;
  }
  return n === 0 ? NaN : same / n;
}

/**
 * Expected calibration error with 15 equal-width bins (lo, hi] over the confidence (max softmax):
 * Σ_b (|B_b|/N)·|acc_b − conf_b|, over rows whose label is not -100. A confidence exactly on a
 * boundary k/15 falls in the lower bin.
 */
export function eceOf(confidence: ArrayLike<number>, predicted: ArrayLike<number>, labels: ArrayLike<number>, bins = ECE_BINS): number {
  const count = new Float64Array(bins);
  const hits = new Float64Array(bins);
  const conf = new Float64Array(bins);
  let n = 0;
  for (let i = 0; i < confidence.length; i++) {
    if (labels[i] === IGNORE_INDEX) continue;
    const p = confidence[i]!;
    // The first bin whose upper edge (k+1)/bins is ≥ p; p ≤ 0 goes to bin 0.
    let b = Math.min(bins - 1, Math.max(0, Math.ceil(p * bins) - 1));
    while (b > 0 && p <= b / bins) b--;
    while (b < bins - 1 && p > (b + 1) / bins) b++;
    count[b]++;
    conf[b] += p;
    if (predicted[i] === labels[i]) hits[b]++;
    n++;
  }
  if (n === 0) return NaN;
  let total = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b] === 0) continue;
    total += (count[b]! / n) * Math.abs(hits[b]! / count[b]! - conf[b]! / count[b]!);
  }
  return total;
}
