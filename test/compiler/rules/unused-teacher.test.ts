import { describe, expect, it } from "vitest";
import { BASE, compileText } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

const unused = variant("hinton(small, big, T: T)", "ce(small.logits, batch.label)");

describe("rule: warn about a teacher nothing reads (KD3014)", () => {
  ruleCases({
    code: "KD3014",
    valid: [BASE, variant("hinton(small, big, T: T)", "ce(small.logits, batch.label)\n  evaluate on digits.test { agreement(big) }")],
    invalid: [{ recipe: unused }],
    recovered: variant("hinton(small, big, T: T)", "ce(small.logits, batch.)"),
  });
  it("is a warning: the recipe still builds", async () => {
    const r = await compileText(unused);
    expect(r.diagnostics[0]!.severity).toBe("warning");
    expect(r.files.size).toBe(2);
  });
});
