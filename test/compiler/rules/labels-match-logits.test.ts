import { describe } from "vitest";
import { BASE } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

const teacher100 = variant("model big = mlp(input: 784, hidden: [64], classes: 10)", "model big = mlp(input: 784, hidden: [64], classes: 100)").replace(
  /stage distill[\s\S]*$/,
  "",
);

describe("rule: cross-entropy logits have as many classes as the labels (KD3007)", () => {
  ruleCases({
    code: "KD3007",
    valid: [BASE],
    invalid: [{ recipe: teacher100 }],
    recovered: teacher100.replace("ce(big.logits, batch.label)", "ce(, batch.label)"),
  });
});
