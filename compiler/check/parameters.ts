// The parameters of a `loss` or `recipe` definition, as the names its body sees: each type must be
// one the language knows (KD3022) and each name new (KD2002).
import type { LossDeclaration, RecipeDeclaration } from "../../grammar/ast.js";
import { isRecoveredName } from "../../grammar/to-ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { LOSS_PARAMETER_TYPES, signatureType } from "./expressions.js";
import type { Symbol } from "./symbols.js";

export function parameterSymbols(decl: LossDeclaration | RecipeDeclaration, report: (d: Diagnostic) => void): Map<string, Symbol> {
  const locals = new Map<string, Symbol>();
  for (const p of decl.params) {
    if (!signatureType(p.type.name.name) && !isRecoveredName(p.type.name))
      report(diagnostic("KD3022", p.type.span, { name: p.type.name.name, types: LOSS_PARAMETER_TYPES.join(", ") }));
    if (locals.has(p.name.name)) report(diagnostic("KD2002", p.name.span, { name: p.name.name }));
    locals.set(p.name.name, { kind: "lossParam", param: p, loss: decl });
  }
  return locals;
}
