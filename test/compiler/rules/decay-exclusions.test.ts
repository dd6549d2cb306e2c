import { describe } from "vitest";
import { BASE } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

const teach = (optimizer: string) => variant("optimizer adam(lr: 1e-3)\n  minimize ce(big", `optimizer ${optimizer}\n  minimize ce(big`);

describe("rule: decay exclusions are known kinds (KD3073)", () => {
  ruleCases({
    code: "KD3073",
    valid: [
      BASE,
      teach(`adamw(lr: 1e-3, exclude_from_decay: ["bias", "norm", "embedding"])`),
      teach(`adamw(lr: 1e-3, exclude_from_decay: [])`),
      teach(`sgd(lr: 0.1, weight_decay: 1e-4, exclude_from_decay: ["norm"])`),
    ],
    invalid: [
      { recipe: teach(`adamw(lr: 1e-3, exclude_from_decay: ["biases"])`) },
      { recipe: teach(`adamw(lr: 1e-3, exclude_from_decay: ["bias", "layernorm", "emb"])`), count: 2 },
      { recipe: teach(`rmsprop(weight_decay: 0.1, exclude_from_decay: ["kernel"])`) },
    ],
    recovered: teach(`adamw(lr: 1e-3, exclude_from_decay: ["bias", -])`),
  });
});

describe("rule: decay exclusions need weight decay (KD3075)", () => {
  ruleCases({
    code: "KD3075",
    valid: [teach(`adam(lr: 1e-3, weight_decay: 0.01, exclude_from_decay: ["bias"])`), teach(`sgd(lr: 0.1, exclude_from_decay: [])`)],
    invalid: [
      { recipe: teach(`sgd(lr: 0.1, exclude_from_decay: ["bias"])`) },
      { recipe: teach(`adamw(weight_decay: 0, exclude_from_decay: ["norm"])`) },
    ],
    recovered: teach(`sgd(lr: 0.1, exclude_from_decay: ["bias", -])`),
  });
});
