// Weighted mixtures with a held-out split, seeded batching of every split kind, and tensor hygiene.
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { csv } from "../../runtime/data/csv.js";
import { jsonl } from "../../runtime/data/jsonl.js";
import { text } from "../../runtime/data/text-file.js";
import { preferences } from "../../runtime/data/preferences.js";
import { mixture } from "../../runtime/data/mixture.js";
import { apportion } from "../../runtime/data/select.js";
import { TableSplit, disposeBatch } from "../../runtime/data/memory-split.js";
import { charTokenizer } from "../../runtime/tokenizers/index.js";
import type { Split } from "../../runtime/program.js";
import * as kd from "../../runtime/index.js";
import { useCpu } from "./helpers.js";

beforeAll(useCpu);

const fixture = (name: string): string => relative(process.cwd(), fileURLToPath(new URL(`../fixtures/data/${name}`, import.meta.url)));

/** Every tensor of one epoch, read back as plain arrays, batch by batch. */
function epochValues(split: Split, batch: number, seed: number, epoch = 0): number[][][] {
  const out: number[][][] = [];
  for (const b of split.batches(batch, seed, epoch)) {
    const tensors = [b.input, b.label, b.targets, b.mask, b.chosen?.input, b.chosen?.targets, b.rejected?.input, b.rejected?.targets];
    out.push(tensors.map((t) => (t ? Array.from(t.dataSync()) : [])));
    disposeBatch(b);
  }
  return out;
}

/** (table id, row) of every row of a split, as strings. */
function rowKeys(split: Split): string[] {
  return (split as TableSplit).parts.flatMap((p) => Array.from(p.indices, (i) => `${p.table.id}#${i}`));
}

describe("apportion", () => {
  it("gives integer shares that add up exactly (largest remainder, ties to the earlier entry)", () => {
    expect(apportion(10, [0.7, 0.3])).toEqual([7, 3]);
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(5, [2, 1])).toEqual([3, 2]);
    expect(apportion(0, [1, 2])).toEqual([0, 0]);
  });
});

