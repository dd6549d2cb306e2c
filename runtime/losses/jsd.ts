import * as tf from "@tensorflow/tfjs";
import { checkBeta, generalizedJsdRows } from "./divergences.js";
import { checkLogitPair, checkReduction, checkTemperature, reduceRows, ROW_REDUCTIONS, type RowReduction } from "./internal.js";

export interface GeneralizedJsdOptions {
  /** Teacher weight β of the mixture, in [0, 1]; default 0.5 (symmetric JSD). */
  readonly beta?: number;
  /** Temperature dividing both student and teacher logits; default 1. */
  readonly T?: number;
  /** Multiply by T²; default false. */
  readonly t2?: boolean;
  /** "batchmean" (default), "mean" (batchmean / C, torch KLDivLoss's "mean") or "sum" over rows; see RowReduction. */
  readonly reduction?: RowReduction;
}

/**
 * Generalized Jensen-Shannon divergence (GKD convention, as TRL's `generalized_jsd_loss`),
 * "batchmean" reduction by default (see RowReduction):
 *
 *   p = softmax(t/T) (teacher), q = softmax(s/T) (student), M = β·p + (1−β)·q
 *   per row: β·KL(p ‖ M) + (1−β)·KL(q ‖ M)        for 0 < β < 1
 *            KL(p ‖ q)  (forward KL, as kd)        for β = 0
 *            KL(q ‖ p)  (reverse KL)               for β = 1
 *   loss = [T² if t2] · (1/B) Σ_b row_b
 *
 * log M is computed in log space, logsumexp(log β + log p, log(1−β) + log q), so ±50 logits stay
 * finite. β = 0 and β = 1 are special cases by definition: the mixture formula itself tends to 0
 * there (≈ β·KL(p‖q) as β → 0, ≈ (1−β)·KL(q‖p) as β → 1), not to the KLs. In nats.
 * student, teacher [B, C]; the teacher is a constant.
 */
export function generalizedJsd(student: tf.Tensor2D, teacher: tf.Tensor2D, options: GeneralizedJsdOptions = {}): tf.Scalar {
  const beta = options.beta ?? 0.5;
  const T = options.T ?? 1;
  const t2 = options.t2 ?? false;
  const reduction = options.reduction ?? "batchmean";
  checkReduction("generalizedJsd", reduction, ROW_REDUCTIONS);
  checkBeta("generalizedJsd", beta);
  checkTemperature("generalizedJsd", T);
  checkLogitPair("generalizedJsd", student, teacher);
  return tf.tidy(() => {
    const mean = reduceRows(generalizedJsdRows(student, teacher, beta, T), student.shape[1], reduction);
    return (t2 ? tf.mul(mean, T * T) : mean) as tf.Scalar;
  });
}

export type JsdOptions = Omit<GeneralizedJsdOptions, "beta">;

/**
 * Jensen-Shannon divergence: `generalizedJsd` with β = 0.5,
 * 0.5·KL(p ‖ M) + 0.5·KL(q ‖ M), M = (p + q)/2; T = 1 and no T² by default; batchmean; in nats
 * (at most log 2 per row).
 */
export function jsd(student: tf.Tensor2D, teacher: tf.Tensor2D, options: JsdOptions = {}): tf.Scalar {
  return generalizedJsd(student, teacher, { ...options, beta: 0.5 });
}
