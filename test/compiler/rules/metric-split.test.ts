import { describe } from "vitest";
import { BASE } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

const metrics = (list: string, split = "digits.test") => variant("minimize hinton(small, big, T: T)", `minimize hinton(small, big, T: T)\n  evaluate on ${split} { ${list} }`);

const LM = `
dataset book = moby_dick(train: 16, test: 4, context: 12, max_vocab: 32)
model lm = transformer(vocab: 32, dim: 16, layers: 1, heads: 2, context: 12)
stage language {
  train lm on book.train
  epochs 1
  batch 4
  optimizer adam()
  minimize lm_ce(lm)
  evaluate on book.test { METRICS }
}
`;

describe("rule: metrics that need token sequences or preference pairs (KD3077)", () => {
  ruleCases({
    code: "KD3077",
    valid: [BASE, metrics("accuracy, ece"), LM.replace("METRICS", "perplexity, accuracy, accuracy(top: 5)")],
    invalid: [
      { recipe: metrics("perplexity") },
      { recipe: metrics("perplexity", "digits.unlabeled") },
      { recipe: LM.replace("METRICS", "reward_margin(ref)").replace("epochs 1", "reference ref = lm\n  epochs 1") },
    ],
    recovered: metrics("perplexity", ""),
  });
});
