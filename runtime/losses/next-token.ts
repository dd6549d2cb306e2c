// Next-token losses on a token batch, from a model's token logits: what compiled `lm_ce(…)`,
// `token_kd(…)`, `token_reverse_kl(…)`, `token_jsd(…)`, `token_tvd(…)` and `token_taid(…)` call. Logits at position t
// score the target at t + 1 (the causal shift); positions whose target is −100 are ignored.
import type * as tf from "@tensorflow/tfjs";
import {
  causalShift,
  tokenCrossEntropy,
  tokenJsd,
  tokenKd,
  tokenTaid,
  tokenReverseKl,
  tokenTvd,
  type TokenJsdOptions,
  type TokenKdOptions,
  type TokenReverseKlOptions,
  type TokenTvdOptions,
} from "./token.js";

/** Cross-entropy of every next token whose target is not −100, mean over those tokens. */
export function nextTokenCrossEntropy(tokenLogits: tf.Tensor3D, targets: tf.Tensor2D, options: { smoothing?: number } = {}): tf.Scalar {
  const { logits, labels } = causalShift(tokenLogits, targets);
  return tokenCrossEntropy(logits, labels, options);
}

/** Applies a token-level divergence to the shifted student and teacher logits, masked by the shifted targets. */
function shifted<O>(
  loss: (s: tf.Tensor3D, t: tf.Tensor3D, options: O & { labels: tf.Tensor2D }) => tf.Scalar,
  student: tf.Tensor3D,
  teacher: tf.Tensor3D,
  targets: tf.Tensor2D,
  options: O,
): tf.Scalar {
  const s = causalShift(student, targets);
  const t = causalShift(teacher);
  return loss(s.logits, t.logits, { ...options, labels: s.labels });
}

/** Token-level KD between student and teacher next-token distributions at the positions with a target. */
export function nextTokenKd(student: tf.Tensor3D, teacher: tf.Tensor3D, targets: tf.Tensor2D, options: Omit<TokenKdOptions, "labels"> = {}): tf.Scalar {
  return shifted(tokenKd, student, teacher, targets, options);
}

/** Token-level reverse KL (`tokenReverseKl`) at the positions with a target. */
export function nextTokenReverseKl(student: tf.Tensor3D, teacher: tf.Tensor3D, targets: tf.Tensor2D, options: Omit<TokenReverseKlOptions, "labels"> = {}): tf.Scalar {
  return shifted(tokenReverseKl, student, teacher, targets, options);
}

/** Token-level JSD (`tokenJsd`, β = 0.5) at the positions with a target. */
export function nextTokenJsd(student: tf.Tensor3D, teacher: tf.Tensor3D, targets: tf.Tensor2D, options: Omit<TokenJsdOptions, "labels"> = {}): tf.Scalar {
  return shifted(tokenJsd, student, teacher, targets, options);
}

/** Token-level TVD (`tokenTvd`) at the positions with a target. */
export function nextTokenTvd(student: tf.Tensor3D, teacher: tf.Tensor3D, targets: tf.Tensor2D, options: Omit<TokenTvdOptions, "labels"> = {}): tf.Scalar {
  return shifted(tokenTvd, student, teacher, targets, options);
}

/** Token-level TAID (`tokenTaid`) at λ, at the positions with a target. */
export function nextTokenTaid(student: tf.Tensor3D, teacher: tf.Tensor3D, targets: tf.Tensor2D, lambda: number): tf.Scalar {
  return shifted((s, t, options) => tokenTaid(s, t, lambda, options), student, teacher, targets, {});
}
