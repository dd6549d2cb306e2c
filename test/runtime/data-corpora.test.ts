// The built-in text corpora: SpamAssassin (classification) and Moby Dick (language modelling).
import { beforeAll, describe, expect, it } from "vitest";
import { spamAssassin, spamAssassinIndex, bodyOf, SPAM_CLASSES } from "../../runtime/data/spam-assassin.js";
import { mobyDick, mobyDickChapters } from "../../runtime/data/moby-dick.js";
import { TableSplit, disposeBatch, type TokenTable } from "../../runtime/data/memory-split.js";
import { trainBpe, BOS, UNK } from "../../runtime/tokenizers/index.js";
import { KdcRuntimeError } from "../../runtime/errors.js";
import type { Split } from "../../runtime/program.js";
import { useCpu } from "./helpers.js";

beforeAll(useCpu);

/** Each batch's rows as strings of ids (and labels), in epoch order. */
function epoch(split: Split, batch: number, seed: number, e = 0): { rows: string[]; labels: number[]; sizes: number[] } {
  const rows: string[] = [];
  const labels: number[] = [];
  const sizes: number[] = [];
  for (const b of split.batches(batch, seed, e)) {
    const x = b.input.arraySync() as number[][];
    rows.push(...x.map((r) => r.join(" ")));
    if (b.label) labels.push(...b.label.dataSync());
    sizes.push(b.size);
    disposeBatch(b);
  }
  return { rows, labels, sizes };
}

describe("spamAssassin", () => {
  it("indexes 6,046 messages: 4,150 ham (0) and 1,896 spam (1)", () => {
    const { files, labels } = spamAssassinIndex();
    expect(files).toHaveLength(6046);
    expect(labels.filter((l) => l === 0)).toHaveLength(4150);
    expect(labels.filter((l) => l === 1)).toHaveLength(1896);
    expect(SPAM_CLASSES).toEqual(["ham", "spam"]);
    expect(bodyOf("Subject: hi\r\nFrom: x\r\n\r\nbody\n\nmore")).toBe("body\n\nmore");
  });

  it("gives disjoint, seeded token splits with class labels", () => {
    const s = spamAssassin({ train: 60, test: 20, seed: 5, maxLength: 32 });
    expect([s.train.size, s.test.size]).toEqual([60, 20]);
    expect([s.train.name, s.test.name]).toEqual(["spam.train", "spam.test"]);
    expect(s.train.kind).toBe("tokens");
    expect([s.train.features, s.train.context, s.train.classes, s.train.hasLabels, s.train.vocab]).toEqual([32, 32, 2, true, s.tokenizer.vocabSize]);
    const train = epoch(s.train, 25, 1);
    expect(train.sizes).toEqual([25, 25, 10]);
    expect(train.labels.every((l) => l === 0 || l === 1)).toBe(true);
    expect(train.rows.every((r) => r.startsWith(`${BOS} `))).toBe(true);
    const again = spamAssassin({ train: 60, test: 20, seed: 5, maxLength: 32 });
    expect(again.train.fingerprint).toBe(s.train.fingerprint);
    expect(epoch(again.train, 25, 1)).toEqual(train);
    const other = spamAssassin({ train: 60, test: 20, seed: 6, maxLength: 32 });
    expect(other.train.fingerprint).not.toBe(s.train.fingerprint);
    // Train and test are different messages (by table row).
    const rowsOf = (x: Split) => (x as TableSplit).parts[0]!.indices;
    const trainRows = new Set(rowsOf(s.train));
    expect(Array.from(rowsOf(s.test)).some((r) => trainRows.has(r))).toBe(false);
  });

  it("offers bags of tokens, a BPE tokenizer and a subset of the corpora", () => {
    const bag = spamAssassin({ train: 30, test: 10, seed: 1, bag: true, groups: ["hard-ham-1", "spam-1"] });
    expect(bag.train.kind).toBe("vectors");
    expect(bag.train.features).toBe(bag.tokenizer.vocabSize);
    const bpe = spamAssassin({ train: 20, test: 5, seed: 1, maxLength: 16, tokenizer: { kind: "bpe", vocabSize: 300 } });
    expect(bpe.tokenizer.kind).toBe("bpe");
    expect(bpe.train.vocab).toBeLessThanOrEqual(300);
  });

  it("rejects impossible requests clearly", () => {
    expect(() => spamAssassin({ train: 6000, test: 100, seed: 1 })).toThrow(KdcRuntimeError);
    expect(() => spamAssassin({ train: 6000, test: 100, seed: 1 })).toThrow("spamAssassin: train 6000 + test 100 = 6100 messages, but the corpus has only 6046");
    expect(() => spamAssassin({ train: 300, test: 0, seed: 1, groups: ["hard-ham-1"] })).toThrow(/the groups hard-ham-1 have only 250/);
    expect(() => spamAssassin({ train: 1, test: 1, seed: 1, maxLength: 1 })).toThrow(/'maxLength' must be an integer of at least 2/);
  });
});

