// Token-level losses for language models: logits [B, T, V], labels [B, T] int32, label -100
// ignored; each loss is the sum over valid tokens divided by max(valid count, 1), so a batch whose
// tokens are all ignored gives 0 with a zero gradient.
import * as tf from "@tensorflow/tfjs";
import { crossEntropy, type CrossEntropyOptions } from "./cross-entropy.js";
import { checkBeta, checkLambda, forwardKlRows, generalizedJsdRows, reverseKlRows, taidRows, tvdRows } from "./divergences.js";
import { checkTemperature, maskedMean, safeLabels, validMask } from "./internal.js";

/** Which tokens count: those whose label is not -100 (all of them when `labels` is absent). */
export interface TokenMaskOptions {
  /** [B, T] int32 labels, aligned with the logits (after `causalShift` for a causal LM). */
  readonly labels?: tf.Tensor2D;
}

export interface TokenKdOptions extends TokenMaskOptions {
  /** Temperature; default 4 (as `kd`). */
  readonly T?: number;
  /** Multiply by T²; default true (as `kd`). */
  readonly t2?: boolean;
}

export type TokenReverseKlOptions = TokenKdOptions;

export interface TokenGeneralizedJsdOptions extends TokenMaskOptions {
  /** Teacher weight β in [0, 1]; default 0.5. β = 0 is forward KL, β = 1 reverse KL. */
  readonly beta?: number;
  /** Temperature; default 1. */
  readonly T?: number;
  /** Multiply by T²; default false. */
  readonly t2?: boolean;
}

export type TokenJsdOptions = Omit<TokenGeneralizedJsdOptions, "beta">;

export interface TokenTvdOptions extends TokenMaskOptions {
  /** Temperature; default 1. */
  readonly T?: number;
  /** Multiply by T²; default false. */
  readonly t2?: boolean;
}

/**
 * Aligns a causal LM's predictions with its targets: position t predicts token t+1, so
 * `logits[:, :-1]` go with `labels[:, 1:]`. Returns new tensors ([B, T−1, V] and [B, T−1]); the
 * caller disposes them (or calls this inside a tidy). Shift the teacher's logits the same way
 * (`causalShift(teacherLogits).logits`). Needs T ≥ 2.
 */
export function causalShift(logits: tf.Tensor3D, labels: tf.Tensor2D): { logits: tf.Tensor3D; labels: tf.Tensor2D };
export function causalShift(logits: tf.Tensor3D): { logits: tf.Tensor3D; labels: undefined };
export function causalShift(logits: tf.Tensor3D, labels?: tf.Tensor2D): { logits: tf.Tensor3D; labels: tf.Tensor2D | undefined } {
  if (logits.rank !== 3) throw new Error(`causalShift: expected logits [B, T, V], got [${logits.shape}]`);
  const [b, t, v] = logits.shape;
  if (t < 2) throw new Error(`causalShift: sequences need at least 2 positions, got ${t}`);
  if (labels !== undefined && (labels.rank !== 2 || labels.shape[0] !== b || labels.shape[1] !== t)) {
    throw new Error(`causalShift: expected labels [${b}, ${t}] for logits [${logits.shape}], got [${labels.shape}]`);
  }
  return {
    logits: tf.slice(logits, [0, 0, 0], [b, t - 1, v]),
    labels: labels === undefined ? undefined : tf.slice(labels, [0, 1], [b, t - 1]),
  };
}

/**
 * Token-level cross-entropy: Σ_{valid (b,t)} −Σ_v target·log_softmax(z_bt)_v / max(#valid, 1), target
 * (1−ε)·onehot + ε/V; logits [B, T, V], labels [B, T] (-100 ignored). Equals `crossEntropy` on the
 * [B·T, V] reshape, and torch `cross_entropy(z.flatten(0,1), y.flatten(), ignore_index=-100, label_smoothing=ε)`.
 * Shift first for a causal LM (`causalShift`).
 */
export function tokenCrossEntropy(logits: tf.Tensor3D, labels: tf.Tensor2D, options: CrossEntropyOptions = {}): tf.Scalar {
  checkTokens("tokenCrossEntropy", logits, logits, labels);
  const [b, t, v] = logits.shape;
  return tf.tidy(() => crossEntropy(tf.reshape(logits, [b * t, v]), tf.reshape(labels, [b * t]), options));
}

/** Token-level KD: [T² if t2] · Σ_valid KL(softmax(t/T) ‖ softmax(s/T)) / max(#valid, 1). Defaults T = 4, t2 as `kd`. */
export function tokenKd(student: tf.Tensor3D, teacher: tf.Tensor3D, options: TokenKdOptions = {}): tf.Scalar {
  const T = options.T ?? 4;
  checkTemperature("tokenKd", T);
  checkTokens("tokenKd", student, teacher, options.labels);
  return tf.tidy(() => scaled(maskedTokens(forwardKlRows(student, teacher, T), options.labels), T, options.t2 ?? true));
}

/** Token-level reverse KL: [T² if t2] · Σ_valid KL(softmax(s/T) ‖ softmax(t/T)) / max(#valid, 1). Defaults T = 4, t2. */
export function tokenReverseKl(student: tf.Tensor3D, teacher: tf.Tensor3D, options: TokenReverseKlOptions = {}): tf.Scalar {
  const T = options.T ?? 4;
  checkTemperature("tokenReverseKl", T);
  checkTokens("tokenReverseKl", student, teacher, options.labels);
  return tf.tidy(() => scaled(maskedTokens(reverseKlRows(student, teacher, T), options.labels), T, options.t2 ?? true));
}

