// The checks of `generate(…)` itself (compiler/check/generate.ts): a language model that reads the
// prompts (KD3087), rows that fit its context (KD3088), declared before the dataset (KD3090).
import { describe } from "vitest";
import { ruleCases } from "../../helpers/rule-cases.js";
import { BOOK, GENERATED } from "../../helpers/generated-recipe.js";

const files = { "book.txt": BOOK };
const edit = (from: string, to: string, base = GENERATED): string => {
  if (!base.includes(from)) throw new Error(`no ${from}`);
  return base.replace(from, to);
};
const recovered = edit("generate(big, prompts: book.train,", "generate(big, prompts: ,");

describe("generate: the teacher is a language model that reads the prompts (KD3087)", () => {
  ruleCases({
    code: "KD3087",
    files,
    valid: [GENERATED],
    invalid: [
      { recipe: edit("dataset gen = generate(big,", "model cls = mlp(input: 8, classes: 2)\ndataset gen = generate(cls,") },
      { recipe: edit("dataset gen = generate(big,", "model tiny = transformer(vocab: 8, dim: 8, layers: 1, heads: 2, context: 16)\ndataset gen = generate(tiny,") },
    ],
    recovered,
  });
});

describe("generate: prompts plus new tokens fit the teacher's context (KD3088)", () => {
  ruleCases({
    code: "KD3088",
    files,
    valid: [GENERATED, edit("max_new_tokens: 8)", "max_new_tokens: 12, prompt_tokens: 4)")],
    invalid: [{ recipe: edit("max_new_tokens: 8)", "max_new_tokens: 9)") }, { recipe: edit("max_new_tokens: 8)", "max_new_tokens: 12, prompt_tokens: 5)") }],
    recovered,
  });
});

describe("generate: the teacher is declared before the dataset (KD3090)", () => {
  const moved = edit("model big = transformer(vocab: 40, dim: 8, layers: 1, heads: 2, context: 16)\n", "");
  ruleCases({
    code: "KD3090",
    files,
    valid: [GENERATED],
    invalid: [{ recipe: `${moved}\nmodel big = transformer(vocab: 40, dim: 8, layers: 1, heads: 2, context: 16)\n` }],
    recovered,
  });
});

describe("generate: prompts held in memory (KD4002)", () => {
  ruleCases({
    code: "KD4002",
    files: { ...files, "asks.jsonl": '{"q": "Q: 2+2? A:", "a": " 4"}\n{"q": "Q: sky? A:", "a": " blue"}\n' },
    valid: [GENERATED],
    invalid: [
      { recipe: edit("dataset gen = generate(big, prompts: book.train,", 'dataset asks = jsonl("asks.jsonl", text: "a", prompt: "q", max_length: 8, tokenizer: book.tokenizer, augment: [token_dropout(p: 0.1)])\ndataset gen = generate(big, prompts: asks.train,') },
      { recipe: edit("stage teach", "dataset again = generate(big, prompts: gen.train, max_new_tokens: 4)\nstage teach") },
    ],
    recovered,
  });
});

describe("generate: a broken teacher declared first is not reported again (no KD3090)", () => {
  ruleCases({
    code: "KD3008",
    files,
    valid: [GENERATED],
    invalid: [{ recipe: edit("model big = transformer(vocab: 40, dim: 8, layers: 1, heads: 2, context: 16)", "model big = transformer(vocab: 40, dim: 8, layers: 1, heads: 2, context: 0)") }],
    recovered,
  });
});
