// A small convolutional classifier on raw variables: blocks of conv (same padding, stride 1) →
// ReLU → max-pool, then flatten and a dense head. On wasm its training relies on kdc's
// Conv2DBackpropFilter and MaxPoolGrad kernels (runtime/kernels/).
import * as tf from "@tensorflow/tfjs";
import type { Model, Outputs } from "../program.js";
import { KdcRuntimeError } from "../errors.js";
import { RawModel, asImages, checkPositiveInts, checkRate, sanitise } from "./base.js";
import { Conv } from "./conv.js";
import { dense, dropout } from "./dense.js";
import { saveLayersModel } from "./export.js";

export interface CnnConfig {
  /** [H, W, C] of one image; a batch is [B, H·W·C] rows (row-major) or [B, H, W, C]. */
  readonly input: readonly [number, number, number];
  /** Output channels of each conv block. */
  readonly channels: readonly number[];
  /** Square conv kernel size; default 3. */
  readonly kernel?: number;
  /** Max-pool window and stride after each block; default 2; 1 means no pooling. */
  readonly pool?: number;
  /** Widths of the dense hidden layers (ReLU) between the flattened features and the logits; default none. */
  readonly hidden?: readonly number[];
  readonly classes: number;
  /** Dropout rate on the input of every dense layer (training only); default 0. */
  readonly dropout?: number;
}

interface Block {
  readonly conv: Conv;
  /** Spatial size after the block. */
  readonly height: number;
  readonly width: number;
}

export class Cnn extends RawModel implements Model {
  readonly kind = "cnn";
  readonly kernel: number;
  readonly pool: number;
  private readonly blocks: readonly Block[];
  private readonly head: readonly { kernel: tf.Variable; bias: tf.Variable; name: string }[];
  /** Width of `pooled`, the flattened features. */
  readonly features: number;

  constructor(name: string, readonly config: CnnConfig, seed: number) {
    super(name, seed);
    this.kernel = config.kernel ?? 3;
    this.pool = config.pool ?? 2;
    validate(name, config, this.kernel, this.pool);
    let [h, w, c] = config.input;
    const blocks: Block[] = [];
    config.channels.forEach((out, i) => {
      const conv = new Conv(this.params, `block_${i}/conv`, { kernel: this.kernel, inChannels: c, outChannels: out });
      if (this.pool > 1) {
        h = Math.floor(h / this.pool);
        w = Math.floor(w / this.pool);
      }
      if (h < 1 || w < 1) {
        throw new KdcRuntimeError(`model '${name}': after block ${i} the ${config.input[0]}×${config.input[1]} input has no pixels left`, "use fewer conv blocks or a smaller pool");
      }
      blocks.push({ conv, height: h, width: w });
      c = out;
    });
    this.blocks = blocks;
    this.features = h * w * c;
    const widths = [this.features, ...(config.hidden ?? []), config.classes];
    const head: { kernel: tf.Variable; bias: tf.Variable; name: string }[] = [];
    for (let i = 0; i + 1 < widths.length; i++) {
      const layer = i + 2 === widths.length ? "logits" : `hidden_${i}`;
      const bound = 1 / Math.sqrt(widths[i]!);
      head.push({
        kernel: this.params.uniform(`${layer}/kernel`, [widths[i]!, widths[i + 1]!], bound),
        bias: this.params.uniform(`${layer}/bias`, [widths[i + 1]!], bound),
        name: layer,
      });
    }
    this.head = head;
  }

