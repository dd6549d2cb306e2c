import { readFileSync } from "node:fs";
import { describe } from "vitest";
import { ruleCases } from "../../helpers/rule-cases.js";

const files = {
  "a.jsonl": readFileSync(new URL("../../fixtures/data/points-a.jsonl", import.meta.url), "utf8"),
  "b.jsonl": readFileSync(new URL("../../fixtures/data/points-b.jsonl", import.meta.url), "utf8"),
  "mail.jsonl": readFileSync(new URL("../../fixtures/data/mail.jsonl", import.meta.url), "utf8"),
  "wide.jsonl": '{"x": [1, 2, 3], "above": true}\n{"x": [1, 2, 4], "above": false}\n',
  "three.jsonl": '{"x": [1, 2], "above": 0}\n{"x": [1, 3], "above": 2}\n',
};

const recipe = (mixture: string): string => `
dataset a = jsonl("a.jsonl", input: "x", label: "above")
dataset b = jsonl("b.jsonl", input: "x", label: "above")
dataset wide = jsonl("wide.jsonl", input: "x", label: "above")
dataset three = jsonl("three.jsonl", input: "x", label: "above")
dataset unlabelled = jsonl("b.jsonl", input: "x")
dataset one = jsonl("mail.jsonl", text: "body", max_length: 32)
dataset two = jsonl("mail.jsonl", text: "body", max_length: 32)
dataset mix = ${mixture}
model m = mlp(input: 2, classes: 2)
stage s {
  train m on a.train
  epochs 1
  batch 8
  optimizer adam(lr: 1e-3)
  minimize ce(m.logits, batch.label)
  evaluate on mix.train { accuracy }
}
`;

describe("rule: mixture sources agree (KD3068)", () => {
  ruleCases({
    code: "KD3068",
    files,
    valid: [
      recipe(`mixture(a.train, b.train, weights: [0.7, 0.3], held_out: 0.1, seed: 3)`),
      recipe(`mixture(a.train, b.all, a.all)`),
    ],
    invalid: [
      { recipe: recipe(`mixture(a.train, wide.train)`) },
      { recipe: recipe(`mixture(a.train, three.train)`) },
      { recipe: recipe(`mixture(a.train, unlabelled.train)`) },
      { recipe: recipe(`mixture(one.train, two.train)`).replace("evaluate on mix.train { agreement(m) }", "") },
    ],
    recovered: recipe(`mixture(a.train, wide.)`),
  });
});
