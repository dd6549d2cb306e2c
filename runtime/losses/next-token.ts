// Next-token losses on a token batch, from a model's token logits: what compiled `lm_ce(…)` and
// `token_kd(…)` call. Logits at position t score the target at t + 1 (the causal shift).
import type * as tf from "@tensorflow/tfjs";
import { causalShift, tokenCrossEntropy, tokenKd, type TokenKdOptions } from "./token.js";

/** Cross-entropy of every next token whose target is not −100, mean over those tokens. */
export function nextTokenCrossEntropy(tokenLogits: tf.Tensor3D, targets: tf.Tensor2D, options: { smoothing?: number } = {}): tf.Scalar {
  const { logits, labels } = causalShift(tokenLogits, targets);
  return tokenCrossEntropy(logits, labels, options);
}

/** Token-level KD between student and teacher next-token distributions at the positions with a target. */
export function nextTokenKd(student: tf.Tensor3D, teacher: tf.Tensor3D, targets: tf.Tensor2D, options: Omit<TokenKdOptions, "labels"> = {}): tf.Scalar {
  const s = causalShift(student, targets);
  const t = causalShift(teacher);
  return tokenKd(s.logits, t.logits, { ...options, labels: s.labels });
}
