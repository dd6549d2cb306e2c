// `load(name, { path })`: a saved model as a kdc Model, typically a frozen teacher.
//
// - TensorFlow.js / Keras layers models (format "layers-model": what kdc's mlp, cnn and resnet
//   export, what tensorflowjs_converter writes for Keras) run through a small interpreter of their
//   layer graph (saved-model-info.ts lists the layers it knows), always in inference mode (dropout
//   off, batch norm on its moving statistics). Their weights are non-trainable variables: a loaded
//   layers model is frozen.
// - kdc-format models (a transformer's export, kdc-format.ts) are rebuilt from their kind and
//   config with the saved weights: the same Model class as before saving, trainable again.
//
// Construction is synchronous (generated trainers build their program synchronously), so files are
// read with readFileSync.
import * as tf from "@tensorflow/tfjs";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Model, Outputs } from "../program.js";
import { KdcRuntimeError } from "../errors.js";
import { MODEL_JSON, saveLayersModel } from "./export.js";
import { KDC_MODEL_FORMAT } from "./kdc-format.js";
import { SavedModelError, describeModelJson, layersGraph, logitsLayer, tapLayers, type LayersGraph, type SavedLayer, type SavedModelInfo } from "./saved-model-info.js";
import { Transformer, type TransformerConfig } from "./transformer.js";

export interface LoadConfig {
  /** The folder holding model.json and its weight files (relative paths resolve against the working directory). */
  readonly path: string;
}

/** `load(name, { path })`: the model saved in `path` (layers format or kdc format). */
export function load(name: string, config: LoadConfig, _seed = 0): Model {
  const dir = resolve(config.path);
  const json = readModelJson(dir);
  const weights = readWeights(dir, json);
  try {
    if (json.format === KDC_MODEL_FORMAT) return rebuildKdcModel(name, dir, json, weights);
    return new LoadedLayersModel(name, dir, json, weights);
  } finally {
    tf.dispose(Object.values(weights));
  }
}

/** Typed information about the model saved in `path`: input shape, classes, layers and taps. */
export function describeSavedModel(path: string): SavedModelInfo {
  const dir = resolve(path);
  try {
    return describeModelJson(readModelJson(dir));
  } catch (error) {
    throw asLoadError(dir, error);
  }
}

/** A layers model run by kdc's interpreter: frozen, inference mode, taps by layer. */
export class LoadedLayersModel implements Model {
  readonly kind = "loaded";
  readonly variables: readonly tf.Variable[];
  readonly variableNames: readonly string[];
  readonly graph: LayersGraph;
  readonly info: SavedModelInfo;
  private readonly weights: ReadonlyMap<string, readonly tf.Variable[]>;
  private readonly logitsName: string;
  private readonly taps: ReturnType<typeof tapLayers>;

  constructor(
    readonly name: string,
    readonly dir: string,
    json: Record<string, unknown>,
    decoded: tf.NamedTensorMap,
  ) {
    try {
      this.graph = layersGraph(json);
      this.info = describeModelJson(json);
    } catch (error) {
      throw asLoadError(dir, error);
    }
    const variables: tf.Variable[] = [];
    const names: string[] = [];
    const weights = new Map<string, tf.Variable[]>();
    const lookup = weightLookup(decoded);
    for (const layer of this.graph.layers) {
      const wanted = weightNames(layer);
      const found = wanted.map((w) => {
        const t = lookup(layer.name, w.name);
        if (!t && w.required) throw new KdcRuntimeError(`model '${name}' (${dir}): the weights have no '${layer.name}/${w.name}'`);
        return t;
      });
      const vars = found.map((t, i) => {
        if (!t) return undefined;
        const v = tf.variable(t, false);
        variables.push(v);
        names.push(`${layer.name}/${wanted[i]!.name}`);
        return v;
      });
      weights.set(layer.name, vars as tf.Variable[]);
    }
    this.variables = variables;
    this.variableNames = names;
    this.weights = weights;
    this.logitsName = logitsLayer(this.graph).name;
    this.taps = tapLayers(this.graph);
  }

