// tfjs has no stop_gradient op. An identity with a zero gradient makes "this is a constant" explicit
// (teacher logits in KD), independent of whether the input happens to be on the tape.
import * as tf from "@tensorflow/tfjs";

export const stopGradient: <T extends tf.Tensor>(x: T) => T = tf.customGrad(
  ((x: tf.Tensor) => ({ value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) })) as unknown as Parameters<typeof tf.customGrad>[0],
) as unknown as <T extends tf.Tensor>(x: T) => T;
