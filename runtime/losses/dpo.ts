import * as tf from "@tensorflow/tfjs";
import { checkPositive, logSigmoid } from "./internal.js";
import { stopGradient } from "./stop-gradient.js";

/** Sequence log-probabilities of a preference batch, each [B] (see `sequenceLogProbs`). */
export interface PreferenceLogProbs {
  readonly policyChosen: tf.Tensor1D;
  readonly policyRejected: tf.Tensor1D;
  readonly refChosen: tf.Tensor1D;
  readonly refRejected: tf.Tensor1D;
}

export interface DpoOptions {
  /** β, the inverse temperature of the implicit reward; default 0.1. */
  readonly beta?: number;
  /** "sigmoid" (DPO, default), "ipo" or "hinge" (SLiC). */
  readonly variant?: "sigmoid" | "ipo" | "hinge";
  /** ε, the assumed label-noise rate of conservative DPO, in [0, 0.5]; sigmoid only; default 0. */
  readonly labelSmoothing?: number;
}

/**
 * Direct preference optimisation and its IPO / hinge variants, batch mean:
 *
 *   h = (π_c − π_r) − (ref_c − ref_r)
 *   sigmoid: −(1−ε)·log σ(β·h) − ε·log σ(−β·h)
 *   ipo:     (h − 1/(2β))²
 *   hinge:   max(0, 1 − β·h)
 *   loss = (1/B) Σ_b
 *
 * π_c, π_r are the policy's log-probabilities of the chosen and rejected responses, ref_* the
 * frozen reference model's, all [B]. For sigmoid and hinge they are summed token log-probs
 * (`sequenceLogProbs(..., { average: false })`); **IPO expects length-averaged log-probs**
 * (`sequenceLogProbs(..., { average: true })`) for all four: the caller passes averaged ones.
 * log σ is computed stably (softplus), so large |β·h| stays finite. Gradients reach the policy
 * log-probs only; the reference's are constants. Matches TRL's `DPOTrainer` losses of the same
 * names (`loss_type` "sigmoid", "ipo", "hinge").
 */
export function dpo(logps: PreferenceLogProbs, options: DpoOptions = {}): tf.Scalar {
  const beta = options.beta ?? 0.1;
  const variant = options.variant ?? "sigmoid";
  const eps = options.labelSmoothing ?? 0;
  checkPositive("dpo", "beta", beta);
  if (variant !== "sigmoid" && variant !== "ipo" && variant !== "hinge") throw new RangeError(`dpo: unknown variant '${String(variant)}'`);
  if (!(eps >= 0 && eps <= 0.5)) throw new RangeError(`dpo: labelSmoothing must be in [0, 0.5], got ${eps}`);
  if (eps !== 0 && variant !== "sigmoid") throw new RangeError(`dpo: labelSmoothing applies to the sigmoid variant only, not '${variant}'`);
  const { policyChosen, policyRejected, refChosen, refRejected } = logps;
  const shape = policyChosen.shape;
  if (policyChosen.rank !== 1 || [policyRejected, refChosen, refRejected].some((x) => !tf.util.arraysEqual(x.shape, shape))) {
    throw new Error(`dpo: expected four [B] log-prob tensors, got [${policyChosen.shape}], [${policyRejected.shape}], [${refChosen.shape}], [${refRejected.shape}]`);
  }
  return tf.tidy(() => {
    const h = tf.sub(tf.sub(policyChosen, policyRejected), tf.sub(stopGradient(refChosen), stopGradient(refRejected)));
    let perPair: tf.Tensor;
    if (variant === "sigmoid") {
      const z = tf.mul(h, beta);
      perPair = tf.neg(logSigmoid(z));
      if (eps > 0) perPair = tf.add(tf.mul(perPair, 1 - eps), tf.mul(tf.neg(logSigmoid(tf.neg(z))), eps));
    } else if (variant === "ipo") {
      perPair = tf.square(tf.sub(h, 1 / (2 * beta)));
    } else {
      perPair = tf.relu(tf.sub(1, tf.mul(h, beta)));
    }
    return tf.mean(perPair) as tf.Scalar;
  });
}