describe("mobyDick", () => {
  it("reads the 135 chapters and the epilogue", () => {
    const { names, texts } = mobyDickChapters();
    expect(names).toHaveLength(136);
    expect(names[0]).toBe("chapter_1");
    expect(names.at(-1)).toBe("epilogue");
    expect(texts[0]!.startsWith("CHAPTER 1. Loomings.")).toBe(true);
  });

  it("holds out whole chapters by default, with exact window counts", () => {
    const m = mobyDick({ train: 200, test: 50, seed: 2, context: 64 });
    expect([m.train.size, m.test.size]).toEqual([200, 50]);
    expect(m.train.kind).toBe("tokens");
    expect([m.train.context, m.train.features, m.train.classes, m.train.hasLabels]).toEqual([64, 64, 0, false]);
    const trainTable = (m.train as TableSplit).parts[0]!.table as TokenTable;
    const testTable = (m.test as TableSplit).parts[0]!.table as TokenTable;
    // Different chapters: the two tables were cut from disjoint chapter lists.
    const chaptersOf = (t: TokenTable) => t.id.split("\n")[0]!.split(" ")[1]!.split(",");
    const held = new Set(chaptersOf(testTable));
    expect(chaptersOf(trainTable).some((c) => held.has(c))).toBe(false);
    const batch = m.train.batches(8, 0, 0)[Symbol.iterator]().next().value!;
    expect(batch.input.shape).toEqual([8, 64]);
    expect(batch.input.dtype).toBe("int32");
    expect(batch.targets!.shape).toEqual([8, 64]);
    expect(batch.label).toBeUndefined();
    // Packed windows: targets are the tokens themselves (the loss shifts them), no padding.
    expect(Array.from(batch.targets!.dataSync())).toEqual(Array.from(batch.input.dataSync()));
    expect(m.tokenizer.decode(batch.input.dataSync()).length).toBeGreaterThan(8 * 60);
    disposeBatch(batch);
  });

  it("is a deterministic function of the seed, by chapter and by window", () => {
    for (const by of ["chapter", "window"] as const) {
      const a = mobyDick({ train: 40, test: 10, seed: 9, context: 32, by });
      const b = mobyDick({ train: 40, test: 10, seed: 9, context: 32, by });
      const c = mobyDick({ train: 40, test: 10, seed: 10, context: 32, by });
      expect(b.train.fingerprint).toBe(a.train.fingerprint);
      expect(b.test.fingerprint).toBe(a.test.fingerprint);
      expect(c.train.fingerprint).not.toBe(a.train.fingerprint);
      expect(epoch(b.train, 16, 3)).toEqual(epoch(a.train, 16, 3));
      expect(epoch(a.train, 16, 3).rows).not.toEqual(epoch(a.train, 16, 4).rows);
    }
    const w = mobyDick({ train: 40, test: 10, seed: 9, context: 32, by: "window" });
    const trainRows = new Set((w.train as TableSplit).parts[0]!.indices);
    expect(Array.from((w.test as TableSplit).parts[0]!.indices).some((r) => trainRows.has(r))).toBe(false);
  });

  it("pads chapters separately when not packed", () => {
    const m = mobyDick({ train: 10, test: 0, seed: 1, context: 4096, pack: false, by: "window" });
    const batch = m.train.batches(10, 0, 0)[Symbol.iterator]().next().value!;
    const mask = batch.mask!.dataSync();
    const targets = batch.targets!.dataSync();
    let padded = 0;
    for (let i = 0; i < mask.length; i++) {
      if (mask[i] === 0) {
        padded++;
        expect(targets[i]).toBe(-100);
      }
    }
    expect(padded).toBeGreaterThan(0); // most chapters end mid-window
    disposeBatch(batch);
  });

  it("fits the char tokenizer on the train windows only: characters only in held-out text are <unk>", () => {
    const bookChars = new Set(mobyDickChapters().texts.join("")).size;
    for (const by of ["chapter", "window"] as const) {
      const m = mobyDick({ train: 6, test: 30, seed: 3, context: 32, by });
      const vocab = m.tokenizer.vocabSize;
      expect(m.train.vocab).toBe(vocab);
      const train = epoch(m.train, 6, 0).rows.flatMap((r) => r.split(" ").map(Number));
      const test = epoch(m.test, 30, 0).rows.flatMap((r) => r.split(" ").map(Number));
      // Every character of the vocabulary occurs in the 6 train windows; none of theirs is <unk>.
      expect(train).not.toContain(UNK);
      expect(new Set(train.filter((id) => id >= 4)).size).toBe(vocab - 4);
      expect(vocab - 4).toBeLessThan(bookChars);
      // The held-out windows hold characters the train windows never show.
      expect(test).toContain(UNK);
    }
  });

  it("accepts a given tokenizer and rejects more windows than the book has", () => {
    const tok = trainBpe([mobyDickChapters().texts[0]!], { vocabSize: 280 });
    const m = mobyDick({ train: 5, test: 5, seed: 1, context: 16, tokenizer: tok });
    expect(m.tokenizer).toBe(tok);
    expect(m.train.vocab).toBe(tok.vocabSize);
    expect(() => mobyDick({ train: 100_000, test: 10, seed: 1, context: 256 })).toThrow(/'train' asks for 100000 windows of 256 tokens, but the \d+ chapters left after the test split give only \d+/);
    expect(() => mobyDick({ train: 1, test: 1, seed: 1, context: 1 })).toThrow(/'context' must be an integer of at least 2/);
  });
});
