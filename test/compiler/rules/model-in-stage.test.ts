import { describe } from "vitest";
import { BASE } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

describe("rule: objectives and metrics read only the trained model and its teachers (KD3017)", () => {
  ruleCases({
    code: "KD3017",
    valid: [BASE],
    invalid: [
      { recipe: variant("minimize ce(big.logits, batch.label)", "minimize ce(big.logits, batch.label) + kd(big.logits, small.logits)") },
      { recipe: variant("minimize ce(big.logits, batch.label)", "minimize ce(big.logits, batch.label)\n  evaluate on digits.test { agreement(small) }") },
    ],
    recovered: variant("minimize ce(big.logits, batch.label)", "minimize ce(big.logits, batch.label) + kd(big.logits, .logits)"),
  });
});
