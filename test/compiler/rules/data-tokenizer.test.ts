import { readFileSync } from "node:fs";
import { describe } from "vitest";
import { ruleCases } from "../../helpers/rule-cases.js";

const files = {
  "mail.jsonl": readFileSync(new URL("../../fixtures/data/mail.jsonl", import.meta.url), "utf8"),
  "points.jsonl": readFileSync(new URL("../../fixtures/data/points-a.jsonl", import.meta.url), "utf8"),
};

const recipe = (dataset: string, vocab = 300): string => `
dataset d = ${dataset}
model m = transformer(vocab: ${vocab}, dim: 16, layers: 1, heads: 2, context: 32)
stage s {
  train m on d.train
  epochs 1
  batch 8
  optimizer adam(lr: 1e-3)
  minimize lm_ce(m)
}
`;

describe("rule: a tokenizer applies to text, once (KD3069)", () => {
  ruleCases({
    code: "KD3069",
    files,
    valid: [
      recipe(`jsonl("mail.jsonl", text: "body", max_length: 32, tokenizer: bpe(vocab: 300))`),
      recipe(`spam_assassin(train: 10, test: 10, max_length: 32, tokenizer: char(max_vocab: 64))`),
      recipe(`spam_assassin(train: 10, test: 10, max_length: 32, max_vocab: 64)`),
      `dataset own = jsonl("mail.jsonl", text: "body", max_length: 32, tokenizer: bpe(vocab: 300))\n${recipe(`jsonl("mail.jsonl", text: "body", max_length: 32, tokenizer: own.tokenizer)`)}`,
    ],
    invalid: [
      { recipe: recipe(`spam_assassin(train: 10, test: 10, max_length: 32, max_vocab: 64, tokenizer: char())`) },
      { recipe: recipe(`moby_dick(train: 10, test: 10, context: 32, max_vocab: 64, tokenizer: char(max_vocab: 64))`) },
      { recipe: `${recipe(`spam_assassin(train: 10, test: 10, max_length: 32)`)}\ndataset numeric = jsonl("points.jsonl", input: "x", tokenizer: bpe(vocab: 300))\n` },
      { recipe: `dataset numeric = jsonl("points.jsonl", input: "x")\n${recipe(`jsonl("mail.jsonl", text: "body", max_length: 32, tokenizer: numeric.tokenizer)`)}` },
    ],
    recovered: recipe(`spam_assassin(train: 10, test: 10, max_length: 32, max_vocab: 64, tokenizer: )`),
  });
});

describe("the declared vocabulary is checked against the model (KD3029)", () => {
  ruleCases({
    code: "KD3029",
    files,
    valid: [recipe(`jsonl("mail.jsonl", text: "body", max_length: 32, tokenizer: bpe(vocab: 300))`)],
    invalid: [
      { recipe: recipe(`jsonl("mail.jsonl", text: "body", max_length: 32, tokenizer: bpe(vocab: 512))`) },
      { recipe: recipe(`jsonl("mail.jsonl", text: "body", max_length: 32, tokenizer: char(max_vocab: 64))`, 20) },
    ],
    recovered: recipe(`jsonl("mail.jsonl", text: "body", max_length: 32, tokenizer: bpe(vocab: ))`),
  });
});
