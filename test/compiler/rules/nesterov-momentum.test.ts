import { describe } from "vitest";
import { BASE } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

const teach = (optimizer: string) => variant("optimizer adam(lr: 1e-3)\n  minimize ce(big", `optimizer ${optimizer}\n  minimize ce(big`);

describe("rule: Nesterov momentum needs momentum (KD3074)", () => {
  ruleCases({
    code: "KD3074",
    valid: [BASE, teach("sgd(lr: 0.1, momentum: 0.9, nesterov: true)"), teach("sgd(lr: 0.1, nesterov: false)"), teach("sgd(0.1, 0.5, true)")],
    invalid: [{ recipe: teach("sgd(lr: 0.1, nesterov: true)") }, { recipe: teach("sgd(lr: 0.1, momentum: 0, nesterov: true)") }, { recipe: teach("sgd(0.1, 0, true)") }],
    recovered: teach("sgd(lr: 0.1, nesterov: )"),
  });
});
