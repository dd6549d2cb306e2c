// The metrics of `evaluate { … }`: their signatures and the checks that need only the call and the
// evaluation split (inside a metric list, a built-in's `ctx.split` is the split being evaluated);
// the checks that need the stage (teachers, the reference, the objective) are in checkMetricsInStage.
// Labels and directions mirror the runtime's (runtime/metrics.ts metricLabel).
import type { CallExpression, Expression } from "../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Builtin, BuiltinContext } from "./builtins.js";
import { checkPositiveTemperature } from "./rules/positive-temperature.js";
import { checkLabelsAvailable } from "./rules/labels-required.js";
import { checkMetricTeacher } from "./rules/metric-teacher.js";
import { checkDuplicateMetrics } from "./rules/duplicate-metric.js";
import { checkEvaluationLoss } from "./rules/evaluation-loss.js";
import type { BoundArgument, SignatureParam } from "./signature.js";
import type { CheckState } from "./state.js";
import { metricLabelOf } from "../../runtime/metric-label.js";
import type { StageScope } from "./expressions.js";
import { describe, type SplitInfo } from "./types.js";
import { isNumber, type Value } from "./values.js";

type Args = ReadonlyMap<string, BoundArgument>;

const metricType = { type: { kind: "metric" as const } };

/** Vector splits need class labels for label metrics; token splits have next-token targets. */
function needsLabels(ctx: BuiltinContext): void {
  const split = ctx.split;
  if (split && (split.kind ?? "vectors") === "vectors") checkLabelsAvailable(split, ctx.call.span, ctx.report);
}

/** Rule KD3077: a metric that reads token sequences or preference pairs, on a split without them. */
function needsSplitKind(ctx: BuiltinContext, metric: string, kinds: readonly ("tokens" | "preferences")[], needs: string): void {
  const split = ctx.split;
  if (split && !kinds.includes(split.kind as "tokens" | "preferences")) ctx.report(diagnostic("KD3077", ctx.call.span, { metric, split: split.name, needs }));
}

function positive(args: Args, name: string, ctx: BuiltinContext): void {
  const a = args.get(name)!;
  if (isNumber(a.value) && !(a.value > 0)) ctx.report(diagnostic("KD3008", a.node?.span ?? ctx.call.span, { what: `\`${name}\``, value: `positive, not ${a.value}` }));
}

const bare = (name: string, doc: string, check: (ctx: BuiltinContext) => void): Builtin => ({
  name,
  category: "metric",
  doc,
  bare: true,
  params: [],
  result(_args, ctx) {
    check(ctx);
    return metricType;
  },
});

const accuracy: Builtin = {
  name: "accuracy",
  category: "metric",
  doc: "Share of examples whose label is among the model's `top` highest logits (top 1: the argmax; ties to the first index; label −100 excluded). Reported as `accuracy`, or `accuracy@k`.",
  bare: true,
  params: [{ name: "top", type: "int", default: 1 }],
  result(args, ctx) {
    needsLabels(ctx);
    const top = args.get("top")!;
    const classes = ctx.split?.kind === "tokens" || ctx.split?.kind === "preferences" ? ctx.split.vocab : ctx.split?.classes;
    if (isNumber(top.value) && top.value < 1)
      ctx.report(diagnostic("KD3008", top.node?.span ?? ctx.call.span, { what: "`top`", value: `at least 1, not ${top.value}` }));
    else if (isNumber(top.value) && classes !== undefined && top.value > classes)
      ctx.report(diagnostic("KD3008", top.node?.span ?? ctx.call.span, { what: "`top`", value: `at most the ${classes} classes of \`${ctx.split!.name}\`, not ${top.value}` }));
    return metricType;
  },
};

const teacherParam: SignatureParam = { name: "teacher", type: "model" };
const referenceParam: SignatureParam = { name: "reference", type: "model" };

const agreement: Builtin = {
  name: "agreement",
  category: "metric",
  doc: "Share of examples where the model's argmax equals the teacher's (ties to the first index). Reported as `agreement(teacher)`.",
  params: [teacherParam],
  result: () => metricType,
};

const kl: Builtin = {
  name: "kl",
  category: "metric",
  doc: "Mean over examples (next-token positions on token splits) of KL(softmax(t/T) ‖ softmax(s/T)) from a teacher of the stage to the model; no T². Reported as `kl(teacher)`, or `kl(teacher, T=2)`.",
  params: [teacherParam, { name: "T", type: "number", default: 1 }],
  result(args, ctx) {
    checkPositiveTemperature(args.get("T")!, ctx);
    return metricType;
  },
};

const preferenceAccuracy: Builtin = {
  name: "preference_accuracy",
  category: "metric",
  doc: "On a preference split: share of pairs whose implicit reward log π − log π_ref is higher for the chosen response than the rejected one (ties count as wrong); `reference` is the stage's reference.",
  params: [referenceParam],
  result(_args, ctx) {
    needsSplitKind(ctx, "preference_accuracy", ["preferences"], "preference pairs");
    return metricType;
  },
};

const rewardMargin: Builtin = {
  name: "reward_margin",
  category: "metric",
  doc: "On a preference split: mean β·(reward(chosen) − reward(rejected)), rewards log π − log π_ref against the stage's reference. Reported as `reward_margin`, or `reward_margin(beta=0.5)`.",
  params: [referenceParam, { name: "beta", type: "number", default: 0.1 }],
  result(args, ctx) {
    needsSplitKind(ctx, "reward_margin", ["preferences"], "preference pairs");
    positive(args, "beta", ctx);
    return metricType;
  },
};

