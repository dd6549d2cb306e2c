// Arithmetic for compiled loss expressions (`0.9 * kd(...) + 0.1 * ce(...)`): each operand may be a
// JS number or a tensor, and the result is always a tensor so expressions compose.
import * as tf from "@tensorflow/tfjs";
import { KdcRuntimeError } from "./errors.js";
import { stopGradient } from "./losses/stop-gradient.js";

export type Operand = number | tf.Tensor;

function tensor(x: Operand): tf.Tensor {
  return typeof x === "number" ? tf.scalar(x, "float32") : x;
}

export function add(a: Operand, b: Operand): tf.Tensor {
  return tf.add(tensor(a), tensor(b));
}
export function sub(a: Operand, b: Operand): tf.Tensor {
  return tf.sub(tensor(a), tensor(b));
}
export function mul(a: Operand, b: Operand): tf.Tensor {
  return tf.mul(tensor(a), tensor(b));
}
export function div(a: Operand, b: Operand): tf.Tensor {
  return tf.div(tensor(a), tensor(b));
}
export function pow(a: Operand, b: Operand): tf.Tensor {
  return tf.pow(tensor(a), tensor(b));
}
export function neg(a: Operand): tf.Tensor {
  return tf.neg(tensor(a));
}

// Tensor operations for `loss` definitions (docs/language.md, "Tensor operations"). The compiler
// checks shapes and axes; these check again, since a trainer is ordinary code anyone may edit.

/** An axis, a list of axes (negative ones count from the end), or every axis. */
export type Axes = number | readonly number[] | "all";

function resolveAxes(who: string, x: tf.Tensor, axis: Axes): number[] {
  if (axis === "all") return [...Array(x.rank).keys()];
  const list = typeof axis === "number" ? [axis] : [...axis];
  const out = list.map((a) => {
    if (!Number.isInteger(a) || a < -x.rank || a >= x.rank) throw new KdcRuntimeError(`${who}: axis ${a} is out of range for a tensor of shape [${x.shape.join(", ")}]`);
    return a < 0 ? a + x.rank : a;
  });
  if (new Set(out).size !== out.length) throw new KdcRuntimeError(`${who}: axis named twice in [${list.join(", ")}]`);
  return out;
}

/** Mean over the axes, which disappear from the shape; every axis by default (a scalar). */
export function mean(x: Operand, options: { readonly axis?: Axes } = {}): tf.Tensor {
  const t = tensor(x);
  return tf.mean(t, resolveAxes("mean", t, options.axis ?? "all"));
}

/** Sum over the axes, which disappear from the shape; every axis by default (a scalar). */
export function sum(x: Operand, options: { readonly axis?: Axes } = {}): tf.Tensor {
  const t = tensor(x);
  return tf.sum(t, resolveAxes("sum", t, options.axis ?? "all"));
}

/** torch.nn.functional.normalize's epsilon: a zero vector stays zero instead of dividing by 0. */
const NORMALIZE_EPSILON = 1e-12;

/**
 * L2 normalisation along one axis: x / max(‖x‖₂, 1e-12), as torch's F.normalize. The norm is
 * √max(Σx², ε²), equal in value, so that the gradient at a zero vector is 0 rather than NaN.
 */
export function normalize(x: Operand, options: { readonly axis?: number } = {}): tf.Tensor {
  const t = tensor(x);
  const [axis] = resolveAxes("normalize", t, options.axis ?? -1);
  return tf.tidy(() => tf.div(t, tf.sqrt(tf.maximum(tf.sum(tf.square(t), axis, true), NORMALIZE_EPSILON ** 2))));
}

export function abs(x: Operand): tf.Tensor {
  return tf.abs(tensor(x));
}

function lastAxis(who: string, x: tf.Tensor): void {
  if (x.rank < 1) throw new KdcRuntimeError(`${who}: needs a tensor with a class axis, got a scalar`);
}

/** softmax(x / T) over the last axis. */
export function softmax(x: Operand, options: { readonly T?: number } = {}): tf.Tensor {
  const t = tensor(x);
  lastAxis("softmax", t);
  return tf.tidy(() => tf.softmax(tf.div(t, options.T ?? 1)));
}

/** log softmax(x / T) over the last axis, in log space (x/T − logsumexp(x/T)). */
export function logSoftmax(x: Operand, options: { readonly T?: number } = {}): tf.Tensor {
  const t = tensor(x);
  lastAxis("log_softmax", t);
  return tf.tidy(() => tf.logSoftmax(tf.div(t, options.T ?? 1)));
}

/** Keeps the batch axis and flattens the others, row-major: [B, H, W, C] → [B, H·W·C]. */
export function flatten(x: Operand): tf.Tensor2D {
  const t = tensor(x);
  if (t.rank < 2) throw new KdcRuntimeError(`flatten: needs a batch axis and at least one more, got shape [${t.shape.join(", ")}]`);
  return tf.reshape(t, [t.shape[0]!, -1]);
}

function images(who: string, x: Operand): tf.Tensor4D {
  const t = tensor(x);
  if (t.rank !== 4) throw new KdcRuntimeError(`${who}: needs images [B, H, W, C], got shape [${t.shape.join(", ")}]`);
  return t as tf.Tensor4D;
}

/** Average pooling: global over H and W ([B, C]) with kernel 0, else k×k windows, stride k, no padding. */
export function avgPool(x: Operand, options: { readonly kernel?: number } = {}): tf.Tensor {
  const t = images("avg_pool", x);
  const k = options.kernel ?? 0;
  return k === 0 ? tf.mean(t, [1, 2]) : tf.avgPool(t, k, k, "valid");
}

/** Max pooling: global over H and W ([B, C]) with kernel 0, else k×k windows, stride k, no padding. */
export function maxPool(x: Operand, options: { readonly kernel?: number } = {}): tf.Tensor {
  const t = images("max_pool", x);
  const k = options.kernel ?? 0;
  return k === 0 ? tf.max(t, [1, 2]) : tf.maxPool(t, k, k, "valid");
}

/** DIST's epsilon (torch's cosine_similarity default): each centred norm is at least this. */
const PEARSON_EPSILON = 1e-8;

/**
 * Pearson correlation along one axis (default the last), which disappears from the shape, as DIST
 * computes it: x̃ = x − mean(x), ỹ = y − mean(y) along the axis, then
 * Σ x̃·ỹ / (max(‖x̃‖, 1e-8)·max(‖ỹ‖, 1e-8)).
 */
export function pearson(x: Operand, y: Operand, options: { readonly axis?: number } = {}): tf.Tensor {
  const a = tensor(x);
  const b = tensor(y);
  if (a.shape.join(",") !== b.shape.join(",")) throw new KdcRuntimeError(`pearson: shapes differ, [${a.shape.join(", ")}] and [${b.shape.join(", ")}]`);
  const [axis] = resolveAxes("pearson", a, options.axis ?? -1);
  return tf.tidy(() => {
    const ca = tf.sub(a, tf.mean(a, axis, true));
    const cb = tf.sub(b, tf.mean(b, axis, true));
    const norm = (c: tf.Tensor): tf.Tensor => tf.sqrt(tf.maximum(tf.sum(tf.square(c), axis), PEARSON_EPSILON ** 2));
    return tf.div(tf.sum(tf.mul(ca, cb), axis), tf.mul(norm(ca), norm(cb)));
  });
}

/** The same values as a constant: no gradient flows back through it. */
export function detach(x: Operand): tf.Tensor {
  return stopGradient(tensor(x));
}
