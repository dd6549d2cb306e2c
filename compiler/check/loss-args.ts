// Argument checks shared by the loss built-ins (builtins.ts, builtins-losses.ts): the shapes and
// models a loss primitive needs, each reported as a coded diagnostic at the argument.
import { diagnostic } from "../diagnostics/diagnostic.js";
import type { BuiltinContext } from "./builtins.js";
import type { BoundArgument } from "./signature.js";
import type { ModelInfo } from "./types.js";

type Args = ReadonlyMap<string, BoundArgument>;

const arg = (args: Args, name: string): BoundArgument => args.get(name)!;

export function calleeOf(ctx: BuiltinContext): string {
  const c = ctx.call.callee;
  return c.kind === "Identifier" ? c.name : "call";
}

/** A tensor argument of known rank must have `rank` axes (KD3007, showing `expected`). */
/** `note`, when given, says which taps have that shape. */
export function requireRank(args: Args, name: string, rank: number, expected: string, ctx: BuiltinContext, note?: string): boolean {
  const a = arg(args, name);
  if (a.type.kind !== "tensor" || !a.type.shape || a.type.shape.length === rank) return true;
  ctx.report(
    diagnostic(
      "KD3007",
      a.node?.span ?? ctx.call.span,
      { context: `the argument \`${name}\` of \`${calleeOf(ctx)}\``, expected, found: `[${a.type.shape.join(", ")}]` },
      note ? { notes: [note] } : {},
    ),
  );
  return false;
}

/** Logits `[B, C]`. */
export function requireMatrix(args: Args, name: string, ctx: BuiltinContext): void {
  requireRank(args, name, 2, "[B, C]", ctx);
}

/** A language model (reads token ids) whose token logits a next-token loss reads, on a token split. */
export function requireLanguageModel(args: Args, name: string, callee: string, ctx: BuiltinContext): ModelInfo | undefined {
  const a = arg(args, name);
  if (a.type.kind !== "model" || !a.type.info) return undefined;
  if (a.type.info.reads !== "tokens") {
    ctx.report(diagnostic("KD3004", a.node?.span ?? ctx.call.span, { context: `the argument \`${name}\` of \`${callee}\``, expected: "a language model (a `transformer`)", found: `\`${a.type.info.name}\`, which reads feature vectors` }));
    return undefined;
  }
  return a.type.info;
}

export function requireTokenSplit(ctx: BuiltinContext, callee: string): void {
  if (ctx.split && ctx.split.kind !== "tokens") ctx.report(diagnostic("KD3032", ctx.call.span, { split: ctx.split.name, callee }));
}
