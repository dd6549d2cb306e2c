// Which way each metric improves (for choosing a best checkpoint): every metric built-in has a
// direction, by name or by report label.
import { describe, expect, it } from "vitest";
import { metricBuiltins, metricDirection } from "../../compiler/check/builtins-metrics.js";

describe("metricDirection", () => {
  it("knows every metric built-in", () => {
    for (const b of metricBuiltins) expect(metricDirection(b.name), b.name).toBeDefined();
  });
  it("says higher is better for accuracies, agreement and preference metrics, lower for the rest", () => {
    expect(["accuracy", "accuracy@5", "agreement(big)", "preference_accuracy", "reward_margin(beta=0.5)"].map(metricDirection)).toEqual(["max", "max", "max", "max", "max"]);
    expect(["ece", "kl", "kl(big, T=2)", "perplexity", "loss"].map(metricDirection)).toEqual(["min", "min", "min", "min", "min"]);
    expect(metricDirection("f1")).toBeUndefined();
  });
});
