// `preprocess` (deterministic, every split, cache-safe) kept apart from `augment` (random per
// (seed, epoch), train only, never cached); declared tokenizers fitted on the train split only;
// bag-of-token vectors as wide as the declared vocabulary.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { jsonl } from "../../runtime/data/jsonl.js";
import { disposeBatch } from "../../runtime/data/memory-split.js";
import { augmentRows, transformed, AugmentedSplit } from "../../runtime/data/transforms.js";
import { whyNotCacheable } from "../../runtime/train/teacher-cache.js";
import type { Model, Split, StageSpec } from "../../runtime/program.js";
import { Rng } from "../../runtime/rng.js";
import type { CharTokenizer } from "../../runtime/tokenizers/char.js";
import { useCpu } from "./helpers.js";

beforeAll(useCpu);

const fixture = (name: string): string => relative(process.cwd(), fileURLToPath(new URL(`../fixtures/data/${name}`, import.meta.url)));

/** The inputs of one epoch, one batch holding every row, as rows sorted lexicographically (order-free). */
function sortedRows(split: Split, seed: number, epoch: number): string[] {
  const rows: string[] = [];
  for (const b of split.batches(split.size, seed, epoch)) {
    const x = b.input.dataSync();
    for (let r = 0; r < b.size; r++) rows.push(Array.from(x.subarray(r * split.features, (r + 1) * split.features), (v) => v.toFixed(6)).join(","));
    disposeBatch(b);
  }
  return rows.sort();
}

/** Inputs of one epoch in batch order. */
function epochInputs(split: Split, batch: number, seed: number, epoch: number): number[][] {
  const out: number[][] = [];
  for (const b of split.batches(batch, seed, epoch)) {
    out.push(Array.from(b.input.dataSync()));
    disposeBatch(b);
  }
  return out;
}

const stageOn = (data: Split): StageSpec => ({ data, train: {} as Model, modules: [] }) as unknown as StageSpec;

describe("preprocess and augment", () => {
  const points = () => jsonl(fixture("points-a.jsonl"), { input: "x", label: "above", test: 6, seed: 1 });

  it("preprocess normalizes every split once: the same inputs every epoch, and caching stays legal", () => {
    const raw = points();
    const pre = transformed(points(), { preprocess: [{ kind: "standardize", mean: 0.5, std: 2 }] });
    const expected = sortedRows(raw.train, 3, 0).map((r) => r.split(",").map((v) => ((Number(v) - 0.5) / 2).toFixed(6)).join(",")).sort();
    expect(sortedRows(pre.train, 3, 0)).toEqual(expected);
    expect(sortedRows(pre.train, 3, 1)).toEqual(sortedRows(pre.train, 3, 0));
    expect(sortedRows(pre.test!, 3, 0)).toEqual(sortedRows(raw.test!, 3, 0).map((r) => r.split(",").map((v) => ((Number(v) - 0.5) / 2).toFixed(6)).join(",")).sort());
    expect(pre.train.fingerprint).not.toBe(raw.train.fingerprint);
    expect(whyNotCacheable(stageOn(pre.train), [])).toBeUndefined();
  });

  it("augment redraws the train split's inputs every epoch, reproducibly per (seed, epoch), and refuses caching", () => {
    const aug = transformed(points(), { augment: [{ kind: "noise", std: 0.1 }] });
    expect(aug.train).toBeInstanceOf(AugmentedSplit);
    expect(sortedRows(aug.train, 3, 1)).not.toEqual(sortedRows(aug.train, 3, 0));
    // The same (seed, epoch) gives the same batches bit for bit: what --resume relies on.
    expect(epochInputs(aug.train, 4, 3, 2)).toEqual(epochInputs(aug.train, 4, 3, 2));
    expect(epochInputs(aug.train, 4, 4, 2)).not.toEqual(epochInputs(aug.train, 4, 3, 2));
    // Only the train split is augmented; the test split stays as loaded.
    expect(aug.test).not.toBeInstanceOf(AugmentedSplit);
    expect(sortedRows(aug.test!, 3, 1)).toEqual(sortedRows(aug.test!, 3, 0));
    expect(whyNotCacheable(stageOn(aug.train), [])).toBe("split 'points-a.train' is augmented: its inputs change every epoch");
  });

  it("refuses random steps in preprocess and deterministic ones in augment", () => {
    expect(() => transformed(points(), { preprocess: [{ kind: "flip", p: 0.5 }] })).toThrow(/random; put it in 'augment'/);
    expect(() => transformed(points(), { augment: [{ kind: "standardize", mean: 0, std: 1 }] })).toThrow(/deterministic; put it in 'preprocess'/);
  });

  it("flip mirrors an image left to right; random_crop shifts it within its zero padding", () => {
    // One 2×3 single-channel image: rows [1 2 3] and [4 5 6].
    const image = [2, 3, 1] as const;
    const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
    augmentRows(x, 1, 6, [{ kind: "flip", p: 1 }], new Rng(1), image);
    expect(Array.from(x)).toEqual([3, 2, 1, 6, 5, 4]);
    const seen = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const y = Float32Array.from([1, 2, 3, 4, 5, 6]);
      augmentRows(y, 1, 6, [{ kind: "random_crop", padding: 1 }], new Rng(seed), image);
      const kept = Array.from(y).filter((v) => v !== 0);
      // A shift keeps a contiguous window of the original and fills the rest with zeros.
      expect(kept.every((v) => [1, 2, 3, 4, 5, 6].includes(v))).toBe(true);
      seen.add(Array.from(y).join(","));
    }
    expect(seen.has("1,2,3,4,5,6")).toBe(true);
    expect(seen.size).toBeGreaterThan(3);
  });
});

