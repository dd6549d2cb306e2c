import * as tf from "@tensorflow/tfjs";
import { checkLabels, checkLogitPair, checkTemperature, maskedMean, safeLabels, validMask } from "./internal.js";
import { stopGradient } from "./stop-gradient.js";

export interface DkdOptions {
  /** Weight of the target-class term (TCKD); default 1. */
  readonly alpha?: number;
  /** Weight of the non-target-class term (NCKD); default 8. */
  readonly beta?: number;
  /** Temperature dividing both student and teacher logits; default 4. */
  readonly T?: number;
  /** Multiply by T²; default true (as the authors' code). */
  readonly t2?: boolean;
}

/**
 * Decoupled KD (Zhao et al. 2022), batchmean over labelled rows:
 *
 *   p = softmax(t/T), q = softmax(s/T), y the label
 *   b = (p_y, 1 − p_y)                       binary target / non-target split
 *   p̂ = softmax over the non-target classes  (p̂_c = p_c / (1 − p_y), c ≠ y)
 *   TCKD = KL(bᵗ ‖ bˢ),  NCKD = KL(p̂ᵗ ‖ p̂ˢ)
 *   loss = [T² if t2] · mean_b [α·TCKD + β·NCKD]
 *
 * All in log space: log p_y = z_y − logsumexp(z), log(1 − p_y) = logsumexp(z_{c≠y}) − logsumexp(z),
 * log p̂_c = z_c − logsumexp(z_{c≠y}) (z = logits/T), so confident ±50 logits stay finite (the
 * authors' `- 1000·gt_mask` trick is replaced by an exact mask). student, teacher [B, C], C ≥ 2;
 * labels [B] int32. Rows labelled -100 are ignored (mean over the others; all ignored → 0 with a
 * zero gradient). The teacher is a constant.
 */
export function dkd(student: tf.Tensor2D, teacher: tf.Tensor2D, labels: tf.Tensor1D, options: DkdOptions = {}): tf.Scalar {
  const alpha = options.alpha ?? 1;
  const beta = options.beta ?? 8;
  const T = options.T ?? 4;
  const t2 = options.t2 ?? true;
  checkTemperature("dkd", T);
  if (!Number.isFinite(alpha) || !Number.isFinite(beta)) throw new RangeError(`dkd: alpha and beta must be finite, got ${alpha} and ${beta}`);
  checkLogitPair("dkd", student, teacher);
  checkLabels("dkd", student, labels);
  if (student.shape[1] < 2) throw new Error(`dkd: needs at least 2 classes, got ${student.shape[1]}`);
  return tf.tidy(() => {
    const onehot = tf.cast(tf.oneHot(safeLabels(labels), student.shape[1]), "float32");
    const s = parts(tf.div(student, T), onehot);
    const t = parts(tf.div(stopGradient(teacher), T), onehot);
    const tckd = tf.add(
      tf.mul(tf.exp(t.logTarget), tf.sub(t.logTarget, s.logTarget)),
      tf.mul(tf.exp(t.logRest), tf.sub(t.logRest, s.logRest)),
    );
    const notTarget = tf.sub(1, onehot);
    const nckd = tf.sum(tf.mul(notTarget, tf.mul(tf.exp(t.logHat), tf.sub(t.logHat, s.logHat))), 1);
    const perRow = tf.add(tf.mul(tckd, alpha), tf.mul(nckd, beta));
    const mean = maskedMean(perRow, validMask(labels));
    return (t2 ? tf.mul(mean, T * T) : mean) as tf.Scalar;
  });
}

/** log p_y [B], log(1 − p_y) [B] and log p̂ [B, C] (the target column is ~-1e30, masked by the caller). */
function parts(z: tf.Tensor, onehot: tf.Tensor): { logTarget: tf.Tensor; logRest: tf.Tensor; logHat: tf.Tensor } {
  const lseAll = tf.logSumExp(z, 1);
  // The target logit pushed to -1e30: exp underflows to exactly 0 and no infinity appears.
  const masked = tf.sub(z, tf.mul(onehot, 1e30));
  const lseRest = tf.logSumExp(masked, 1);
  return {
    logTarget: tf.sub(tf.sum(tf.mul(z, onehot), 1), lseAll),
    logRest: tf.sub(lseRest, lseAll),
    logHat: tf.sub(masked, tf.expandDims(lseRest, 1)),
  };
}
