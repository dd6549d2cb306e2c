// Reads a saved model's model.json into typed information, without TensorFlow.js: the layer graph
// of a TensorFlow.js / Keras layers model with every layer's output shape, or a kdc-format model's
// kind and config; and from either, the input shape, the class count and the taps' shapes. Pure
// JSON in, data out, so the compiler can type a `load("…")` teacher from it.
//
// Layers models: Sequential and functional (`Model` / `Functional`) topologies in the Keras 2 /
// tfjs JSON (and Keras 3's inbound-node form), one input, one output, no shared or nested layers,
// channels-last. Supported layers are those in SHAPES below; anything else is a clear error.

export type Dim = number;
export type Shape = readonly Dim[];

/** One layer of a layers model, with its output shape (batch dimension left out). */
export interface SavedLayer {
  readonly name: string;
  readonly className: string;
  /** The layer's Keras config as saved (snake_case keys). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Names of the layers feeding it (none for the input). */
  readonly inbound: readonly string[];
  readonly outputShape: Shape;
}

/** A layers model's graph in evaluation order: `layers[0]` is the input, the last is the output. */
export interface LayersGraph {
  readonly name: string;
  readonly layers: readonly SavedLayer[];
  /** kdc's own taps by layer name, when kdc exported the model (userDefinedMetadata.kdc). */
  readonly kdc: KdcLayersMetadata | undefined;
}

export interface KdcLayersMetadata {
  readonly kind: string;
  readonly name: string;
  readonly config: unknown;
  readonly taps: {
    readonly block?: readonly string[];
    readonly preActivation?: readonly string[];
    readonly pooled?: string;
    readonly hidden?: readonly string[];
  };
}

/** What a saved model offers, for typing a loaded teacher. Shapes leave the batch out; T is the context. */
export interface SavedModelInfo {
  readonly format: "layers-model" | "kdc-model";
  /** `cnn`, `resnet`, `transformer` (kdc's), `mlp`-like layers models report `layers`. */
  readonly kind: string;
  readonly name: string;
  readonly input: { readonly shape: Shape; readonly dtype: "float32" | "int32" };
  /** Width of the logits: classes, or the vocabulary of a language model. */
  readonly classes: number;
  /** Layers models: every layer with its width (units or filters) and output shape. */
  readonly layers: readonly { readonly name: string; readonly className: string; readonly width?: number; readonly outputShape: Shape }[];
  readonly taps: {
    readonly hidden: readonly number[];
    readonly block?: readonly Shape[];
    readonly preActivation?: readonly Shape[];
    readonly pooled?: number;
    readonly embedding?: Shape;
    readonly attention?: readonly Shape[];
    readonly auxLoss?: boolean;
  };
}

export class SavedModelError extends Error {
  override readonly name = "SavedModelError";
}

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json => typeof x === "object" && x !== null && !Array.isArray(x);

