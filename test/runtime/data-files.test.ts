// User files: csv, jsonl, text and preferences loaders; their schema, batches and error messages.
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { csv, parseCsv } from "../../runtime/data/csv.js";
import { jsonl } from "../../runtime/data/jsonl.js";
import { text } from "../../runtime/data/text-file.js";
import { preferences } from "../../runtime/data/preferences.js";
import { disposeBatch } from "../../runtime/data/memory-split.js";
import { charTokenizer, BOS, EOS, PAD, UNK } from "../../runtime/tokenizers/index.js";
import { KdcRuntimeError } from "../../runtime/errors.js";
import type { Batch, Split } from "../../runtime/program.js";
import { useCpu } from "./helpers.js";

beforeAll(useCpu);

/** The fixture's path as a user would write it (relative to the working directory). */
const fixture = (name: string): string => relative(process.cwd(), fileURLToPath(new URL(`../fixtures/data/${name}`, import.meta.url)));

/** The first batch of an epoch with every tensor read back, then disposed. */
function firstBatch(split: Split, size = 1000, seed = 0): { batch: Batch; values: Record<string, number[]>; shapes: Record<string, number[]> } {
  const batch = split.batches(size, seed, 0)[Symbol.iterator]().next().value as Batch;
  const values: Record<string, number[]> = {};
  const shapes: Record<string, number[]> = {};
  const read = (key: string, t: tf.Tensor | undefined): void => {
    if (!t) return;
    values[key] = Array.from(t.dataSync());
    shapes[key] = t.shape;
  };
  read("input", batch.input);
  read("label", batch.label);
  read("targets", batch.targets);
  read("mask", batch.mask);
  for (const side of ["chosen", "rejected"] as const) {
    read(`${side}.input`, batch[side]?.input);
    read(`${side}.targets`, batch[side]?.targets);
    read(`${side}.mask`, batch[side]?.mask);
  }
  disposeBatch(batch);
  return { batch, values, shapes };
}

/** The error a call throws, checked to be a KdcRuntimeError. */
function errorOf(f: () => unknown): KdcRuntimeError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(KdcRuntimeError);
    return error as KdcRuntimeError;
  }
  throw new Error("expected an error");
}

describe("csv parser", () => {
  it("handles quotes, doubled quotes, delimiters and line breaks inside quotes, CRLF and blank lines", () => {
    const records = parseCsv('a,b\r\n"x, y","say ""hi"""\r\n\r\n"two\nlines",3\n,\n', ",", "t.csv");
    expect(records).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["x, y", 'say "hi"'] },
      { line: 4, fields: ["two\nlines", "3"] },
      { line: 6, fields: ["", ""] },
    ]);
    expect(parseCsv("1;2\n3;4", ";", "t.csv").map((r) => r.fields)).toEqual([["1", "2"], ["3", "4"]]);
    expect(parseCsv("", ",", "t.csv")).toEqual([]);
  });

  it("names the line of a malformed quote", () => {
    expect(errorOf(() => parseCsv('a\n"x"y\n', ",", "t.csv")).message).toBe('csv: t.csv:2: unexpected "y" after a closing quote');
  });
});

