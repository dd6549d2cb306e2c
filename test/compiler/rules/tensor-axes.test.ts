import { describe } from "vitest";
import { BASE } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

const objective = "minimize hinton(small, big, T: T)";
const with_ = (term: string): string => variant(objective, `${objective} + ${term}`);

describe("rule: tensor operations name axes the tensor has, once each (KD3047)", () => {
  ruleCases({
    code: "KD3047",
    valid: [
      BASE,
      with_("mean(normalize(small.logits, axis: -1))"),
      with_("mean(sum(small.logits, axis: 1))"),
      with_("sum(small.logits, axis: [0, -1])"),
      with_("mean(pearson(small.logits, big.logits, axis: 0))"),
    ],
    invalid: [
      { recipe: with_("mean(normalize(small.logits, axis: 2))") },
      { recipe: with_("mean(mean(small.logits, axis: -3))") },
      { recipe: with_("sum(small.logits, axis: [1, -1])") },
      { recipe: with_("mean(pearson(small.logits, big.logits, axis: 5))") },
      // Inside a loss definition the tensor's rank is known only at the call: reported there.
      { recipe: `loss rows(x: tensor) = mean(mean(x, axis: 3))\n${with_("rows(small.logits)")}` },
    ],
    recovered: with_("mean(small.logits, axis: )"),
  });
});
