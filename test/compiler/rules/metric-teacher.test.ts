import { describe } from "vitest";
import { BASE } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

const metrics = (list: string) => variant("minimize hinton(small, big, T: T)", `minimize hinton(small, big, T: T)\n  evaluate on digits.test { ${list} }`);

describe("rule: agreement and kl compare with a teacher (KD3076)", () => {
  ruleCases({
    code: "KD3076",
    valid: [BASE, metrics("agreement(big), kl(big), kl(big, T: 2)"), metrics("kl(teacher: big, T: 4)")],
    invalid: [
      { recipe: metrics("kl(small)") },
      { recipe: metrics("agreement(small)") },
      { recipe: metrics("kl(small, T: 2), agreement(small)"), count: 2 },
      // A reference snapshot is for preference metrics, not a teacher.
      { recipe: metrics("agreement(ref)").replace("teacher big", "teacher big\n  reference ref = small") },
    ],
    recovered: metrics("kl(-)"),
  });
});
