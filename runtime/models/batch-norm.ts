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
    const stats: { mean?: tf.Tensor1D; variance?: tf.Tensor1D } = {};
    const y = batchNormTraining(x, this.gamma, this.beta, stats);
    const n = x.shape[0] * x.shape[1] * x.shape[2];
    const unbiased = n > 1 ? n / (n - 1) : 1;
    try {
      tf.tidy(() => {
        this.movingMean.assign(tf.add(tf.mul(this.movingMean, 1 - BN_MOMENTUM), tf.mul(stats.mean!, BN_MOMENTUM)));
        this.movingVariance.assign(tf.add(tf.mul(this.movingVariance, 1 - BN_MOMENTUM), tf.mul(stats.variance!, BN_MOMENTUM * unbiased)));
      });
    } finally {
      tf.dispose([stats.mean!, stats.variance!]);
    }
    return y;
  }
}

/**
 * Training-mode batch norm as one op with its closed-form gradient (x̂ = (x − μ)·r, r = 1/√(σ² + ε)):
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ·r·(dy − dβ/N − x̂·dγ/N),
 * about a third of the kernels tfjs's autodiff of the same formula runs on the full-size
 * activations. The batch mean and (biased) variance are handed out through `stats` (kept: the
 * caller disposes them).
 */
function batchNormTraining(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, stats: { mean?: tf.Tensor1D; variance?: tf.Tensor1D }): tf.Tensor4D {
  const channels = x.shape[3];
  const n = x.size / channels;
  const op = tf.customGrad(((xx: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    // Inside a customGrad forward nothing is taped: these are plain computations.
    const rows = tf.reshape(xx, [n, channels]);
    const mean = tf.mean(rows, 0) as tf.Tensor1D;
    const centered = tf.sub(rows, mean);
    const variance = tf.mean(tf.square(centered), 0) as tf.Tensor1D;
    const rstd = tf.rsqrt(tf.add(variance, BN_EPSILON));
    const normalised = tf.mul(centered, rstd) as tf.Tensor2D;
    // The forward runs in its own scope: keep the statistics for the caller, who disposes them.
    stats.mean = tf.keep(mean);
    stats.variance = tf.keep(variance);
    save([normalised, rstd, g]);
    const value = tf.reshape(tf.add(tf.mul(normalised, g), b), xx.shape) as tf.Tensor4D;
    const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
      const [xhat, r, gam] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
      const dyRows = tf.reshape(dy, [n, channels]);
      const dBeta = tf.sum(dyRows, 0);
      const dGamma = tf.sum(tf.mul(dyRows, xhat), 0);
      const dxRows = tf.mul(tf.sub(tf.sub(dyRows, tf.div(dBeta, n)), tf.mul(xhat, tf.div(dGamma, n))), tf.mul(gam, r));
      return [tf.reshape(dxRows, dy.shape), dGamma, dBeta];
    };
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor4D, g: tf.Tensor, b: tf.Tensor) => tf.Tensor4D;
  return op(x, gamma, beta);
}
