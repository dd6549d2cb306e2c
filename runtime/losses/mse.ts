import * as tf from "@tensorflow/tfjs";
import { checkSameShape } from "./internal.js";
import { stopGradient } from "./stop-gradient.js";

export interface MseOptions {
  /**
   * "mean" (default): mean over all elements. "sum-per-example": sum over every axis but the
   * first, then mean over the first (batch) axis.
   */
  readonly reduction?: "mean" | "sum-per-example";
}

/**
 * Mean squared error between student and teacher tensors of the same shape (logits, or any
 * features), e.g. logits [B, C]:
 *
 *   "mean":            (1/(B·C)) Σ_b Σ_c (s_bc − t_bc)²          (torch `mse_loss`, reduction "mean")
 *   "sum-per-example": (1/B)     Σ_b Σ_c (s_bc − t_bc)²
 *
 * No temperature. The second argument is the teacher: a constant with a zero gradient.
 */
export function mse(student: tf.Tensor, teacher: tf.Tensor, options: MseOptions = {}): tf.Scalar {
  const reduction = options.reduction ?? "mean";
  if (reduction !== "mean" && reduction !== "sum-per-example") throw new RangeError(`mse: unknown reduction '${String(reduction)}'`);
  checkSameShape("mse", "student and teacher", student, teacher);
  if (reduction === "sum-per-example" && student.rank < 1) throw new Error("mse: 'sum-per-example' needs a batch axis");
  return tf.tidy(() => {
    const sq = tf.squaredDifference(student, stopGradient(teacher));
    if (reduction === "mean") return tf.mean(sq) as tf.Scalar;
    return tf.div(tf.sum(sq), student.shape[0]!) as tf.Scalar;
  });
}
