// Rule KD3074: Nesterov momentum looks ahead along the momentum buffer, so it needs a momentum
// above 0 (torch.optim.SGD refuses it otherwise); without one it would silently be plain SGD.
import { diagnostic } from "../../diagnostics/diagnostic.js";
import type { BuiltinContext } from "../builtins.js";
import type { BoundArgument } from "../signature.js";
import { isNumber } from "../values.js";

export function checkNesterovMomentum(nesterov: BoundArgument, momentum: BoundArgument, ctx: BuiltinContext): void {
  if (nesterov.value !== true || !isNumber(momentum.value) || momentum.value > 0) return;
  ctx.report(diagnostic("KD3074", nesterov.node?.span ?? ctx.call.span, { momentum: String(momentum.value) }));
}
