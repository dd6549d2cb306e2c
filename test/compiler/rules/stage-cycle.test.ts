import { describe } from "vitest";
import { BASE } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

describe("rule: stages form a pipeline, not a loop (KD3011)", () => {
  ruleCases({
    code: "KD3011",
    valid: [BASE],
    invalid: [{ recipe: variant("stage teach {", "stage teach after distill {") }, { recipe: variant("stage teach {", "stage teach after teach {") }],
    recovered: variant("stage teach {", "stage teach after {"),
  });
});
