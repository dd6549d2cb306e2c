// Lowering of `optimizer sgd(…) | adam(…) | adamw(…) | rmsprop(…)`: every hyper-parameter spelt
// out (defaults included) as a constant, the learning rate as an expression (it may be a schedule).
import type { CallExpression, Expression } from "../../grammar/ast.js";
import type { Builtin } from "../check/builtins.js";
import type { Value } from "../check/values.js";
import type { IrExpr, IrOptimizer } from "./ir.js";

export class OptimizerLoweringError extends Error {}

/**
 * `bound`: the call's arguments by parameter name; `valueOf`: an argument's compile-time value;
 * `lr`: lowers the learning-rate expression (given or default).
 */
export function lowerOptimizer(
  call: CallExpression,
  builtin: Builtin,
  bound: ReadonlyMap<string, Expression>,
  valueOf: (e: Expression) => Value | undefined,
  lr: (given: Expression | undefined, fallback: Value | undefined) => IrExpr,
): IrOptimizer {
  const value = (name: string): Value => {
    const given = bound.get(name);
    const v = given ? valueOf(given) : builtin.params.find((p) => p.name === name)?.default;
    if (v === undefined) throw new OptimizerLoweringError(`${builtin.name}: no constant for ${name}`);
    return v;
  };
  const num = (name: string): number => {
    const v = value(name);
    if (typeof v !== "number") throw new OptimizerLoweringError(`${builtin.name}: ${name} is not a number`);
    return v;
  };
  const bool = (name: string): boolean => value(name) === true;
  const kinds = value("exclude_from_decay");
  const decay = {
    weightDecay: num("weight_decay"),
    excludeFromDecay: Array.isArray(kinds) ? kinds.filter((k): k is string => typeof k === "string") : [],
  };
  const rate = lr(bound.get("lr"), builtin.params.find((p) => p.name === "lr")?.default);
  switch (builtin.name) {
    case "sgd":
      return { kind: "sgd", lr: rate, momentum: num("momentum"), nesterov: bool("nesterov"), ...decay };
    case "adam":
    case "adamw":
      return { kind: builtin.name, lr: rate, beta1: num("beta1"), beta2: num("beta2"), epsilon: num("epsilon"), ...decay };
    case "rmsprop":
      return { kind: "rmsprop", lr: rate, alpha: num("alpha"), epsilon: num("epsilon"), momentum: num("momentum"), centered: bool("centered"), ...decay };
    default:
      throw new OptimizerLoweringError(`unknown optimizer ${builtin.name} in ${call.span.file}`);
  }
}
