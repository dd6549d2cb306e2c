// Building blocks shared by the models: a bias-free linear map with explicit-transpose gradients,
// layer norm, GELU, dropout of any rank, and off-tape constants.
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../rng.js";
import { inputGrad } from "./dense.js";

type Linear = (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

/**
 * `x [N, in] · w [in, out]` with dx = dy·wᵀ and dw = xᵀ·dy as plain 2-D products (see dense.ts:
 * wasm runs matMuls with transpose flags ~10× slower). For tied output embeddings and routers.
 */
export const linear: Linear = tf.customGrad(
  ((x: tf.Tensor2D, w: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([x, w]);
    const value = tf.matMul(x, w);
    const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [inputGrad(dy, sw), tf.matMul(tf.transpose(sx), dy)];
    };
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
) as unknown as Linear;

/** Layer norm over the last axis (biased variance, as torch.nn.LayerNorm), then γ·x̂ + β. */
export function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor, epsilon = 1e-5): tf.Tensor2D {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), -1, true);
  return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, epsilon))), gamma), beta) as tf.Tensor2D;
}

/** GELU, the exact form 0.5·x·(1 + erf(x/√2)) (torch.nn.GELU's default). */
export function gelu<T extends tf.Tensor>(x: T): T {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)) as T;
}

/** Inverted dropout of any rank with a seeded mask (dense.ts's `dropout` is the 2-D one). */
export function dropoutAny<T extends tf.Tensor>(x: T, rate: number, seed: number): T {
  if (rate <= 0) return x;
  const keep = 1 - rate;
  const scale = 1 / keep;
  const rng = new Rng(seed);
  const mask = new Float32Array(x.size);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < keep ? scale : 0;
  return tf.mul(x, tf.tensor(mask, x.shape, "float32")) as T;
}

/**
 * `f()` as a constant of `deps`: computed inside a customGrad so no op of f is taped, and the
 * gradient to every dep is zero. For values derived from taped tensors through ops without a
 * gradient (TopK, OneHot, comparisons): routing masks, statistics.
 */
export function offTape<T extends tf.Tensor>(deps: readonly tf.Tensor[], f: () => T): T {
  const op = tf.customGrad(((..._args: unknown[]) => ({
    value: f(),
    gradFunc: () => deps.map((d) => tf.zerosLike(d)),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (op as unknown as (...xs: tf.Tensor[]) => T)(...deps);
}
