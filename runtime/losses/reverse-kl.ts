import * as tf from "@tensorflow/tfjs";
import { reverseKlRows } from "./divergences.js";
import { checkLogitPair, checkReduction, checkTemperature, reduceRows, ROW_REDUCTIONS, type RowReduction } from "./internal.js";

export interface ReverseKlOptions {
  /** Temperature dividing both student and teacher logits; default 4 (as KD). */
  readonly T?: number;
  /** Multiply by T²; default true (as KD). */
  readonly t2?: boolean;
  /** "batchmean" (default), "mean" (batchmean / C, torch KLDivLoss's "mean") or "sum" over rows; see RowReduction. */
  readonly reduction?: RowReduction;
}

/**
 * Reverse KL, "batchmean" reduction by default (see RowReduction) (mode-seeking: the student is penalised for mass where the
 * teacher has little):
 *
 *   q = softmax(s/T) (student), p = softmax(t/T) (teacher)
 *   loss = [T² if t2] · (1/B) Σ_b Σ_c q_bc · (log q_bc − log p_bc)
 *
 * student, teacher [B, C]. Both sides through logSoftmax (finite at ±50 logits). The teacher is a
 * constant (zero gradient). Equals torch
 * `T*T * kl_div(log_softmax(t/T), log_softmax(s/T), log_target=True, reduction="batchmean")`.
 */
export function reverseKl(student: tf.Tensor2D, teacher: tf.Tensor2D, options: ReverseKlOptions = {}): tf.Scalar {
  const T = options.T ?? 4;
  const t2 = options.t2 ?? true;
  const reduction = options.reduction ?? "batchmean";
  checkReduction("reverseKl", reduction, ROW_REDUCTIONS);
  checkTemperature("reverseKl", T);
  checkLogitPair("reverseKl", student, teacher);
  return tf.tidy(() => {
    const mean = reduceRows(reverseKlRows(student, teacher, T), student.shape[1], reduction);
    return (t2 ? tf.mul(mean, T * T) : mean) as tf.Scalar;
  });
}
