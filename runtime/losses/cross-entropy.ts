import * as tf from "@tensorflow/tfjs";

/** Labels equal to this are ignored (PyTorch's ignore_index). */
export const IGNORE_INDEX = -100;

export interface CrossEntropyOptions {
  /** Label smoothing ε in [0, 1); default 0. */
  readonly smoothing?: number;
  /** "mean" (default): over rows whose label is not -100. "sum": summed over those rows. */
  readonly reduction?: "mean" | "sum";
}

/**
 * Cross-entropy with optional label smoothing, averaged over labelled rows.
 *
 *   target_b = (1-ε)·onehot(y_b) + ε/C
 *   loss     = Σ_{b: y_b ≠ -100} −Σ_c target_bc · log_softmax(z_b)_c  /  max(#{b: y_b ≠ -100}, 1)
 *
 * logits [B, C] float32, labels [B] int32. Computed in log space (logSoftmax), so ±50 logits stay
 * finite. Rows labelled -100 contribute neither loss nor gradient; when every row is ignored the
 * loss is exactly 0 with a zero gradient (never NaN). Matches torch's
 * `cross_entropy(z, y, ignore_index=-100, label_smoothing=ε)` with reduction "mean" (or "sum": the same sum, not divided by the count).
 */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, options: CrossEntropyOptions = {}): tf.Scalar {
  const smoothing = options.smoothing ?? 0;
  const reduction = options.reduction ?? "mean";
  if (reduction !== "mean" && reduction !== "sum") throw new RangeError(`crossEntropy: unknown reduction '${String(reduction)}' (one of mean, sum)`);
  if (!(smoothing >= 0 && smoothing < 1)) throw new RangeError(`crossEntropy: smoothing must be in [0, 1), got ${smoothing}`);
  if (logits.rank !== 2 || labels.rank !== 1 || logits.shape[0] !== labels.shape[0]) {
    throw new Error(`crossEntropy: expected logits [B, C] and labels [B], got [${logits.shape}] and [${labels.shape}]`);
  }
  return tf.tidy(() => {
    const classes = logits.shape[1];
    const logp = tf.logSoftmax(logits);
    const valid = tf.cast(tf.notEqual(labels, IGNORE_INDEX), "float32");
    // Ignored rows get any in-range class; their loss is multiplied by 0 below.
    const safeLabels = tf.maximum(tf.cast(labels, "int32"), tf.scalar(0, "int32")) as tf.Tensor1D;
    // An int32 one-hot cast to float: wasm's OneHot ignores float on/off values and dtype (it
    // returns zeros), so the smoothing is applied with plain arithmetic instead.
    const onehot = tf.cast(tf.oneHot(safeLabels, classes), "float32");
    const target = smoothing > 0 ? tf.add(tf.mul(onehot, 1 - smoothing), smoothing / classes) : onehot;
    const perRow = tf.neg(tf.sum(tf.mul(target, logp), 1));
    const total = tf.sum(tf.mul(perRow, valid)) as tf.Scalar;
    if (reduction === "sum") return total;
    return tf.div(total, tf.maximum(tf.sum(valid), 1)) as tf.Scalar;
  });
}
