// The `reduction` argument of the loss primitives: the values each accepts (named as torch names
// them, so a recipe can state a peer's convention exactly) and the compile-time check of the value.
import { diagnostic } from "../diagnostics/diagnostic.js";
import type { BuiltinContext } from "./builtins.js";
import type { BoundArgument } from "./signature.js";

/** The KL family (kd, reverse_kl, jsd, gjsd, tvd): per-row sums over classes, then these. */
export const KL_REDUCTIONS = ["batchmean", "mean", "sum"] as const;
/** Cross-entropy: over the rows whose label is not -100. */
export const CE_REDUCTIONS = ["mean", "sum"] as const;
export const MSE_REDUCTIONS = ["mean", "sum-per-example"] as const;

/** The `reduction` parameter, defaulting to the first choice. */
export const reductionParam = (choices: readonly string[]) => ({ name: "reduction", type: "string" as const, default: choices[0]! });

/** KD3008 on a `reduction` that is not one of `choices`, listing them. */
export function checkReduction(args: ReadonlyMap<string, BoundArgument>, choices: readonly string[], ctx: BuiltinContext): void {
  const r = args.get("reduction");
  if (r && typeof r.value === "string" && !choices.includes(r.value))
    ctx.report(diagnostic("KD3008", r.node?.span ?? ctx.call.span, { what: "`reduction`", value: `one of ${choices.map((x) => `"${x}"`).join(", ")}, not "${r.value}"` }));
}
