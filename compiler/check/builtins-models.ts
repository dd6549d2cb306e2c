// The runtime's convolutional and sequence models as recipe built-ins: `cnn`, `resnet` and
// `transformer`. Each checks its configuration as the runtime would (so a recipe fails at
// `kdc check`, not minutes into a run) and describes its taps in ModelInfo, which `modelTap`
// turns into types: `block[i]`, `pooled`, `embedding`, `attention[i]`, `logits`.
import { diagnostic } from "../diagnostics/diagnostic.js";
import type { Builtin, BuiltinContext } from "./builtins.js";
import type { BoundArgument } from "./signature.js";
import type { Dim, ModelInfo, SplitInfo, Type } from "./types.js";
import { isNumber, type Value } from "./values.js";

type Args = ReadonlyMap<string, BoundArgument>;

const arg = (args: Args, name: string): BoundArgument => args.get(name)!;
const spanOf = (args: Args, name: string, ctx: BuiltinContext) => arg(args, name).node?.span ?? ctx.call.span;

function calleeName(ctx: BuiltinContext): string {
  const c = ctx.call.callee;
  return c.kind === "Identifier" ? c.name : "call";
}

/** A value the program's shape depends on must be known at compile time (KD4001). */
export function knownArg(args: Args, name: string, ctx: BuiltinContext): Value | undefined {
  const a = arg(args, name);
  if (a.type.kind === "error") return undefined;
  if (a.value === undefined) ctx.report(diagnostic("KD4001", spanOf(args, name, ctx), { what: `\`${name}\` of \`${calleeName(ctx)}\`` }));
  return a.value;
}

/** A known integer of at least `min` (KD3008 otherwise). */
export function intAtLeast(args: Args, name: string, min: number, ctx: BuiltinContext): number | undefined {
  const v = knownArg(args, name, ctx);
  if (!isNumber(v)) return undefined;
  if (v < min) {
    ctx.report(diagnostic("KD3008", spanOf(args, name, ctx), { what: `\`${name}\``, value: `at least ${min}, not ${v}` }));
    return undefined;
  }
  return v;
}

/** A probability-like rate in [0, 1). */
export function rateArg(args: Args, name: string, ctx: BuiltinContext): void {
  const v = arg(args, name).value;
  if (isNumber(v) && !(v >= 0 && v < 1)) ctx.report(diagnostic("KD3008", spanOf(args, name, ctx), { what: `\`${name}\``, value: `in [0, 1), not ${v}` }));
}

/** One of a few strings. */
export function oneOf(args: Args, name: string, choices: readonly string[], ctx: BuiltinContext): void {
  const v = arg(args, name).value;
  if (typeof v === "string" && !choices.includes(v))
    ctx.report(diagnostic("KD3008", spanOf(args, name, ctx), { what: `\`${name}\``, value: `one of ${choices.map((c) => `"${c}"`).join(", ")}, not "${v}"` }));
}

/** A list of positive integers (widths, channels). */
function positiveList(args: Args, name: string, ctx: BuiltinContext, nonEmpty: boolean): number[] | undefined {
  const v = knownArg(args, name, ctx);
  if (!Array.isArray(v)) return undefined;
  const list = v.filter(isNumber);
  if (list.some((w) => w < 1)) {
    ctx.report(diagnostic("KD3008", spanOf(args, name, ctx), { what: `every entry of \`${name}\``, value: "at least 1" }));
    return undefined;
  }
  if (nonEmpty && list.length === 0) {
    ctx.report(diagnostic("KD3008", spanOf(args, name, ctx), { what: `\`${name}\``, value: "a list of at least one entry" }));
    return undefined;
  }
  return list;
}

/** `input: [H, W, C]` of a conv net: rank 3 (KD3007), every size at least 1 (KD3008). */
function imageShape(args: Args, ctx: BuiltinContext): [number, number, number] | undefined {
  const v = knownArg(args, "input", ctx);
  if (!Array.isArray(v)) return undefined;
  const dims = v.filter(isNumber);
  if (dims.length !== 3) {
    ctx.report(
      diagnostic("KD3007", spanOf(args, "input", ctx), {
        context: `the argument \`input\` of \`${calleeName(ctx)}\` (one image: height, width, channels)`,
        expected: "[H, W, C]",
        found: `[${dims.join(", ")}]`,
      }),
    );
    return undefined;
  }
  if (dims.some((d) => d < 1)) {
    ctx.report(diagnostic("KD3008", spanOf(args, "input", ctx), { what: "every size in `input`", value: "at least 1" }));
    return undefined;
  }
  return [dims[0]!, dims[1]!, dims[2]!];
}

