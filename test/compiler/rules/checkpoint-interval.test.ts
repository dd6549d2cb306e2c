import { describe, expect, it } from "vitest";
import { codes, compileText } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

// 512 examples / batch 64 = 8 steps per epoch; 2 epochs = 16 steps per stage.
const every = (interval: string) => variant("minimize hinton(small, big, T: T)", `minimize hinton(small, big, T: T)\n  checkpoint every ${interval} keep 2`);

describe("rule: `checkpoint every` is a whole number of epochs or steps (KD3023)", () => {
  ruleCases({
    code: "KD3023",
    valid: [every("1 epoch"), every("2 epochs"), every("1 step"), every("10 steps"), every("16 steps")],
    invalid: [{ recipe: every("10%") }, { recipe: every("0.5 epochs") }],
    recovered: variant("minimize hinton(small, big, T: T)", "minimize hinton(small, big, T: T)\n  checkpoint every"),
  });

  it("judges `best by` at step-interval checkpoints and measures the interval in the stage's steps", async () => {
    const best = variant("minimize hinton(small, big, T: T)", "minimize hinton(small, big, T: T)\n  checkpoint every 4 steps best by accuracy on digits.train keep 2");
    expect(codes(await compileText(best))).toEqual([]);
    // 17 steps do not fit a 16-step stage.
    expect(codes(await compileText(every("17 steps")))).toEqual(["KD3018"]);
  });
});
