import * as tf from "@tensorflow/tfjs";
import { stopGradient } from "./stop-gradient.js";

/**
 * Cosine feature loss (torch `CosineEmbeddingLoss` with every target +1), batch mean:
 *
 *   cos_b = ⟨s_b, t_b⟩ / (max(‖s_b‖, ε)·max(‖t_b‖, ε)),  ε = 1e-8
 *   loss  = (1/B) Σ_b (1 − cos_b)
 *
 * student, teacher [B, F] of one shape (map another width with an adapter first). Each norm is
 * sqrt(max(Σx², ε²)), so an all-zero row gives cos 0 and a finite
 * gradient (no sqrt'(0)), never NaN. The teacher is
 * a constant.
 */
export function cosineEmbedding(student: tf.Tensor2D, teacher: tf.Tensor2D): tf.Scalar {
  if (student.rank !== 2 || !tf.util.arraysEqual(student.shape, teacher.shape)) {
    throw new Error(`cosineEmbedding: expected two [B, F] tensors of one shape, got [${student.shape}] and [${teacher.shape}]`);
  }
  return tf.tidy(() => {
    const t = stopGradient(teacher);
    const norm = (x: tf.Tensor): tf.Tensor => tf.sqrt(tf.maximum(tf.sum(tf.square(x), 1), 1e-16));
    const cos = tf.div(tf.sum(tf.mul(student, t), 1), tf.mul(norm(student), norm(t)));
    return tf.mean(tf.sub(1, cos)) as tf.Scalar;
  });
}
