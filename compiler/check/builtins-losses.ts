// Loss built-ins beyond the logit divergences: feature losses (cosine, FitNets hint, attention
// transfer, RKD, Margin-MSE), next-token divergences for language models, the preference losses'
// entries (checked by expressions.ts from preference-losses.ts) and TAID with its adaptive λ.
// Conventions: /work/shared/loss-conventions.md, stated per built-in in `doc`.
import { diagnostic } from "../diagnostics/diagnostic.js";
import type { Builtin, BuiltinContext } from "./builtins.js";
import { calleeOf, requireLanguageModel, requireMatrix, requireRank, requireTokenSplit } from "./loss-args.js";
import { PREFERENCE_LOSSES } from "./preference-losses.js";
import { checkSameClasses } from "./rules/class-count.js";
import { checkPositiveTemperature } from "./rules/positive-temperature.js";
import { checkOneTaidLambdaForm } from "./rules/taid-lambda-forms.js";
import type { BoundArgument } from "./signature.js";
import { lossType, shapesAgree, showShape } from "./types.js";
import { isNumber, range, showValue, type ScheduleValue } from "./values.js";

type Args = ReadonlyMap<string, BoundArgument>;

const arg = (args: Args, name: string): BoundArgument => args.get(name)!;

const PROJECT_HELP = "use `project(…)` to map features of another width";

/** Every named tensor argument has the shape of the first (KD3007 at the first that differs). */
function requireSameShape(args: Args, names: readonly string[], ctx: BuiltinContext, help?: string): void {
  const first = arg(args, names[0]!);
  if (first.type.kind !== "tensor" || !first.type.shape) return;
  for (const name of names.slice(1)) {
    const a = arg(args, name);
    if (a.type.kind !== "tensor" || !a.type.shape || shapesAgree(first.type.shape, a.type.shape)) continue;
    ctx.report(
      diagnostic(
        "KD3007",
        ctx.call.span,
        { context: `\`${calleeOf(ctx)}\` compares \`${names[0]}\` and \`${name}\` element by element`, expected: showShape(first.type.shape), found: showShape(a.type.shape) },
        help ? { labels: [{ span: a.node?.span ?? ctx.call.span, message: help }] } : {},
      ),
    );
    return;
  }
}

/** KD3008 unless `ok` holds for a known number. */
function inRange(args: Args, name: string, ok: (v: number) => boolean, value: string, ctx: BuiltinContext): number | undefined {
  const a = arg(args, name);
  if (!isNumber(a.value)) return undefined;
  if (!ok(a.value)) {
    ctx.report(diagnostic("KD3008", a.node?.span ?? ctx.call.span, { what: `\`${name}\``, value: `${value}, not ${a.value}` }));
    return undefined;
  }
  return a.value;
}

const tensors = (...names: string[]) => names.map((name) => ({ name, type: "tensor" as const }));

const cosineEmbedding: Builtin = {
  name: "cosine_embedding",
  category: "loss",
  doc: "Cosine feature loss: mean_b (1 − cos(s_b, t_b)), cos = ⟨s, t⟩ / (max(‖s‖, 1e-8)·max(‖t‖, 1e-8)) over the feature axis; both [B, F]. The teacher is a constant.",
  params: tensors("student", "teacher"),
  result(args, ctx) {
    if (requireRank(args, "student", 2, "[B, F]", ctx) && requireRank(args, "teacher", 2, "[B, F]", ctx)) requireSameShape(args, ["student", "teacher"], ctx, PROJECT_HELP);
    return { type: lossType };
  },
};

/**
 * `hint(s, t)`: FitNets' hint, exactly `mse(project(s, like: t), t)`: it inserts its own trainable
 * linear regressor, so (like `project`) it belongs to one stage's objective.
 */
const hint: Builtin = {
  name: "hint",
  category: "adapter",
  doc: "FitNets hint: mean over elements of (s·W + b − t)², W, b a trainable linear regressor from the student's width to the teacher's, inserted by the compiler (the same as `mse(project(s, like: t), t)`); both [B, F] with F known.",
  params: tensors("student", "teacher"),
  result(args, ctx) {
    for (const name of ["student", "teacher"]) {
      const a = arg(args, name);
      if (a.type.kind === "tensor" && a.type.shape && (a.type.shape.length !== 2 || typeof a.type.shape[1] !== "number"))
        ctx.report(diagnostic("KD3007", a.node?.span ?? ctx.call.span, { context: `the argument \`${name}\` of \`hint\` (its regressor is linear over features)`, expected: "[B, F] with F known", found: showShape(a.type.shape) }));
    }
    return { type: lossType };
  },
};