  /** Inference whatever `training` says: a loaded layers model is frozen. */
  forward(input: tf.Tensor, _training: boolean): Outputs {
    const values = new Map<string, tf.Tensor>();
    const inputLayer = this.graph.layers[0]!;
    values.set(inputLayer.name, this.asInput(input, inputLayer.outputShape));
    for (const layer of this.graph.layers.slice(1)) {
      const inputs = layer.inbound.map((n) => values.get(n)!);
      const preSoftmax = layer.name === this.logitsName && layer.config.activation === "softmax";
      values.set(layer.name, this.run(layer, inputs, preSoftmax));
      if (layer.name === this.logitsName) break; // a final softmax is not run: the logits are its input
    }
    const at = (n: string) => values.get(n)!;
    const logits = at(this.logitsName);
    if (logits.rank !== 2) throw new KdcRuntimeError(`model '${this.name}': its output has shape [${logits.shape}], not [B, classes]`);
    return {
      logits: logits as tf.Tensor2D,
      hidden: this.taps.hidden.map((n) => at(n) as tf.Tensor2D),
      ...(this.taps.block ? { block: this.taps.block.map(at) } : {}),
      ...(this.taps.preActivation ? { preActivation: this.taps.preActivation.map(at) } : {}),
      ...(this.taps.pooled ? { pooled: at(this.taps.pooled) as tf.Tensor2D } : {}),
    };
  }

  /** Re-exports the same model.json topology with these weights (the layers format, via tfjs). */
  async exportTo(dir: string): Promise<void> {
    const saved = JSON.parse(readFileSync(join(this.dir, MODEL_JSON), "utf8")) as tf.io.ModelJSON;
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: saved.modelTopology }));
    try {
      for (const layer of model.layers) {
        const own = this.weights.get(layer.name);
        if (own && own.length) layer.setWeights(own.filter((v) => v !== undefined));
      }
      await saveLayersModel(model, dir, `kdc runtime (loaded from ${this.dir})`, this.graph.kdc ? { kdc: this.graph.kdc as unknown as {} } : undefined);
    } finally {
      model.dispose();
    }
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }

  private asInput(input: tf.Tensor, shape: readonly number[]): tf.Tensor {
    const x = input.dtype === "float32" ? input : tf.cast(input, "float32");
    const size = shape.reduce((a, b) => a * b, 1);
    if (x.rank === shape.length + 1 && x.shape.slice(1).join() === shape.join()) return x;
    if (x.rank === 2 && x.shape[1] === size) return tf.reshape(x, [x.shape[0]!, ...shape]);
    throw new KdcRuntimeError(`model '${this.name}' reads inputs [B, ${shape.join(", ")}] (or rows of ${size}), got [${input.shape}]`);
  }

  private run(layer: SavedLayer, inputs: tf.Tensor[], skipActivation: boolean): tf.Tensor {
    const c = layer.config;
    const w = this.weights.get(layer.name) ?? [];
    const x = inputs[0]!;
    const act = (y: tf.Tensor) => (skipActivation ? y : activation(layer, String(c.activation ?? "linear"), y));
    const withBias = (y: tf.Tensor, bias: tf.Variable | undefined) => (bias ? tf.add(y, bias) : y);
    switch (layer.className) {
      case "Dense": {
        const [kernel, bias] = w;
        const flat = x.rank === 2 ? x : tf.reshape(x, [-1, x.shape[x.rank - 1]!]);
        const y = withBias(tf.matMul(flat as tf.Tensor2D, kernel as tf.Tensor2D), bias);
        return act(x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), y.shape[1]!]));
      }
      case "Conv2D": {
        const [kernel, bias] = w;
        const y = tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, pair(c.strides), padding(c.padding), "NHWC", pair(c.dilation_rate));
        return act(withBias(y, bias));
      }
      case "DepthwiseConv2D": {
        const [kernel, bias] = w;
        const y = tf.depthwiseConv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, pair(c.strides), padding(c.padding), "NHWC", pair(c.dilation_rate));
        return act(withBias(y, bias));
      }
      case "MaxPooling2D":
      case "AveragePooling2D": {
        const size = pair(c.pool_size ?? 2);
        const strides = c.strides == null ? size : pair(c.strides);
        const f = layer.className === "MaxPooling2D" ? tf.maxPool : tf.avgPool;
        return f(x as tf.Tensor4D, size, strides, padding(c.padding));
      }
      case "GlobalAveragePooling2D":
        return tf.mean(x, [1, 2]);
      case "GlobalMaxPooling2D":
        return tf.max(x, [1, 2]);
      case "Flatten":
        return tf.reshape(x, [x.shape[0]!, -1]);
      case "Reshape":
        return tf.reshape(x, [x.shape[0]!, ...layer.outputShape]);
      case "ZeroPadding2D": {
        const [h, wd] = [layer.outputShape[0]! - x.shape[1]!, layer.outputShape[1]! - x.shape[2]!];
        const p = c.padding;
        const [[t, b], [l, r]] = Array.isArray(p) && Array.isArray(p[0]) ? (p as [[number, number], [number, number]]) : [[h / 2, h / 2], [wd / 2, wd / 2]];
        return tf.pad(x, [[0, 0], [t, b], [l, r], [0, 0]]);
      }
      case "Activation":
        return act(x);
      case "ReLU": {
        const y = tf.relu(x);
        return typeof c.max_value === "number" ? tf.minimum(y, c.max_value) : y;
      }
      case "LeakyReLU":
        return tf.leakyRelu(x, typeof c.alpha === "number" ? c.alpha : 0.3);
      case "ELU":
        return tf.elu(x);
      case "Softmax":
        return skipActivation ? x : tf.softmax(x);
      case "Dropout":
      case "SpatialDropout2D":
      case "GaussianNoise":
      case "GaussianDropout":
      case "AlphaDropout":
        return x;
      case "BatchNormalization": {
        const epsilon = typeof c.epsilon === "number" ? c.epsilon : 1e-3;
        const [gamma, beta, mean, variance] = batchNormWeights(c, w);
        return tf.batchNorm(x, mean!, variance!, beta, gamma, epsilon);
      }
      case "LayerNormalization": {
        const epsilon = typeof c.epsilon === "number" ? c.epsilon : 1e-3;
        const [gamma, beta] = [c.scale === false ? undefined : w[0], c.center === false ? undefined : w[c.scale === false ? 0 : 1]];
        const { mean, variance } = tf.moments(x, -1, true);
        let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon)));
        if (gamma) y = tf.mul(y, gamma);
        return beta ? tf.add(y, beta) : y;
      }
      case "Add":
        return tf.addN(inputs);
      case "Subtract":
        return tf.sub(inputs[0]!, inputs[1]!);
      case "Multiply":
        return inputs.slice(1).reduce((a, b) => tf.mul(a, b), x);
      case "Average":
        return tf.div(tf.addN(inputs), inputs.length);
      case "Maximum":
        return inputs.slice(1).reduce((a, b) => tf.maximum(a, b), x);
      case "Minimum":
        return inputs.slice(1).reduce((a, b) => tf.minimum(a, b), x);
      case "Concatenate": {
        const axis = typeof c.axis === "number" ? c.axis : -1;
        return tf.concat(inputs, axis);
      }
      default:
        throw new KdcRuntimeError(`model '${this.name}': layer '${layer.name}' is a ${layer.className}, which kdc cannot run`);
    }
  }
}

