// Rule KD3007 (labels): cross-entropy needs logits with as many classes as the labels have.
import { diagnostic } from "../../diagnostics/diagnostic.js";
import type { BuiltinContext } from "../builtins.js";
import type { BoundArgument } from "../signature.js";
import { classesOf } from "./class-count.js";

export function checkLabelsMatchLogits(logits: BoundArgument, labels: BoundArgument, ctx: BuiltinContext): void {
  const c = classesOf(logits.type);
  if (labels.type.kind !== "labels" || typeof c !== "number" || labels.type.classes === undefined || labels.type.classes === c) return;
  ctx.report(
    diagnostic("KD3007", logits.node?.span ?? ctx.call.span, {
      context: `\`ce\` against ${labels.type.of} (${labels.type.classes} classes)`,
      expected: `[B, ${labels.type.classes}]`,
      found: `[B, ${c}]`,
    }),
  );
}
