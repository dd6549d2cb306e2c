import { describe } from "vitest";
import { BASE } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

describe("rule: temperatures are positive at every step (KD3008)", () => {
  ruleCases({
    code: "KD3008",
    valid: [BASE, variant("T: T)", "T: linear(from: 8, to: 1))"), variant("T: T)", "T: 2 * T)"), variant("T: T)", "T: max(4 - epoch, 1))"),
      variant("T: T)", "T: step_decay(from: 4, gamma: 0.5, every: 1 epoch))"),
      variant("T: T)", "T: exp(from: 8, gamma: 0.9))"),
      variant("T: T)", "T: warmup(2 steps, then: 4, from: 1))"),
      variant("T: T)", "T: piecewise(at: [0 steps, 50%], values: [4, 1]))"),
    ],
    invalid: [
      { recipe: variant("T: T)", "T: 0)") },
      { recipe: variant("T: T)", "T: -T)") },
      { recipe: variant("T: T)", "T: linear(from: 4, to: 0))") },
      { recipe: variant("T: T)", "T: cosine(from: 4, warmup: 2 steps))") },
      { recipe: BASE, overrides: { T: "-1" } },
      { recipe: variant("T: T)", "T: epoch)") },
      { recipe: variant("T: T)", "T: min(4, 2 - step))") },
      { recipe: variant("T: T)", "T: warmup(2 steps, then: 4))") },
      { recipe: variant("T: T)", "T: piecewise(at: [0 steps, 50%], values: [4, 0]))") },
      { recipe: variant("T: T)", "T: exp(from: -4, to: -1))") },
    ],
    recovered: variant("T: T)", "T: -)"),
  });
});
