import { describe } from "vitest";
import { BASE } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

const metrics = (list: string, split: string) => variant("minimize hinton(small, big, T: T)", `minimize hinton(small, big, T: T)\n  evaluate on ${split} { ${list} }`);
const soft = (split: string) =>
  variant("minimize hinton(small, big, T: T)", `minimize kd(small.logits, big.logits, T: T)\n  evaluate on ${split} { loss }`);

describe("rule: the evaluation loss needs a split its objective can run on (KD3079)", () => {
  ruleCases({
    code: "KD3079",
    valid: [BASE, metrics("loss", "digits.test"), soft("digits.unlabeled"), metrics("accuracy", "digits.test")],
    invalid: [
      // hinton reads labels (inside the library loss): the unlabelled transfer split has none.
      { recipe: metrics("loss", "digits.unlabeled") },
      // ce reads labels directly.
      { recipe: variant("minimize hinton(small, big, T: T)", "minimize ce(small.logits, batch.label)\n  evaluate on digits.unlabeled { agreement(big), loss }") },
    ],
    recovered: metrics("loss", ""),
  });
});
