import { describe } from "vitest";
import { ruleCases } from "../../helpers/rule-cases.js";
import { BOOK, GENERATED } from "../../helpers/generated-recipe.js";

const files = { "book.txt": BOOK };
const edit = (from: string, to: string): string => {
  if (!GENERATED.includes(from)) throw new Error(`no ${from}`);
  return GENERATED.replace(from, to);
};

describe("rule: generated data is read after its generator is trained (KD3089)", () => {
  ruleCases({
    code: "KD3089",
    files,
    valid: [
      GENERATED,
      // Transitively after the teacher's stage.
      `${edit("stage distill after teach", "stage distill after middle")}
stage middle after teach {
  train small on book.train
  epochs 1
  batch 4
  optimizer adam()
  minimize lm_ce(small)
}`,
    ],
    invalid: [
      { recipe: edit("stage distill after teach", "stage distill") },
      // Evaluating on it counts as reading it.
      { recipe: edit("stage teach {\n  train big on book.train", "stage teach {\n  evaluate on gen.train { perplexity }\n  train big on book.train") },
      // The generator cannot be trained on its own generated data.
      { recipe: edit("train small on gen.train", "train big on gen.train").replace("lm_ce(small)\n}\n", "lm_ce(big)\n}\n").replace("stage distill after teach", "stage distill") },
    ],
    recovered: edit("stage distill after teach", "stage distill after ,"),
  });
});