// ---- weights ----

interface WantedWeight {
  readonly name: string;
  readonly required: boolean;
}

/** The weights a layer reads, in the order `run` expects them. */
function weightNames(layer: SavedLayer): WantedWeight[] {
  const c = layer.config;
  const bias = c.use_bias !== false;
  switch (layer.className) {
    case "Dense":
    case "Conv2D":
      return [{ name: "kernel", required: true }, ...(bias ? [{ name: "bias", required: true }] : [])];
    case "DepthwiseConv2D":
      return [{ name: "depthwise_kernel", required: true }, ...(bias ? [{ name: "bias", required: true }] : [])];
    case "BatchNormalization":
      return [
        ...(c.scale !== false ? [{ name: "gamma", required: true }] : []),
        ...(c.center !== false ? [{ name: "beta", required: true }] : []),
        { name: "moving_mean", required: true },
        { name: "moving_variance", required: true },
      ];
    case "LayerNormalization":
      return [...(c.scale !== false ? [{ name: "gamma", required: true }] : []), ...(c.center !== false ? [{ name: "beta", required: true }] : [])];
    default:
      return [];
  }
}

function batchNormWeights(c: Record<string, unknown>, w: readonly (tf.Variable | undefined)[]): [tf.Tensor | undefined, tf.Tensor | undefined, tf.Tensor, tf.Tensor] {
  let i = 0;
  const gamma = c.scale !== false ? w[i++] : undefined;
  const beta = c.center !== false ? w[i++] : undefined;
  return [gamma, beta, w[i]!, w[i + 1]!];
}

