// Test helper: a compact, fully parenthesised rendering of an expression, so that shape
// assertions read like the tree: `(+ a (* b c))`, `(neg x)`, `(call f a T:4)`,
// `(sum i 0..3 body)`, `<10%>`.
import type { Expression } from "../../grammar/ast.js";

export function show(e: Expression): string {
  switch (e.kind) {
    case "Identifier":
      return e.name;
    case "NumberLiteral":
      return e.raw;
    case "StringLiteral":
      return JSON.stringify(e.value);
    case "BooleanLiteral":
      return String(e.value);
    case "UnitLiteral":
      return `<${e.value.raw} ${e.unit}>`;
    case "PercentLiteral":
      return `<${e.value.raw}%>`;
    case "ComprehensionExpression":
      return `(${e.reducer} ${e.variable.name} ${show(e.from)}..${show(e.to)} ${show(e.body)})`;
    case "ListExpression":
      return `[${e.items.map(show).join(" ")}]`;
    case "BinaryExpression":
      return `(${e.operator} ${show(e.left)} ${show(e.right)})`;
    case "UnaryExpression":
      return `(neg ${show(e.operand)})`;
    case "CallExpression":
      return `(call ${[show(e.callee), ...e.args.map((a) => (a.name ? `${a.name.name}:${show(a.value)}` : show(a.value)))].join(" ")})`;
    case "MemberExpression":
      return `(. ${show(e.object)} ${e.property.name})`;
    case "IndexExpression":
      return `(index ${show(e.object)} ${show(e.index)})`;
    case "Missing":
      return "<missing>";
  }
}