describe("token_dropout", () => {
  it("replaces text tokens of the input with <unk>, per (seed, epoch); specials, padding and targets stay", () => {
    const load = () => jsonl(fixture("mail.jsonl"), { text: "body", label: "spam", maxLength: 40, tokenizer: { kind: "char" } });
    const plain = load();
    const aug = transformed(load(), { augment: [{ kind: "token_dropout", p: 0.3 }] });
    const t = plain.tokenizer!;
    expect(aug.train).toBeInstanceOf(AugmentedSplit);
    expect(aug.train.kind).toBe("tokens");
    const pick = (split: Split, epoch: number) => {
      const b = [...split.batches(split.size, 7, epoch)][0]!;
      const out = { input: Array.from(b.input.dataSync()), targets: Array.from(b.targets!.dataSync()) };
      disposeBatch(b);
      return out;
    };
    const before = pick(plain.train, 0);
    const after = pick(aug.train, 0);
    expect(after.targets).toEqual(before.targets);
    let dropped = 0;
    before.input.forEach((id, i) => {
      if (id === t.pad || id === t.bos || id === t.eos) expect(after.input[i]).toBe(id);
      else if (after.input[i] !== id) {
        expect(after.input[i]).toBe(t.unk);
        dropped++;
      }
    });
    expect(dropped).toBeGreaterThan(0);
    expect(pick(aug.train, 0)).toEqual(after);
    expect(pick(aug.train, 1).input).not.toEqual(pick(plain.train, 1).input);
    expect(whyNotCacheable(stageOn(aug.train), [])).toMatch(/is augmented/);
  });
});

describe("declared tokenizers on text columns", () => {
  it("fits the tokenizer on the train split only: characters that occur only in test rows are not in it", () => {
    const dir = mkdtempSync(join(tmpdir(), "kdc-tok-"));
    const file = join(dir, "letters.jsonl");
    // Ten rows, each spelt with its own letter, so the vocabulary reveals which rows it saw.
    writeFileSync(file, "abcdefghij".split("").map((c, i) => JSON.stringify({ body: c.repeat(3), y: i % 2 })).join("\n") + "\n");
    const s = jsonl(file, { text: "body", label: "y", test: 3, seed: 5, maxLength: 8, tokenizer: { kind: "char" } });
    const tokenizer = s.tokenizer as CharTokenizer;
    expect(tokenizer.vocabSize).toBe(4 + 7);
    const trainLetters = new Set<string>();
    for (const b of s.train.batches(s.train.size, 0, 0)) {
      for (const id of b.input.dataSync()) if (id >= 4) trainLetters.add(tokenizer.token(id));
      disposeBatch(b);
    }
    expect([...tokenizer.chars].sort()).toEqual([...trainLetters].sort());
  });

  it("bpe: the ids stay below the declared size, the same for the same train text", () => {
    const a = jsonl(fixture("mail.jsonl"), { text: "body", label: "spam", test: 4, seed: 1, maxLength: 48, tokenizer: { kind: "bpe", vocabSize: 300 } });
    const b = jsonl(fixture("mail.jsonl"), { text: "body", label: "spam", test: 4, seed: 1, maxLength: 48, tokenizer: { kind: "bpe", vocabSize: 300 } });
    expect(a.tokenizer!.vocabSize).toBeLessThanOrEqual(300);
    expect(a.tokenizer!.fingerprint).toBe(b.tokenizer!.fingerprint);
    expect(a.train.context).toBe(48);
    for (const batch of a.train.batches(8, 0, 0)) {
      expect(Math.max(...batch.input.dataSync())).toBeLessThan(300);
      disposeBatch(batch);
    }
  });

  it("masks prompt tokens from the targets unless maskPrompt is false", () => {
    const targetsOf = (maskPrompt: boolean): number[] => {
      const s = jsonl(fixture("mail.jsonl"), { text: "body", prompt: "subject", maxLength: 48, maskPrompt, tokenizer: { kind: "char" } });
      const b = [...s.all.batches(s.all.size, 0, 0)][0]!;
      const t = Array.from(b.targets!.dataSync());
      disposeBatch(b);
      return t;
    };
    const masked = targetsOf(true).filter((v) => v !== -100).length;
    const whole = targetsOf(false).filter((v) => v !== -100).length;
    // Every subject ("re: meeting", "!!! win", …) adds its tokens as targets when unmasked.
    expect(whole).toBeGreaterThan(masked + 24 * 6);
  });

  it("bag: true gives vectors as wide as the declared vocabulary even when fewer ids were fitted", () => {
    const s = jsonl(fixture("mail.jsonl"), { text: "body", label: "spam", test: 4, bag: true, tokenizer: { kind: "char", maxVocab: 200 } });
    expect(s.tokenizer!.vocabSize).toBeLessThan(200);
    expect(s.train.features).toBe(200);
    expect(s.train.kind).toBe("vectors");
  });
});
