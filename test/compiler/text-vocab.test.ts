// The vocabulary size the checker types `text(…)` splits with is the one the runtime fits: the
// char tokenizer on the train windows only (same seeded cut), so `vocab` can be checked against a
// transformer's at compile time.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as kd from "../../runtime/index.js";
import { compileText, rendered } from "../helpers/hosts.js";

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/data/${name}`, import.meta.url));

interface Case {
  readonly file: string;
  readonly context: number;
  readonly test: number;
  readonly train?: number;
  readonly seed: number;
  readonly pack?: boolean;
  readonly documents?: "file" | "lines" | "paragraphs";
  readonly minCount?: number;
  readonly maxVocab?: number;
}

const CASES: readonly Case[] = [
  { file: "tiny.txt", context: 8, test: 0.5, seed: 0 },
  { file: "tiny.txt", context: 8, test: 0.5, seed: 7 },
  { file: "tiny.txt", context: 4, test: 20, train: 5, seed: 3 },
  { file: "tiny.txt", context: 16, test: 3, seed: 1, pack: false, documents: "paragraphs" },
  { file: "tiny.txt", context: 4, test: 0.3, seed: 2, minCount: 2 },
  { file: "tiny.txt", context: 4, test: 0.3, seed: 2, maxVocab: 9 },
  { file: "letters.txt", context: 8, test: 3, seed: 4, pack: false, documents: "lines" },
];

async function checkedVocab(c: Case): Promise<number | undefined> {
  const path = fixture(c.file);
  const tokenizer = c.minCount !== undefined ? `, tokenizer: char(min_count: ${c.minCount})` : c.maxVocab !== undefined ? `, max_vocab: ${c.maxVocab}` : "";
  const recipe = `
dataset book = text(${JSON.stringify(path)}, context: ${c.context}, test: ${c.test}, train: ${c.train ?? 0}, seed: ${c.seed}, pack: ${c.pack ?? true}, documents: "${c.documents ?? "file"}"${tokenizer})
model lm = transformer(vocab: 128, dim: 8, layers: 1, heads: 2, context: 16)
stage fit {
  train lm on book.train
  steps 1
  batch 4
  optimizer adam(lr: 1e-3)
  minimize lm_ce(lm)
}
`;
  const result = await compileText(recipe, { [path]: readFileSync(path, "utf8") });
  expect(result.diagnostics, rendered(result)).toEqual([]);
  const splits = result.ir!.datasets.find((d) => d.name === "book")!.splits;
  const vocabs = new Set(splits.map((s) => s.vocab));
  expect(vocabs.size).toBe(1);
  return [...vocabs][0];
}

describe("text(…) vocabulary at check time", () => {
  it("equals the runtime's, fitted on the train windows, for several seeds, sizes and tokenizers", async () => {
    for (const c of CASES) {
      const d = kd.data.text(fixture(c.file), {
        context: c.context,
        test: c.test,
        ...(c.train !== undefined ? { train: c.train } : {}),
        seed: c.seed,
        pack: c.pack ?? true,
        documents: c.documents ?? "file",
        tokenizer: { kind: "char", ...(c.minCount !== undefined ? { minCount: c.minCount } : {}), ...(c.maxVocab !== undefined ? { maxVocab: c.maxVocab } : {}) },
      });
      expect(await checkedVocab(c), JSON.stringify(c)).toBe(d.train.vocab);
    }
    // Not the whole file's characters: the held-out windows' own ones are left out.
    const whole = 4 + new Set(readFileSync(fixture("tiny.txt"), "utf8")).size;
    expect(await checkedVocab(CASES[2]!)).toBeLessThan(whole);
  });
});