function denseParameters(widths: readonly number[]): number {
  let n = 0;
  for (let i = 1; i < widths.length; i++) n += widths[i - 1]! * widths[i]! + widths[i]!;
  return n;
}

const cnn: Builtin = {
  name: "cnn",
  category: "model",
  doc: "A convolutional net: per entry of `channels` a same-padded k×k convolution, ReLU and (pool > 1) a pool×pool max-pool; then the flattened features, dense ReLU `hidden` layers and the class logits. Reads images [H, W, C] given as rows of H·W·C features (row-major, as MNIST's 784 = [28, 28, 1]). Taps: `logits` [B, classes], `hidden[i]`, `block[i]` [B, H_i, W_i, C_i], `pre_activation[i]` (block i's convolution before ReLU and pooling, [B, H_{i−1}, W_{i−1}, C_i]), `pooled` [B, features].",
  params: [
    { name: "input", type: "int-list" },
    { name: "channels", type: "int-list" },
    { name: "kernel", type: "int", default: 3 },
    { name: "pool", type: "int", default: 2 },
    { name: "hidden", type: "int-list", default: [] },
    { name: "classes", type: "int" },
    { name: "dropout", type: "number", default: 0 },
  ],
  result(args, ctx) {
    const image = imageShape(args, ctx);
    const channels = positiveList(args, "channels", ctx, false);
    const kernel = intAtLeast(args, "kernel", 1, ctx);
    const pool = intAtLeast(args, "pool", 1, ctx);
    const hidden = positiveList(args, "hidden", ctx, false);
    const classes = intAtLeast(args, "classes", 2, ctx);
    rateArg(args, "dropout", ctx);
    let blocks: Dim[][] | undefined;
    let preActivations: Dim[][] | undefined;
    let pooled: number | undefined;
    let parameters: number | undefined;
    if (image && channels && kernel !== undefined && pool !== undefined) {
      let [h, w, c] = image;
      blocks = [];
      preActivations = [];
      parameters = 0;
      for (const [i, out] of channels.entries()) {
        parameters += kernel * kernel * c * out + out;
        preActivations.push([h, w, out]); // same padding: the conv keeps H and W; the pool halves them after
        if (pool > 1) {
          h = Math.floor(h / pool);
          w = Math.floor(w / pool);
        }
        if (h < 1 || w < 1) {
          ctx.report(
            diagnostic("KD3008", spanOf(args, "channels", ctx), {
              what: "the number of conv blocks",
              value: `at most ${i} for a ${image[0]}×${image[1]} input with pool ${pool} (block ${i} would leave no pixels)`,
            }),
          );
          blocks = undefined;
          break;
        }
        blocks.push([h, w, out]);
        c = out;
      }
      if (blocks) {
        pooled = h * w * c;
        if (hidden && classes !== undefined) parameters += denseParameters([pooled, ...hidden, classes]);
        else parameters = undefined;
      } else parameters = undefined;
    }
    const info: ModelInfo = {
      name: ctx.declaredName ?? "cnn",
      builtin: "cnn",
      input: image ? image[0] * image[1] * image[2] : undefined,
      classes,
      hidden,
      reads: "images",
      ...(image ? { image } : {}),
      ...(blocks ? { blocks, preActivations: preActivations! } : {}),
      ...(pooled !== undefined ? { pooled } : {}),
      ...(parameters !== undefined ? { parameters } : {}),
    };
    return { type: { kind: "model", info } };
  },
};

