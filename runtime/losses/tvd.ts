import * as tf from "@tensorflow/tfjs";
import { tvdRows } from "./divergences.js";
import { checkLogitPair, checkReduction, checkTemperature, reduceRows, ROW_REDUCTIONS, type RowReduction } from "./internal.js";

export interface TvdOptions {
  /** Temperature dividing both student and teacher logits; default 1. */
  readonly T?: number;
  /** Multiply by T²; default false. */
  readonly t2?: boolean;
  /** "batchmean" (default), "mean" (batchmean / C, torch KLDivLoss's "mean") or "sum" over rows; see RowReduction. */
  readonly reduction?: RowReduction;
}

/**
 * Total variation distance, batch mean by default ("mean" divides by C, "sum" sums the rows; see RowReduction):
 *
 *   p = softmax(t/T) (teacher), q = softmax(s/T) (student)
 *   loss = [T² if t2] · (1/B) Σ_b 0.5·Σ_c |p_bc − q_bc|
 *
 * student, teacher [B, C]; probabilities from logSoftmax (finite at ±50). The subgradient of |·|
 * at p = q is taken as 0. The teacher is a constant.
 */
export function tvd(student: tf.Tensor2D, teacher: tf.Tensor2D, options: TvdOptions = {}): tf.Scalar {
  const T = options.T ?? 1;
  const t2 = options.t2 ?? false;
  const reduction = options.reduction ?? "batchmean";
  checkReduction("tvd", reduction, ROW_REDUCTIONS);
  checkTemperature("tvd", T);
  checkLogitPair("tvd", student, teacher);
  return tf.tidy(() => {
    const mean = reduceRows(tvdRows(student, teacher, T), student.shape[1], reduction);
    return (t2 ? tf.mul(mean, T * T) : mean) as tf.Scalar;
  });
}