describe("mixture", () => {
  const flowers = () => csv(fixture("flowers.csv"), { label: "species", test: 6, seed: 2 });

  it("draws sources by weight, holds out rows in the same proportions, and repeats small sources", () => {
    const f = flowers();
    const m = mixture([{ split: f.train, weight: 3 }, { split: f.test!, weight: 1 }], { seed: 1, heldOut: 4, size: 20, name: "mix" });
    expect([m.train.name, m.heldOut!.name]).toEqual(["mix.train", "mix.heldOut"]);
    expect([m.train.size, m.heldOut!.size]).toEqual([20, 4]);
    expect([m.train.kind, m.train.features, m.train.classes, m.train.hasLabels]).toEqual(["vectors", 4, 3, true]);
    const trainKeys = rowKeys(m.train);
    const heldKeys = rowKeys(m.heldOut!);
    const fromTrain = new Set(rowKeys(f.train));
    // Held out: 3 from train (weight 3), 1 from test; never in the train mixture.
    expect(heldKeys.filter((k) => fromTrain.has(k))).toHaveLength(3);
    expect(trainKeys.some((k) => heldKeys.includes(k))).toBe(false);
    // Train: 15 rows from f.train (3 left after hold-out → each repeated 5 times), 5 from f.test (5 left → once each).
    const counts = new Map<string, number>();
    for (const k of trainKeys) counts.set(k, (counts.get(k) ?? 0) + 1);
    expect(trainKeys.filter((k) => fromTrain.has(k))).toHaveLength(15);
    expect([...counts].filter(([k]) => fromTrain.has(k)).map(([, n]) => n)).toEqual([5, 5, 5]);
    expect([...counts].filter(([k]) => !fromTrain.has(k)).map(([, n]) => n)).toEqual([1, 1, 1, 1, 1]);
  });

  it("is a deterministic function of its seed, and so are its batches", () => {
    const f = flowers();
    const a = mixture([{ split: f.train, weight: 1 }, { split: f.test!, weight: 1 }], { seed: 7, heldOut: 0.25 });
    const b = mixture([{ split: f.train, weight: 1 }, { split: f.test!, weight: 1 }], { seed: 7, heldOut: 0.25 });
    const c = mixture([{ split: f.train, weight: 1 }, { split: f.test!, weight: 1 }], { seed: 8, heldOut: 0.25 });
    expect(a.heldOut!.size).toBe(3);
    expect(b.train.fingerprint).toBe(a.train.fingerprint);
    expect(c.heldOut!.fingerprint).not.toBe(a.heldOut!.fingerprint);
    expect(epochValues(b.train, 4, 11)).toEqual(epochValues(a.train, 4, 11));
    expect(epochValues(a.train, 4, 11)).not.toEqual(epochValues(a.train, 4, 12));
    expect(a.train.fingerprint).not.toBe(f.train.fingerprint);
  });

  it("mixes token sources that share a tokenizer and context", () => {
    const tok = charTokenizer(["It was the best of times Q: 2+2? A: 4 capital of France Paris"]);
    const t = text(fixture("tiny.txt"), { context: 16, tokenizer: tok });
    const s = jsonl(fixture("instructions.jsonl"), { prompt: "prompt", text: "response", tokenizer: tok, maxLength: 16 });
    const m = mixture([{ split: t.all, weight: 0.8 }, { split: s.all, weight: 0.2 }], { seed: 3 });
    expect([m.train.kind, m.train.context, m.train.vocab]).toEqual(["tokens", 16, tok.vocabSize]);
    expect(m.train.size).toBe(t.all.size + s.all.size);
    expect(m.heldOut).toBeUndefined();
    const [first] = epochValues(m.train, 100, 0);
    expect(first![0]).toHaveLength(m.train.size * 16);
  });

  it("refuses sources that cannot be mixed", () => {
    const f = flowers();
    const n = csv(fixture("numbers-semicolon.csv"), { delimiter: ";", label: "c" });
    expect(() => mixture([{ split: f.train, weight: 1 }, { split: n.train, weight: 1 }], { seed: 1 })).toThrow(
      "mixture: 'flowers.train' holds vectors of 4 features, 3 classes, but 'numbers-semicolon.train' holds vectors of 2 features, 2 classes",
    );
    const unlabelled = csv(fixture("flowers.csv"), { input: ["sepal_length", "sepal_width", "petal_length", "petal_width"], name: "raw" });
    expect(() => mixture([{ split: f.train, weight: 1 }, { split: unlabelled.train, weight: 1 }], { seed: 1 })).toThrow("mixture: 'flowers.train' has labels but 'raw.train' has none");
    const a = text(fixture("tiny.txt"), { context: 8 });
    const b = text(fixture("tiny.txt"), { context: 8, tokenizer: { kind: "bpe", vocabSize: 270 } });
    try {
      mixture([{ split: a.all, weight: 1 }, { split: b.all, weight: 1 }], { seed: 1 });
      expect.unreachable();
    } catch (error) {
      expect((error as kd.KdcRuntimeError).help).toMatch(/one Tokenizer object/);
    }
    expect(() => mixture([{ split: f.train, weight: 0 }], { seed: 1 })).toThrow(/must be a positive number, got 0/);
    const fake: Split = { ...f.train, name: "fake", batches: () => [] } as Split;
    expect(() => mixture([{ split: fake, weight: 1 }], { seed: 1 })).toThrow("mixture: source 1 ('fake') is not a split made by kd.data");
    expect(() => mixture([{ split: f.train, weight: 1 }], { seed: 1, heldOut: 7 })).toThrow(/must give 7 held-out rows by its weight, but has only 6/);
  });
});

describe("batches of every kind", () => {
  it("keep the partial last batch and depend only on (seed, epoch)", () => {
    const p = preferences(fixture("prefs.jsonl"));
    const e = epochValues(p.all, 4, 5);
    expect(e.map((b) => b[4]!.length / p.all.context!)).toEqual([4, 2]);
    expect(epochValues(p.all, 4, 5)).toEqual(e);
    expect(epochValues(p.all, 4, 5, 1)).not.toEqual(e);
  });

  it("leak no tensors once disposed", () => {
    const p = preferences(fixture("prefs.jsonl"));
    const t = text(fixture("tiny.txt"), { context: 8 });
    const before = tf.memory().numTensors;
    epochValues(p.all, 4, 0);
    epochValues(t.all, 4, 0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("are reachable as kd.data.* from the runtime's public surface", () => {
    expect(typeof kd.data.csv).toBe("function");
    expect(typeof kd.data.mixture).toBe("function");
    expect(typeof kd.data.charTokenizer).toBe("function");
    expect(typeof kd.data.trainBpe).toBe("function");
    expect(typeof kd.data.spamAssassin).toBe("function");
    expect(typeof kd.data.mobyDick).toBe("function");
    expect(kd.data.IGNORE).toBe(-100);
  });
});
