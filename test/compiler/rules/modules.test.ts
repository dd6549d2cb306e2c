// Modules and structured adapters: each diagnostic of pipelines (KD3054–KD3057) and of module
// wiring between stages (KD3058, KD3059), with a valid recipe, invalid ones and a recovered parse.
import { describe, expect, it } from "vitest";
import { codes, compileText } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

/** BASE with a module trained in `distill` and read frozen in a later stage `polish`. */
const MODULES = variant(
  "model small = mlp(input: 784, hidden: [16], classes: 10)",
  "model small = mlp(input: 784, hidden: [16], classes: 10)\nmodule head = linear(out: 32) >> batchnorm >> gelu >> linear(out: 10)",
  variant("train small on digits.train", "train small, head on digits.train", variant("minimize hinton(small, big, T: T)", "minimize hinton(small, big, T: T) + mse(head(small.hidden[0]), big.logits)")),
) + `
stage polish after distill {
  train small on digits.train
  teacher big
  epochs 1
  batch 64
  optimizer adam()
  minimize kd(head(small.hidden[0]), big.logits)
}
`;

const mod = (from: string, to: string) => variant(from, to, MODULES);
const CNN = variant("model big = mlp(input: 784, hidden: [64], classes: 10)", "model big = cnn(input: [28, 28, 1], channels: [4, 8], classes: 10)");
const VIA = variant("minimize hinton(small, big, T: T)", "minimize hinton(small, big, T: T) + mse(project(small.hidden[0], like: big.pooled, via: linear(out: 64) >> relu >> linear), big.pooled)", CNN);
const via = (layers: string) => variant("via: linear(out: 64) >> relu >> linear", `via: ${layers}`, VIA);

describe("modules: a valid recipe compiles to a trainer", () => {
  it("builds with a module trained in one stage and read in the next", async () => {
    const r = await compileText(MODULES);
    expect(codes(r)).toEqual([]);
    const trainer = [...r.files.values()].find((t) => t.includes("kd.adapters.sequential"));
    expect(trainer).toContain('kd.adapters.sequential(\n    "head",\n    [16],');
    expect(trainer).toMatch(/head\.apply\(ctx\.outputs\(small\)\.hidden\[0\], true\)/);
    expect(trainer).toMatch(/head\.apply\(ctx\.outputs\(small\)\.hidden\[0\], false\)/);
  });
  it("takes a module as an adapter's layers: `project(x, like: y, via: m)` is `m(x)`, checked against y", async () => {
    const r = await compileText(mod("minimize kd(head(small.hidden[0]), big.logits)", "minimize mse(project(small.hidden[0], like: big.logits, via: head), big.logits)"));
    expect(codes(r)).toEqual([]);
    expect([...r.files.values()].join("\n")).toMatch(/head\.apply\(ctx\.outputs\(small\)\.hidden\[0\], false\)/);
    const wrong = await compileText(mod("minimize kd(head(small.hidden[0]), big.logits)", "minimize mse(project(small.hidden[0], like: small.hidden[0], via: head), big.logits)"));
    expect(codes(wrong)).toEqual(["KD3007"]);
  });
  it("types a module as a value in messages", async () => {
    const r = await compileText(mod("minimize kd(head(small.hidden[0]), big.logits)", "minimize kd(head(small.hidden[0]), big.logits) + head"));
    expect(r.diagnostics.map((d) => d.message).join("\n")).toContain("module [B, 16] -> [B, 10]");
  });
});

describe("KD3054: unknown layer", () => {
  ruleCases({
    code: "KD3054",
    valid: [MODULES],
    invalid: [{ recipe: mod("linear(out: 32) >> batchnorm", "linear(out: 32) >> batchnrom") }, { recipe: mod(">> gelu >>", ">> mlp(input: 3) >>") }],
    recovered: mod(">> gelu >>", ">> gelu( >>"),
  });
  it("suggests the closest layer", async () => {
    const r = await compileText(mod("linear(out: 32) >> batchnorm", "linear(out: 32) >> batchnrom"));
    expect(r.diagnostics[0]!.help).toBe("did you mean `batchnorm`?");
  });
});

describe("KD3055: a layer applied to the wrong rank", () => {
  ruleCases({
    code: "KD3055",
    valid: [MODULES, VIA],
    invalid: [
      { recipe: mod("module head = linear(out: 32)", "module head = conv(kernel: 1, out: 32)") },
      { recipe: mod("module head = linear(out: 32)", "module head = avg_pool >> linear(out: 32)") },
      { recipe: via("conv(kernel: 1)") },
    ],
    recovered: mod("module head = linear(out: 32)", "module head = conv(kernel: , out: 32)"),
  });
});

describe("KD3056: a width that cannot be inferred", () => {
  ruleCases({
    code: "KD3056",
    valid: [MODULES, via("relu >> linear")],
    invalid: [
      { recipe: mod("linear(out: 32) >> batchnorm", "linear >> batchnorm") },
      { recipe: via("linear >> linear") },
      { recipe: via("linear >> flatten") },
    ],
    recovered: mod("linear(out: 32) >> batchnorm", "linear(out: ) >> batchnorm"),
  });
});

describe("KD3057: `>>` outside a module or `via:`", () => {
  ruleCases({
    code: "KD3057",
    valid: [MODULES],
    invalid: [{ recipe: mod("minimize kd(head(small.hidden[0]), big.logits)", "minimize kd(head(small.hidden[0]) >> relu, big.logits)") }, { recipe: mod("optimizer adam()", "optimizer adam(lr: 1 >> 2)") }],
    recovered: mod("minimize kd(head(small.hidden[0]), big.logits)", "minimize kd(head(small.hidden[0]) >> , big.logits)"),
  });
});

describe("KD3058: a module no earlier stage trained", () => {
  ruleCases({
    code: "KD3058",
    valid: [MODULES],
    invalid: [
      { recipe: mod("train small, head on digits.train", "train small on digits.train"), count: 2 },
      { recipe: mod("stage polish after distill", "stage polish after teach") },
    ],
    recovered: mod("stage polish after distill", "stage polish after ,"),
  });
});

describe("KD3059: a trained module the objective never applies (warning)", () => {
  const unused = mod("minimize hinton(small, big, T: T) + mse(head(small.hidden[0]), big.logits)", "minimize hinton(small, big, T: T)");
  ruleCases({
    code: "KD3059",
    valid: [MODULES],
    invalid: [{ recipe: mod("train big on digits.train", "train big, head on digits.train").replace("minimize ce(big.logits, batch.label)", "minimize ce(big.logits, batch.label)") }],
    recovered: mod("+ mse(head(small.hidden[0]), big.logits)", "+ mse(head(small.hidden[0]), big.logits"),
  });
  it("is a warning", async () => {
    const r = await compileText(unused);
    expect(r.diagnostics.filter((d) => d.code === "KD3059").map((d) => d.severity)).toEqual(["warning"]);
  });
});