describe("csv", () => {
  it("reads numeric columns as vectors and string labels as sorted classes", () => {
    const d = csv(fixture("flowers.csv"), { label: "species", test: 4, seed: 1 });
    expect(d.classNames).toEqual(["setosa", "versicolor", "virginica"]);
    expect(d.all.size).toBe(12);
    expect([d.train.size, d.test!.size]).toEqual([8, 4]);
    expect(d.train.name).toBe("flowers.train");
    expect(d.train.kind).toBe("vectors");
    expect([d.train.features, d.train.classes, d.train.hasLabels]).toEqual([4, 3, true]);
    const { values, shapes } = firstBatch(d.all, 12);
    expect(shapes.input).toEqual([12, 4]);
    expect(values.label!.slice().sort()).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    // Disjoint train/test covering every row.
    const sums = (s: Split) => {
      const v = firstBatch(s, 100).values.input!;
      return Array.from({ length: v.length / 4 }, (_, r) => v.slice(r * 4, r * 4 + 4).join(" "));
    };
    expect(new Set([...sums(d.train), ...sums(d.test!)]).size).toBe(12);
  });

  it("selects input columns, headerless files and other delimiters", () => {
    const d = csv(fixture("flowers.csv"), { input: ["petal_length", "petal_width"], label: "species", classes: ["virginica", "versicolor", "setosa"] });
    expect(d.train.features).toBe(2);
    expect(d.classNames).toEqual(["virginica", "versicolor", "setosa"]);
    const n = csv(fixture("no-header.csv"), { header: false, delimiter: ";", label: "3" });
    expect([n.all.size, n.all.features, n.all.classes]).toEqual([3, 2, 2]);
    // Without a header the first record is data.
    expect(errorOf(() => csv(fixture("numbers-semicolon.csv"), { header: false, delimiter: ";", label: "3" })).message).toBe(
      `csv: ${fixture("numbers-semicolon.csv")}:1: column '1' is not a number: "a"`,
    );
    expect(errorOf(() => csv(fixture("no-header.csv"), { header: false, delimiter: ";", label: "c" })).message).toBe(
      `csv: '${fixture("no-header.csv")}' has no column 'c' (columns: 1, 2, 3)`,
    );
  });

  it("tokenizes a text column (quoted, with line breaks) for classification", () => {
    const d = csv(fixture("messages.csv"), { text: "text", label: "label", maxLength: 16 });
    expect(d.classNames).toEqual(["ham", "spam"]);
    expect(d.train.kind).toBe("tokens");
    expect([d.train.context, d.train.features, d.train.vocab]).toEqual([16, 16, d.tokenizer!.vocabSize]);
    const { values, shapes } = firstBatch(d.all, 6);
    expect(shapes.input).toEqual([6, 16]);
    expect(shapes.targets).toEqual([6, 16]);
    expect(shapes.label).toEqual([6]);
    for (let r = 0; r < 6; r++) expect(values.input![r * 16]).toBe(BOS);
    const texts = Array.from({ length: 6 }, (_, r) => d.tokenizer!.decode(values.input!.slice(r * 16, r * 16 + 16)));
    expect(texts).toContain("Meeting moved t"); // 16 = <bos> + 15 characters, truncated
    expect(texts).toContain('WIN a "free" pr');
  });

  it("fits a bag of tokens for MLPs", () => {
    const d = csv(fixture("messages.csv"), { text: "text", label: "label", bag: true });
    expect(d.train.kind).toBe("vectors");
    expect(d.train.features).toBe(d.tokenizer!.vocabSize);
    const { values } = firstBatch(d.all, 6);
    expect(values.input!.every((v) => v >= 0)).toBe(true);
  });

  it("numeric labels are class ids; classes: n checks the range", () => {
    const d = csv(fixture("numbers-semicolon.csv"), { delimiter: ";", label: "c" });
    expect([d.train.features, d.train.classes]).toEqual([2, 2]);
    expect(errorOf(() => csv(fixture("numbers-semicolon.csv"), { delimiter: ";", label: "c", classes: 1 })).message).toBe(
      `csv: ${fixture("numbers-semicolon.csv")}:3: label '1' is not a class id from 0 to 0`,
    );
  });

  it("reports the file and line of malformed rows", () => {
    expect(errorOf(() => csv(fixture("bad-fields.csv"), { label: "label" })).message).toBe(`csv: ${fixture("bad-fields.csv")}:4: expected 3 fields (as in the header), found 2`);
    expect(errorOf(() => csv(fixture("bad-number.csv"), { label: "label" })).message).toBe(`csv: ${fixture("bad-number.csv")}:3: column 'y' is not a number: "oops"`);
    expect(errorOf(() => csv(fixture("unclosed-quote.csv"), { text: "text", label: "label" })).message).toBe(`csv: ${fixture("unclosed-quote.csv")}:3: a quoted field is never closed`);
    expect(errorOf(() => csv(fixture("stray-quote.csv"), { text: "text", label: "label" })).message).toBe(
      `csv: ${fixture("stray-quote.csv")}:4: unexpected "m" after a closing quote (the quoted field opened on line 3)`,
    );
  });

  it("names a missing column and lists the available ones", () => {
    const e = errorOf(() => csv(fixture("flowers.csv"), { label: "specis" }));
    expect(e.message).toBe(`csv: '${fixture("flowers.csv")}' has no column 'specis' (columns: sepal_length, sepal_width, petal_length, petal_width, species)`);
    expect(e.help).toBe("did you mean 'species'?");
  });

  it("rejects a missing file and an empty dataset", () => {
    const e = errorOf(() => csv("test/fixtures/data/nope.csv", { label: "y" }));
    expect(e.message).toBe("csv: cannot read 'test/fixtures/data/nope.csv': no such file");
    expect(e.help).toContain(process.cwd());
    expect(errorOf(() => csv(fixture("header-only.csv"), { label: "label" })).message).toBe(`csv: '${fixture("header-only.csv")}' holds no rows`);
    expect(errorOf(() => csv(fixture("flowers.csv"), { label: "species", test: 10, train: 5 })).message).toBe("csv: train 5 + test 10 = 15 rows, but there are only 12");
  });
});

