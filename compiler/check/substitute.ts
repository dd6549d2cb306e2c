// Copies AST fragments with names replaced: how a `recipe` is expanded into the stage that uses it
// (parameters → arguments) and a comprehension into its terms (`i` → 0, 1, 2). Copies are fresh
// nodes, so the checker's side tables hold one entry per expansion.
import type { Expression, Identifier, StageStatement } from "../../grammar/ast.js";

export interface Substitution {
  /** A name in expression position: return its replacement, or undefined to copy it. */
  readonly expression: (id: Identifier) => Expression | undefined;
  /** Called with every copied Identifier that names something (not a property or argument name). */
  readonly copied?: (original: Identifier, copy: Identifier) => void;
}

export function substituteExpression(e: Expression, s: Substitution): Expression {
  const sub = (x: Expression): Expression => substituteExpression(x, s);
  switch (e.kind) {
    case "Identifier":
      return s.expression(e) ?? reference(e, s);
    case "MemberExpression":
      return { ...e, object: sub(e.object) };
    case "IndexExpression":
      return { ...e, object: sub(e.object), index: sub(e.index) };
    case "CallExpression":
      return { ...e, callee: sub(e.callee), args: e.args.map((a) => ({ ...a, value: sub(a.value) })) };
    case "BinaryExpression":
      return { ...e, left: sub(e.left), right: sub(e.right) };
    case "UnaryExpression":
      return { ...e, operand: sub(e.operand) };
    case "ListExpression":
      return { ...e, items: e.items.map(sub) };
    case "ComprehensionExpression": {
      // The comprehension's own variable shadows outer names inside its body.
      const inner: Substitution = { ...s, expression: (id) => (id.name === e.variable.name ? undefined : s.expression(id)) };
      return { ...e, from: sub(e.from), to: sub(e.to), body: substituteExpression(e.body, inner) };
    }
    default:
      return { ...e };
  }
}

function reference(id: Identifier, s: Substitution): Identifier {
  const copy = { ...id };
  s.copied?.(id, copy);
  return copy;
}

/** A name that must stay a name (`train NAME on …`): the replacement must itself be an Identifier. */
export function substituteName(id: Identifier, s: Substitution): { readonly name: Identifier } | { readonly notAName: Expression } {
  const replaced = s.expression(id);
  if (!replaced) return { name: reference(id, s) };
  return replaced.kind === "Identifier" ? { name: replaced } : { notAName: replaced };
}

export function substituteStatement(
  stmt: StageStatement,
  s: Substitution,
  notAName: (param: Identifier, expected: string) => void,
): StageStatement | undefined {
  const expr = (e: Expression): Expression => substituteExpression(e, s);
  const name = (id: Identifier, expected: string): Identifier | undefined => {
    const r = substituteName(id, s);
    if ("name" in r) return r.name;
    notAName(id, expected);
    return undefined;
  };
  switch (stmt.kind) {
    case "TrainStatement": {
      const model = name(stmt.model, "a model name");
      const modules = stmt.modules.map((m) => name(m, "a module name"));
      return model && modules.every((m) => m) ? { ...stmt, model, modules: modules as Identifier[], data: expr(stmt.data) } : undefined;
    }
    case "TeacherStatement": {
      const models = stmt.models.map((m) => name(m, "a model name"));
      return models.every((m) => m) ? { ...stmt, models: models as Identifier[] } : undefined;
    }
    case "ReferenceStatement": {
      const model = stmt.model && name(stmt.model, "a model name");
      return { ...stmt, model };
    }
    case "ExportStatement": {
      const model = name(stmt.model, "a model name");
      return model && { ...stmt, model };
    }
    case "SettingStatement":
      return { ...stmt, value: expr(stmt.value) };
    case "AccumulateStatement":
      return { ...stmt, value: expr(stmt.value) };
    case "FreezeStatement":
      return { ...stmt, target: expr(stmt.target) };
    case "RunStatement":
      return { ...stmt, entries: stmt.entries.map((a) => ({ ...a, value: expr(a.value) })) };
    case "LetStatement":
      return { ...stmt, value: expr(stmt.value) };
    case "MinimizeStatement":
      return { ...stmt, objective: expr(stmt.objective) };
    case "EvaluateStatement":
      return {
        ...stmt,
        data: expr(stmt.data),
        also: stmt.also.map(expr),
        every: stmt.every && expr(stmt.every),
        metrics: stmt.metrics.map(expr),
      };
    case "CheckpointStatement":
      return {
        ...stmt,
        every: stmt.every && expr(stmt.every),
        keep: stmt.keep && expr(stmt.keep),
        best: stmt.best && { ...stmt.best, metric: expr(stmt.best.metric), split: expr(stmt.best.split) },
      };
  }
}
