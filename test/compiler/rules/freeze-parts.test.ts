import { describe, expect, it } from "vitest";
import { codes, compileText } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

const freeze = (...parts: string[]) => variant("teacher big\n", `teacher big\n${parts.map((p) => `  freeze ${p}\n`).join("")}`);

describe("rule: freeze names a part of the trained model (KD3034)", () => {
  ruleCases({
    code: "KD3034",
    valid: [freeze("small.hidden[0]"), freeze("small.logits")],
    invalid: [{ recipe: freeze("big.hidden[0]") }, { recipe: freeze("big.logits") }, { recipe: variant("teacher big\n", "teacher big\n  reference ref = small\n  freeze ref.hidden[0]\n") }],
    recovered: freeze("big.hidden[0"),
  });
});

describe("rule: freeze names a part with weights of its own (KD3035)", () => {
  ruleCases({
    code: "KD3035",
    valid: [freeze("small.hidden[0]")],
    invalid: [{ recipe: freeze("small.hidden") }, { recipe: freeze("small") }, { recipe: freeze("2 * T") }, { recipe: freeze("small.pre_activation[0]") }],
    recovered: freeze("small.hidden["),
  });

  it("explains pooled taps, which have no weights", async () => {
    const conv = variant("model small = mlp(input: 784, hidden: [16], classes: 10)", "model small = cnn(input: [28, 28, 1], channels: [4], classes: 10)");
    expect(codes(await compileText(variant("teacher big\n", "teacher big\n  freeze small.pooled\n", conv)))).toEqual(["KD3035"]);
    expect(codes(await compileText(variant("teacher big\n", "teacher big\n  freeze small.block[0]\n", conv)))).toEqual([]);
  });

  it("refuses a pre-activation, a value inside a layer, and names the layer that computes it", async () => {
    const mlpCase = await compileText(freeze("small.pre_activation[0]"));
    expect(codes(mlpCase)).toEqual(["KD3035"]);
    expect(mlpCase.diagnostics[0]!.help).toMatch(/small\.hidden\[0\]/);
    const conv = variant("model small = mlp(input: 784, hidden: [16], classes: 10)", "model small = cnn(input: [28, 28, 1], channels: [4], classes: 10)");
    const convCase = await compileText(variant("teacher big\n", "teacher big\n  freeze small.pre_activation[0]\n", conv));
    expect(codes(convCase)).toEqual(["KD3035"]);
    expect(convCase.diagnostics[0]!.help).toMatch(/small\.block\[0\]/);
  });

  it("reports unknown taps with a suggestion and indices out of range (KD2007, KD3008)", async () => {
    const typo = await compileText(freeze("small.hiden[0]"));
    expect(codes(typo)).toEqual(["KD2007"]);
    expect(typo.diagnostics[0]!.help).toMatch(/hidden/);
    expect(codes(await compileText(freeze("small.hidden[1]")))).toEqual(["KD3008"]);
  });
});

describe("rule: not every part is frozen (KD3036)", () => {
  ruleCases({
    code: "KD3036",
    valid: [freeze("small.hidden[0]"), freeze("small.logits", "small.logits")],
    invalid: [{ recipe: freeze("small.hidden[0]", "small.logits") }],
    recovered: freeze("small.hidden[0]", "small.logits["),
  });
});