describe("jsonl", () => {
  it("reads an array field as vectors, skipping blank lines", () => {
    const d = jsonl(fixture("vectors.jsonl"), { input: "x", label: "y", test: 0.25, seed: 3 });
    expect([d.all.size, d.train.size, d.test!.size]).toEqual([4, 3, 1]);
    expect(d.classNames).toEqual(["bird", "cat", "dog"]);
    expect(d.train.features).toBe(3);
  });

  it("reads several numeric fields as one vector, and checks every line has as many numbers", () => {
    const d = jsonl(fixture("points.jsonl"), { input: ["a", "b"], label: "ok" });
    expect([d.all.size, d.all.features, d.all.classes]).toEqual([3, 2, 2]);
    expect(d.classNames).toEqual(["false", "true"]);
    expect(errorOf(() => jsonl(fixture("ragged.jsonl"), { input: "x" })).message).toBe(`jsonl: ${fixture("ragged.jsonl")}:3: 2 input numbers, but line 1 has 3`);
    expect(errorOf(() => jsonl(fixture("points.jsonl"), { input: ["a", "c"] })).message).toBe(`jsonl: ${fixture("points.jsonl")}:3: 'c' must hold a number, found string "7"`);
  });

  it("tokenizes a text field with integer labels", () => {
    const d = jsonl(fixture("reviews.jsonl"), { text: "text", label: "label", tokenizer: { kind: "bpe", vocabSize: 270 } });
    expect(d.tokenizer!.kind).toBe("bpe");
    expect([d.train.classes, d.train.kind]).toEqual([2, "tokens"]);
    const { values, shapes } = firstBatch(d.all, 5);
    const T = shapes.input![1]!;
    // Default maxLength: the longest row, so nothing is truncated; every row ends in <eos> then <pad>.
    const rows = Array.from({ length: 5 }, (_, r) => values.input!.slice(r * T, r * T + T));
    expect(rows.some((row) => row[T - 1] === EOS)).toBe(true);
    for (const row of rows) expect(row).toContain(EOS);
  });

  it("masks prompt tokens in the targets", () => {
    const tok = charTokenizer(["Q: 2+2? A: 4 capital of France Paris"]);
    const d = jsonl(fixture("instructions.jsonl"), { prompt: "prompt", text: "response", tokenizer: tok, maxLength: 20 });
    expect(d.train.hasLabels).toBe(false);
    const { values } = firstBatch(d.all, 2);
    // The file's first row in file order: <bos> "Q: 2+2? A:" " 4" <eos> <pad>…
    const order = values.input!.slice(0, 20);
    const row = order[1] === tok.encode("Q")[0] && order[4] === tok.encode("2")[0] ? 0 : 1;
    const input = values.input!.slice(row * 20, row * 20 + 20);
    const targets = values.targets!.slice(row * 20, row * 20 + 20);
    const mask = values.mask!.slice(row * 20, row * 20 + 20);
    expect(input.slice(0, 14)).toEqual([BOS, ...tok.encode("Q: 2+2? A:"), ...tok.encode(" 4"), EOS]);
    expect(targets.slice(0, 11).every((t) => t === -100)).toBe(true);
    expect(targets.slice(11, 14)).toEqual([...tok.encode(" 4"), EOS]);
    expect(targets.slice(14).every((t) => t === -100)).toBe(true);
    expect(input.slice(14).every((t) => t === PAD)).toBe(true);
    expect(mask).toEqual([...Array(14).fill(1), ...Array(6).fill(0)]);
  });

  it("reports malformed lines and missing fields with file and line", () => {
    expect(errorOf(() => jsonl(fixture("bad-json.jsonl"), { text: "text", label: "label" })).message).toMatch(new RegExp(`^jsonl: ${fixture("bad-json.jsonl")}:3: not valid JSON \\(`));
    const e = errorOf(() => jsonl(fixture("missing-field.jsonl"), { text: "text", label: "label" }));
    expect(e.message).toBe(`jsonl: ${fixture("missing-field.jsonl")}:2: there is no field 'label' (fields: text, lable)`);
    expect(e.help).toBe("did you mean 'lable'?");
    expect(errorOf(() => jsonl(fixture("vectors.jsonl"), { text: "x" })).message).toBe(`jsonl: ${fixture("vectors.jsonl")}:1: 'x' must be a string, found an array`);
  });
});