const attentionTransfer: Builtin = {
  name: "attention_transfer",
  category: "loss",
  doc: "Attention transfer (p = 2) between two conv feature maps [B, H, W, C] (`block[i]` of a `cnn` or `resnet`): per example Q = L2-normalise(mean over channels of A²); mean over B·H·W of (Q_s − Q_t)². Channel counts may differ; H and W must match.",
  params: tensors("student", "teacher"),
  result(args, ctx) {
    const help = "attention transfer reads conv feature maps such as `m.block[0]` of a `cnn` or `resnet`";
    // A transformer's `attention[i]` is rank 4 too, but [B, heads, T, T] probabilities, not a feature map.
    for (const name of ["student", "teacher"]) {
      const a = arg(args, name);
      if (a.type.kind === "tensor" && a.type.of?.includes(".attention[")) {
        ctx.report(diagnostic("KD3007", a.node?.span ?? ctx.call.span, { context: `the argument \`${name}\` of \`attention_transfer\``, expected: "[B, H, W, C] (a conv feature map)", found: `${showShape(a.type.shape)} (\`${a.type.of}\`, attention probabilities)` }, { notes: [help] }));
        return { type: lossType };
      }
    }
    const ok = requireRank(args, "student", 4, "[B, H, W, C]", ctx, help) && requireRank(args, "teacher", 4, "[B, H, W, C]", ctx, help);
    const s = arg(args, "student").type;
    const t = arg(args, "teacher").type;
    if (ok && s.kind === "tensor" && t.kind === "tensor" && s.shape && t.shape && !shapesAgree(s.shape.slice(0, 3), t.shape.slice(0, 3)))
      ctx.report(
        diagnostic("KD3007", ctx.call.span, { context: "`attention_transfer` compares spatial maps position by position", expected: `[${s.shape.slice(0, 3).join(", ")}, C]`, found: showShape(t.shape) }, {
          labels: [{ span: arg(args, "teacher").node?.span ?? ctx.call.span, message: "pick a teacher block of the same height and width" }],
        }),
      );
    return { type: lossType };
  },
};

const rkd = (name: "rkd_distance" | "rkd_angle", doc: string): Builtin => ({
  name,
  category: "loss",
  doc,
  params: tensors("student", "teacher"),
  result(args, ctx) {
    requireRank(args, "student", 2, "[B, F]", ctx);
    requireRank(args, "teacher", 2, "[B, F']", ctx);
    return { type: lossType };
  },
});

const marginMse: Builtin = {
  name: "margin_mse",
  category: "loss",
  doc: "Margin-MSE: mean((s⁺ − s⁻) − (t⁺ − t⁻))² over all elements of four scores of one shape; the teacher's are constants.",
  params: tensors("student_pos", "student_neg", "teacher_pos", "teacher_neg"),
  result(args, ctx) {
    requireSameShape(args, ["student_pos", "student_neg", "teacher_pos", "teacher_neg"], ctx);
    return { type: lossType };
  },
};

/** Two transformers (KD3004) of one vocabulary (KD3005) read on a token split (KD3032): every next-token loss's arguments. */
function checkLanguageModelPair(args: Args, name: string, ctx: BuiltinContext): void {
  const s = requireLanguageModel(args, "student", name, ctx);
  const t = requireLanguageModel(args, "teacher", name, ctx);
  requireTokenSplit(ctx, name);
  if (s && t && s.classes !== undefined && t.classes !== undefined && s.classes !== t.classes)
    ctx.report(diagnostic("KD3005", ctx.call.span, { student: `${s.name}'s tokens`, teacher: `${t.name}'s`, studentClasses: String(s.classes), teacherClasses: String(t.classes) }));
}

/** A divergence between two language models' next-token distributions on a token split. */
const tokenDivergence = (name: string, doc: string, t2: boolean): Builtin => ({
  name,
  category: "loss",
  doc,
  params: [
    { name: "student", type: "model" },
    { name: "teacher", type: "model" },
    { name: "T", type: "scalar", default: 1 },
    { name: "t2", type: "bool", default: t2 },
  ],
  result(args, ctx) {
    checkLanguageModelPair(args, name, ctx);
    checkPositiveTemperature(arg(args, "T"), ctx);
    return { type: lossType };
  },
});

const PER_TOKEN = "per next-token position (logits at t against the target at t + 1), mean over tokens whose target is not −100; equal vocabularies";

const tokenLosses: Builtin[] = [
  tokenDivergence("token_kd", `Token-level distillation: [T² if t2] · KL(softmax(t/T) ‖ softmax(s/T)) ${PER_TOKEN}.`, true),
  tokenDivergence("token_reverse_kl", `Token-level reverse KL: [T² if t2] · KL(softmax(s/T) ‖ softmax(t/T)) ${PER_TOKEN}.`, true),
  tokenDivergence("token_jsd", `Token-level Jensen–Shannon divergence (β = 0.5) at temperature T, [T² if t2], ${PER_TOKEN}.`, false),
  tokenDivergence("token_tvd", `Token-level total variation 0.5·Σ|p − q| at temperature T, [T² if t2], ${PER_TOKEN}.`, false),
];

/** Entries that name, place and document the preference losses; expressions.ts binds and checks them. */
const preferenceLosses: Builtin[] = [...PREFERENCE_LOSSES.values()].map((p) => ({
  name: p.name,
  category: "loss",
  doc: p.doc,
  params: [],
  result: () => ({ type: lossType }),
}));

