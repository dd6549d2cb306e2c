import { describe } from "vitest";
import { BASE } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

const big100 = variant("model big = mlp(input: 784, hidden: [64], classes: 10)", "model big = mlp(input: 784, hidden: [64], classes: 100)")
  .replace("minimize ce(big.logits, batch.label)", "minimize ce(big.logits, batch.label, smoothing: 0)")
  .replace("stage teach {", "stage teach {\n  // (teach's own ce now fails too; the cases below replace it)");
const teachOk = (r: string) => r.replace("minimize ce(big.logits, batch.label, smoothing: 0)", "minimize kd(big.logits, big.logits)");

describe("rule: teacher and student have the same classes (KD3005)", () => {
  ruleCases({
    code: "KD3005",
    valid: [BASE, variant("hinton(small, big, T: T)", "kd(small.logits, big.logits)")],
    invalid: [
      { recipe: teachOk(big100).replace("hinton(small, big, T: T)", "kd(small.logits, big.logits)") },
      { recipe: teachOk(big100) },
      { recipe: teachOk(big100).replace("hinton(small, big, T: T)", "hinton(small, big) + kd(small.logits, big.logits, T: 2)"), count: 2 },
    ],
    recovered: teachOk(big100).replace("hinton(small, big, T: T)", "kd(small.logits, big.)"),
  });
});
