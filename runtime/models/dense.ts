// A fully connected layer `x·W + b` whose backward pass uses explicit transposes.
//
// Why: on the wasm backend a matMul runs on XNNPACK only when it is a plain 2-D product without
// transpose flags; tfjs's own matMul gradient passes transposeA/transposeB and falls into a scalar
// loop ~10× slower. Transposing first and multiplying plainly gives the same numbers, faster.
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../rng.js";

type Dense = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

/**
 * dx = dy·wᵀ without a transpose flag. Transposing w costs in·out element moves (7 ms for
 * 1200×1200 on wasm), transposing dy and the product costs B·(in+out); take the cheaper route:
 * (w·dyᵀ)ᵀ is the same matrix.
 */
export function inputGrad(dy: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const [fanIn, fanOut] = w.shape;
  const batch = dy.shape[0];
  return fanIn * fanOut > batch * (fanIn + fanOut)
    ? tf.transpose(tf.matMul(w, tf.transpose(dy)))
    : tf.matMul(dy, tf.transpose(w));
}

/**
 * `x [B, in] · w [in, out] + b [out]` with gradients
 * dx = dy·wᵀ, dw = xᵀ·dy, db = Σ_rows dy, all as plain 2-D products with explicit transposes.
 */
export const dense: Dense = tf.customGrad(
  // customGrad's typing takes a variadic list of tensors plus the save function.
  ((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([x, w]);
    const value = tf.add(tf.matMul(x, w), b) as tf.Tensor2D;
    const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [inputGrad(dy, sw), tf.matMul(tf.transpose(sx), dy), tf.sum(dy, 0)];
    };
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
) as unknown as Dense;

/**
 * The same layer for an input that is data, not a function of anything trainable (a model's first
 * layer): x is not a differentiable input, so the backward pass skips dx, the largest product of
 * the first layer's backward pass.
 */
export function denseOnData(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  const op = tf.customGrad(
    ((w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
      save([x]); // kept by the tape: x may be an intermediate (input dropout) that tidy would free
      const value = tf.add(tf.matMul(x, w), b) as tf.Tensor2D;
      const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]) => [tf.matMul(tf.transpose(saved[0]!), dy), tf.sum(dy, 0)];
      return { value, gradFunc };
    }) as unknown as Parameters<typeof tf.customGrad>[0],
  ) as unknown as (w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
  return op(w, b);
}

/**
 * PyTorch's nn.Linear default init: weights and biases both U(-1/√fan_in, 1/√fan_in), drawn from
 * the runtime's seeded generator (weights row-major [in, out], then the biases).
 */
export function initDense(fanIn: number, fanOut: number, seed: number): { kernel: Float32Array; bias: Float32Array } {
  const rng = new Rng(seed);
  const bound = 1 / Math.sqrt(fanIn);
  const kernel = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < kernel.length; i++) kernel[i] = rng.uniform(-bound, bound);
  const bias = new Float32Array(fanOut);
  for (let i = 0; i < bias.length; i++) bias[i] = rng.uniform(-bound, bound);
  return { kernel, bias };
}

/**
 * Inverted dropout with a mask drawn from the seeded generator in JS: kept units are scaled by
 * 1/(1-rate) so inference needs no rescaling. The mask is a constant, so gradients flow through
 * the multiplication only.
 */
export function dropout(x: tf.Tensor2D, rate: number, seed: number): tf.Tensor2D {
  if (rate <= 0) return x;
  const keep = 1 - rate;
  const scale = 1 / keep;
  const rng = new Rng(seed);
  const mask = new Float32Array(x.size);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < keep ? scale : 0;
  return tf.mul(x, tf.tensor2d(mask, x.shape, "float32"));
}
