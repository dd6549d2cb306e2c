import * as tf from "@tensorflow/tfjs";
import { checkLabels, checkLogitPair, checkPositive, constant, gatherRows, logAddExp, maskedMean, permuteRows, safeLabels, validMask } from "./internal.js";
import { stopGradient } from "./stop-gradient.js";

export interface PldOptions {
  /** Temperature of the teacher's weights α = softmax(t/τ); default 1. The student is not scaled. */
  readonly tau?: number;
}

/**
 * Plackett-Luce distillation: a teacher-weighted Plackett-Luce (listwise ranking) loss on the
 * student's raw logits, mean over labelled rows:
 *
 *   π    = the true label first, then the other classes by descending teacher logit
 *          (ties: lower class index first)
 *   α_k  = softmax(t/τ)[π_k]
 *   loss = mean_b Σ_{k=1..C} α_k · [ logsumexp_{l ≥ k} s_{π_l} − s_{π_k} ]
 *
 * Raw student logits (no temperature on s), no T². The suffix logsumexps are computed in log space
 * by a log-depth scan (log(e^a + e^b) pairwise), finite for ±50 logits. student, teacher [B, C];
 * labels [B] int32; rows labelled -100 are ignored (all ignored → 0, zero gradient). π and α are
 * constants (the teacher gets no gradient); the student's permutation is differentiated exactly.
 */
export function pld(student: tf.Tensor2D, teacher: tf.Tensor2D, labels: tf.Tensor1D, options: PldOptions = {}): tf.Scalar {
  const tau = options.tau ?? 1;
  checkPositive("pld", "tau", tau);
  checkLogitPair("pld", student, teacher);
  checkLabels("pld", student, labels);
  const [rows, classes] = student.shape;
  return tf.tidy(() => {
    const t = stopGradient(teacher);
    const valid = validMask(labels);
    const onehot = tf.cast(tf.oneHot(safeLabels(labels), classes), "bool");
    // The ranking: the label's key is +∞, the others keep their teacher logit; topk sorts by
    // descending key, ties to the lower index (cpu and wasm alike).
    const perm = constant([t, labels], () => tf.topk(tf.where(onehot, tf.fill([rows, classes], Infinity), t), classes, true).indices);
    const inverse = constant([perm], () => tf.topk(tf.neg(tf.cast(perm, "float32")), classes, true).indices);
    const weights = tf.softmax(tau === 1 ? t : tf.div(t, tau));
    const rankedWeights = constant([weights, perm], () => gatherRows(weights, perm));
    const ranked = permuteRows(student, perm, inverse);
    const suffix = suffixLogSumExp(ranked, rows, classes);
    // Σ_k α_k·s_{π_k} = Σ_c softmax(t/τ)_c·s_c: no permutation needed for that term.
    const perRow = tf.sub(tf.sum(tf.mul(rankedWeights, suffix), 1), tf.sum(tf.mul(weights, student), 1));
    return maskedMean(perRow, valid);
  });
}

/** out[b, k] = logsumexp_{l ≥ k} x[b, l], by ⌈log2 C⌉ rounds of x_k ← log(e^{x_k} + e^{x_{k+2^j}}). */
function suffixLogSumExp(x: tf.Tensor, rows: number, classes: number): tf.Tensor {
  let out = x;
  for (let shift = 1; shift < classes; shift *= 2) {
    // Pad with -1e30 (exp underflows to exactly 0; no infinities in the gradient).
    const shifted = tf.concat([tf.slice(out, [0, shift], [rows, classes - shift]), tf.fill([rows, shift], -1e30)], 1);
    out = logAddExp(out, shifted);
  }
  return out;
}
