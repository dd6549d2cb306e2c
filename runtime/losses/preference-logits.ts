// The DPO family on a preference batch, from token logits: what a compiled `dpo(…)` calls.
import * as tf from "@tensorflow/tfjs";
import { adpo, type AdpoOptions } from "./adpo.js";
import { dpo, type DpoOptions } from "./dpo.js";
import { simpo, type SimpoOptions } from "./simpo.js";
import { causalShift, sequenceLogProbs } from "./token.js";

/**
 * Sequence log-probs of a preference batch's rows ([2B, T, V] logits: the B chosen rows, then the
 * B rejected ones; targets [2B, T] with −100 at prompt and padding), split into the two halves.
 * Next-token convention: logits at t score targets at t + 1.
 */
export function pairLogProbs(tokenLogits: tf.Tensor3D, targets: tf.Tensor2D, average: boolean): { chosen: tf.Tensor1D; rejected: tf.Tensor1D } {
  return tf.tidy(() => {
    const { logits, labels } = causalShift(tokenLogits, targets);
    const lp = sequenceLogProbs(logits, labels, { average });
    const half = lp.shape[0] / 2;
    return { chosen: lp.slice([0], [half]) as tf.Tensor1D, rejected: lp.slice([half], [half]) as tf.Tensor1D };
  });
}

/**
 * `dpo(policy, ref, …)` on one preference batch: IPO uses length-averaged log-probs, the other
 * variants summed ones. Without a reference (`reference none`) its log-probs are 0 (reference-free).
 * Gradients reach the policy only.
 */
export function dpoFromLogits(policy: tf.Tensor3D, reference: tf.Tensor3D | undefined, targets: tf.Tensor2D, options: DpoOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    const average = options.variant === "ipo";
    const p = pairLogProbs(policy, targets, average);
    const r = reference ? pairLogProbs(reference, targets, average) : { chosen: tf.zerosLike(p.chosen), rejected: tf.zerosLike(p.rejected) };
    return dpo({ policyChosen: p.chosen, policyRejected: p.rejected, refChosen: r.chosen, refRejected: r.rejected }, options);
  });
}

/** `simpo(policy, …)` on one preference batch: length-averaged log-probs, no reference (SimPO is reference-free). */
export function simpoFromLogits(policy: tf.Tensor3D, targets: tf.Tensor2D, options: SimpoOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    const p = pairLogProbs(policy, targets, true);
    return simpo({ chosenAvg: p.chosen, rejectedAvg: p.rejected }, options);
  });
}

/**
 * `adpo(policy, ref, tau: …)` on one preference batch: each pair is a group of K = 2 candidates
 * (chosen, rejected) with target q = (1, 0), summed log-probs, so with τ = 1/β it equals sigmoid DPO.
 */
export function adpoFromLogits(policy: tf.Tensor3D, reference: tf.Tensor3D, targets: tf.Tensor2D, options: AdpoOptions): tf.Scalar {
  return tf.tidy(() => {
    const p = pairLogProbs(policy, targets, false);
    const r = pairLogProbs(reference, targets, false);
    const q = tf.stack([tf.onesLike(p.chosen), tf.zerosLike(p.rejected)], 1) as tf.Tensor2D;
    return adpo(tf.stack([p.chosen, p.rejected], 1) as tf.Tensor2D, tf.stack([r.chosen, r.rejected], 1) as tf.Tensor2D, q, options);
  });
}