describe("text", () => {
  it("cuts packed windows of context tokens", () => {
    const d = text(fixture("tiny.txt"), { context: 16, test: 2, seed: 1 });
    const tok = d.tokenizer!;
    expect(d.train.kind).toBe("tokens");
    expect([d.train.context, d.train.vocab, d.train.classes, d.train.hasLabels]).toEqual([16, tok.vocabSize, 0, false]);
    const total = tok.encode(readFileSync(fixture("tiny.txt"), "utf8")).length + 1;
    expect(d.all.size).toBe(Math.floor(total / 16));
    expect(d.train.size + d.test!.size).toBe(d.all.size);
    const { values, shapes } = firstBatch(d.all, 100);
    expect(shapes.input).toEqual([d.all.size, 16]);
    // Packed windows hold no padding; targets equal the tokens (the loss shifts them).
    expect(values.targets).toEqual(values.input);
    expect(values.mask!.every((m) => m === 1)).toBe(true);
  });

  it("pads each document on its own when not packed", () => {
    const d = text(fixture("tiny.txt"), { context: 32, pack: false, documents: "paragraphs" });
    const tok = d.tokenizer!;
    const { values } = firstBatch(d.all, 100);
    const windows = Array.from({ length: d.all.size }, (_, r) => values.input!.slice(r * 32, r * 32 + 32));
    const decoded = windows.map((w) => tok.decode(w)).sort();
    expect(decoded).toContain("It was the season of Light.\n");
    for (let i = 0; i < values.input!.length; i++) expect(values.targets![i]).toBe(values.input![i] === PAD ? -100 : values.input![i]);
  });

  it("fits the char tokenizer on the train windows only: a character only in test windows is <unk>", () => {
    // One line per letter, each its own window: the test windows' letters never reach the vocabulary.
    for (const seed of [1, 2, 3]) {
      const d = text(fixture("letters.txt"), { context: 8, pack: false, documents: "lines", test: 3, seed });
      const tok = d.tokenizer!;
      const trainIds = firstBatch(d.train, 100).values.input!;
      const testIds = firstBatch(d.test!, 100).values.input!;
      expect(tok.vocabSize).toBe(4 + 5);
      expect(d.train.vocab).toBe(tok.vocabSize);
      expect(trainIds).not.toContain(UNK);
      // The 3 test windows' 4 letters each are all <unk>.
      expect(testIds.filter((id) => id === UNK)).toHaveLength(3 * 4);
      const trainLetters = new Set([...tok.decode(trainIds.filter((id) => id >= 4))]);
      const known = [..."abcdefgh"].filter((ch) => tok.encode(ch)[0] !== UNK);
      expect(known).toEqual([...trainLetters].sort());
      expect(known).toHaveLength(5);
    }
  });

  it("fits on the train windows when packed windows interleave, and honours max_vocab", () => {
    const content = readFileSync(fixture("tiny.txt"), "utf8");
    for (const seed of [0, 5]) {
      const d = text(fixture("tiny.txt"), { context: 8, test: 0.5, seed });
      const tok = d.tokenizer!;
      const trainIds = firstBatch(d.train, 100).values.input!;
      expect(trainIds).not.toContain(UNK);
      // Every character of the vocabulary occurs in a train window, and it lacks some of the file's.
      expect(new Set(trainIds.filter((id) => id >= 4)).size).toBe(tok.vocabSize - 4);
      expect(tok.vocabSize - 4).toBeLessThan(new Set(content).size);
      const capped = text(fixture("tiny.txt"), { context: 8, test: 0.5, seed, tokenizer: { kind: "char", maxVocab: 6 } });
      expect(capped.tokenizer!.vocabSize).toBe(6);
    }
  });

  it("errors on an empty file and on a context longer than the text", () => {
    expect(errorOf(() => text(fixture("empty.txt"), { context: 8 })).message).toBe(`text: '${fixture("empty.txt")}' holds no text`);
    const e = errorOf(() => text(fixture("tiny.txt"), { context: 10_000 }));
    expect(e.message).toMatch(/gives no window of 10000 tokens/);
    expect(e.help).toMatch(/pack: false/);
  });
});

