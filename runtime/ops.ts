// Arithmetic for compiled loss expressions (`0.9 * kd(...) + 0.1 * ce(...)`): each operand may be a
// JS number or a tensor, and the result is always a tensor so expressions compose.
import * as tf from "@tensorflow/tfjs";

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
