// A 2-D convolution on raw variables: NHWC, filter [k, k, in, out], optional bias.
import * as tf from "@tensorflow/tfjs";
import type { Params } from "./params.js";

export type Padding = "same" | "valid";

export interface ConvSpec {
  readonly kernel: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly stride?: number;
  readonly padding?: Padding;
  readonly bias?: boolean;
  /** Weight init: "uniform" U(±1/√fan_in) (PyTorch's nn.Conv2d default, bias too) or "kaiming" N(0, 2/fan_out) (torchvision's ResNets). */
  readonly init?: "uniform" | "kaiming";
}

export class Conv {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable | undefined;
  readonly stride: number;
  readonly padding: Padding;

  /** Parameters `<prefix>/kernel` [k, k, in, out] and, with a bias, `<prefix>/bias` [out]. */
  constructor(params: Params, readonly prefix: string, readonly spec: ConvSpec) {
    const { kernel: k, inChannels, outChannels } = spec;
    const shape = [k, k, inChannels, outChannels];
    const fanIn = k * k * inChannels;
    this.kernel = spec.init === "kaiming"
      ? params.normal(`${prefix}/kernel`, shape, Math.sqrt(2 / (k * k * outChannels)))
      : params.uniform(`${prefix}/kernel`, shape, 1 / Math.sqrt(fanIn));
    this.bias = spec.bias === false ? undefined : params.uniform(`${prefix}/bias`, [outChannels], 1 / Math.sqrt(fanIn));
    this.stride = spec.stride ?? 1;
    this.padding = spec.padding ?? "same";
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    const y = tf.conv2d(x, this.kernel as tf.Tensor4D, this.stride, this.padding);
    return this.bias ? tf.add(y, this.bias) : y;
  }

  /** Output spatial size for an input of `size` (tfjs/Keras 'same' and 'valid' rules). */
  outSize(size: number): number {
    return this.padding === "same" ? Math.ceil(size / this.stride) : Math.floor((size - this.spec.kernel) / this.stride) + 1;
  }
}
