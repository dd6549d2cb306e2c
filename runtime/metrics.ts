// Evaluation metrics: builders for the specs the compiler emits, and pure JS reductions over
// logits read back from the backend (float64 arithmetic, explicit tie-breaking).
import type { MetricSpec, Model } from "./program.js";
import { IGNORE_INDEX } from "./losses/cross-entropy.js";
import { metricLabelOf } from "./metric-label.js";

/** The fraction of rows whose label is among the model's `top` highest logits (default 1: the argmax). */
export function accuracy(options: { readonly top?: number } = {}): MetricSpec {
  const top = options.top ?? 1;
  if (!(Number.isInteger(top) && top >= 1)) throw new RangeError(`accuracy: top must be a positive integer, got ${top}`);
  return top === 1 ? { kind: "accuracy" } : { kind: "accuracy", top };
}

/** The stage's objective evaluated on the split (models in inference mode); see MetricSpec. */
export function loss(): MetricSpec {
  return { kind: "loss" };
}

/** The fraction of examples where the evaluated model's argmax equals `teacher`'s. */
export function agreement(teacher: Model): MetricSpec {
  return { kind: "agreement", teacher };
}

export function ece(): MetricSpec {
  return { kind: "ece" };
}

/**
 * Mean over rows (examples; next-token positions on token splits) of KL(softmax(t/T) ‖ softmax(s/T)),
 * the teacher's distribution against the evaluated model's; no T² factor. Default T = 1.
 */
export function klToTeacher(teacher: Model, options: { readonly T?: number } = {}): MetricSpec {
  const T = options.T ?? 1;
  if (!(T > 0)) throw new RangeError(`klToTeacher: T must be positive, got ${T}`);
  return { kind: "kl", teacher, T };
}

/** exp of the mean next-token cross-entropy over target tokens ≠ −100 (token splits). */
export function perplexity(): MetricSpec {
  return { kind: "perplexity" };
}

/**
 * On a preference split: the fraction of pairs whose implicit reward log π(y|x) − log π_ref(y|x)
 * is higher for the chosen response than for the rejected one (ties count as wrong).
 */
export function preferenceAccuracy(reference: Model): MetricSpec {
  return { kind: "preferenceAccuracy", reference };
}

/** On a preference split: mean β·(reward(chosen) − reward(rejected)), rewards as above; default β = 0.1. */
export function rewardMargin(reference: Model, options: { readonly beta?: number } = {}): MetricSpec {
  return { kind: "rewardMargin", reference, beta: options.beta ?? 0.1 };
}

/**
 * The label a metric has in reports and the metrics log: `accuracy`, `accuracy@5`, `agreement(big)`,
 * `ece`, `kl(big)`, `kl(big, T=4)`, `perplexity`, `preference_accuracy`, `reward_margin`,
 * `reward_margin(beta=0.5)`, `loss`. Arguments at their defaults are left out.
 */
