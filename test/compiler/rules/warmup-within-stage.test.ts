import { describe } from "vitest";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

// 512 examples / batch 64 = 8 steps per epoch; 2 epochs = 16 steps per stage.
const lr = (schedule: string) => variant("optimizer adam(lr: 1e-3)\n  minimize hinton", `optimizer adam(lr: ${schedule})\n  minimize hinton`);

describe("rule: warm-ups and intervals fit in their stage (KD3018)", () => {
  ruleCases({
    code: "KD3018",
    valid: [
      lr("cosine(from: 1e-3, warmup: 16 steps)"),
      lr("cosine(from: 1e-3, warmup: 2 epochs)"),
      lr("warmup(16 steps, then: 1e-3)"),
      lr("warmup(100%, then: cosine(from: 1e-3))"),
      lr("piecewise(at: [0 steps, 1 epoch, 100%], values: [1e-3, 1e-4, 0])"),
      variant("minimize hinton(small, big, T: T)", "minimize hinton(small, big, T: T)\n  checkpoint every 16 steps keep 2"),
    ],
    invalid: [
      { recipe: lr("cosine(from: 1e-3, warmup: 17 steps)") },
      { recipe: lr("cosine(from: 1e-3, warmup: 3 epochs)") },
      { recipe: lr("warmup(17 steps, then: cosine(from: 1e-3))") },
      { recipe: lr("warmup(3 epochs, then: 1e-3)") },
      { recipe: lr("piecewise(at: [0 steps, 17 steps], values: [1e-3, 1e-4])") },
      { recipe: variant("minimize hinton(small, big, T: T)", "minimize hinton(small, big, T: T)\n  checkpoint every 3 epochs") },
      { recipe: variant("minimize hinton(small, big, T: T)", "minimize hinton(small, big, T: T)\n  checkpoint every 17 steps") },
    ],
    recovered: lr("cosine(from: 1e-3, warmup: )"),
  });
});
