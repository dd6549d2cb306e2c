// Lowering of built-in schedules. Their arguments are build-time values even inside an objective
// (`then: cosine(…)` stays a schedule, evaluated on warmup's own clock), and `exp` keeps only the
// form the recipe gave: `to`, or `gamma` with `every`.
import type { Expression } from "../../grammar/ast.js";
import type { Builtin } from "../check/builtins.js";
import type { IrExpr, ScheduleName } from "./ir.js";

export function scheduleOf(builtin: Builtin, given: ReadonlyMap<string, Expression>, args: Readonly<Record<string, IrExpr>>): IrExpr {
  const fn = builtin.name as ScheduleName;
  if (fn !== "exp") return { op: "schedule", fn, args };
  const kept = given.has("to") ? ["from", "to"] : ["from", "gamma", "every"];
  return { op: "schedule", fn, args: Object.fromEntries(kept.map((k) => [k, args[k]!])) };
}
