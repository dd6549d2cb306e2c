import * as tf from "@tensorflow/tfjs";
import { checkPositive, constant } from "./internal.js";
import { stopGradient } from "./stop-gradient.js";

export interface AdpoOptions {
  /** τ, the temperature of the anchored scores (ℓ − ℓ_ref)/τ; required (τ = 1/β reproduces DPO's β). */
  readonly tau: number;
}

/**
 * Anchored listwise preference loss over groups of K candidates, mean over groups:
 *
 *   r_g  = softmax((ℓ_g − ℓ_ref,g)/τ)           the policy's anchored distribution over candidates
 *   loss = (1/G) Σ_g KL(q_g ‖ r_g) = (1/G) Σ_g Σ_k q_gk·(log q_gk − log r_gk)   (0·log 0 = 0)
 *
 * policyLogps, refLogps [G, K]: sequence log-probabilities of each candidate (`sequenceLogProbs`);
 * targets q [G, K]: a distribution over each group's candidates (rows should sum to 1). With K = 2,
 * q = (1, 0) and τ = 1/β it equals `dpo` with the sigmoid variant. log r via logSoftmax. Gradients
 * reach the policy only; reference log-probs and targets are constants.
 */
export function adpo(policyLogps: tf.Tensor2D, refLogps: tf.Tensor2D, targets: tf.Tensor2D, options: AdpoOptions): tf.Scalar {
  const tau = options?.tau;
  checkPositive("adpo", "tau", tau);
  if (policyLogps.rank !== 2 || !tf.util.arraysEqual(refLogps.shape, policyLogps.shape) || !tf.util.arraysEqual(targets.shape, policyLogps.shape)) {
    throw new Error(`adpo: policy, reference and target must all be [G, K], got [${policyLogps.shape}], [${refLogps.shape}], [${targets.shape}]`);
  }
  return tf.tidy(() => {
    const logr = tf.logSoftmax(tf.div(tf.sub(policyLogps, stopGradient(refLogps)), tau));
    const q = stopGradient(targets);
    const positive = constant([q], () => tf.greater(q, 0));
    const qLogQ = tf.where(positive, tf.mul(q, tf.log(tf.where(positive, q, tf.onesLike(q)))), tf.zerosLike(q));
    return tf.mean(tf.sum(tf.sub(qLogQ, tf.mul(q, logr)), 1)) as tf.Scalar;
  });
}
