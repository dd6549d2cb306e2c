// Rules KD3073 and KD3075: `exclude_from_decay` names kinds of parameters from a fixed set (a
// misspelt kind would leave those parameters decayed without a word), and it only means something
// when the optimizer has weight decay.
import { diagnostic } from "../../diagnostics/diagnostic.js";
import { suggest } from "../../diagnostics/suggest.js";
import type { BuiltinContext } from "../builtins.js";
import type { BoundArgument } from "../signature.js";
import { isNumber } from "../values.js";

/** The kinds of parameters weight decay can skip (the runtime's kd.optim.decayExclusions). */
export const DECAY_KINDS = ["bias", "norm", "embedding"] as const;

export function checkDecayExclusions(excluded: BoundArgument, weightDecay: BoundArgument, optimizer: string, ctx: BuiltinContext): void {
  const kinds = excluded.value;
  if (!Array.isArray(kinds)) return;
  const span = excluded.node?.span ?? ctx.call.span;
  const items = excluded.node?.kind === "ListExpression" ? excluded.node.items : [];
  kinds.forEach((kind, i) => {
    if (typeof kind !== "string" || (DECAY_KINDS as readonly string[]).includes(kind)) return;
    ctx.report(
      diagnostic("KD3073", items[i]?.span ?? span, {
        name: kind,
        available: DECAY_KINDS.map((k) => `"${k}"`).join(", "),
        suggestion: suggest(kind, DECAY_KINDS),
      }),
    );
  });
  if (excluded.node && kinds.length > 0 && isNumber(weightDecay.value) && weightDecay.value === 0)
    ctx.report(diagnostic("KD3075", span, { optimizer }));
}