/**
 * `taid(s.logits, t.logits, lambda_start: 0.4, …)`: its λ is state the stage updates after each
 * step from that step's loss, so (like an adapter) it belongs to one stage's objective.
 */
/** The default of taid's `lambda:`: its own controller, configured by the `lambda_*` options. */
const OWN_LAMBDA: ScheduleValue = { kind: "schedule", describe: "its own, from lambda_start to lambda_end", min: 0, max: 1, warmup: undefined };

/** taid's λ options: `lambda:` (a scalar in [0, 1]) or the options of its own controller, never both. */
const TAID_LAMBDA_PARAMS: Builtin["params"] = [
  // Without `lambda:`, taid makes its own adaptive λ from the four options below.
  { name: "lambda", type: "scalar", default: OWN_LAMBDA },
  { name: "lambda_start", type: "number", default: 0.4 },
  { name: "lambda_end", type: "number", default: 1 },
  { name: "alpha", type: "number", default: 5e-4 },
  { name: "beta", type: "number", default: 0.99 },
];

/** The checks of TAID's λ, shared by `taid` and `token_taid`: one form (KD3092), each value's range (KD3008). */
function checkTaidLambda(args: Args, name: string, ctx: BuiltinContext): void {
  if (arg(args, "lambda").node) {
    checkOneTaidLambdaForm(args, ctx);
    const lambda = range(arg(args, "lambda").value);
    if (lambda && !(lambda.min >= 0 && lambda.max <= 1))
      ctx.report(diagnostic("KD3008", arg(args, "lambda").node!.span, { what: `\`lambda\` of \`${name}\``, value: `in [0, 1], not ${showValue(arg(args, "lambda").value!)} (from ${lambda.min} to ${lambda.max})` }));
    return;
  }
  const start = inRange(args, "lambda_start", (v) => v >= 0 && v <= 1, "in [0, 1]", ctx);
  if (start !== undefined) inRange(args, "lambda_end", (v) => v >= start && v <= 1, `in [lambda_start, 1] = [${start}, 1]`, ctx);
  inRange(args, "alpha", (v) => v >= 0 && v <= 1, "in [0, 1]", ctx);
  inRange(args, "beta", (v) => v >= 0 && v < 1, "in [0, 1)", ctx);
}

const TAID_LAMBDA_DOC =
  "λ starts at `lambda_start` and adapts after each step from the step's total loss: δ = (L_prev − L)/(L_prev + 1e-15), m ← β·m + (1−β)·δ, λ ← min(λ_end, max(λ_start + (λ_end − λ_start)·step/N, λ + α·σ(m)·(1 − λ))); checkpoints keep its state. With `lambda:` (a `taid_lambda` let, a schedule or a number in [0, 1]) λ is read from it instead, and the `lambda_*`, `alpha`, `beta` options are refused (KD3092).";

const taid: Builtin = {
  name: "taid",
  category: "adapter",
  statelessWith: "lambda",
  doc: `TAID: target p = softmax((1−λ)·stopgrad(s) + λ·t) in logit space, no temperature; loss −Σ p·log softmax(s), batch mean. ${TAID_LAMBDA_DOC}`,
  params: [...tensors("student", "teacher"), ...TAID_LAMBDA_PARAMS],
  result(args, ctx) {
    requireMatrix(args, "student", ctx);
    requireMatrix(args, "teacher", ctx);
    checkSameClasses(arg(args, "student"), arg(args, "teacher"), ctx);
    checkTaidLambda(args, "taid", ctx);
    return { type: lossType };
  },
};

/** `token_taid(student, teacher, …)`: TAID on two language models' next-token distributions, as `token_kd` is to `kd`. */
const tokenTaid: Builtin = {
  name: "token_taid",
  category: "adapter",
  statelessWith: "lambda",
  doc: `Token-level TAID: target p = softmax((1−λ)·stopgrad(s) + λ·t) in logit space, no temperature; loss −Σ p·log softmax(s) ${PER_TOKEN}. ${TAID_LAMBDA_DOC}`,
  params: [
    { name: "student", type: "model" },
    { name: "teacher", type: "model" },
    ...TAID_LAMBDA_PARAMS,
  ],
  result(args, ctx) {
    checkLanguageModelPair(args, "token_taid", ctx);
    checkTaidLambda(args, "token_taid", ctx);
    return { type: lossType };
  },
};

export const lossBuiltins: readonly Builtin[] = [
  cosineEmbedding,
  hint,
  attentionTransfer,
  rkd("rkd_distance", "RKD distance: pairwise distances of the batch's rows, each side normalised by its mean positive distance, matched under smooth-L1 (δ = 1) averaged over all B² pairs; student [B, F], teacher [B, F'] (widths may differ)."),
  rkd("rkd_angle", "RKD angle: cosines of the angles at every vertex i of every triplet of rows, matched under smooth-L1 averaged over all B³ triplets; student [B, F], teacher [B, F'] (widths may differ)."),
  marginMse,
  ...tokenLosses,
  ...preferenceLosses,
  taid,
  tokenTaid,
];
