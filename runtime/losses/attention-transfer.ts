import * as tf from "@tensorflow/tfjs";
import { stopGradient } from "./stop-gradient.js";

/**
 * Attention transfer with p = 2 (Zagoruyko & Komodakis), for one pair of feature maps:
 *
 *   a_b  = (1/C) Σ_c A_b[:, :, c]²                 spatial attention, [H·W] per example
 *   Q_b  = a_b / max(‖a_b‖₂, 1e-12)                L2-normalised over H·W (torch F.normalize)
 *   loss = (1/(B·H·W)) Σ_b Σ_hw (Q_s,b − Q_t,b)²    mean over B·H·W
 *
 * studentMap [B, H, W, C], teacherMap [B, H, W, C'] (NHWC, as tfjs; channel counts may differ,
 * batch and spatial size must match). The maximum keeps an all-zero map finite (Q = 0, zero
 * gradient). Equals the authors' `(at(x) - at(y)).pow(2).mean()` for one layer; the paper's β/2
 * weight and the sum over layers belong in the recipe. The teacher is a constant.
 */
export function attentionTransfer(studentMap: tf.Tensor4D, teacherMap: tf.Tensor4D): tf.Scalar {
  if (studentMap.rank !== 4 || teacherMap.rank !== 4) {
    throw new Error(`attentionTransfer: expected feature maps [B, H, W, C], got [${studentMap.shape}] and [${teacherMap.shape}]`);
  }
  if (!tf.util.arraysEqual(studentMap.shape.slice(0, 3), teacherMap.shape.slice(0, 3))) {
    throw new Error(`attentionTransfer: batch and spatial size must match, got [${studentMap.shape}] and [${teacherMap.shape}]`);
  }
  return tf.tidy(() => tf.mean(tf.squaredDifference(attentionMap(studentMap), attentionMap(stopGradient(teacherMap)))) as tf.Scalar);
}

/** Q [B, H·W]: channel mean of A², L2-normalised per example. */
function attentionMap(map: tf.Tensor4D): tf.Tensor2D {
  const [b, h, w] = map.shape;
  const a = tf.reshape(tf.mean(tf.square(map), 3), [b, h * w]);
  // max(‖a‖, ε) = sqrt(max(Σa², ε²)); the maximum has a zero gradient below ε², so no sqrt'(0).
  const norm = tf.sqrt(tf.maximum(tf.sum(tf.square(a), 1, true), 1e-24));
  return tf.div(a, norm) as tf.Tensor2D;
}
