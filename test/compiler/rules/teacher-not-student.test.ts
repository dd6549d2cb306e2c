import { describe } from "vitest";
import { BASE } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

describe("rule: a stage's teacher is not its trained model (KD3012)", () => {
  ruleCases({
    code: "KD3012",
    valid: [BASE],
    invalid: [{ recipe: variant("teacher big", "teacher big, small") }],
    recovered: variant("teacher big", "teacher big,"),
  });
});
