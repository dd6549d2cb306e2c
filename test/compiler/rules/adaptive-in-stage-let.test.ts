import { describe, expect, it } from "vitest";
import { codes, compileText } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";


// The distill stage's optimizer and objective, with lines before them.
const stage = (lets: string, lr: string, objective: string) =>
  variant("  optimizer adam(lr: 1e-3)\n  minimize hinton(small, big, T: T)", `${lets}\n  optimizer adam(lr: ${lr})\n  minimize ${objective}`);

describe("rule: an adaptive schedule is a stage let's whole value (KD3091)", () => {
  ruleCases({
    code: "KD3091",
    valid: [
      stage("  let lam = taid_lambda()", "1e-3", "lam * kd(small.logits, big.logits, T: 2) + (1 - lam) * ce(small.logits, batch.label)"),
      stage("  let lam = taid_lambda(start: 0.5, end: 0.9, alpha: 0.01, beta: 0.9)", "1e-3 * lam", "kd(small.logits, big.logits, T: 4 * lam)"),
      stage("  let lam = taid_lambda(start: 0.2)\n  let twice = 2 * lam", "1e-3", "taid(small.logits, big.logits, lambda: lam) + twice * ce(small.logits, batch.label)"),
    ],
    invalid: [
      { recipe: stage("", "taid_lambda()", "hinton(small, big, T: T)") },
      { recipe: stage("  let lam = 2 * taid_lambda()", "1e-3", "lam * hinton(small, big, T: T)") },
      { recipe: stage("", "1e-3", "taid_lambda() * hinton(small, big, T: T)") },
      { recipe: variant("stage teach {", "loss w(s: tensor, t: tensor) = taid_lambda() * kd(s, t, T: 2)\nstage teach {") },
    ],
    recovered: stage("  let lam = taid_lambda(start: )", "1e-3", "lam * hinton(small, big, T: T)"),
  });
});

describe("the checker knows an adaptive schedule's range, [start, end]", () => {
  const recipe = (lets: string, lr: string, objective: string) =>
    variant("  optimizer adam(lr: 1e-3)\n  minimize hinton(small, big, T: T)", `${lets}\n  optimizer adam(lr: ${lr})\n  minimize ${objective}`);
  it("a temperature that can be 0 and a negative lr are KD3008; taid's λ beyond [0, 1] too", async () => {
    const lam = "  let lam = taid_lambda(start: 0, end: 0.8)";
    expect(codes(await compileText(recipe(lam, "1e-3", "kd(small.logits, big.logits, T: lam)")))).toEqual(["KD3008"]);
    expect(codes(await compileText(recipe(lam, "1e-3", "kd(small.logits, big.logits, T: 0.5 + lam)")))).toEqual([]);
    expect(codes(await compileText(recipe(lam, "-1e-3 * lam", "kd(small.logits, big.logits, T: 2)")))).toEqual(["KD3008"]);
    expect(codes(await compileText(recipe(lam, "1e-3", "taid(small.logits, big.logits, lambda: 2 * lam)")))).toEqual(["KD3008"]);
    expect(codes(await compileText(recipe("  let lam = taid_lambda(start: 0.6, end: 0.5)", "1e-3", "lam * kd(small.logits, big.logits, T: 2)")))).toEqual(["KD3008"]);
  });
});
