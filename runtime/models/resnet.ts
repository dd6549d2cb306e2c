// A CIFAR-style ResNet (He et al. 2016, §4.2) on raw variables: a 3×3 stem, stages of basic
// residual blocks (two 3×3 convs with batch norm), a 1×1 projection shortcut where the shape
// changes, global average pooling, and a dense classifier.
import * as tf from "@tensorflow/tfjs";
import type { Model, Outputs } from "../program.js";
import { KdcRuntimeError } from "../errors.js";
import { RawModel, asImages, checkPositiveInts, sanitise } from "./base.js";
import { BN_EPSILON, BN_MOMENTUM, BatchNorm } from "./batch-norm.js";
import { Conv } from "./conv.js";
import { dense } from "./dense.js";
import { saveLayersModel } from "./export.js";

export interface ResnetConfig {
  /** [H, W, C] of one image; a batch is [B, H·W·C] rows (row-major) or [B, H, W, C]. */
  readonly input: readonly [number, number, number];
  /** Channels of each stage; every stage after the first halves the resolution. Default [16, 32, 64]. */
  readonly widths?: readonly number[];
  /** Residual blocks per stage; default 1 (ResNet-8 with the default widths; 3 gives ResNet-20). */
  readonly blocksPerStage?: number;
  readonly classes: number;
}

interface ResidualBlock {
  readonly conv1: Conv;
  readonly bn1: BatchNorm;
  readonly conv2: Conv;
  readonly bn2: BatchNorm;
  readonly shortcut: { readonly conv: Conv; readonly bn: BatchNorm } | undefined;
  /** `stage_<s>_block_<b>`, the prefix of its exported layer names. */
  readonly id: string;
}

export class Resnet extends RawModel implements Model {
  readonly kind = "resnet";
  readonly widths: readonly number[];
  readonly blocksPerStage: number;
  private readonly stem: { readonly conv: Conv; readonly bn: BatchNorm };
  private readonly stages: readonly (readonly ResidualBlock[])[];
  private readonly classifier: { readonly kernel: tf.Variable; readonly bias: tf.Variable };

  constructor(name: string, readonly config: ResnetConfig, seed: number) {
    super(name, seed);
    this.widths = config.widths ?? [16, 32, 64];
    this.blocksPerStage = config.blocksPerStage ?? 1;
    if (config.input.length !== 3) throw new KdcRuntimeError(`model '${name}': input must be [H, W, C], got [${config.input.join(", ")}]`);
    checkPositiveInts(name, "input sizes", config.input);
    checkPositiveInts(name, "widths", this.widths);
    checkPositiveInts(name, "classes and blocksPerStage", [config.classes, this.blocksPerStage]);
    if (this.widths.length === 0) throw new KdcRuntimeError(`model '${name}': widths must name at least one stage`);

    const p = this.params;
    const first = this.widths[0]!;
    this.stem = {
      conv: new Conv(p, "stem/conv", { kernel: 3, inChannels: config.input[2], outChannels: first, bias: false, init: "kaiming" }),
      bn: new BatchNorm(p, "stem/bn", first),
    };
    let channels = first;
    this.stages = this.widths.map((width, s) =>
      Array.from({ length: this.blocksPerStage }, (_, b) => {
        const stride = s > 0 && b === 0 ? 2 : 1;
        const prefix = `stage_${s}/block_${b}`;
        const conv = (suffix: string, kernel: number, inChannels: number, stride: number) =>
          new Conv(p, `${prefix}/${suffix}`, { kernel, inChannels, outChannels: width, stride, bias: false, init: "kaiming" });
        const block: ResidualBlock = {
          conv1: conv("conv_1", 3, channels, stride),
          bn1: new BatchNorm(p, `${prefix}/bn_1`, width),
          conv2: conv("conv_2", 3, width, 1),
          bn2: new BatchNorm(p, `${prefix}/bn_2`, width),
          shortcut: stride !== 1 || channels !== width ? { conv: conv("shortcut/conv", 1, channels, stride), bn: new BatchNorm(p, `${prefix}/shortcut/bn`, width) } : undefined,
          id: `stage_${s}_block_${b}`,
        };
        channels = width;
        return block;
      }),
    );
    const bound = 1 / Math.sqrt(channels);
    this.classifier = {
      kernel: p.uniform("logits/kernel", [channels, config.classes], bound),
      bias: p.uniform("logits/bias", [config.classes], bound),
    };
  }