export function metricLabel(metric: MetricSpec): string {
  switch (metric.kind) {
    case "agreement":
    case "kl":
      return metricLabelOf({ ...metric, teacher: metric.teacher.name });
    case "preferenceAccuracy":
      return "preference_accuracy";
    case "rewardMargin":
      return metricLabelOf({ kind: "reward_margin", beta: metric.beta });
    default:
      return metricLabelOf(metric);
  }
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

/**
 * Per row, whether the label is among the `k` highest logits, ranking like argmax: class c is
 * ahead of the label y when z_c > z_y, or z_c = z_y and c < y (ties to the first index), so k = 1
 * agrees with argmaxRows. Rows labelled −100 get 0 (accuracyOf skips them).
 */
export function topKHits(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number, k: number): Int32Array {
  const rows = logits.length / classes;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const y = labels[r]!;
    if (y === IGNORE_INDEX) continue;
    const zy = logits[r * classes + y]!;
    let ahead = 0;
    for (let c = 0; c < classes && ahead < k; c++) {
      const z = logits[r * classes + c]!;
      if (z > zy || (z === zy && c < y)) ahead++;
    }
    out[r] = ahead < k ? 1 : 0;
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

/** Row-wise log-softmax of row-major [rows, classes] values divided by T, in float64. */
function logSoftmaxInto(z: ArrayLike<number>, from: number, classes: number, T: number, out: Float64Array): void {
  let max = -Infinity;
  for (let c = 0; c < classes; c++) max = Math.max(max, z[from + c]! / T);
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += Math.exp(z[from + c]! / T - max);
  const lse = max + Math.log(sum);
  for (let c = 0; c < classes; c++) out[c] = z[from + c]! / T - lse;
}

/** Per row, KL(softmax(teacher/T) ‖ softmax(student/T)) = Σ_c p_t (log p_t − log p_s), in float64. */
export function klRows(student: ArrayLike<number>, teacher: ArrayLike<number>, classes: number, T = 1): Float64Array {
  const rows = student.length / classes;
  const out = new Float64Array(rows);
  const ls = new Float64Array(classes);
  const lt = new Float64Array(classes);
  for (let r = 0; r < rows; r++) {
    logSoftmaxInto(student, r * classes, classes, T, ls);
    logSoftmaxInto(teacher, r * classes, classes, T, lt);
    let kl = 0;
    for (let c = 0; c < classes; c++) {
      const p = Math.exp(lt[c]!);
      if (p > 0) kl += p * (lt[c]! - ls[c]!);
    }
    out[r] = kl;
  }
  return out;
}

/** Mean of `values` over rows whose label is not −100 (all rows without labels); NaN when none. */
export function maskedMean(values: ArrayLike<number>, labels?: ArrayLike<number>): number {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    if (labels && labels[i] === IGNORE_INDEX) continue;
    n++;
    sum += values[i]!;
  }
  return n === 0 ? NaN : sum / n;
}

/** Per row, −log softmax(z)[label] (0 where the label is −100), in float64. */
export function nllRows(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number): Float64Array {
  const rows = logits.length / classes;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const y = labels[r]!;
    if (y === IGNORE_INDEX) continue;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[r * classes + c]!);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[r * classes + c]! - max);
    out[r] = max + Math.log(sum) - logits[r * classes + y]!;
  }
  return out;
}

/** exp(Σ nll / #labelled rows): perplexity from per-row negative log-likelihoods; NaN when no row counts. */
export function perplexityOf(nll: ArrayLike<number>, labels: ArrayLike<number>): number {
  const mean = maskedMean(nll, labels);
  return Number.isNaN(mean) ? NaN : Math.exp(mean);
}

/**
 * Per sequence, Σ_t log softmax(logits[t])[targets[t+1]] over positions whose next target is not
 * −100: the log-probability of the response under the model (targets unshifted, as token batches
 * hold them). logits row-major [rows, T, V], targets [rows, T].
 */
export function sequenceLogProbs(logits: ArrayLike<number>, targets: ArrayLike<number>, rows: number, context: number, vocab: number): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let total = 0;
    for (let t = 0; t + 1 < context; t++) {
      const y = targets[r * context + t + 1]!;
      if (y === IGNORE_INDEX) continue;
      const from = (r * context + t) * vocab;
      let max = -Infinity;
      for (let v = 0; v < vocab; v++) max = Math.max(max, logits[from + v]!);
      let sum = 0;
      for (let v = 0; v < vocab; v++) sum += Math.exp(logits[from + v]! - max);
      total += logits[from + y]! - max - Math.log(sum);
    }
    out[r] = total;
  }
  return out;
}

/** Implicit rewards log π − log π_ref of chosen and rejected responses, pair by pair. */
export interface PreferenceLogProbs {
  readonly policyChosen: ArrayLike<number>;
  readonly policyRejected: ArrayLike<number>;
  readonly referenceChosen: ArrayLike<number>;
  readonly referenceRejected: ArrayLike<number>;
}

/** Mean [reward(chosen) > reward(rejected)] over pairs; NaN when there are none. */
export function preferenceAccuracyOf(p: PreferenceLogProbs): number {
  const n = p.policyChosen.length;
  let wins = 0;
  for (let i = 0; i < n; i++) {
    if (p.policyChosen[i]! - p.referenceChosen[i]! > p.policyRejected[i]! - p.referenceRejected[i]!) wins++;
  }
  return n === 0 ? NaN : wins / n;
}

/** Mean β·(reward(chosen) − reward(rejected)) over pairs; NaN when there are none. */
export function rewardMarginOf(p: PreferenceLogProbs, beta: number): number {
  const n = p.policyChosen.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += beta * (p.policyChosen[i]! - p.referenceChosen[i]! - (p.policyRejected[i]! - p.referenceRejected[i]!));
  }
  return n === 0 ? NaN : sum / n;
}
