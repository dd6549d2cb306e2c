import { describe } from "vitest";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

const objective = "minimize hinton(small, big, T: T)";
const with_ = (term: string): string => variant(objective, `${objective} + ${term}`);

describe("rule: tensor operations keep shapes checked (KD3007)", () => {
  ruleCases({
    code: "KD3007",
    valid: [
      with_("mse(normalize(small.logits), normalize(big.logits))"),
      with_("mean(abs(small.logits - big.logits))"),
      with_("kd(log_softmax(small.logits), detach(big.logits))"),
      with_("mean(flatten(small.hidden[0]) ^ 2) + mean(pow(small.hidden[0], 2))"),
    ],
    invalid: [
      // normalize keeps [B, 16] and [B, 64]: the widths still differ.
      { recipe: with_("mse(normalize(small.hidden[0]), normalize(big.hidden[0]))") },
      { recipe: with_("mean(pearson(small.hidden[0], big.hidden[0]))") },
      { recipe: with_("mean(avg_pool(small.logits))") },
      { recipe: with_("mean(flatten(sum(small.logits, axis: 1)))") },
      // A reduction removes its axis: [B] against [B, 10].
      { recipe: with_("mean(sum(small.logits, axis: 1) - small.logits)") },
    ],
    recovered: with_("mse(normalize(small.hidden[0]), normalize(big.hidden[0] +))"),
  });
});