/** The graph of a layers model.json (the parsed file). */
export function layersGraph(modelJson: unknown): LayersGraph {
  if (!isObject(modelJson)) throw new SavedModelError("model.json is not a JSON object");
  let topology = modelJson.modelTopology;
  if (isObject(topology) && isObject(topology.model_config)) topology = topology.model_config;
  if (!isObject(topology)) throw new SavedModelError("model.json has no `modelTopology` (a graph model? only layers models and kdc models load)");
  const className = String(topology.class_name ?? "?");
  const config = topology.config;
  let raw: { name: string; className: string; config: Json; inbound: string[] }[];
  let modelName = "model";
  if (className === "Sequential") {
    const layers = Array.isArray(config) ? config : isObject(config) && Array.isArray(config.layers) ? config.layers : undefined;
    if (!layers) throw new SavedModelError("the Sequential topology has no layer list");
    if (isObject(config) && typeof config.name === "string") modelName = config.name;
    raw = [];
    let previous: string | undefined;
    layers.forEach((layer: unknown, i: number) => {
      if (!isObject(layer) || !isObject(layer.config)) throw new SavedModelError(`layer ${i} of the Sequential topology is malformed`);
      const name = String(layer.config.name ?? `layer_${i}`);
      const cls = String(layer.class_name ?? "?");
      if (previous === undefined && cls !== "InputLayer") {
        const shape = layer.config.batch_input_shape ?? layer.config.batchInputShape;
        if (!Array.isArray(shape)) throw new SavedModelError("the first layer declares no input shape (batch_input_shape)");
        raw.push({ name: "input", className: "InputLayer", config: { batch_input_shape: shape, dtype: layer.config.dtype ?? "float32" }, inbound: [] });
        previous = "input";
      }
      raw.push({ name, className: cls, config: layer.config, inbound: previous === undefined ? [] : [previous] });
      previous = name;
    });
  } else if (className === "Model" || className === "Functional") {
    if (!isObject(config) || !Array.isArray(config.layers)) throw new SavedModelError(`the ${className} topology has no layer list`);
    if (typeof config.name === "string") modelName = config.name;
    raw = config.layers.map((layer: unknown, i: number) => {
      if (!isObject(layer) || !isObject(layer.config)) throw new SavedModelError(`layer ${i} of the topology is malformed`);
      const name = String(layer.name ?? layer.config.name ?? `layer_${i}`);
      const nodes = Array.isArray(layer.inbound_nodes) ? layer.inbound_nodes : [];
      if (nodes.length > 1) throw new SavedModelError(`layer '${name}' is applied ${nodes.length} times (shared layers are not supported)`);
      return { name, className: String(layer.class_name ?? "?"), config: layer.config, inbound: nodes.length ? inboundNames(nodes[0], name) : [] };
    });
    const ends = (key: string) => (Array.isArray(config[key]) ? (config[key] as unknown[]) : []);
    if (ends("input_layers").length !== 1 || ends("output_layers").length !== 1) {
      throw new SavedModelError(`only models with one input and one output load (this one has ${ends("input_layers").length} and ${ends("output_layers").length})`);
    }
    const output = (ends("output_layers")[0] as unknown[])[0];
    raw = evaluationOrder(raw, String(output));
  } else {
    throw new SavedModelError(`its topology is a '${className}'; only Sequential and functional layers models load`);
  }

  const shapes = new Map<string, Shape>();
  const layers: SavedLayer[] = raw.map((layer) => {
    const inputs = layer.inbound.map((n) => {
      const s = shapes.get(n);
      if (!s) throw new SavedModelError(`layer '${layer.name}' reads '${n}', which is not computed before it`);
      return s;
    });
    const rule = SHAPES[layer.className];
    if (!rule) throw new SavedModelError(`layer '${layer.name}' is a ${layer.className}, which kdc cannot run (supported: ${Object.keys(SHAPES).sort().join(", ")})`);
    if (layer.className !== "InputLayer" && inputs.length === 0) throw new SavedModelError(`layer '${layer.name}' has no input`);
    if (layer.config.data_format === "channels_first") throw new SavedModelError(`layer '${layer.name}' is channels_first; only channels_last loads`);
    const outputShape = rule(layer.config, inputs, layer.name);
    shapes.set(layer.name, outputShape);
    return { ...layer, outputShape };
  });
  if (layers[0]?.className !== "InputLayer" || layers.filter((l) => l.className === "InputLayer").length !== 1) {
    throw new SavedModelError("the model must have exactly one input layer");
  }
  return { name: modelName, layers, kdc: kdcMetadata(modelJson) };
}

