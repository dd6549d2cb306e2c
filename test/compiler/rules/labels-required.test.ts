import { describe } from "vitest";
import { BASE } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

describe("rule: labels are read only from labelled splits (KD3006)", () => {
  ruleCases({
    code: "KD3006",
    valid: [
      BASE,
      variant("train small on digits.train", "train small on digits.unlabeled").replace("hinton(small, big, T: T)", "kd(small.logits, big.logits)"),
      variant("minimize hinton(small, big, T: T)", "minimize hinton(small, big, T: T)\n  evaluate on digits.unlabeled { agreement(big) }"),
    ],
    invalid: [
      { recipe: variant("train big on digits.train", "train big on digits.unlabeled") },
      { recipe: variant("train small on digits.train", "train small on digits.unlabeled") },
      { recipe: variant("minimize hinton(small, big, T: T)", "minimize hinton(small, big, T: T)\n  evaluate on digits.unlabeled { accuracy, ece }"), count: 2 },
    ],
    recovered: variant("train big on digits.train", "train big on digits.unlabeled").replace("ce(big.logits, batch.label)", "ce(big.logits, batch.)"),
  });
});
