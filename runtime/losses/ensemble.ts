import * as tf from "@tensorflow/tfjs";

export interface EnsembleOptions {
  /** w_i ≥ 0, Σ w_i = 1, one per teacher; default equal. */
  readonly weights?: readonly number[];
  /** T_i > 0, one per teacher. */
  readonly T: readonly number[];
}

/**
 * A mixture of teachers at per-teacher temperatures, as log-probabilities `[B, C]`:
 *
 *   out_bc = log Σ_i w_i · softmax(x_i,b / T_i)_c = logsumexp_i(log w_i + log_softmax(x_i,b / T_i)_c)
 *
 * Every row of exp(out) sums to 1, so a loss at T = 1 on `out` distils exactly this mixture (at
 * T ≠ 1 it sharpens or flattens the mixture again). Teachers of weight 0 are left out (no log 0).
 * logits [B, C] each, of one shape. Computed in log space; finite for logits of ±50.
 */
export function ensembleLogProbs(logits: readonly tf.Tensor2D[], options: EnsembleOptions): tf.Tensor2D {
  const n = logits.length;
  const weights = options.weights ?? logits.map(() => 1 / n);
  if (n < 1 || weights.length !== n || options.T.length !== n) {
    throw new Error(`ensembleLogProbs: need one weight and one temperature per teacher, got ${n} teachers, ${weights.length} weights, ${options.T.length} temperatures`);
  }
  if (options.T.some((t) => !(t > 0))) throw new RangeError(`ensembleLogProbs: temperatures must be positive, got [${options.T}]`);
  if (weights.some((w) => !(w >= 0)) || Math.abs(weights.reduce((a, w) => a + w, 0) - 1) > 1e-6) {
    throw new RangeError(`ensembleLogProbs: weights must be non-negative and sum to 1, got [${weights}]`);
  }
  for (const x of logits) {
    if (x.rank !== 2 || !tf.util.arraysEqual(x.shape, logits[0]!.shape)) throw new Error(`ensembleLogProbs: expected logits [B, C] of one shape, got [${x.shape}] and [${logits[0]!.shape}]`);
  }
  return tf.tidy(() => {
    const terms = logits.flatMap((x, i) => (weights[i]! > 0 ? [tf.add(tf.logSoftmax(tf.div(x, options.T[i]!)), Math.log(weights[i]!))] : []));
    return tf.logSumExp(tf.stack(terms), 0) as tf.Tensor2D;
  });
}

/**
 * Routing: each example is served by one teacher, chosen by its route id (a data column):
 *
 *   out_b = x_{r_b, b}                          (no temperatures: that teacher's logits)
 *   out_b = log_softmax(x_{r_b, b} / T_{r_b})   (with per-teacher temperatures: log-probabilities)
 *
 * logits [B, C] each, of one shape; route [B] int32 with every id in [0, teachers). A selection
 * by one-hot masks (no gather), so gradients, were they needed, reach only the chosen teacher.
 */
export function routeTeachers(logits: readonly tf.Tensor2D[], route: tf.Tensor1D, options: { readonly T?: readonly number[] } = {}): tf.Tensor2D {
  const n = logits.length;
  if (n < 1 || (options.T && options.T.length !== n)) throw new Error(`routeTeachers: need one temperature per teacher, got ${n} teachers and ${options.T?.length} temperatures`);
  if (options.T?.some((t) => !(t > 0))) throw new RangeError(`routeTeachers: temperatures must be positive, got [${options.T}]`);
  for (const x of logits) {
    if (x.rank !== 2 || !tf.util.arraysEqual(x.shape, logits[0]!.shape)) throw new Error(`routeTeachers: expected logits [B, C] of one shape, got [${x.shape}] and [${logits[0]!.shape}]`);
  }
  if (route.rank !== 1 || route.shape[0] !== logits[0]!.shape[0]) throw new Error(`routeTeachers: expected route ids [${logits[0]!.shape[0]}], got [${route.shape}]`);
  const ids = route.dataSync();
  const bad = ids.findIndex((r) => !(r >= 0 && r < n));
  if (bad >= 0) throw new RangeError(`routeTeachers: example ${bad} has route ${ids[bad]}, but there are ${n} teachers (ids 0 to ${n - 1})`);
  return tf.tidy(() => {
    const parts = logits.map((x, i) => (options.T ? tf.logSoftmax(tf.div(x, options.T[i]!)) : x));
    const mask = tf.transpose(tf.cast(tf.oneHot(route, n), "float32")).expandDims(2); // [n, B, 1]
    return tf.sum(tf.mul(tf.stack(parts), mask), 0) as tf.Tensor2D;
  });
}
