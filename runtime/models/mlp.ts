// A multilayer perceptron on raw tf.Variables (not tf.layers): the training loop needs plain
// variables for the optimizer, the custom-gradient dense layer, and seeded init and dropout.
import * as tf from "@tensorflow/tfjs";
import type { Model, Outputs } from "../program.js";
import { KdcRuntimeError } from "../errors.js";
import { mixSeeds } from "../rng.js";
import { dense, denseOnData, dropout, initDense } from "./dense.js";
import { saveLayersModel } from "./export.js";

export type Activation = "relu" | "tanh" | "sigmoid";

export interface MlpConfig {
  readonly input: number;
  readonly hidden: readonly number[];
  readonly classes: number;
  /** Dropout rate after each hidden activation (training only); default 0. */
  readonly dropout?: number;
  /** Dropout rate on the input (training only); default 0. */
  readonly inputDropout?: number;
  /** Hidden activation; default relu. The output layer is linear (logits). */
  readonly activation?: Activation;
}

const ACTIVATIONS: Record<Activation, (x: tf.Tensor2D) => tf.Tensor2D> = {
  relu: (x) => tf.relu(x),
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
};

export class Mlp implements Model {
  readonly kind = "mlp";
  readonly variables: readonly tf.Variable[];
  /** Stable names for the variables (`dense_0/kernel`, …), for checkpoints and messages. */
  readonly variableNames: readonly string[];
  private readonly layers: readonly { kernel: tf.Variable; bias: tf.Variable }[];
  private readonly activate: (x: tf.Tensor2D) => tf.Tensor2D;
  /** Counts dropout masks drawn so each gets its own seed; a run stays reproducible. */
  private dropoutDraws = 0;
  private dropoutStream: number | undefined;

  constructor(
    readonly name: string,
    readonly config: MlpConfig,
    readonly seed: number,
  ) {
    validate(name, config);
    this.activate = ACTIVATIONS[config.activation ?? "relu"];
    const widths = [config.input, ...config.hidden, config.classes];
    const layers: { kernel: tf.Variable; bias: tf.Variable }[] = [];
    const names: string[] = [];
    for (let i = 0; i + 1 < widths.length; i++) {
      const fanIn = widths[i]!;
      const fanOut = widths[i + 1]!;
      const init = initDense(fanIn, fanOut, mixSeeds(seed, i));
      // Unnamed variables: tfjs names must be unique per process, and tests build models twice.
      // Inside a tidy, so the initial tensors the variables copy are freed (variables are kept).
      layers.push(
        tf.tidy(() => ({
          kernel: tf.variable(tf.tensor2d(init.kernel, [fanIn, fanOut]), true),
          bias: tf.variable(tf.tensor1d(init.bias), true),
        })),
      );
      names.push(`dense_${i}/kernel`, `dense_${i}/bias`);
    }
    this.layers = layers;
    this.variables = layers.flatMap((l) => [l.kernel, l.bias]);
    this.variableNames = names;
  }

  forward(input: tf.Tensor2D, training: boolean): Outputs {
    const rate = this.config.dropout ?? 0;
    const inputRate = this.config.inputDropout ?? 0;
    let x = training && inputRate > 0 ? dropout(input, inputRate, this.nextDropoutSeed()) : input;
    const hidden: tf.Tensor2D[] = [];
    const preActivation: tf.Tensor2D[] = [];
    this.layers.forEach((layer, i) => {
      // The first layer's input is data: no gradient flows to it (see denseOnData).
      const y = (i === 0 ? denseOnData : dense)(x, layer.kernel as tf.Tensor2D, layer.bias as tf.Tensor1D);
      if (i === this.layers.length - 1) {
        x = y;
        return;
      }
      preActivation.push(y); // the dense output before its activation
      const h = this.activate(y);
      hidden.push(h); // the tap is the activation before dropout
      x = training && rate > 0 ? dropout(h, rate, this.nextDropoutSeed()) : h;
    });
    return { logits: x, hidden, preActivation };
  }

  async exportTo(dir: string): Promise<void> {
    const widths = [this.config.input, ...this.config.hidden, this.config.classes];
    const model = tf.sequential({ name: sanitise(this.name) });
    for (let i = 0; i + 1 < widths.length; i++) {
      const last = i + 2 === widths.length;
      model.add(
        tf.layers.dense({
          units: widths[i + 1]!,
          activation: last ? "linear" : (this.config.activation ?? "relu"),
          useBias: true,
          ...(i === 0 ? { inputShape: [widths[0]!] } : {}),
        }),
      );
    }
    try {
      // Dropout is omitted: it is the identity at inference.
      model.setWeights([...this.variables]);
      await saveLayersModel(model, dir, `kdc runtime (mlp ${widths.join("-")})`);
    } finally {
      model.dispose();
    }
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }

  /** Restarts the dropout masks from `seed` (the loop calls it so a resumed run draws the same masks). */
  reseed(seed: number): void {
    this.dropoutStream = seed;
    this.dropoutDraws = 0;
  }

  private nextDropoutSeed(): number {
    const draw = this.dropoutDraws++;
    return this.dropoutStream === undefined ? mixSeeds(this.seed, 0xd0, draw) : mixSeeds(this.seed, 0xd1, this.dropoutStream, draw);
  }
}

/** `mlp(name, { input, hidden, classes, dropout?, inputDropout?, activation? }, seed)`. */
export function mlp(name: string, config: MlpConfig, seed: number): Mlp {
  return new Mlp(name, config, seed);
}

function validate(name: string, config: MlpConfig): void {
  const widths = [config.input, ...config.hidden, config.classes];
  if (!widths.every((w) => Number.isInteger(w) && w > 0)) {
    throw new KdcRuntimeError(`model '${name}': layer widths must be positive integers, got ${widths.join("-")}`);
  }
  for (const [key, rate] of [["dropout", config.dropout], ["inputDropout", config.inputDropout]] as const) {
    if (rate !== undefined && !(rate >= 0 && rate < 1)) {
      throw new KdcRuntimeError(`model '${name}': ${key} must be in [0, 1), got ${rate}`);
    }
  }
  if (config.activation !== undefined && !(config.activation in ACTIVATIONS)) {
    throw new KdcRuntimeError(`model '${name}': unknown activation '${config.activation}'`, `use one of ${Object.keys(ACTIVATIONS).join(", ")}`);
  }
}

/** Keras model names allow letters, digits, `_`, `-`, `.`, `/`. */
function sanitise(name: string): string {
  return name.replace(/[^A-Za-z0-9_.\-/]/g, "_") || "model";
}
