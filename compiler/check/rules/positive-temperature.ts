// Rule KD3008 (temperature): T divides logits, so it must be positive at every step. A schedule is
// known by its range, so `cosine(from: 4, warmup: …)`, which starts at 0, is caught too.
import { diagnostic } from "../../diagnostics/diagnostic.js";
import type { BuiltinContext } from "../builtins.js";
import type { BoundArgument } from "../signature.js";
import { range } from "../values.js";

export function checkPositiveTemperature(t: BoundArgument, ctx: BuiltinContext): void {
  const r = range(t.value);
  if (!r || r.min > 0) return;
  ctx.report(
    diagnostic("KD3008", t.node?.span ?? ctx.call.span, {
      what: "the temperature `T`",
      value: r.min === r.max ? `positive, not ${r.min}` : `positive at every step, but this schedule reaches ${r.min}`,
    }),
  );
}