/** Typed information from a parsed model.json (layers or kdc format). */
export function describeModelJson(modelJson: unknown): SavedModelInfo {
  if (isObject(modelJson) && modelJson.format === "kdc-model") return describeKdcModel(modelJson);
  const graph = layersGraph(modelJson);
  const output = graph.layers[graph.layers.length - 1]!;
  if (output.outputShape.length !== 1) throw new SavedModelError(`its output '${output.name}' has shape [${output.outputShape.join(", ")}], not [classes]`);
  const byName = new Map(graph.layers.map((l) => [l.name, l]));
  const shapeOf = (name: string) => {
    const l = byName.get(name);
    if (!l) throw new SavedModelError(`its kdc metadata names a tap layer '${name}' that the topology lacks`);
    return l.outputShape;
  };
  const taps = tapLayers(graph);
  const input = graph.layers[0]!;
  return {
    format: "layers-model",
    kind: graph.kdc?.kind ?? "layers",
    name: graph.kdc?.name ?? graph.name,
    input: { shape: input.outputShape, dtype: input.config.dtype === "int32" ? "int32" : "float32" },
    classes: output.outputShape[0]!,
    layers: graph.layers.map((l) => {
      const width = typeof l.config.units === "number" ? l.config.units : typeof l.config.filters === "number" ? l.config.filters : undefined;
      return { name: l.name, className: l.className, ...(width !== undefined ? { width } : {}), outputShape: l.outputShape };
    }),
    taps: {
      hidden: taps.hidden.map((n) => shapeOf(n)[0]!),
      ...(taps.block ? { block: taps.block.map(shapeOf) } : {}),
      ...(taps.preActivation ? { preActivation: taps.preActivation.map(shapeOf) } : {}),
      ...(taps.pooled ? { pooled: shapeOf(taps.pooled)[0]! } : {}),
    },
  };
}

/**
 * Which layers give the taps: kdc's metadata when present; otherwise `hidden` = every Dense layer
 * but the output one (post-activation), `pooled` = the flat input of the output Dense layer.
 */
export function tapLayers(graph: LayersGraph): { hidden: readonly string[]; block?: readonly string[]; preActivation?: readonly string[]; pooled?: string } {
  if (graph.kdc) {
    const t = graph.kdc.taps;
    return { hidden: t.hidden ?? [], ...(t.block ? { block: t.block } : {}), ...(t.preActivation ? { preActivation: t.preActivation } : {}), ...(t.pooled ? { pooled: t.pooled } : {}) };
  }
  const output = graph.layers[graph.layers.length - 1]!;
  const head = logitsLayer(graph);
  const hidden = graph.layers.filter((l) => l.className === "Dense" && l !== head && l !== output && l.outputShape.length === 1).map((l) => l.name);
  const feed = head.className === "Dense" ? graph.layers.find((l) => l.name === head.inbound[0]) : undefined;
  return { hidden, ...(feed && feed.outputShape.length === 1 ? { pooled: feed.name } : {}) };
}

/**
 * The layer whose output (before any softmax) is the logits: the output layer, or the layer feeding
 * a final softmax Activation / Softmax layer.
 */
export function logitsLayer(graph: LayersGraph): SavedLayer {
  const output = graph.layers[graph.layers.length - 1]!;
  if ((output.className === "Activation" && output.config.activation === "softmax") || output.className === "Softmax") {
    return graph.layers.find((l) => l.name === output.inbound[0])!;
  }
  return output;
}

// ---- kdc format ----

function describeKdcModel(json: Json): SavedModelInfo {
  const model = json.kdcModel;
  if (!isObject(model) || typeof model.kind !== "string" || !isObject(model.config)) throw new SavedModelError("kdc-model's model.json has no kdcModel { kind, config }");
  if (model.kind !== "transformer") throw new SavedModelError(`kdc-model kind '${model.kind}' is unknown to this kdc`);
  const c = model.config as { vocab: number; dim: number; layers: number; heads: number; context: number; moe?: unknown };
  const T = c.context;
  return {
    format: "kdc-model",
    kind: model.kind,
    name: String(model.name ?? "model"),
    input: { shape: [T], dtype: "int32" },
    classes: c.vocab,
    layers: [],
    taps: {
      hidden: [],
      block: Array.from({ length: c.layers }, () => [T, c.dim]),
      embedding: [T, c.dim],
      attention: Array.from({ length: c.layers }, () => [c.heads, T, T]),
      ...(c.moe ? { auxLoss: true } : {}),
    },
  };
}

function kdcMetadata(json: Json): KdcLayersMetadata | undefined {
  const meta = isObject(json.userDefinedMetadata) ? json.userDefinedMetadata.kdc : undefined;
  if (!isObject(meta) || typeof meta.kind !== "string" || !isObject(meta.taps)) return undefined;
  return meta as unknown as KdcLayersMetadata;
}

