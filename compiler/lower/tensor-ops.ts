// Lowering of tensor operations (`normalize(x)`, `mean(x, axis: -1)`, `pearson(x, y)`): one generic
// IR node for all of them. `pow(x, p)` becomes `x ^ p`, the very node the operator gives, so the
// two spellings compile to the same trainer.
import type { IrExpr } from "./ir.js";

/** Arguments that are the operation's tensors, in order; every other argument is an option. */
const INPUTS = ["x", "y"];

export function tensorOp(fn: string, args: Readonly<Record<string, IrExpr>>): IrExpr {
  if (fn === "pow") return { op: "binary", operator: "^", left: args.x!, right: args.p!, kind: "tensor" };
  const inputs = INPUTS.filter((name) => args[name] !== undefined).map((name) => args[name]!);
  const options = Object.fromEntries(Object.entries(args).filter(([name]) => !INPUTS.includes(name)));
  return { op: "tensor_op", fn, inputs, options, kind: "tensor" };
}
