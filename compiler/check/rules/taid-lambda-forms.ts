// Rule KD3092 (for `taid` and `token_taid`): `taid(s, t, lambda: x)` reads λ from a scalar, so the options of taid's own
// adaptive λ (`lambda_start`, `lambda_end`, `alpha`, `beta`) would configure nothing: giving both
// forms is refused. Written inside `taid`'s checks, the λ's range ([0, 1]) is KD3008.
import { diagnostic } from "../../diagnostics/diagnostic.js";
import type { BuiltinContext } from "../builtins.js";
import { calleeOf } from "../loss-args.js";
import type { BoundArgument } from "../signature.js";

export const OWN_LAMBDA_OPTIONS = ["lambda_start", "lambda_end", "alpha", "beta"] as const;

/** With `lambda:` given, reports KD3092 at the first of the own-λ options also given. */
export function checkOneTaidLambdaForm(args: ReadonlyMap<string, BoundArgument>, ctx: BuiltinContext): void {
  if (!args.get("lambda")?.node) return;
  // An option the parser dropped while recovering (already reported) is not a second form.
  const own = OWN_LAMBDA_OPTIONS.map((name) => args.get(name)).find((a) => a?.node && a.node.kind !== "Missing")?.node;
  if (own) ctx.report(diagnostic("KD3092", own.span, { callee: calleeOf(ctx) }));
}
