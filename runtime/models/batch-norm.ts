// Batch normalisation over the channels of NHWC activations, with running statistics kept in
// non-trainable variables (PyTorch's nn.BatchNorm2d conventions: momentum 0.1, ε 1e-5, the running
// variance updated with the unbiased batch variance, normalisation with the biased one).
import * as tf from "@tensorflow/tfjs";
import type { Params } from "./params.js";

export const BN_MOMENTUM = 0.1;
export const BN_EPSILON = 1e-5;

export class BatchNorm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly movingMean: tf.Variable;
  readonly movingVariance: tf.Variable;

  /** Parameters `<prefix>/gamma`, `beta` (trainable), `moving_mean`, `moving_variance` (not). */
  constructor(params: Params, readonly prefix: string, channels: number) {
    this.gamma = params.fill(`${prefix}/gamma`, [channels], 1);
    this.beta = params.fill(`${prefix}/beta`, [channels], 0);
    this.movingMean = params.fill(`${prefix}/moving_mean`, [channels], 0, false);
    this.movingVariance = params.fill(`${prefix}/moving_variance`, [channels], 1, false);
  }

  /**
   * Training: normalises with the batch's statistics (over B, H, W) and moves the running ones
   * towards them (r ← (1 − 0.1)·r + 0.1·batch). Inference: normalises with the running statistics.
   */
  forward(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    if (!training) return tf.batchNorm4d(x, this.movingMean as tf.Tensor1D, this.movingVariance as tf.Tensor1D, this.beta as tf.Tensor1D, this.gamma as tf.Tensor1D, BN_EPSILON);
    const mean = tf.mean(x, [0, 1, 2]);
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), [0, 1, 2]);
    const scale = tf.mul(this.gamma, tf.rsqrt(tf.add(variance, BN_EPSILON)));
    const y = tf.add(tf.mul(centered, scale), this.beta) as tf.Tensor4D;
    const n = x.shape[0] * x.shape[1] * x.shape[2];
    const unbiased = n > 1 ? n / (n - 1) : 1;
    tf.tidy(() => {
      this.movingMean.assign(tf.add(tf.mul(this.movingMean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)));
      this.movingVariance.assign(tf.add(tf.mul(this.movingVariance, 1 - BN_MOMENTUM), tf.mul(variance, BN_MOMENTUM * unbiased)));
    });
    return y;
  }
}
