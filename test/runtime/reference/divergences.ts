// Float64 per-row divergences between student logits s and teacher logits t (one row each),
// shared by the class-level and token-level loss tests.
import { klFromLogs, logSoftmax, softmax } from "./float64.js";

export type RowLoss = (s: Float64Array, t: Float64Array) => number;

/**
 * Teacher-side log-softmax, memoised per row object and temperature: finite differences evaluate
 * a row thousands of times with the same teacher row (pass the same array each time).
 */
const teacherCache = new WeakMap<Float64Array, Map<number, Float64Array>>();
function teacherLogSoftmax(t: Float64Array, T: number): Float64Array {
  let byT = teacherCache.get(t);
  if (byT === undefined) teacherCache.set(t, (byT = new Map()));
  let v = byT.get(T);
  if (v === undefined) byT.set(T, (v = logSoftmax(t, T)));
  return v;
}

/** KL(softmax(t/T) ‖ softmax(s/T)). */
export const forwardKlRow = (T: number): RowLoss => (s, t) => klFromLogs(teacherLogSoftmax(t, T), logSoftmax(s, T));

/** KL(softmax(s/T) ‖ softmax(t/T)). */
export const reverseKlRow = (T: number): RowLoss => (s, t) => klFromLogs(logSoftmax(s, T), teacherLogSoftmax(t, T));

/** GJSD in probability space: M = β·p + (1−β)·q, β·KL(p‖M) + (1−β)·KL(q‖M); β = 0 / 1 are forward / reverse KL. */
export const gjsdRow = (beta: number, T: number): RowLoss => (s, t) => {
  if (beta === 0) return forwardKlRow(T)(s, t);
  if (beta === 1) return reverseKlRow(T)(s, t);
  const p = teacherLogSoftmax(t, T).map(Math.exp);
  const q = softmax(s, T);
  let klP = 0;
  let klQ = 0;
  for (let c = 0; c < p.length; c++) {
    const m = beta * p[c]! + (1 - beta) * q[c]!;
    if (p[c]! > 0) klP += p[c]! * Math.log(p[c]! / m);
    if (q[c]! > 0) klQ += q[c]! * Math.log(q[c]! / m);
  }
  return beta * klP + (1 - beta) * klQ;
};

/** 0.5·Σ|p − q|. */
export const tvdRow = (T: number): RowLoss => (s, t) => {
  const p = teacherLogSoftmax(t, T).map(Math.exp);
  const q = softmax(s, T);
  let sum = 0;
  for (let c = 0; c < p.length; c++) sum += Math.abs(p[c]! - q[c]!);
  return 0.5 * sum;
};

/** TAID target p_λ = softmax((1−λ)·s + λ·t) (a constant of the loss). */
export function taidTarget(s: ArrayLike<number>, t: ArrayLike<number>, lambda: number): Float64Array {
  return softmax(Float64Array.from({ length: s.length }, (_, c) => (1 - lambda) * s[c]! + lambda * t[c]!));
}

/** TAID row: −Σ p_λ·log softmax(s), and its gradient q − p_λ. */
export function taidRow(s: Float64Array, t: Float64Array, lambda: number): { loss: number; grad: Float64Array } {
  const target = taidTarget(s, t, lambda);
  const logq = logSoftmax(s);
  let loss = 0;
  const grad = new Float64Array(s.length);
  for (let c = 0; c < s.length; c++) {
    loss -= target[c]! * logq[c]!;
    grad[c] = Math.exp(logq[c]!) - target[c]!;
  }
  return { loss, grad };
}