const resnet: Builtin = {
  name: "resnet",
  category: "model",
  doc: "A CIFAR-style residual net: a 3×3 stem, then per entry of `widths` a stage of `blocks_per_stage` basic blocks (two 3×3 convs with batch norm; every stage after the first halves the resolution), global average pooling and the class logits. Reads images [H, W, C] given as rows of H·W·C features. Taps: `logits` [B, classes], `block[i]` [B, H_i, W_i, widths[i]] (one per stage), `pre_activation[i]` (stage i's last residual sum before its ReLU, shaped as `block[i]`), `pooled` [B, widths[last]].",
  params: [
    { name: "input", type: "int-list" },
    { name: "widths", type: "int-list", default: [16, 32, 64] },
    { name: "blocks_per_stage", type: "int", default: 1 },
    { name: "classes", type: "int" },
  ],
  result(args, ctx) {
    const image = imageShape(args, ctx);
    const widths = positiveList(args, "widths", ctx, true);
    const perStage = intAtLeast(args, "blocks_per_stage", 1, ctx);
    const classes = intAtLeast(args, "classes", 2, ctx);
    let blocks: Dim[][] | undefined;
    let parameters: number | undefined;
    if (image && widths && perStage !== undefined) {
      let [h, w, c] = image;
      const bn = (ch: number) => 4 * ch; // γ, β and the running mean and variance
      parameters = 9 * c * widths[0]! + bn(widths[0]!);
      c = widths[0]!;
      blocks = [];
      for (const [s, width] of widths.entries()) {
        for (let b = 0; b < perStage; b++) {
          const stride = s > 0 && b === 0 ? 2 : 1;
          parameters += 9 * c * width + bn(width) + 9 * width * width + bn(width);
          if (stride !== 1 || c !== width) parameters += c * width + bn(width);
          h = Math.ceil(h / stride);
          w = Math.ceil(w / stride);
          c = width;
        }
        blocks.push([h, w, width]);
      }
      if (classes !== undefined) parameters += c * classes + classes;
      else parameters = undefined;
    }
    const info: ModelInfo = {
      name: ctx.declaredName ?? "resnet",
      builtin: "resnet",
      input: image ? image[0] * image[1] * image[2] : undefined,
      classes,
      hidden: [],
      reads: "images",
      ...(image ? { image } : {}),
      ...(blocks ? { blocks } : {}),
      ...(widths ? { pooled: widths[widths.length - 1]! } : {}),
      ...(parameters !== undefined ? { parameters } : {}),
    };
    return { type: { kind: "model", info } };
  },
};

const transformer: Builtin = {
  name: "transformer",
  category: "model",
  doc: "A decoder-only (GPT-2 style, pre-norm, causal) transformer over token ids [B, T], T ≤ `context`. Its `logits` are one row per position, [B·T, vocab] (typed [B, vocab]: the rows are positions), so class-level losses such as `kd` apply per token and two transformers can be distilled when their vocabularies match. Taps: `logits`, `embedding` [B, T, dim], `block[i]` [B, T, dim], `attention[i]` [B, heads, T, T].",
  params: [
    { name: "vocab", type: "int" },
    { name: "dim", type: "int" },
    { name: "layers", type: "int" },
    { name: "heads", type: "int" },
    { name: "context", type: "int" },
    { name: "mlp_ratio", type: "number", default: 4 },
    { name: "dropout", type: "number", default: 0 },
    { name: "tied", type: "bool", default: true },
  ],
  result(args, ctx) {
    const vocab = intAtLeast(args, "vocab", 5, ctx);
    const dim = intAtLeast(args, "dim", 1, ctx);
    const layers = intAtLeast(args, "layers", 1, ctx);
    const heads = intAtLeast(args, "heads", 1, ctx);
    const context = intAtLeast(args, "context", 1, ctx);
    rateArg(args, "dropout", ctx);
    if (dim !== undefined && heads !== undefined && dim % heads !== 0)
      ctx.report(diagnostic("KD3008", spanOf(args, "heads", ctx), { what: "`heads`", value: `a divisor of \`dim\` (${dim}), not ${heads}` }));
    const ratio = arg(args, "mlp_ratio").value;
    let mlpHidden: number | undefined;
    if (isNumber(ratio) && dim !== undefined) {
      mlpHidden = Math.round(ratio * dim);
      if (mlpHidden < 1) {
        ctx.report(diagnostic("KD3008", spanOf(args, "mlp_ratio", ctx), { what: "`mlp_ratio · dim`", value: `at least 1, not ${mlpHidden}` }));
        mlpHidden = undefined;
      }
    }
    const tied = arg(args, "tied").value !== false;
    let parameters: number | undefined;
    if (vocab !== undefined && dim !== undefined && layers !== undefined && context !== undefined && mlpHidden !== undefined) {
      const perLayer = 4 * dim + (dim * 3 * dim + 3 * dim) + (dim * dim + dim) + (dim * mlpHidden + mlpHidden) + (mlpHidden * dim + dim);
      parameters = vocab * dim + context * dim + layers * perLayer + 2 * dim + (tied ? 0 : dim * vocab);
    }
    const info: ModelInfo = {
      name: ctx.declaredName ?? "transformer",
      builtin: "transformer",
      input: context,
      classes: vocab,
      hidden: [],
      reads: "tokens",
      ...(dim !== undefined && layers !== undefined ? { blocks: Array.from({ length: layers }, () => ["T", dim]) } : {}),
      ...(dim !== undefined ? { dim } : {}),
      ...(heads !== undefined ? { heads } : {}),
      ...(context !== undefined ? { context } : {}),
      ...(parameters !== undefined ? { parameters } : {}),
    };
    return { type: { kind: "model", info } };
  },
};

export const modelBuiltins: Builtin[] = [cnn, resnet, transformer];

