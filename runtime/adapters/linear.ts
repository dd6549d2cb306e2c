// A trainable linear map between feature widths: FitNets' regressor, `project(x, like: y)` in a
// recipe. Listed in a stage's `modules`, it is optimised together with the student; elsewhere it
// is frozen, like any model a stage does not train.
import * as tf from "@tensorflow/tfjs";
import type { Module } from "../program.js";
import { KdcRuntimeError } from "../errors.js";
import { dense, initDense } from "../models/dense.js";

export class LinearAdapter implements Module {
  readonly kind = "linear";
  readonly variables: readonly tf.Variable[];
  readonly variableNames = ["kernel", "bias"] as const;
  private readonly kernel: tf.Variable;
  private readonly bias: tf.Variable;

  constructor(
    readonly name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    readonly seed: number,
  ) {
    for (const [key, n] of [["inFeatures", inFeatures], ["outFeatures", outFeatures]] as const) {
      if (!Number.isInteger(n) || n < 1) throw new KdcRuntimeError(`adapter '${name}': ${key} must be a positive integer, got ${n}`);
    }
    // PyTorch's nn.Linear init, U(±1/√in) for weights and bias, from the seeded generator.
    const init = initDense(inFeatures, outFeatures, seed);
    // Inside a tidy: the initial tensors go, the variables (exempt from tidy) stay.
    this.kernel = tf.tidy(() => tf.variable(tf.tensor2d(init.kernel, [inFeatures, outFeatures]), true));
    this.bias = tf.tidy(() => tf.variable(tf.tensor1d(init.bias), true));
    this.variables = [this.kernel, this.bias];
  }

  /**
   * `x [B, in] · W [in, out] + b`, with the dense layer's transpose-free gradient. Takes any tensor
   * (taps such as `preActivation` are typed by rank only at compile time) and checks it is [B, in].
   */
  apply(x: tf.Tensor): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.inFeatures) {
      throw new KdcRuntimeError(`adapter '${this.name}' maps ${this.inFeatures} features to ${this.outFeatures}, but got a tensor of shape [${x.shape}]`);
    }
    return dense(x as tf.Tensor2D, this.kernel as tf.Tensor2D, this.bias as tf.Tensor1D);
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

/** `kd.adapters.linear(name, inFeatures, outFeatures, seed)`: a trainable `[B, in] → [B, out]` map. */
export function linear(name: string, inFeatures: number, outFeatures: number, seed: number): LinearAdapter {
  return new LinearAdapter(name, inFeatures, outFeatures, seed);
}