// ---- graph helpers ----

/** Layer names in one inbound node: Keras 2 `[[name, node, tensor, kwargs], …]` or Keras 3 `{ args: [keras tensors] }`. */
function inboundNames(node: unknown, layer: string): string[] {
  if (Array.isArray(node)) {
    return node.map((entry) => {
      if (!Array.isArray(entry) || typeof entry[0] !== "string") throw new SavedModelError(`layer '${layer}' has a malformed inbound node`);
      if (entry[2] !== undefined && entry[2] !== 0) throw new SavedModelError(`layer '${layer}' reads output ${String(entry[2])} of '${entry[0]}' (multi-output layers are not supported)`);
      return entry[0];
    });
  }
  if (isObject(node)) {
    const names: string[] = [];
    const visit = (x: unknown): void => {
      if (Array.isArray(x)) x.forEach(visit);
      else if (isObject(x)) {
        const history = isObject(x.config) ? x.config.keras_history : undefined;
        if (Array.isArray(history) && typeof history[0] === "string") names.push(history[0]);
        else Object.values(x).forEach(visit);
      }
    };
    visit(node.args);
    return names;
  }
  throw new SavedModelError(`layer '${layer}' has a malformed inbound node`);
}

/** The layers the output depends on, each after its inputs. */
function evaluationOrder<T extends { name: string; inbound: string[] }>(layers: T[], output: string): T[] {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const order: T[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string) => {
    const s = state.get(name);
    if (s === "done") return;
    if (s === "visiting") throw new SavedModelError(`the topology has a cycle through '${name}'`);
    const layer = byName.get(name);
    if (!layer) throw new SavedModelError(`the topology names a layer '${name}' it does not define`);
    state.set(name, "visiting");
    layer.inbound.forEach(visit);
    state.set(name, "done");
    order.push(layer);
  };
  visit(output);
  return order;
}

// ---- output shapes, per layer class (batch dimension left out) ----

type ShapeRule = (config: Json, inputs: readonly Shape[], name: string) => Shape;

const pair = (x: unknown, fallback: number): [number, number] => {
  if (Array.isArray(x)) return [Number(x[0]), Number(x[1] ?? x[0])];
  if (typeof x === "number") return [x, x];
  return [fallback, fallback];
};

function spatial(size: number, kernel: number, stride: number, dilation: number, padding: unknown): number {
  const effective = (kernel - 1) * dilation + 1;
  return padding === "same" ? Math.ceil(size / stride) : Math.floor((size - effective) / stride) + 1;
}

function image(name: string, s: Shape): [number, number, number] {
  if (s.length !== 3) throw new SavedModelError(`layer '${name}' needs images [H, W, C], got [${s.join(", ")}]`);
  return s as unknown as [number, number, number];
}

function conv(config: Json, inputs: readonly Shape[], name: string, channels: (c: number) => number): Shape {
  const [h, w, c] = image(name, inputs[0]!);
  const [kh, kw] = pair(config.kernel_size, 1);
  const [sh, sw] = pair(config.strides, 1);
  const [dh, dw] = pair(config.dilation_rate, 1);
  return [spatial(h, kh, sh, dh, config.padding), spatial(w, kw, sw, dw, config.padding), channels(c)];
}

function pool(config: Json, inputs: readonly Shape[], name: string): Shape {
  const [h, w, c] = image(name, inputs[0]!);
  const [ph, pw] = pair(config.pool_size, 2);
  const [sh, sw] = config.strides == null ? [ph, pw] : pair(config.strides, ph);
  return [spatial(h, ph, sh, 1, config.padding), spatial(w, pw, sw, 1, config.padding), c];
}

const same: ShapeRule = (_c, inputs) => inputs[0]!;

function sameShapes(name: string, inputs: readonly Shape[]): Shape {
  const first = inputs[0]!;
  for (const s of inputs) {
    if (s.join() !== first.join()) throw new SavedModelError(`layer '${name}' merges shapes [${first.join(", ")}] and [${s.join(", ")}]`);
  }
  return first;
}