describe("preferences", () => {
  it("gives chosen and rejected sequences with the prompt masked", () => {
    const d = preferences(fixture("prefs.jsonl"), { test: 2, seed: 4, maxLength: 24 });
    const tok = d.tokenizer!;
    expect(d.train.kind).toBe("preferences");
    expect([d.train.size, d.test!.size, d.train.context, d.train.hasLabels]).toEqual([4, 2, 24, false]);
    const { batch, values, shapes } = firstBatch(d.all, 6);
    expect(batch.size).toBe(6);
    expect(shapes.input).toEqual([12, 24]);
    expect(shapes["chosen.input"]).toEqual([6, 24]);
    expect(values.input!.slice(0, 6 * 24)).toEqual(values["chosen.input"]);
    expect(values.input!.slice(6 * 24)).toEqual(values["rejected.input"]);
    // Find "What is 2+2?" and check its pair.
    const prompt = tok.encode("What is 2+2?");
    const rowOf = (side: "chosen" | "rejected") =>
      Array.from({ length: 6 }, (_, r) => r).find((r) => values[`${side}.input`]!.slice(r * 24 + 1, r * 24 + 1 + prompt.length).join() === prompt.join())!;
    const r = rowOf("chosen");
    expect(rowOf("rejected")).toBe(r); // pairs stay aligned
    const ct = values["chosen.targets"]!.slice(r * 24, r * 24 + 24);
    const rt = values["rejected.targets"]!.slice(r * 24, r * 24 + 24);
    const masked = 1 + prompt.length;
    expect(ct.slice(0, masked).every((t) => t === -100)).toBe(true);
    expect(ct.slice(masked, masked + 3)).toEqual([...tok.encode(" 4"), EOS]);
    expect(rt.slice(masked, masked + 3)).toEqual([...tok.encode(" 5"), EOS]);
    expect(ct.slice(masked + 3).every((t) => t === -100)).toBe(true);
  });

  it("truncates the response first, then the prompt's start", () => {
    const d = preferences(fixture("prefs.jsonl"), { maxLength: 5, tokenizer: charTokenizer(["Say hi. Hi! Go away."]) });
    const { values } = firstBatch(d.all, 6);
    const tok = d.tokenizer!;
    // Row "Say hi." / " Hi!": <bos> + the prompt's last 3 tokens + the response's first token.
    const rows = Array.from({ length: 6 }, (_, r) => values["chosen.input"]!.slice(r * 5, r * 5 + 5));
    expect(rows.map((row) => tok.decode(row))).toContain("hi. ");
  });

  it("reports a non-string field with its line", () => {
    expect(errorOf(() => preferences(fixture("bad-prefs.jsonl"))).message).toBe(`preferences: ${fixture("bad-prefs.jsonl")}:2: 'chosen' must be a string, found number 4`);
  });
});
