// IR expressions as a reader writes them in a recipe: `0.9 * kd(student: small.logits, …)`, every
// argument by name, defaults included.
import type { IrExpr } from "../lower/ir.js";

const PRECEDENCE = { "+": 1, "-": 1, "*": 2, "/": 2, "^": 4 } as const;
const UNARY = 3;

/** Numbers as a reader wants them: at most 6 significant digits, small ones as `1e-5`. */
export function num(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return "?";
  const rounded = Number(value.toPrecision(6));
  return rounded !== 0 && Math.abs(rounded) < 1e-3 ? rounded.toExponential() : String(rounded);
}

/** `names` gives a loss definition's parameter names, so its calls read `hinton(s: small, …)`. */
export function exprText(e: IrExpr, names?: (loss: string) => readonly string[] | undefined): string {
  return text(e, names).text;
}

function text(e: IrExpr, names?: (loss: string) => readonly string[] | undefined): { text: string; precedence: number } {
  const exprText = (x: IrExpr) => text(x, names).text;
  const atom = (t: string) => ({ text: t, precedence: 10 });
  const args = (a: Readonly<Record<string, IrExpr>>) => Object.entries(a).map(([k, v]) => `${k}: ${exprText(v)}`).join(", ");
  switch (e.op) {
    case "number":
      return atom(num(e.value));
    case "bool":
      return atom(String(e.value));
    case "string":
      return atom(JSON.stringify(e.value));
    case "duration":
      return atom(e.unit === "percent" ? `${e.value}%` : `${e.value} ${e.unit}`);
    case "param":
    case "local":
    case "model":
      return atom(e.name);
    case "binary": {
      const p = PRECEDENCE[e.operator];
      const left = text(e.left, names);
      const right = text(e.right, names);
      // Left-associative, except `^`; a right operand of equal precedence keeps its parentheses.
      const l = left.precedence < p || (e.operator === "^" && left.precedence === p) ? `(${left.text})` : left.text;
      const r = right.precedence < p || (e.operator !== "^" && right.precedence === p && e.operator !== "+" && e.operator !== "*") ? `(${right.text})` : right.text;
      return { text: `${l} ${e.operator} ${r}`, precedence: p };
    }
    case "neg": {
      const inner = text(e.operand, names);
      return { text: `-${inner.precedence < UNARY ? `(${inner.text})` : inner.text}`, precedence: UNARY };
    }
    case "at":
      return text(e.schedule, names);
    case "tap":
      return atom(`${exprText(e.model)}.${e.tap}${e.index !== undefined ? `[${e.index}]` : ""}`);
    case "labels":
      return atom("batch.label");
    case "input":
      return atom("batch.input");
    case "preference": {
      const options = Object.entries(e.options).map(([k, v]) => `${k}: ${typeof v === "string" ? JSON.stringify(v) : num(v)}`);
      const models = e.fn === "simpo" ? [`policy: ${exprText(e.policy)}`] : [`policy: ${exprText(e.policy)}`, `reference: ${e.reference ? exprText(e.reference) : "none"}`];
      return atom(`${e.fn}(${[...models, ...options].join(", ")})`);
    }
    case "mixture":
      return atom(`ensemble(${e.parts.map(exprText).join(", ")}, weights: [${e.weights.map(num).join(", ")}], T: [${e.T.map(num).join(", ")}])`);
    case "routed":
      return atom(`ensemble(${e.parts.map(exprText).join(", ")}, route: ${exprText(e.route)}${e.T ? `, T: [${e.T.map(num).join(", ")}]` : ""})`);
    case "route":
      return atom("batch.route");
    case "taid":
      return atom(`${e.tokens ? "token_taid" : "taid"}(student: ${exprText(e.student)}, teacher: ${exprText(e.teacher)}, λ: ${e.lambda ? exprText(e.lambda) : e.controller})`);
    case "adaptive":
      return atom(`taid_lambda(controller: ${e.controller})`);
    case "adapt":
      return atom(`${e.adapter}(${exprText(e.input)})`);
    case "apply":
      return atom(`${e.module}(${exprText(e.input)})${e.training ? "" : " (frozen)"}`);
    case "list":
      return atom(`[${e.items.map(exprText).join(", ")}]`);
    case "tensor_op": {
      const options = args(e.options);
      return atom(`${e.fn}(${[...e.inputs.map(exprText), ...(options ? [options] : [])].join(", ")})`);
    }
    case "progress":
      return atom(e.field);
    case "math":
      return atom(`${e.fn}(${e.args.map(exprText).join(", ")})`);
    case "schedule":
    case "primitive":
      return atom(`${e.fn}(${args(e.args)})`);
    case "call":
      return atom(`${e.loss}(${e.args.map((a, i) => `${names?.(e.loss)?.[i] ?? `#${i + 1}`}: ${exprText(a)}`).join(", ")})`);
  }
}
