import { describe } from "vitest";
import { BASE } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

describe("rule: a teacher is trained by an earlier stage (KD3015)", () => {
  ruleCases({
    code: "KD3015",
    valid: [BASE],
    invalid: [{ recipe: variant("stage distill after teach", "stage distill") }],
    recovered: variant("stage distill after teach", "stage distill after ,"),
  });
});
