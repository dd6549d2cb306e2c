import { describe } from "vitest";
import { BASE } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

const metrics = (list: string) => variant("minimize hinton(small, big, T: T)", `minimize hinton(small, big, T: T)\n  evaluate on digits.test { ${list} }`);

describe("rule: a metric listed twice (KD3078)", () => {
  ruleCases({
    code: "KD3078",
    valid: [BASE, metrics("accuracy, accuracy(top: 5), kl(big), kl(big, T: 2), loss")],
    invalid: [
      { recipe: metrics("accuracy, accuracy(top: 1)") },
      { recipe: metrics("kl(big), kl(big, T: 1)") },
      { recipe: metrics("accuracy(top: 3), accuracy(3), loss, loss"), count: 2 },
    ],
    recovered: metrics("accuracy, accuracy(top: )"),
  });
});
