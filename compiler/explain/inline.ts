// An objective with every `loss` call replaced by its definition's body, the call's arguments in
// place of the parameters: the objective a stage really minimizes, primitives only.
import type { IrExpr, IrLoss } from "../lower/ir.js";

export function inlineLosses(e: IrExpr, losses: ReadonlyMap<string, IrLoss>, bindings: ReadonlyMap<string, IrExpr> = new Map()): IrExpr {
  const sub = (x: IrExpr): IrExpr => inlineLosses(x, losses, bindings);
  if (e.op === "local") return bindings.get(e.name) ?? e;
  if (e.op === "call") {
    const loss = losses.get(e.loss);
    if (!loss) return e;
    const inner = new Map(loss.params.map((p, i) => [p.name, sub(e.args[i]!)] as const));
    return inlineLosses(loss.body, losses, inner);
  }
  return mapChildren(e, sub);
}

/** The same node with each direct sub-expression replaced by `f` of it. */
export function mapChildren(e: IrExpr, f: (x: IrExpr) => IrExpr): IrExpr {
  const record = (args: Readonly<Record<string, IrExpr>>) => Object.fromEntries(Object.entries(args).map(([k, v]) => [k, f(v)]));
  switch (e.op) {
    case "binary":
      return { ...e, left: f(e.left), right: f(e.right) };
    case "neg":
      return { ...e, operand: f(e.operand) };
    case "at":
      return { ...e, schedule: f(e.schedule) };
    case "tap":
      return { ...e, model: f(e.model) };
    case "preference":
      return { ...e, policy: f(e.policy), reference: e.reference && f(e.reference) };
    case "mixture":
      return { ...e, parts: e.parts.map(f) };
    case "routed":
      return { ...e, parts: e.parts.map(f), route: f(e.route) };
    case "taid":
      return { ...e, student: f(e.student), teacher: f(e.teacher), ...(e.lambda ? { lambda: f(e.lambda) } : {}) };
    case "adapt":
    case "apply":
      return { ...e, input: f(e.input) };
    case "list":
      return { ...e, items: e.items.map(f) };
    case "tensor_op":
      return { ...e, inputs: e.inputs.map(f), options: record(e.options) };
    case "math":
      return { ...e, args: e.args.map(f) };
    case "schedule":
    case "primitive":
      return { ...e, args: record(e.args) };
    case "call":
      return { ...e, args: e.args.map(f) };
    default:
      return e;
  }
}

/** Every node of the expression, parents before children, in reading order. */
export function nodesOf(e: IrExpr): IrExpr[] {
  const out: IrExpr[] = [];
  const visit = (x: IrExpr): IrExpr => {
    out.push(x);
    mapChildren(x, visit);
    return x;
  };
  visit(e);
  return out;
}
