// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_ (L2, error_if_nonfinite
// false), without mutation: the result is new tensors and the norm stays on the device.
import * as tf from "@tensorflow/tfjs";
import { KdcRuntimeError } from "../errors.js";

export interface ClippedGradients {
  /** The gradients times min(1, maxNorm/(norm + 1e-6)): new tensors, same keys. */
  readonly grads: tf.NamedTensorMap;
  /** The global L2 norm before clipping, √(Σ over all tensors Σ g²). */
  readonly norm: tf.Scalar;
}

/**
 * PyTorch's clip_grad_norm_: norm = √(Σ g²) over every tensor, then each gradient times
 * coef = min(1, maxNorm/(norm + 1e-6)). So gradients are scaled down when norm > maxNorm (and,
 * as in torch, by at most a factor 1 − 1e-6/maxNorm when norm is within 1e-6 below maxNorm); a NaN
 * or infinite norm makes them NaN (the loop's non-finite loss check stops the run). The caller
 * keeps `grads` and disposes the result's tensors and `norm` (or runs this inside a tidy).
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): ClippedGradients {
  if (!(maxNorm >= 0)) throw new KdcRuntimeError(`gradient clipping needs a maximum norm of at least 0, got ${maxNorm}`);
  const names = Object.keys(grads).filter((name) => grads[name] != null);
  return tf.tidy(() => {
    const norm: tf.Scalar = names.length ? tf.sqrt(tf.addN(names.map((name) => tf.sum(tf.square(grads[name]!))))) : tf.scalar(0);
    const coef = tf.minimum(tf.div(tf.scalar(maxNorm), tf.add(norm, tf.scalar(1e-6))), tf.scalar(1));
    const clipped: tf.NamedTensorMap = {};
    for (const name of names) clipped[name] = tf.mul(grads[name]!, coef);
    return { grads: clipped, norm };
  });
}
