// Rule KD3091: an adaptive schedule (`taid_lambda`) is a controller the stage updates after each
// step from its loss, so it is declared as the whole value of a stage `let`: one controller per
// name, read wherever the name is used. Anywhere else (nested in an expression, a loss definition,
// `optimizer adam(lr: …)` directly) it is refused.
import { diagnostic } from "../../diagnostics/diagnostic.js";
import type { BuiltinContext } from "../builtins.js";

/** Whether the call is a stage `let`'s whole value; reports KD3091 when it is not. */
export function checkAdaptiveInStageLet(name: string, ctx: BuiltinContext): boolean {
  if (ctx.stageLet !== undefined) return true;
  ctx.report(diagnostic("KD3091", ctx.call.span, { name }));
  return false;
}
