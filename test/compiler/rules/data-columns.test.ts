import { readFileSync } from "node:fs";
import { describe } from "vitest";
import { ruleCases } from "../../helpers/rule-cases.js";

const files = {
  "mail.jsonl": readFileSync(new URL("../../fixtures/data/mail.jsonl", import.meta.url), "utf8"),
  "points.jsonl": readFileSync(new URL("../../fixtures/data/points-a.jsonl", import.meta.url), "utf8"),
};

const recipe = (dataset: string): string => `
dataset d = ${dataset}
model m = mlp(input: 40, classes: 2)
stage s {
  train m on d.train
  epochs 1
  batch 8
  optimizer adam(lr: 1e-3)
  minimize ce(m.logits, batch.label)
}
`;

describe("rule: csv and jsonl columns exist (KD3066)", () => {
  ruleCases({
    code: "KD3066",
    files,
    valid: [recipe(`jsonl("mail.jsonl", text: "body", label: "spam", bag: true, tokenizer: char(max_vocab: 40))`)],
    invalid: [
      { recipe: recipe(`jsonl("mail.jsonl", text: "bdy", label: "spam", bag: true, tokenizer: char(max_vocab: 40))`) },
      { recipe: recipe(`jsonl("mail.jsonl", text: "body", label: "spma", bag: true, tokenizer: char(max_vocab: 40))`) },
      { recipe: recipe(`jsonl("mail.jsonl", text: "body", prompt: "subjet", label: "spam", bag: true, tokenizer: char(max_vocab: 40))`) },
    ],
    recovered: recipe(`jsonl("mail.jsonl", text: , label: "spam", bag: true, tokenizer: char(max_vocab: 40))`),
  });
});

describe("rule: columns hold what their argument needs (KD3067)", () => {
  ruleCases({
    code: "KD3067",
    files,
    valid: [recipe(`jsonl("mail.jsonl", text: "body", prompt: "subject", label: "spam", bag: true, tokenizer: char(max_vocab: 40))`)],
    invalid: [
      { recipe: recipe(`jsonl("mail.jsonl", text: "spam", label: "spam", bag: true, tokenizer: char(max_vocab: 40))`) },
      { recipe: recipe(`jsonl("mail.jsonl", input: "body", label: "spam")`) },
      { recipe: recipe(`jsonl("points.jsonl", input: "x", label: "x")`) },
    ],
    recovered: recipe(`jsonl("mail.jsonl", text: , label: "spam", bag: true, tokenizer: char(max_vocab: 40))`),
  });
});
