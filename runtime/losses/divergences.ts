// Per-position divergences between student and teacher logits over the last (class) axis, for any
// leading shape: [B, C] → [B], [B, T, V] → [B, T]. The class-level losses average them over the
// batch, the token-level ones over valid tokens (token.ts). The teacher is always a constant.
import * as tf from "@tensorflow/tfjs";
import { absZeroGradAtZero, logAddExp, logProbs } from "./internal.js";
import { stopGradient } from "./stop-gradient.js";

/** KL(p ‖ q) = Σ_c p·(log p − log q), p = softmax(t/T) (teacher), q = softmax(s/T) (student). */
export function forwardKlRows(student: tf.Tensor, teacher: tf.Tensor, T: number): tf.Tensor {
  const logq = logProbs(student, T);
  const logp = logProbs(stopGradient(teacher), T);
  return tf.sum(tf.mul(tf.exp(logp), tf.sub(logp, logq)), -1);
}

/** KL(q ‖ p) = Σ_c q·(log q − log p), q = softmax(s/T) (student), p = softmax(t/T) (teacher). */
export function reverseKlRows(student: tf.Tensor, teacher: tf.Tensor, T: number): tf.Tensor {
  const logq = logProbs(student, T);
  const logp = logProbs(stopGradient(teacher), T);
  return tf.sum(tf.mul(tf.exp(logq), tf.sub(logq, logp)), -1);
}

/**
 * Generalized JSD (GKD / TRL convention), M = β·p + (1−β)·q:
 * β·KL(p ‖ M) + (1−β)·KL(q ‖ M), with log M = logsumexp(log β + log p, log(1−β) + log q).
 * β = 0 is defined as forward KL(p ‖ q) and β = 1 as reverse KL(q ‖ p) (the mixture formula itself
 * tends to 0 at both ends; ≈ β·KL(p‖q) near 0 and ≈ (1−β)·KL(q‖p) near 1).
 */
export function generalizedJsdRows(student: tf.Tensor, teacher: tf.Tensor, beta: number, T: number): tf.Tensor {
  if (beta === 0) return forwardKlRows(student, teacher, T);
  if (beta === 1) return reverseKlRows(student, teacher, T);
  const logq = logProbs(student, T);
  const logp = logProbs(stopGradient(teacher), T);
  const logm = logAddExp(tf.add(logp, Math.log(beta)), tf.add(logq, Math.log(1 - beta)));
  const klP = tf.sum(tf.mul(tf.exp(logp), tf.sub(logp, logm)), -1);
  const klQ = tf.sum(tf.mul(tf.exp(logq), tf.sub(logq, logm)), -1);
  return tf.add(tf.mul(klP, beta), tf.mul(klQ, 1 - beta));
}

/** Total variation 0.5·Σ_c |p − q| (gradient of |·| taken as 0 where p = q exactly). */
export function tvdRows(student: tf.Tensor, teacher: tf.Tensor, T: number): tf.Tensor {
  const q = tf.exp(logProbs(student, T));
  const p = tf.exp(logProbs(stopGradient(teacher), T));
  return tf.mul(tf.sum(absZeroGradAtZero(tf.sub(p, q)), -1), 0.5);
}

/**
 * TAID: −Σ_c p_λ·log q with the interpolated target p_λ = softmax((1−λ)·stopgrad(s) + λ·t) built
 * in logit space (no temperature), q = softmax(s).
 */
export function taidRows(student: tf.Tensor, teacher: tf.Tensor, lambda: number): tf.Tensor {
  const mixed = tf.add(tf.mul(stopGradient(student), 1 - lambda), tf.mul(stopGradient(teacher), lambda));
  const target = tf.exp(tf.logSoftmax(mixed));
  return tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(student)), -1));
}

export function checkBeta(fn: string, beta: number): void {
  if (!(beta >= 0 && beta <= 1)) throw new RangeError(`${fn}: beta must be in [0, 1], got ${beta}`);
}

export function checkLambda(fn: string, lambda: number): void {
  if (!(lambda >= 0 && lambda <= 1)) throw new RangeError(`${fn}: lambda must be in [0, 1], got ${lambda}`);
}
