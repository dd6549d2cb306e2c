import * as tf from "@tensorflow/tfjs";
import { checkReduction, reduceRows, ROW_REDUCTIONS, type RowReduction } from "./internal.js";
import { stopGradient } from "./stop-gradient.js";

export interface KdOptions {
  /** Temperature dividing both student and teacher logits; default 4. */
  readonly T?: number;
  /** Multiply by T² so gradient magnitudes do not shrink with T (Hinton et al.); default true. */
  readonly t2?: boolean;
  /** "batchmean" (default), "mean" (batchmean / C, torch KLDivLoss's "mean") or "sum" over rows; see RowReduction. */
  readonly reduction?: RowReduction;
}

/**
 * Hinton's distillation loss, "batchmean" reduction by default (see RowReduction for "mean", "sum"):
 *
 *   p = softmax(t/T), q = softmax(s/T)
 *   loss = [T² if t2] · (1/B) Σ_b Σ_c p_bc · (log p_bc − log q_bc)
 *
 * student, teacher [B, C]. Both log-probabilities come from logSoftmax (finite at ±50 logits).
 * The teacher is a constant: its gradient is zero (stop-gradient), only the student learns.
 * Equals torch `T*T * kl_div(log_softmax(s/T), log_softmax(t/T), log_target=True, reduction="batchmean")`.
 */
export function kd(student: tf.Tensor2D, teacher: tf.Tensor2D, options: KdOptions = {}): tf.Scalar {
  const T = options.T ?? 4;
  const t2 = options.t2 ?? true;
  const reduction = options.reduction ?? "batchmean";
  checkReduction("kd", reduction, ROW_REDUCTIONS);
  if (!(T > 0) || !Number.isFinite(T)) throw new RangeError(`kd: temperature must be a positive number, got ${T}`);
  if (student.rank !== 2 || !tf.util.arraysEqual(student.shape, teacher.shape)) {
    throw new Error(`kd: student and teacher logits must both be [B, C], got [${student.shape}] and [${teacher.shape}]`);
  }
  return tf.tidy(() => {
    const logq = tf.logSoftmax(tf.div(student, T));
    const logp = tf.logSoftmax(tf.div(stopGradient(teacher), T));
    const kl = tf.sum(tf.mul(tf.exp(logp), tf.sub(logp, logq)), 1);
    const mean = reduceRows(kl, student.shape[1], reduction);
    return (t2 ? tf.mul(mean, T * T) : mean) as tf.Scalar;
  });
}
