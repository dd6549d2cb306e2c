import { describe, expect, it } from "vitest";
import { codes, compileText } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

// 512 examples / batch 64 = 8 steps per epoch.
const distillSteps = (n: string) => variant("teacher big\n  epochs 2", `teacher big\n  steps ${n}`);

describe("rule: a stage gives exactly one of epochs and steps (KD3033)", () => {
  ruleCases({
    code: "KD3033",
    valid: [distillSteps("20")],
    invalid: [{ recipe: variant("teacher big\n  epochs 2", "teacher big\n  epochs 2\n  steps 20") }],
    recovered: variant("teacher big\n  epochs 2", "teacher big\n  epochs 2\n  steps"),
  });

  it("asks for one of them when neither is given (KD3009)", async () => {
    expect(codes(await compileText(variant("teacher big\n  epochs 2", "teacher big")))).toEqual(["KD3009"]);
  });

  it("measures warm-ups and checkpoint intervals in the stage's steps (KD3018)", async () => {
    const lr = (schedule: string, steps: string) =>
      variant("optimizer adam(lr: 1e-3)\n  minimize hinton", `optimizer adam(lr: ${schedule})\n  minimize hinton`, distillSteps(steps));
    expect(codes(await compileText(lr("cosine(from: 1e-3, warmup: 20 steps)", "20")))).toEqual([]);
    expect(codes(await compileText(lr("cosine(from: 1e-3, warmup: 21 steps)", "20")))).toEqual(["KD3018"]);
    // 2 epochs are 16 steps: longer than a 12-step stage.
    expect(codes(await compileText(lr("cosine(from: 1e-3, warmup: 2 epochs)", "12")))).toEqual(["KD3018"]);
    expect(codes(await compileText(lr("cosine(from: 1e-3, warmup: 2 epochs)", "16")))).toEqual([]);
    const checkpoint = (every: string, steps: string) => variant("minimize hinton(small, big, T: T)", `minimize hinton(small, big, T: T)\n  checkpoint every ${every}`, distillSteps(steps));
    expect(codes(await compileText(checkpoint("2 epochs", "12")))).toEqual(["KD3018"]);
    expect(codes(await compileText(checkpoint("1 epoch", "12")))).toEqual([]);
  });

  it("rejects steps that are not a positive integer (KD3008, KD3004)", async () => {
    expect(codes(await compileText(distillSteps("0")))).toEqual(["KD3008"]);
    expect(codes(await compileText(distillSteps("2.5")))).toEqual(["KD3004"]);
  });
});
