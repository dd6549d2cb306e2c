// Lowering of an `evaluate` metric: its arguments by name with defaults filled in, models and
// the reference by name.
import type { Expression } from "../../grammar/ast.js";
import { builtins } from "../check/builtins.js";
import { metricArguments, metricName } from "../check/builtins-metrics.js";
import type { Value } from "../check/values.js";
import type { IrMetric } from "./ir.js";

export class MetricLoweringError extends Error {}

export function lowerMetric(e: Expression, valueOf: (e: Expression) => Value | undefined): IrMetric {
  const name = metricName(e) ?? "";
  const b = builtins.get(name);
  if (b?.category !== "metric") throw new MetricLoweringError(`unknown metric ${name}`);
  const args = metricArguments(e);
  const num = (param: string): number => {
    const given = args.get(param);
    const v = given ? valueOf(given) : b.params.find((p) => p.name === param)?.default;
    if (typeof v !== "number") throw new MetricLoweringError(`${name}: no constant ${param}`);
    return v;
  };
  const model = (param: string): string => {
    const given = args.get(param);
    if (given?.kind !== "Identifier") throw new MetricLoweringError(`${name} without a model`);
    return given.name;
  };
  switch (name) {
    case "accuracy":
      return { kind: "accuracy", top: num("top") };
    case "ece":
    case "perplexity":
    case "loss":
      return { kind: name };
    case "agreement":
      return { kind: "agreement", teacher: model("teacher") };
    case "kl":
      return { kind: "kl", teacher: model("teacher"), T: num("T") };
    case "preference_accuracy":
      return { kind: "preference_accuracy", reference: model("reference") };
    case "reward_margin":
      return { kind: "reward_margin", reference: model("reference"), beta: num("beta") };
    default:
      throw new MetricLoweringError(`unknown metric ${name}`);
  }
}