/** Token-level generalized JSD (see `generalizedJsd`), averaged over valid tokens. Defaults β = 0.5, T = 1, no T². */
export function tokenGeneralizedJsd(student: tf.Tensor3D, teacher: tf.Tensor3D, options: TokenGeneralizedJsdOptions = {}): tf.Scalar {
  const beta = options.beta ?? 0.5;
  const T = options.T ?? 1;
  checkBeta("tokenGeneralizedJsd", beta);
  checkTemperature("tokenGeneralizedJsd", T);
  checkTokens("tokenGeneralizedJsd", student, teacher, options.labels);
  return tf.tidy(() => scaled(maskedTokens(generalizedJsdRows(student, teacher, beta, T), options.labels), T, options.t2 ?? false));
}

/** Token-level JSD: `tokenGeneralizedJsd` with β = 0.5. */
export function tokenJsd(student: tf.Tensor3D, teacher: tf.Tensor3D, options: TokenJsdOptions = {}): tf.Scalar {
  return tokenGeneralizedJsd(student, teacher, { ...options, beta: 0.5 });
}

/** Token-level TVD: [T² if t2] · Σ_valid 0.5·Σ_v |p − q| / max(#valid, 1). Defaults T = 1, no T². */
export function tokenTvd(student: tf.Tensor3D, teacher: tf.Tensor3D, options: TokenTvdOptions = {}): tf.Scalar {
  const T = options.T ?? 1;
  checkTemperature("tokenTvd", T);
  checkTokens("tokenTvd", student, teacher, options.labels);
  return tf.tidy(() => scaled(maskedTokens(tvdRows(student, teacher, T), options.labels), T, options.t2 ?? false));
}

/** Token-level TAID (see `taid`): Σ_valid −Σ_v p_λ·log q / max(#valid, 1), the token mean of the TAID paper. */
export function tokenTaid(student: tf.Tensor3D, teacher: tf.Tensor3D, lambda: number, options: TokenMaskOptions = {}): tf.Scalar {
  checkLambda("tokenTaid", lambda);
  checkTokens("tokenTaid", student, teacher, options.labels);
  return tf.tidy(() => maskedTokens(taidRows(student, teacher, lambda), options.labels));
}

export interface SequenceLogProbsOptions {
  /** Divide each sequence's sum by its number of valid tokens (max 1): for IPO and SimPO. Default false. */
  readonly average?: boolean;
}

/**
 * Log-probability of each sequence's labels, [B]:
 *
 *   sum:     Σ_{t: y_bt ≠ -100} log_softmax(z_bt)[y_bt]
 *   average: the sum / max(#valid tokens of b, 1)
 *
 * logits [B, T, V], labels [B, T] int32, aligned (apply `causalShift` first for a causal LM; mask
 * prompt tokens with -100 so only the response counts). A sequence with no valid token gives 0.
 * Labels must be -100 or in [0, V). Differentiable w.r.t. the logits (policy); for the reference
 * model pass its logits (the preference losses treat reference log-probs as constants).
 */
export function sequenceLogProbs(logits: tf.Tensor3D, labels: tf.Tensor2D, options: SequenceLogProbsOptions = {}): tf.Tensor1D {
  checkTokens("sequenceLogProbs", logits, logits, labels);
  return tf.tidy(() => {
    const valid = validMask(labels);
    // An int32 one-hot cast to float (wasm's OneHot ignores a float dtype), no gather (wasm has
    // no gradient kernel for it).
    const onehot = tf.cast(tf.oneHot(safeLabels(labels) as tf.Tensor2D, logits.shape[2]), "float32");
    const perToken = tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 2);
    const sums = tf.sum(tf.mul(perToken, valid), 1);
    return (options.average ? tf.div(sums, tf.maximum(tf.sum(valid, 1), 1)) : sums) as tf.Tensor1D;
  });
}

function maskedTokens(perToken: tf.Tensor, labels: tf.Tensor2D | undefined): tf.Scalar {
  return maskedMean(perToken, labels === undefined ? undefined : validMask(labels));
}

function scaled(x: tf.Scalar, T: number, t2: boolean): tf.Scalar {
  return t2 ? (tf.mul(x, T * T) as tf.Scalar) : x;
}

function checkTokens(fn: string, student: tf.Tensor, teacher: tf.Tensor, labels: tf.Tensor | undefined): void {
  if (student.rank !== 3 || !tf.util.arraysEqual(student.shape, teacher.shape)) {
    throw new Error(`${fn}: expected logits [B, T, V]${student === teacher ? "" : " for both student and teacher"}, got [${student.shape}]${student === teacher ? "" : ` and [${teacher.shape}]`}`);
  }
  if (labels !== undefined && (labels.rank !== 2 || labels.shape[0] !== student.shape[0] || labels.shape[1] !== student.shape[1])) {
    throw new Error(`${fn}: expected labels [${student.shape[0]}, ${student.shape[1]}] for logits [${student.shape}], got [${labels.shape}]`);
  }
}