export const metricBuiltins: readonly Builtin[] = [
  accuracy,
  bare("ece", "Expected calibration error: 15 equal-width confidence bins (lo, hi], Σ_b (|B_b|/N)·|acc_b − conf_b|.", needsLabels),
  agreement,
  kl,
  bare("perplexity", "exp of the mean next-token cross-entropy over target tokens (a token or preference split).", (ctx) =>
    needsSplitKind(ctx, "perplexity", ["tokens", "preferences"], "token sequences"),
  ),
  preferenceAccuracy,
  rewardMargin,
  bare(
    "loss",
    "The stage's objective (`minimize …`) on the evaluation split: every model in inference mode, schedules at the stage's last update, the mean over evaluation batches weighted by their examples.",
    () => undefined,
  ),
];

const METRICS = new Map(metricBuiltins.map((b) => [b.name, b]));

/** Whether a larger value of the metric is better (`max`) or a smaller one (`min`). Accepts a name or a report label (`accuracy@5`, `kl(big, T=2)`). */
export function metricDirection(nameOrLabel: string): "max" | "min" | undefined {
  const name = /^[a-z_]+/.exec(nameOrLabel)?.[0];
  switch (name) {
    case "accuracy":
    case "agreement":
    case "preference_accuracy":
    case "reward_margin":
      return "max";
    case "ece":
    case "kl":
    case "perplexity":
    case "loss":
      return "min";
    default:
      return undefined;
  }
}

/** The metric's name: `accuracy` for both `accuracy` and `accuracy(top: 5)`. */
export function metricName(e: Expression): string | undefined {
  if (e.kind === "Identifier") return e.name;
  if (e.kind === "CallExpression" && e.callee.kind === "Identifier") return e.callee.name;
  return undefined;
}

/** The call's arguments by parameter name (a bare metric has none). */
export function metricArguments(e: Expression): Map<string, Expression> {
  const out = new Map<string, Expression>();
  const name = metricName(e);
  const b = name ? METRICS.get(name) : undefined;
  if (!b || e.kind !== "CallExpression") return out;
  let position = 0;
  for (const a of (e as CallExpression).args) {
    const param = a.name ? a.name.name : b.params[position++]?.name;
    if (param !== undefined) out.set(param, a.value);
  }
  return out;
}

/**
 * The label the runtime reports the metric under (runtime/metrics.ts metricLabel): arguments at
 * their defaults are left out. `valueOf` gives an argument's compile-time value.
 */
export function metricLabel(e: Expression, valueOf: (e: Expression) => Value | undefined): string | undefined {
  const name = metricName(e);
  const b = name ? METRICS.get(name) : undefined;
  if (!name || !b) return undefined;
  const args = metricArguments(e);
  const value = (param: string): Value | undefined => {
    const given = args.get(param);
    return given ? valueOf(given) : b.params.find((p) => p.name === param)?.default;
  };
  const model = (param: string): string => {
    const given = args.get(param);
    return given?.kind === "Identifier" ? given.name : "?";
  };
  const number = (param: string): number | undefined => {
    const v = value(param);
    return typeof v === "number" ? v : undefined;
  };
  // An argument whose value is unknown (a recovered parse) gives no label to compare.
  if (["top", "T", "beta"].some((p) => args.has(p) && number(p) === undefined)) return undefined;
  return metricLabelOf({ kind: name, top: number("top"), teacher: model("teacher"), T: number("T"), beta: number("beta") });
}

export interface MetricStage {
  readonly state: CheckState;
  readonly stage: StageScope;
  /** The split being evaluated (undefined when it did not check). */
  readonly split: SplitInfo | undefined;
  /** The stage's objective checked again as if it trained on `split`: the problems that finds. */
  readonly objectiveOn: (split: SplitInfo) => readonly Diagnostic[];
  readonly report: (d: Diagnostic) => void;
}

/** The checks of one `evaluate` list that need the stage: teachers, the reference, the objective, repetitions. */
export function checkMetricsInStage(metrics: readonly Expression[], s: MetricStage): void {
  for (const m of metrics) {
    const name = metricName(m);
    const args = metricArguments(m);
    if (name === "agreement" || name === "kl") checkMetricTeacher(name, args.get("teacher"), s);
    if (name === "preference_accuracy" || name === "reward_margin") checkReference(name, args.get("reference"), s);
    if (name === "loss") checkEvaluationLoss(m, s);
  }
  checkDuplicateMetrics(metrics, (e) => metricLabel(e, (x) => s.state.values.get(x)), s.report);
}

/** Preference metrics compare with the stage's frozen `reference` snapshot (as `dpo` does). */
function checkReference(metric: string, arg: Expression | undefined, s: MetricStage): void {
  if (!arg) return;
  const symbol = arg.kind === "Identifier" ? s.state.symbols.get(arg) : undefined;
  const type = s.state.types.get(arg);
  if (!type || type.kind === "error" || symbol?.kind === "reference") return;
  s.report(
    diagnostic("KD3004", arg.span, {
      context: `the reference of \`${metric}\``,
      expected: "the stage's frozen snapshot, declared with `reference NAME = MODEL`",
      found: symbol?.kind === "model" ? `the model \`${symbol.decl.name.name}\`` : describe(type),
    }),
  );
}
