import * as tf from "@tensorflow/tfjs";
import { checkPositive, logSigmoid } from "./internal.js";

/** Length-averaged sequence log-probabilities of the policy, each [B] (`sequenceLogProbs(..., { average: true })`). */
export interface SimpoLogProbs {
  readonly chosenAvg: tf.Tensor1D;
  readonly rejectedAvg: tf.Tensor1D;
}

export interface SimpoOptions {
  /** β, the reward scale; default 2. */
  readonly beta?: number;
  /** γ, the target reward margin, in reward units (subtracted after scaling by β); default 0.5. */
  readonly gamma?: number;
}

/**
 * SimPO (Meng et al. 2024), reference-free, batch mean:
 *
 *   loss = (1/B) Σ_b −log σ(β·(avg_c − avg_r) − γ)
 *
 * avg_c, avg_r: the policy's length-averaged log-probabilities of the chosen and rejected
 * responses, [B]. γ is in reward units (β·Δ − γ; TRL's `simpo_gamma`). log σ via softplus, stable.
 */
export function simpo(logps: SimpoLogProbs, options: SimpoOptions = {}): tf.Scalar {
  const beta = options.beta ?? 2;
  const gamma = options.gamma ?? 0.5;
  checkPositive("simpo", "beta", beta);
  if (!Number.isFinite(gamma)) throw new RangeError(`simpo: gamma must be finite, got ${gamma}`);
  const { chosenAvg, rejectedAvg } = logps;
  if (chosenAvg.rank !== 1 || !tf.util.arraysEqual(chosenAvg.shape, rejectedAvg.shape)) {
    throw new Error(`simpo: expected two [B] log-prob tensors, got [${chosenAvg.shape}] and [${rejectedAvg.shape}]`);
  }
  return tf.tidy(() => tf.mean(tf.neg(logSigmoid(tf.sub(tf.mul(tf.sub(chosenAvg, rejectedAvg), beta), gamma)))) as tf.Scalar);
}