  forward(input: tf.Tensor, training: boolean): Outputs {
    let x = asImages(this.name, input, this.config.input);
    const block: tf.Tensor4D[] = [];
    const preActivation: tf.Tensor4D[] = [];
    for (const { conv } of this.blocks) {
      const pre = conv.forward(x);
      const act = tf.relu(pre);
      x = this.pool > 1 ? tf.maxPool(act, this.pool, this.pool, "valid") : act;
      preActivation.push(pre);
      block.push(x);
    }
    const pooled = tf.reshape(x, [x.shape[0], this.features]) as tf.Tensor2D;
    const rate = this.config.dropout ?? 0;
    const hidden: tf.Tensor2D[] = [];
    let h = pooled;
    this.head.forEach((layer, i) => {
      const inp = training && rate > 0 ? dropout(h, rate, this.nextDropoutSeed()) : h;
      const y = dense(inp, layer.kernel as tf.Tensor2D, layer.bias as tf.Tensor1D);
      if (i + 1 === this.head.length) {
        h = y;
        return;
      }
      h = tf.relu(y);
      hidden.push(h);
    });
    return { logits: h, hidden, block, preActivation, pooled };
  }

  /**
   * The equivalent tf.sequential: per block `block_<i>_conv` (linear), `block_<i>_relu`,
   * `block_<i>_pool`; then `flatten`, `hidden_<i>` (ReLU dense), `logits`. Dropout is omitted (the
   * identity at inference). The taps' layer names go to model.json's userDefinedMetadata.kdc.
   */
  async exportTo(dir: string): Promise<void> {
    const model = tf.sequential({ name: sanitise(this.name) });
    const blockTaps: string[] = [];
    const preTaps: string[] = [];
    const weights: tf.Tensor[] = [];
    this.blocks.forEach(({ conv }, i) => {
      model.add(tf.layers.conv2d({
        name: `block_${i}_conv`,
        filters: conv.spec.outChannels,
        kernelSize: this.kernel,
        padding: "same",
        useBias: true,
        ...(i === 0 ? { inputShape: [...this.config.input] } : {}),
      }));
      model.add(tf.layers.activation({ name: `block_${i}_relu`, activation: "relu" }));
      if (this.pool > 1) model.add(tf.layers.maxPooling2d({ name: `block_${i}_pool`, poolSize: this.pool, strides: this.pool, padding: "valid" }));
      weights.push(conv.kernel, conv.bias!);
      preTaps.push(`block_${i}_conv`);
      blockTaps.push(this.pool > 1 ? `block_${i}_pool` : `block_${i}_relu`);
    });
    model.add(tf.layers.flatten({ name: "flatten", ...(this.blocks.length === 0 ? { inputShape: [...this.config.input] } : {}) }));
    const hiddenTaps: string[] = [];
    this.head.forEach((layer, i) => {
      const last = i + 1 === this.head.length;
      model.add(tf.layers.dense({ name: layer.name, units: layer.kernel.shape[1]!, activation: last ? "linear" : "relu" }));
      weights.push(layer.kernel, layer.bias);
      if (!last) hiddenTaps.push(layer.name);
    });
    try {
      model.setWeights(weights);
      await saveLayersModel(model, dir, `kdc runtime (cnn ${this.config.input.join("x")} [${this.config.channels.join(", ")}])`, {
        kdc: { kind: this.kind, name: this.name, config: this.config, taps: { block: blockTaps, preActivation: preTaps, pooled: "flatten", hidden: hiddenTaps } },
      });
    } finally {
      model.dispose();
    }
  }
}

/** `cnn(name, { input: [H, W, C], channels, kernel = 3, pool = 2, hidden?, classes, dropout? }, seed)`. */
export function cnn(name: string, config: CnnConfig, seed: number): Cnn {
  return new Cnn(name, config, seed);
}

function validate(name: string, config: CnnConfig, kernel: number, pool: number): void {
  if (config.input.length !== 3) throw new KdcRuntimeError(`model '${name}': input must be [H, W, C], got [${config.input.join(", ")}]`);
  checkPositiveInts(name, "input sizes", config.input);
  checkPositiveInts(name, "channels", config.channels);
  checkPositiveInts(name, "hidden widths", config.hidden ?? []);
  checkPositiveInts(name, "classes, kernel and pool", [config.classes, kernel, pool]);
  checkRate(name, "dropout", config.dropout);
}