  forward(input: tf.Tensor, training: boolean): Outputs {
    const images = asImages(this.name, input, this.config.input);
    let x = tf.relu(this.stem.bn.forward(this.stem.conv.forward(images), training));
    const block: tf.Tensor4D[] = [];
    const preActivation: tf.Tensor4D[] = [];
    for (const stage of this.stages) {
      let pre: tf.Tensor4D | undefined;
      for (const b of stage) {
        const h = tf.relu(b.bn1.forward(b.conv1.forward(x), training));
        const main = b.bn2.forward(b.conv2.forward(h), training);
        const skip = b.shortcut ? b.shortcut.bn.forward(b.shortcut.conv.forward(x), training) : x;
        pre = tf.add(main, skip);
        x = tf.relu(pre);
      }
      preActivation.push(pre!);
      block.push(x);
    }
    const pooled = tf.mean(x, [1, 2]) as tf.Tensor2D;
    const logits = dense(pooled, this.classifier.kernel as tf.Tensor2D, this.classifier.bias as tf.Tensor1D);
    return { logits, hidden: [], block, preActivation, pooled };
  }

  /**
   * The equivalent functional tf.model: `stem_conv`, `stem_bn`, `stem_relu`; per block
   * `<id>_conv_1`, `_bn_1`, `_relu_1`, `_conv_2`, `_bn_2`, (`_shortcut_conv`, `_shortcut_bn`),
   * `_add`, `_relu` with id `stage_<s>_block_<b>`; then `pool` (global average) and `logits`.
   * Batch norm exports as Keras's BatchNormalization (momentum 0.9 in its convention, ε 1e-5).
   */
  async exportTo(dir: string): Promise<void> {
    const created: { layer: tf.layers.Layer; weights: tf.Tensor[] }[] = [];
    const conv = (name: string, c: Conv, x: tf.SymbolicTensor) => {
      const layer = tf.layers.conv2d({ name, filters: c.spec.outChannels, kernelSize: c.spec.kernel, strides: c.stride, padding: c.padding, useBias: false });
      created.push({ layer, weights: [c.kernel] });
      return layer.apply(x) as tf.SymbolicTensor;
    };
    const bn = (name: string, n: BatchNorm, x: tf.SymbolicTensor) => {
      const layer = tf.layers.batchNormalization({ name, axis: -1, momentum: 1 - BN_MOMENTUM, epsilon: BN_EPSILON });
      created.push({ layer, weights: [n.gamma, n.beta, n.movingMean, n.movingVariance] });
      return layer.apply(x) as tf.SymbolicTensor;
    };
    const relu = (name: string, x: tf.SymbolicTensor) => tf.layers.activation({ name, activation: "relu" }).apply(x) as tf.SymbolicTensor;

    const input = tf.input({ name: "input", shape: [...this.config.input] });
    let x = relu("stem_relu", bn("stem_bn", this.stem.bn, conv("stem_conv", this.stem.conv, input)));
    const blockTaps: string[] = [];
    const preTaps: string[] = [];
    for (const stage of this.stages) {
      for (const b of stage) {
        const h = relu(`${b.id}_relu_1`, bn(`${b.id}_bn_1`, b.bn1, conv(`${b.id}_conv_1`, b.conv1, x)));
        const main = bn(`${b.id}_bn_2`, b.bn2, conv(`${b.id}_conv_2`, b.conv2, h));
        const skip = b.shortcut ? bn(`${b.id}_shortcut_bn`, b.shortcut.bn, conv(`${b.id}_shortcut_conv`, b.shortcut.conv, x)) : x;
        const sum = tf.layers.add({ name: `${b.id}_add` }).apply([main, skip]) as tf.SymbolicTensor;
        x = relu(`${b.id}_relu`, sum);
      }
      const last = stage[stage.length - 1]!;
      blockTaps.push(`${last.id}_relu`);
      preTaps.push(`${last.id}_add`);
    }
    const pooled = tf.layers.globalAveragePooling2d({ name: "pool" }).apply(x) as tf.SymbolicTensor;
    const head = tf.layers.dense({ name: "logits", units: this.config.classes });
    created.push({ layer: head, weights: [this.classifier.kernel, this.classifier.bias] });
    const model = tf.model({ name: sanitise(this.name), inputs: input, outputs: head.apply(pooled) as tf.SymbolicTensor });
    try {
      for (const { layer, weights } of created) layer.setWeights(weights);
      await saveLayersModel(model, dir, `kdc runtime (resnet ${this.config.input.join("x")} [${this.widths.join(", ")}]×${this.blocksPerStage})`, {
        kdc: { kind: this.kind, name: this.name, config: this.config, taps: { block: blockTaps, preActivation: preTaps, pooled: "pool", hidden: [] } },
      });
    } finally {
      model.dispose();
    }
  }
}

/** `resnet(name, { input: [H, W, C], widths = [16, 32, 64], blocksPerStage = 1, classes }, seed)`. */
export function resnet(name: string, config: ResnetConfig, seed: number): Resnet {
  return new Resnet(name, config, seed);
}
