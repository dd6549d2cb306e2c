import { describe } from "vitest";
import { BASE } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

const lr = "optimizer adam(lr: 1e-3)\n  minimize hinton";

describe("rule: exp takes exactly one of `to` and `gamma` (KD3048)", () => {
  ruleCases({
    code: "KD3048",
    valid: [BASE, variant(lr, "optimizer adam(lr: exp(from: 1e-3, to: 1e-5))\n  minimize hinton"), variant(lr, "optimizer adam(lr: exp(from: 1e-3, gamma: 0.9))\n  minimize hinton")],
    invalid: [
      { recipe: variant(lr, "optimizer adam(lr: exp(from: 1e-3))\n  minimize hinton") },
      { recipe: variant(lr, "optimizer adam(lr: exp(from: 1e-3, to: 1e-5, gamma: 0.9))\n  minimize hinton") },
      { recipe: variant(lr, "optimizer adam(lr: exp(from: 1e-3, to: 1e-5, every: 2 steps))\n  minimize hinton") },
    ],
    recovered: variant(lr, "optimizer adam(lr: exp(from: ))\n  minimize hinton"),
  });
});