export const SHAPES: Readonly<Record<string, ShapeRule>> = {
  InputLayer: (config, _inputs, name) => {
    const shape = config.batch_input_shape ?? config.batchInputShape ?? config.batch_shape;
    if (!Array.isArray(shape) || shape.slice(1).some((d) => typeof d !== "number")) throw new SavedModelError(`input '${name}' has no fixed shape`);
    return shape.slice(1) as number[];
  },
  Dense: (config, inputs) => [...inputs[0]!.slice(0, -1), Number(config.units)],
  Conv2D: (config, inputs, name) => conv(config, inputs, name, () => Number(config.filters)),
  DepthwiseConv2D: (config, inputs, name) => conv(config, inputs, name, (c) => c * Number(config.depth_multiplier ?? 1)),
  MaxPooling2D: pool,
  AveragePooling2D: pool,
  GlobalAveragePooling2D: (_c, inputs, name) => [image(name, inputs[0]!)[2]],
  GlobalMaxPooling2D: (_c, inputs, name) => [image(name, inputs[0]!)[2]],
  Flatten: (_c, inputs) => [inputs[0]!.reduce((a, b) => a * b, 1)],
  Reshape: (config, inputs, name) => {
    const target = config.target_shape;
    if (!Array.isArray(target)) throw new SavedModelError(`layer '${name}' has no target_shape`);
    const size = inputs[0]!.reduce((a, b) => a * b, 1);
    const known = target.filter((d) => d !== -1 && d !== null).reduce((a: number, b) => a * Number(b), 1);
    return target.map((d) => (d === -1 || d === null ? size / known : Number(d)));
  },
  ZeroPadding2D: (config, inputs, name) => {
    const [h, w, c] = image(name, inputs[0]!);
    const p = config.padding;
    const [[t, b], [l, r]] = Array.isArray(p) && Array.isArray(p[0]) ? (p as [[number, number], [number, number]]) : (() => { const [ph, pw] = pair(p, 1); return [[ph, ph], [pw, pw]] as [[number, number], [number, number]]; })();
    return [h + t + b, w + l + r, c];
  },
  Activation: same,
  ReLU: same,
  LeakyReLU: same,
  ELU: same,
  Softmax: same,
  Dropout: same,
  SpatialDropout2D: same,
  GaussianNoise: same,
  GaussianDropout: same,
  AlphaDropout: same,
  BatchNormalization: (config, inputs, name) => {
    const axis = config.axis;
    const rank = inputs[0]!.length + 1;
    const ok = axis === -1 || axis === rank - 1 || (Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === rank - 1));
    if (!ok) throw new SavedModelError(`layer '${name}' normalises axis ${JSON.stringify(axis)}; only the last (channel) axis is supported`);
    return inputs[0]!;
  },
  LayerNormalization: (config, inputs, name) => {
    const axis = config.axis;
    const ok = axis === -1 || axis === inputs[0]!.length || (Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === inputs[0]!.length));
    if (!ok) throw new SavedModelError(`layer '${name}' normalises axis ${JSON.stringify(axis)}; only the last axis is supported`);
    return inputs[0]!;
  },
  Add: (_c, inputs, name) => sameShapes(name, inputs),
  Subtract: (_c, inputs, name) => sameShapes(name, inputs),
  Multiply: (_c, inputs, name) => sameShapes(name, inputs),
  Average: (_c, inputs, name) => sameShapes(name, inputs),
  Maximum: (_c, inputs, name) => sameShapes(name, inputs),
  Minimum: (_c, inputs, name) => sameShapes(name, inputs),
  Concatenate: (config, inputs, name) => {
    const rank = inputs[0]!.length;
    const raw = typeof config.axis === "number" ? config.axis : -1;
    const axis = raw < 0 ? rank + raw : raw - 1; // Keras counts the batch axis
    if (axis < 0 || axis >= rank) throw new SavedModelError(`layer '${name}' concatenates on axis ${raw}`);
    const out = [...inputs[0]!];
    out[axis] = inputs.reduce((n, s) => n + s[axis]!, 0);
    return out;
  },
};
