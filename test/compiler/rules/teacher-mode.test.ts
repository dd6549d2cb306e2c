import { describe, expect, it } from "vitest";
import { BASE, compileText } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

const withDropout = variant("model big = mlp(input: 784, hidden: [64], classes: 10)", "model big = mlp(input: 784, hidden: [64], classes: 10, dropout: 0.3)");
const teacher = (line: string, base = withDropout) => variant("  teacher big\n", `  ${line}\n`, base);

describe("rule: a teacher's mode is train or eval (KD3008)", () => {
  ruleCases({
    code: "KD3008",
    valid: [teacher("teacher big mode train"), teacher("teacher big mode eval"), teacher("teacher big")],
    invalid: [{ recipe: teacher("teacher big mode training") }, { recipe: teacher("teacher big mode inference") }],
    recovered: teacher("teacher big mode"),
  });

  it("lists the two choices", async () => {
    const r = await compileText(teacher("teacher big mode dropout"));
    expect(r.diagnostics[0]!.message).toBe("a teacher's `mode` must be one of `train`, `eval`, not `dropout`");
  });
});

describe("rule: mode train changes something (KD3083, a warning)", () => {
  ruleCases({
    code: "KD3083",
    valid: [
      teacher("teacher big mode train"),
      teacher("teacher big mode eval", BASE),
      teacher("teacher big mode train", variant("hidden: [64], classes: 10)", "hidden: [64], classes: 10, input_dropout: 0.1)")),
    ],
    invalid: [{ recipe: teacher("teacher big mode train", BASE) }, { recipe: teacher("teacher big mode train", variant("classes: 10)", "classes: 10, dropout: 0)")) }],
    recovered: teacher("teacher big mode train", variant("classes: 10)", "classes: 10, dropout: )")),
  });
});

describe("rule: mode is for frozen teachers (KD3084)", () => {
  ruleCases({
    code: "KD3084",
    valid: [teacher("teacher big trainable")],
    invalid: [{ recipe: teacher("teacher big trainable mode train") }, { recipe: teacher("teacher big trainable mode eval") }],
    recovered: teacher("teacher big trainable mode"),
  });
});