/** The taps a model offers (for "unknown member" messages). */
export function modelTapNames(info: ModelInfo | undefined): string[] {
  if (!info) return ["logits", "hidden"];
  if (info.builtin === "mlp") return ["logits", "hidden", "pre_activation"];
  if (info.builtin === "cnn") return ["logits", "hidden", "block", "pre_activation", "pooled"];
  if (info.builtin === "resnet") return ["logits", "block", "pre_activation", "pooled"];
  if (info.builtin === "transformer") return ["logits", "embedding", "block", "attention"];
  return ["logits", "hidden"];
}

/**
 * The type of `m.<name>` (no index: a tensor, or a `taps` list for `hidden`, `block`,
 * `attention`), or of `m.<name>[index]` with an index. Undefined when the model has no such tap,
 * or (with an index) when the index is out of range: the caller reports KD2007 / KD3008.
 * `T` is the sequence length of the batch (at most the transformer's `context`).
 */
export function modelTap(info: ModelInfo | undefined, name: string, index?: number): Type | undefined {
  const owner = info?.name ?? "model";
  if (!modelTapNames(info).includes(name)) return undefined;
  const tensor = (shape: readonly Dim[], of: string): Type => ({ kind: "tensor", shape: ["B", ...shape], of });
  const list = (shapes: readonly (readonly Dim[])[] | undefined, count: number | undefined): Type | undefined => {
    if (index === undefined) {
      return { kind: "taps", of: `${owner}.${name}`, widths: undefined, ...(shapes ? { shapes } : {}) };
    }
    if (count !== undefined && (index < 0 || index >= count)) return undefined;
    return tensor(shapes?.[index] ?? ["…"], `${owner}.${name}[${index}]`);
  };
  switch (name) {
    case "logits":
      return index === undefined ? tensor([info?.classes ?? "C"], `${owner}.logits`) : undefined;
    case "hidden": {
      const widths = info?.hidden;
      if (index === undefined) return { kind: "taps", of: `${owner}.hidden`, widths };
      if (widths && (index < 0 || index >= widths.length)) return undefined;
      return tensor([widths?.[index] ?? "H"], `${owner}.hidden[${index}]`);
    }
    case "block":
      return list(info?.blocks, info?.blocks?.length);
    case "pre_activation": {
      // Before each block's (mlp: hidden layer's) activation; resnet's are shaped as its blocks.
      const shapes = info?.builtin === "mlp" ? info.hidden?.map((w) => [w]) : (info?.preActivations ?? info?.blocks);
      return list(shapes, shapes?.length);
    }
    case "pooled":
      return index === undefined ? tensor([info?.pooled ?? "F"], `${owner}.pooled`) : undefined;
    case "embedding":
      return index === undefined ? tensor(["T", info?.dim ?? "D"], `${owner}.embedding`) : undefined;
    case "attention": {
      const count = info?.blocks?.length;
      const shape: Dim[] = [info?.heads ?? "heads", "T", "T"];
      return list(count === undefined ? undefined : Array.from({ length: count }, () => shape), count);
    }
    default:
      return undefined;
  }
}

/**
 * Whether a model can read a split's batches: conv nets read rows of H·W·C features, mlps rows of
 * `input` features, transformers token ids within their context and vocabulary. Returns the
 * problem in words (for KD3007 in the stage check), or undefined when they fit or are unknown.
 */
export function modelSplitMismatch(info: ModelInfo | undefined, split: SplitInfo | undefined): string | undefined {
  if (!info || !split) return undefined;
  const kind = split.kind ?? "vectors";
  if (info.reads === "tokens") {
    if (kind === "vectors") return `\`${info.name}\` reads token ids [B, T], but \`${split.name}\` holds feature vectors`;
    if (split.context !== undefined && info.context !== undefined && split.context > info.context)
      return `\`${split.name}\` has sequences of ${split.context} tokens, longer than the context (${info.context}) of \`${info.name}\``;
    if (split.vocab !== undefined && info.classes !== undefined && split.vocab > info.classes)
      return `\`${split.name}\` has token ids below ${split.vocab}, more than the vocabulary (${info.classes}) of \`${info.name}\``;
    return undefined;
  }
  if (kind !== "vectors") return `\`${info.name}\` reads feature vectors, but \`${split.name}\` holds ${kind}`;
  if (info.input !== undefined && split.features !== undefined && info.input !== split.features) {
    const as = info.image ? ` (its input [${info.image.join(", ")}] is ${info.input} features)` : "";
    return `\`${info.name}\` reads rows of ${info.input} features${as}, but \`${split.name}\` has ${split.features}`;
  }
  return undefined;
}
