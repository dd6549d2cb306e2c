// Adaptive schedules: scalars backed by a controller that the stage updates once after each
// optimizer step from that step's total loss (and checkpoints keep), not formulas of the step.
// Each is declared as the whole value of a stage `let` (KD3091), so the name is its one controller
// wherever it is read: a loss weight, a temperature, TAID's λ, the learning rate.
import { diagnostic } from "../diagnostics/diagnostic.js";
import type { Builtin, BuiltinContext } from "./builtins.js";
import { checkAdaptiveInStageLet } from "./rules/adaptive-in-stage-let.js";
import type { BoundArgument } from "./signature.js";
import { isNumber } from "./values.js";

type Args = ReadonlyMap<string, BoundArgument>;

/** The argument's number when it satisfies `ok`; otherwise KD3008 (when known) and undefined. */
function inRange(args: Args, name: string, ok: (v: number) => boolean, value: string, ctx: BuiltinContext): number | undefined {
  const a = args.get(name)!;
  if (!isNumber(a.value)) return undefined;
  if (ok(a.value)) return a.value;
  ctx.report(diagnostic("KD3008", a.node?.span ?? ctx.call.span, { what: `\`${name}\` of \`taid_lambda\``, value: `${value}, not ${a.value}` }));
  return undefined;
}

/**
 * `let lam = taid_lambda(start: 0.4, end: 1, alpha: 5e-4, beta: 0.99)`: TAID's adaptive
 * interpolation coefficient as a scalar. Its values stay in [start, end] ⊂ [0, 1], the range the
 * existing checks (a positive temperature, a non-negative lr) read.
 */
const taidLambda: Builtin = {
  name: "taid_lambda",
  category: "schedule",
  doc: "TAID's adaptive λ as a scalar, declared as a stage `let` (one controller per let): `start` at first, raised after each step from that step's total loss: δ = (L_prev − L)/(L_prev + 1e-15), m ← β·m + (1−β)·δ, λ ← min(end, max(start + (end − start)·step/N, λ + α·σ(m)·(1 − λ))). Step k (0-based) reads the λ left by steps 0…k−1 everywhere, the optimizer's lr included; checkpoints keep its state.",
  params: [
    { name: "start", type: "number", default: 0.4 },
    { name: "end", type: "number", default: 1 },
    { name: "alpha", type: "number", default: 5e-4 },
    { name: "beta", type: "number", default: 0.99 },
  ],
  result(args, ctx) {
    const unknown = { type: { kind: "schedule" as const } };
    if (!checkAdaptiveInStageLet("taid_lambda", ctx)) return unknown;
    const start = inRange(args, "start", (v) => v >= 0 && v <= 1, "in [0, 1]", ctx);
    const end = start === undefined ? undefined : inRange(args, "end", (v) => v >= start && v <= 1, `in [start, 1] = [${start}, 1]`, ctx);
    const alpha = inRange(args, "alpha", (v) => v >= 0 && v <= 1, "in [0, 1]", ctx);
    const beta = inRange(args, "beta", (v) => v >= 0 && v < 1, "in [0, 1)", ctx);
    if (start === undefined || end === undefined || alpha === undefined || beta === undefined) return unknown;
    const describe = `taid_lambda(${start} → ${end}, α ${alpha}, β ${beta})`;
    return { type: unknown.type, value: { kind: "schedule", describe, min: start, max: end, warmup: undefined } };
  },
};

export const adaptiveBuiltins: readonly Builtin[] = [taidLambda];
