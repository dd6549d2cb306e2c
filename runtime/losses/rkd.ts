import * as tf from "@tensorflow/tfjs";
import { constant, smoothL1 } from "./internal.js";
import { stopGradient } from "./stop-gradient.js";

/**
 * RKD distance loss (Park et al., relational KD): the student's pairwise distances, each side
 * normalised by its mean positive distance, match the teacher's under smooth-L1:
 *
 *   d_ij = ‖x_i − x_j‖₂,  μ = mean of { d_ij : d_ij > 0 },  ψ_ij = d_ij / μ   (ψ = 0 if no d > 0)
 *   loss = (1/N²) Σ_i Σ_j smoothL1(ψˢ_ij − ψᵗ_ij),  smoothL1(x) = 0.5x² if |x| < 1 else |x| − 0.5
 *
 * student [N, D], teacher [N, D'] (widths may differ, N must match). The average runs over all N²
 * pairs, the zero diagonal included (as the authors' `smooth_l1_loss(d, t_d)` with mean reduction).
 * Distances come from explicit differences, so the diagonal and coincident points are exactly 0,
 * and their gradient is 0, not NaN (no sqrt'(0)); μ is differentiated through on the student side.
 * Memory is O(N²·D). The teacher is a constant.
 */
export function rkdDistance(student: tf.Tensor2D, teacher: tf.Tensor2D): tf.Scalar {
  checkPair("rkdDistance", student, teacher);
  return tf.tidy(() => tf.mean(smoothL1(tf.sub(normalisedDistances(student), normalisedDistances(stopGradient(teacher))))) as tf.Scalar);
}

/**
 * RKD angle loss: for every triplet (i, j, k), the cosine of the angle at vertex i between the
 * directions to j and to k must match the teacher's, under smooth-L1:
 *
 *   e_ij = (x_j − x_i)/‖x_j − x_i‖₂  (0 when x_j = x_i, e.g. j = i),  c_ijk = ⟨e_ij, e_ik⟩
 *   loss = (1/N³) Σ_i Σ_j Σ_k smoothL1(cˢ_ijk − cᵗ_ijk)
 *
 * student [N, D], teacher [N, D']. Averages over all N³ triplets, degenerate ones included (they
 * are 0 on both sides), as the authors' code. Zero-length directions have a zero gradient, never
 * NaN. Memory is O(N²·D + N³). The teacher is a constant.
 */
export function rkdAngle(student: tf.Tensor2D, teacher: tf.Tensor2D): tf.Scalar {
  checkPair("rkdAngle", student, teacher);
  return tf.tidy(() => tf.mean(smoothL1(tf.sub(cosines(student), cosines(stopGradient(teacher))))) as tf.Scalar);
}

function checkPair(fn: string, student: tf.Tensor, teacher: tf.Tensor): void {
  if (student.rank !== 2 || teacher.rank !== 2 || student.shape[0] !== teacher.shape[0]) {
    throw new Error(`${fn}: expected student [N, D] and teacher [N, D'], got [${student.shape}] and [${teacher.shape}]`);
  }
}

/** diff[i, j] = x_j − x_i, [N, N, D]. */
function differences(x: tf.Tensor2D): tf.Tensor3D {
  return tf.sub(tf.expandDims(x, 0), tf.expandDims(x, 1)) as tf.Tensor3D;
}

/** ψ [N, N]: pairwise distances over their mean positive entry. */
function normalisedDistances(x: tf.Tensor2D): tf.Tensor {
  const sq = tf.sum(tf.square(differences(x)), 2);
  const positive = constant([sq], () => tf.greater(sq, 0));
  // sqrt only of positive entries: the other branch gets sqrt(1), whose gradient is then masked.
  const d = tf.where(positive, tf.sqrt(tf.where(positive, sq, tf.onesLike(sq))), tf.zerosLike(sq));
  const count = tf.sum(tf.cast(positive, "float32"));
  const mean = tf.div(tf.sum(d), tf.maximum(count, 1));
  const safeMean = tf.where(constant([mean], () => tf.greater(mean, 0)), mean, tf.onesLike(mean));
  return tf.div(d, safeMean);
}

/** c [N, N, N]: c[i, j, k] = ⟨e_ij, e_ik⟩. */
function cosines(x: tf.Tensor2D): tf.Tensor {
  const diff = differences(x);
  const sq = tf.sum(tf.square(diff), 2, true);
  const positive = constant([sq], () => tf.greater(sq, 0));
  const inv = tf.where(positive, tf.rsqrt(tf.where(positive, sq, tf.onesLike(sq))), tf.zerosLike(sq));
  const e = tf.mul(diff, inv);
  return tf.matMul(e, e, false, true);
}
