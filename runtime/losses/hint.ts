import * as tf from "@tensorflow/tfjs";
import { stopGradient } from "./stop-gradient.js";

/**
 * The trainable regressor of a FitNets hint, mapping student features to the teacher's width:
 * either a linear map given by its tensors (normally `tf.Variable`s created and owned by the
 * training loop, so the optimizer updates them), or any function of tensors.
 */
export type HintAdapter =
  | { readonly weight: tf.Tensor2D; readonly bias?: tf.Tensor1D }
  | ((studentFeature: tf.Tensor) => tf.Tensor);

/**
 * FitNets hint loss (Romero et al.): the student's feature, through a trainable adapter, regresses
 * the teacher's feature; mean over all elements:
 *
 *   r    = s·W + b           (linear adapter; s [..., Ds], W [Ds, Dt], b [Dt]; b optional)
 *   loss = (1/|t|) Σ (r − t)²
 *
 * studentFeature [..., Ds] (e.g. [B, Ds], or [B, H, W, Ds] for a 1×1-convolution adapter),
 * teacherFeature [..., Dt] with the same leading shape. A function adapter must return a tensor of
 * the teacher's shape. Gradients reach the student feature and the adapter (W, b, or whatever the
 * function uses); the teacher is a constant. The adapter is only read here: creating, updating and
 * disposing its variables is the training loop's business.
 */
export function hint(studentFeature: tf.Tensor, teacherFeature: tf.Tensor, adapter: HintAdapter): tf.Scalar {
  if (typeof adapter !== "function") {
    const { weight, bias } = adapter;
    const ds = studentFeature.shape[studentFeature.rank - 1];
    if (weight.rank !== 2 || weight.shape[0] !== ds || weight.shape[1] !== teacherFeature.shape[teacherFeature.rank - 1]) {
      throw new Error(`hint: adapter weight must be [${ds}, ${teacherFeature.shape[teacherFeature.rank - 1]}] (student width, teacher width), got [${weight.shape}]`);
    }
    if (bias !== undefined && (bias.rank !== 1 || bias.shape[0] !== weight.shape[1])) {
      throw new Error(`hint: adapter bias must be [${weight.shape[1]}], got [${bias.shape}]`);
    }
    if (!tf.util.arraysEqual(studentFeature.shape.slice(0, -1), teacherFeature.shape.slice(0, -1))) {
      throw new Error(`hint: student and teacher features must agree on all but the last axis, got [${studentFeature.shape}] and [${teacherFeature.shape}]`);
    }
  }
  return tf.tidy(() => {
    const regressed = typeof adapter === "function" ? adapter(studentFeature) : linear(studentFeature, adapter.weight, adapter.bias);
    if (!tf.util.arraysEqual(regressed.shape, teacherFeature.shape)) {
      throw new Error(`hint: the adapter maps the student feature to [${regressed.shape}], but the teacher feature is [${teacherFeature.shape}]`);
    }
    return tf.mean(tf.squaredDifference(regressed, stopGradient(teacherFeature))) as tf.Scalar;
  });
}

/** x·W + b over the last axis of x (a plain 2-D matMul, the fast path on wasm). */
function linear(x: tf.Tensor, weight: tf.Tensor2D, bias: tf.Tensor1D | undefined): tf.Tensor {
  const ds = weight.shape[0];
  const flat = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, ds]) as tf.Tensor2D;
  let out: tf.Tensor = tf.matMul(flat, weight);
  if (bias !== undefined) out = tf.add(out, bias);
  return x.rank === 2 ? out : tf.reshape(out, [...x.shape.slice(0, -1), weight.shape[1]]);
}
