import * as tf from "@tensorflow/tfjs";
import { stopGradient } from "./stop-gradient.js";

/**
 * Margin-MSE (Hofstätter et al.) for ranking distillation: the student's score margin between a
 * positive and a negative passage regresses the teacher's, batch mean:
 *
 *   loss = (1/B) Σ_b ((s⁺_b − s⁻_b) − (t⁺_b − t⁻_b))²
 *
 * All four scores [B] (or any one common shape; the mean runs over all elements). Teacher scores
 * are constants (zero gradient).
 */
export function marginMse(studentPos: tf.Tensor, studentNeg: tf.Tensor, teacherPos: tf.Tensor, teacherNeg: tf.Tensor): tf.Scalar {
  const shape = studentPos.shape;
  for (const x of [studentNeg, teacherPos, teacherNeg]) {
    if (!tf.util.arraysEqual(x.shape, shape)) {
      throw new Error(`marginMse: all four scores must have one shape, got [${studentPos.shape}], [${studentNeg.shape}], [${teacherPos.shape}], [${teacherNeg.shape}]`);
    }
  }
  return tf.tidy(() => {
    const teacherMargin = tf.sub(stopGradient(teacherPos), stopGradient(teacherNeg));
    return tf.mean(tf.squaredDifference(tf.sub(studentPos, studentNeg), teacherMargin)) as tf.Scalar;
  });
}
