// `stage s after t = distill_with(small, big, digits.train) { … }`: the recipe's statements, with
// its parameters replaced by the arguments, followed by the stage's own. Names in the recipe body
// that are not parameters resolve in the recipe's file (its imports), not the stage's.
import type { Expression, StageDeclaration, StageStatement } from "../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Module } from "../resolve/modules.js";
import { lossSignature, type ExpressionChecker } from "./expressions.js";
import { bindArguments } from "./signature.js";
import type { CheckState } from "./state.js";
import { substituteExpression, substituteStatement, type Substitution } from "./substitute.js";

export function expandStage(
  decl: StageDeclaration,
  module: Module,
  state: CheckState,
  expressions: ExpressionChecker,
  report: (d: Diagnostic) => void,
): readonly StageStatement[] | undefined {
  const call = decl.template;
  if (!call) return decl.body;
  if (call.callee.kind !== "Identifier") return undefined;
  const env = {
    module,
    place: "data" as const,
    locals: new Map(),
    stage: undefined,
    bindings: undefined,
    declaredName: undefined,
    lossStack: [],
    record: true,
    report,
  };
  const symbol = expressions.resolve(call.callee, env, "recipe");
  if (!symbol) return undefined;
  if (symbol.kind !== "recipe") {
    report(diagnostic("KD3004", call.callee.span, { context: "`stage … =`", expected: "a recipe", found: `the ${symbol.kind} \`${call.callee.name}\`` }));
    return undefined;
  }
  const recipe = symbol.decl;
  const recipeModule = symbol.module;
  const args = call.args.map((a) => expressions.check(a.value, env));
  const bound = bindArguments(call, lossSignature(recipe), args, report);
  // An argument of the wrong kind was reported; expanding with it would only repeat that.
  if (!bound || [...bound.values()].some((a) => a.type.kind === "error")) return undefined;

  const replacements = new Map<string, Expression>();
  for (const p of recipe.params) {
    const given = bound.get(p.name.name)?.node;
    if (given) replacements.set(p.name.name, given);
    else if (p.default) replacements.set(p.name.name, substituteExpression(p.default, inRecipe(new Map())));
  }
  let ok = true;
  const expanded: StageStatement[] = [];
  for (const stmt of recipe.body) {
    const copy = substituteStatement(stmt, inRecipe(replacements), (param, expected) => {
      ok = false;
      report(diagnostic("KD3025", replacements.get(param.name)?.span ?? param.span, { name: param.name, expected }));
    });
    if (copy) expanded.push(copy);
  }
  return ok ? [...expanded, ...decl.body] : undefined;

  function inRecipe(params: ReadonlyMap<string, Expression>): Substitution {
    return {
      expression: (id) => params.get(id.name),
      copied: (_original, copy) => state.moduleOf.set(copy, recipeModule),
    };
  }
}
