import { describe } from "vitest";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

const objective = (lets: string, objective: string) =>
  variant("  optimizer adam(lr: 1e-3)\n  minimize hinton(small, big, T: T)", `${lets}\n  optimizer adam(lr: 1e-3)\n  minimize ${objective}`);
const lam = "  let lam = taid_lambda(start: 0.3)";

describe("rule: taid takes `lambda:` or its own λ's options, not both (KD3092)", () => {
  ruleCases({
    code: "KD3092",
    valid: [
      objective(lam, "taid(small.logits, big.logits, lambda: lam)"),
      objective("", "taid(small.logits, big.logits, lambda_start: 0.2, alpha: 0.01)"),
      objective("", "taid(small.logits, big.logits, lambda: linear(from: 0.2, to: 1))"),
      objective("", "taid(small.logits, big.logits, lambda: 0.5)"),
    ],
    invalid: [
      { recipe: objective(lam, "taid(small.logits, big.logits, lambda: lam, lambda_start: 0.3)") },
      { recipe: objective(lam, "taid(small.logits, big.logits, lambda: lam, alpha: 0.1, beta: 0.9)") },
      { recipe: objective("", "taid(small.logits, big.logits, lambda: 0.5, lambda_end: 0.9)") },
    ],
    recovered: objective(lam, "taid(small.logits, big.logits, lambda: lam, alpha: )"),
  });
});
