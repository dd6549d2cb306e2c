// A trainable pipeline of layers (`linear(out: 64) >> relu`, `conv(kernel: 1) >> batchnorm >> relu`):
// a recipe's auxiliary `module` or a structured adapter `project(x, like: y, via: …)`. The
// compiler inferred every layer's shape; the runtime builds the weights with a seeded init
// (PyTorch's defaults), applies the layers in training or inference mode (batch-norm statistics),
// and names its variables after the layers (`0_linear/kernel`) so checkpoints stay stable.
import * as tf from "@tensorflow/tfjs";
import type { Module } from "../program.js";
import { KdcRuntimeError } from "../errors.js";
import { BatchNorm } from "../models/batch-norm.js";
import { Conv } from "../models/conv.js";
import { dense } from "../models/dense.js";
import { gelu } from "../models/ops.js";
import { Params } from "../models/params.js";

/** One layer with every shape spelt out (the compiler inferred them). */
export type LayerSpec =
  /** `[B, in] → [B, out]`, W·x + b. */
  | { readonly kind: "linear"; readonly in: number; readonly out: number }
  /** `[B, H, W, in] → [B, ⌈H/stride⌉, ⌈W/stride⌉, out]`, same padding, with a bias. */
  | { readonly kind: "conv"; readonly kernel: number; readonly in: number; readonly out: number; readonly stride: number }
  /** Over the last axis of [B, F] or [B, H, W, C] (PyTorch's BatchNorm1d/2d conventions). */
  | { readonly kind: "batchnorm"; readonly channels: number }
  | { readonly kind: "relu" }
  | { readonly kind: "gelu" }
  | { readonly kind: "tanh" }
  /** `[B, …] → [B, product of …]`, row-major. */
  | { readonly kind: "flatten" }
  /** `[B, H, W, C] → [B, ⌊H/size⌋, ⌊W/size⌋, C]`: the mean of each size×size window (stride size). */
  | { readonly kind: "avg_pool"; readonly size: number };

type Layer = (x: tf.Tensor, training: boolean) => tf.Tensor;

export class Sequential implements Module {
  readonly kind = "sequential";
  private readonly params: Params;
  private readonly layers: Layer[] = [];

  /** `input`: the shape one example has (after the batch axis), checked on every `apply`. */
  constructor(
    readonly name: string,
    readonly input: readonly number[],
    readonly specs: readonly LayerSpec[],
    readonly seed: number,
  ) {
    this.params = new Params(seed);
    try {
      specs.forEach((spec, i) => this.layers.push(this.build(spec, `${i}_${spec.kind}`)));
    } catch (e) {
      this.params.dispose();
      throw e;
    }
  }

  get variables(): readonly tf.Variable[] {
    return this.params.variables;
  }

  get variableNames(): readonly string[] {
    return this.params.names;
  }

  /**
   * The layers applied in order. `training`: batch norm normalises with the batch's statistics and
   * updates its running ones (the stage that trains the module); otherwise it uses the running
   * statistics and changes nothing (a later stage that reads the module frozen).
   */
  apply<T extends tf.Tensor>(x: T, training: boolean): tf.Tensor {
    const shape = x.shape.slice(1);
    if (shape.length !== this.input.length || shape.some((d, i) => d !== this.input[i])) {
      throw new KdcRuntimeError(`module '${this.name}' reads [B, ${this.input.join(", ")}], but got a tensor of shape [${x.shape}]`);
    }
    let y: tf.Tensor = x;
    for (const layer of this.layers) y = layer(y, training);
    return y;
  }

  dispose(): void {
    this.params.dispose();
  }

  private build(spec: LayerSpec, prefix: string): Layer {
    const positive = (what: string, n: number) => {
      if (!Number.isInteger(n) || n < 1) throw new KdcRuntimeError(`module '${this.name}', layer ${prefix}: ${what} must be a positive integer, got ${n}`);
    };
    switch (spec.kind) {
      case "linear": {
        positive("in", spec.in);
        positive("out", spec.out);
        // PyTorch's nn.Linear init: U(±1/√in) for weights and bias.
        const bound = 1 / Math.sqrt(spec.in);
        const kernel = this.params.uniform(`${prefix}/kernel`, [spec.in, spec.out], bound);
        const bias = this.params.uniform(`${prefix}/bias`, [spec.out], bound);
        return (x) => dense(x as tf.Tensor2D, kernel as tf.Tensor2D, bias as tf.Tensor1D);
      }
      case "conv": {
        positive("kernel", spec.kernel);
        positive("in", spec.in);
        positive("out", spec.out);
        positive("stride", spec.stride);
        const conv = new Conv(this.params, prefix, { kernel: spec.kernel, inChannels: spec.in, outChannels: spec.out, stride: spec.stride, padding: "same" });
        return (x) => conv.forward(x as tf.Tensor4D);
      }
      case "batchnorm": {
        positive("channels", spec.channels);
        const bn = new BatchNorm(this.params, prefix, spec.channels);
        // BatchNorm works on NHWC; [B, F] is [B, 1, 1, F] (statistics over the batch, as BatchNorm1d).
        return (x, training) => {
          if (x.rank === 4) return bn.forward(x as tf.Tensor4D, training);
          const [b, f] = x.shape as [number, number];
          return tf.reshape(bn.forward(tf.reshape(x, [b, 1, 1, f]), training), [b, f]);
        };
      }
      case "relu":
        return (x) => tf.relu(x);
      case "gelu":
        return (x) => gelu(x);
      case "tanh":
        return (x) => tf.tanh(x);
      case "flatten":
        return (x) => tf.reshape(x, [x.shape[0]!, x.size / x.shape[0]!]);
      case "avg_pool": {
        positive("size", spec.size);
        return (x) => tf.avgPool(x as tf.Tensor4D, spec.size, spec.size, "valid");
      }
    }
  }
}

/** `kd.adapters.sequential(name, input, layers, seed)`: a trainable pipeline reading [B, ...input]. */
export function sequential(name: string, input: readonly number[], layers: readonly LayerSpec[], seed: number): Sequential {
  return new Sequential(name, input, layers, seed);
}
