// Helpers shared by the losses; not part of the public API (the barrel does not export them).
import * as tf from "@tensorflow/tfjs";
import { IGNORE_INDEX } from "./cross-entropy.js";

/**
 * Computes `f()` off the gradient tape and returns it as a constant of `deps`.
 *
 * tfjs records every op while a gradient is being taken, and some ops have no gradient at all
 * (Greater, Less, NotEqual, TopK) or give integer "gradients" (GatherV2 for its indices) that the
 * tape rejects. A mask, ranking or target derived from a tensor that is itself on the tape (a
 * student-side comparison, or a teacher the caller differentiates) must therefore be built here:
 * ops inside a customGrad forward are not recorded, and the result's gradient w.r.t. every dep is
 * zero. `deps` must be non-empty and list every tensor `f` reads.
 */
export function constant<T extends tf.Tensor>(deps: readonly tf.Tensor[], f: () => T): T {
  const op = tf.customGrad(((..._args: unknown[]) => ({
    value: f(),
    gradFunc: () => deps.map((d) => tf.zeros(d.shape, "float32")),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (op as unknown as (...xs: tf.Tensor[]) => T)(...deps);
}

/** 1 where the label is not -100, else 0 (float32, the labels' shape). */
export function validMask(labels: tf.Tensor): tf.Tensor {
  return tf.cast(tf.notEqual(labels, IGNORE_INDEX), "float32");
}

/** Labels with -100 replaced by 0 (any in-range class; such rows are masked out by the caller). */
export function safeLabels(labels: tf.Tensor): tf.Tensor {
  return tf.maximum(tf.cast(labels, "int32"), tf.scalar(0, "int32"));
}

/**
 * Σ values·mask / max(Σ mask, 1); the plain mean when there is no mask. All masked: exactly 0 with
 * a zero gradient (values are finite, so 0·value is 0).
 */
export function maskedMean(values: tf.Tensor, mask: tf.Tensor | undefined): tf.Scalar {
  if (mask === undefined) return tf.mean(values);
  return tf.div(tf.sum(tf.mul(values, mask)), tf.maximum(tf.sum(mask), 1));
}

/** log(exp(a) + exp(b)) elementwise, stable and with the exact gradient at ties (a = b). */
export function logAddExp(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.logSumExp(tf.stack([a, b], a.rank), a.rank);
}

/**
 * log σ(x) = −softplus(−x), stable for any x. Not tf.logSigmoid: its custom gradient reads its
 * input from a closure instead of saving it, so inside a tidy under a gradient the input is
 * already disposed at backprop time.
 */
export function logSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.neg(tf.softplus(tf.neg(x)));
}

/** |x| whose gradient at 0 is 0 (tfjs's abs gives -1 there). */
export function absZeroGradAtZero(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, constant([x], () => tf.sign(x)));
}

/** Smooth-L1 (Huber, δ = 1): 0.5·x² where |x| < 1, else |x| − 0.5 (torch `smooth_l1_loss`, beta 1). */
export function smoothL1(x: tf.Tensor): tf.Tensor {
  const a = tf.abs(x);
  const small = constant([a], () => tf.less(a, 1));
  return tf.where(small, tf.mul(tf.square(x), 0.5), tf.sub(a, 0.5));
}

/** log-softmax of logits/T over the last axis. */
export function logProbs(logits: tf.Tensor, T: number): tf.Tensor {
  return tf.logSoftmax(T === 1 ? logits : tf.div(logits, T));
}

export function checkTemperature(fn: string, T: number): void {
  if (!(T > 0) || !Number.isFinite(T)) throw new RangeError(`${fn}: temperature must be a positive number, got ${T}`);
}

export function checkPositive(fn: string, name: string, v: number): void {
  if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`${fn}: ${name} must be a positive number, got ${v}`);
}

export function checkSameShape(fn: string, what: string, a: tf.Tensor, b: tf.Tensor): void {
  if (!tf.util.arraysEqual(a.shape, b.shape)) throw new Error(`${fn}: ${what} must have the same shape, got [${a.shape}] and [${b.shape}]`);
}

/** Student and teacher logits both [B, C]. */
export function checkLogitPair(fn: string, student: tf.Tensor, teacher: tf.Tensor): void {
  if (student.rank !== 2 || !tf.util.arraysEqual(student.shape, teacher.shape)) {
    throw new Error(`${fn}: student and teacher logits must both be [B, C], got [${student.shape}] and [${teacher.shape}]`);
  }
}

/** Labels [B] for logits [B, C]. */
export function checkLabels(fn: string, logits: tf.Tensor, labels: tf.Tensor): void {
  if (labels.rank !== 1 || labels.shape[0] !== logits.shape[0]) {
    throw new Error(`${fn}: expected labels [B] for logits [B, C], got [${labels.shape}] for [${logits.shape}]`);
  }
}

/**
 * x[b, perm[b, k]] for a [B, C] tensor and an int32 [B, C] index: a gather on the flattened tensor
 * (wasm's GatherV2 with batchDims = 1 returns wrong rows in tfjs 4.22).
 */
export function gatherRows(x: tf.Tensor, index: tf.Tensor): tf.Tensor {
  const [rows, cols] = x.shape as [number, number];
  const offsets = tf.mul(tf.range(0, rows, 1, "int32").reshape([rows, 1]), tf.scalar(cols, "int32"));
  return tf.gather(tf.reshape(x, [rows * cols]), tf.add(index, offsets));
}

/**
 * Permutes each row of x [B, C]: out[b, k] = x[b, perm[b, k]], with `inverse` the inverse
 * permutation. Its gradient is the inverse permutation of dy (exact, and no UnsortedSegmentSum,
 * which wasm lacks); perm and inverse get zero gradients.
 */
export function permuteRows(x: tf.Tensor, perm: tf.Tensor, inverse: tf.Tensor): tf.Tensor {
  const op = tf.customGrad(((a: tf.Tensor, p: tf.Tensor, q: tf.Tensor, save: (ts: tf.Tensor[]) => void) => {
    save([q]);
    return {
      value: gatherRows(a, p),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [gatherRows(dy, saved[0]!), tf.zeros(p.shape, "float32"), tf.zeros(q.shape, "float32")],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (op as unknown as (a: tf.Tensor, p: tf.Tensor, q: tf.Tensor) => tf.Tensor)(x, perm, inverse);
}

/**
 * How the KL family (kd, reverse KL, JSD, TVD) turns per-row values (already summed over the C
 * classes) into the loss, named as torch names them:
 *   "batchmean": (1/B) Σ_b row_b        (torch kl_div reduction="batchmean"; kdc's default)
 *   "mean":      (1/(B·C)) Σ_b row_b    (torch KLDivLoss reduction="mean": a mean over all B·C
 *                                         elements, C times smaller than batchmean)
 *   "sum":       Σ_b row_b              (torch reduction="sum")
 */
export type RowReduction = "batchmean" | "mean" | "sum";
export const ROW_REDUCTIONS: readonly RowReduction[] = ["batchmean", "mean", "sum"];

export function checkReduction(fn: string, reduction: string, allowed: readonly string[]): void {
  if (!allowed.includes(reduction)) throw new RangeError(`${fn}: unknown reduction '${reduction}' (one of ${allowed.join(", ")})`);
}

/** Reduces per-row values [B] of a [B, C] divergence; see RowReduction. */
export function reduceRows(rows: tf.Tensor, classes: number, reduction: RowReduction): tf.Scalar {
  if (reduction === "sum") return tf.sum(rows);
  const mean = tf.mean(rows) as tf.Scalar;
  return reduction === "mean" ? tf.div(mean, classes) : mean;
}
