import { readFileSync } from "node:fs";
import { describe } from "vitest";
import { BASE } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

const files = { "mail.jsonl": readFileSync(new URL("../../fixtures/data/mail.jsonl", import.meta.url), "utf8") };
const digits = "dataset digits = mnist(train: 512, test: 128, unlabeled: 64, seed: 1)";
const withData = (args: string): string => variant(digits, `dataset digits = mnist(train: 512, test: 128, unlabeled: 64, seed: 1, ${args})`);

describe("rule: preprocess is deterministic, augment random (KD3070)", () => {
  ruleCases({
    code: "KD3070",
    valid: [BASE, withData("preprocess: [standardize(mean: 0.1307, std: 0.3081)], augment: [random_crop(padding: 2), flip(), noise(std: 0.1)]")],
    invalid: [
      { recipe: withData("preprocess: [flip()]") },
      { recipe: withData("preprocess: [noise(std: 0.1), random_crop(padding: 1)]"), count: 2 },
      { recipe: withData("augment: [standardize(mean: 0, std: 1)]") },
    ],
    recovered: withData("preprocess: [flip(p: )]"),
  });
});

describe("rule: transforms fit the data (KD3071)", () => {
  ruleCases({
    code: "KD3071",
    files,
    valid: [withData("augment: [flip(p: 1)]"), `${BASE}\ndataset mail = jsonl("mail.jsonl", text: "body", max_length: 32, augment: [token_dropout(p: 0.1)])\n`],
    invalid: [
      { recipe: `${BASE}\ndataset mail = jsonl("mail.jsonl", text: "body", max_length: 32, augment: [noise(std: 0.1)])\n` },
      { recipe: withData("augment: [token_dropout(p: 0.1)]") },
      { recipe: `${BASE}\ndataset bags = jsonl("mail.jsonl", text: "body", bag: true, tokenizer: char(max_vocab: 40), augment: [flip()])\n` },
    ],
    recovered: `${BASE}\ndataset mail = jsonl("mail.jsonl", text: "body", max_length: 32, augment: [noise(std: )])\n`,
  });
});