/** Finds `<layer>/<weight>` among saved names: exact, with a `:0` suffix, or under a model-name prefix. */
function weightLookup(decoded: tf.NamedTensorMap): (layer: string, weight: string) => tf.Tensor | undefined {
  const clean = new Map<string, tf.Tensor>();
  for (const [key, t] of Object.entries(decoded)) clean.set(key.replace(/:0$/, ""), t);
  return (layer, weight) => {
    const exact = clean.get(`${layer}/${weight}`);
    if (exact) return exact;
    const suffix = `/${layer}/${weight}`;
    const matches = [...clean.keys()].filter((k) => k.endsWith(suffix));
    return matches.length === 1 ? clean.get(matches[0]!) : undefined;
  };
}

function readModelJson(dir: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(join(dir, MODEL_JSON), "utf8");
  } catch {
    throw new KdcRuntimeError(`cannot load a model from ${dir}: there is no readable ${MODEL_JSON}`, "export one with `export <model> to \"…\"`, or check the path");
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new KdcRuntimeError(`cannot load a model from ${dir}: ${MODEL_JSON} is not valid JSON`);
  }
}

/** Every weight file of the manifest, concatenated in order and decoded (quantised weights included). */
function readWeights(dir: string, json: Record<string, unknown>): tf.NamedTensorMap {
  const manifest = json.weightsManifest as tf.io.WeightsManifestConfig | undefined;
  if (!Array.isArray(manifest)) throw new KdcRuntimeError(`cannot load a model from ${dir}: ${MODEL_JSON} has no weightsManifest`);
  const buffers: ArrayBuffer[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  for (const group of manifest) {
    for (const path of group.paths) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(join(dir, path));
      } catch {
        throw new KdcRuntimeError(`cannot load a model from ${dir}: its weight file ${path} is missing`);
      }
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
    specs.push(...group.weights);
  }
  try {
    return tf.io.decodeWeights(buffers, specs);
  } catch (error) {
    throw new KdcRuntimeError(`cannot load a model from ${dir}: its weights do not match the manifest (${error instanceof Error ? error.message : String(error)})`);
  }
}

function rebuildKdcModel(name: string, dir: string, json: Record<string, unknown>, weights: tf.NamedTensorMap): Model {
  let info: SavedModelInfo;
  try {
    info = describeModelJson(json);
  } catch (error) {
    throw asLoadError(dir, error);
  }
  const config = (json.kdcModel as { config: unknown }).config;
  if (info.kind !== "transformer") throw new KdcRuntimeError(`cannot load a model from ${dir}: unknown kdc model kind '${info.kind}'`);
  const model = new Transformer(name, config as TransformerConfig, 0);
  try {
    model.variables.forEach((v, i) => {
      const key = model.variableNames[i]!;
      const t = weights[key];
      if (!t) throw new KdcRuntimeError(`cannot load a model from ${dir}: the weights have no '${key}'`);
      if (t.shape.join() !== v.shape.join()) throw new KdcRuntimeError(`cannot load a model from ${dir}: '${key}' is [${t.shape}], the model needs [${v.shape}]`);
      v.assign(t);
    });
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

function asLoadError(dir: string, error: unknown): unknown {
  if (error instanceof SavedModelError) return new KdcRuntimeError(`cannot load a model from ${dir}: ${error.message}`);
  return error;
}

function pair(x: unknown): [number, number] {
  if (Array.isArray(x)) return [Number(x[0]), Number(x[1] ?? x[0])];
  if (typeof x === "number") return [x, x];
  return [1, 1];
}

function padding(p: unknown): "same" | "valid" {
  return p === "same" ? "same" : "valid";
}

function activation(layer: SavedLayer, name: string, x: tf.Tensor): tf.Tensor {
  switch (name) {
    case "linear":
      return x;
    case "relu":
      return tf.relu(x);
    case "relu6":
      return tf.relu6(x);
    case "elu":
      return tf.elu(x);
    case "selu":
      return tf.selu(x);
    case "sigmoid":
      return tf.sigmoid(x);
    case "hard_sigmoid":
    case "hardSigmoid":
      return tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1);
    case "tanh":
      return tf.tanh(x);
    case "softmax":
      return tf.softmax(x);
    case "softplus":
      return tf.softplus(x);
    case "softsign":
      return tf.div(x, tf.add(tf.abs(x), 1));
    case "swish":
    case "silu":
      return tf.mul(x, tf.sigmoid(x));
    case "gelu":
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
    case "gelu_new":
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI))), 1));
    case "mish":
      return tf.mul(x, tf.tanh(tf.softplus(x)));
    default:
      throw new KdcRuntimeError(`layer '${layer.name}' uses the activation '${name}', which kdc cannot run`);
  }
}
