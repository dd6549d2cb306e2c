// The digit splits: counts, determinism, disjointness, unlabelled transfer sets, batching.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { mnist, loadDigits } from "../../runtime/data/mnist.js";
import { MemorySplit, disposeBatch } from "../../runtime/data/memory-split.js";
import { KdcRuntimeError } from "../../runtime/errors.js";
import type { Split } from "../../runtime/program.js";
import { useCpu } from "./helpers.js";

beforeAll(useCpu);

/** The source rows of one epoch's batches, as fingerprints of the first pixels + labels. */
function epochRows(split: Split, batch: number, seed: number, epoch: number): { sizes: number[]; labels: number[]; sums: number[] } {
  const sizes: number[] = [];
  const labels: number[] = [];
  const sums: number[] = [];
  for (const b of split.batches(batch, seed, epoch)) {
    sizes.push(b.size);
    if (b.label) labels.push(...b.label.dataSync());
    const rowSums = tf.sum(b.input, 1);
    sums.push(...rowSums.dataSync());
    rowSums.dispose();
    disposeBatch(b);
  }
  return { sizes, labels, sums };
}

describe("mnist", () => {
  it("holds 10,000 digits of 784 pixels in [0, 1] with labels 0..9", () => {
    const d = loadDigits();
    expect(d.labels.length).toBe(10_000);
    expect(d.inputs.length).toBe(10_000 * 784);
    expect(Math.min(...d.labels)).toBe(0);
    expect(Math.max(...d.labels)).toBe(9);
    let max = 0;
    for (const v of d.inputs) max = Math.max(max, v);
    expect(max).toBeLessThanOrEqual(1);
    expect(loadDigits()).toBe(d); // cached
  });

  it("gives the requested, disjoint splits", () => {
    const s = mnist({ train: 8000, test: 1500, unlabeled: 500, seed: 7, name: "digits" });
    expect([s.train.size, s.test.size, s.unlabeled!.size]).toEqual([8000, 1500, 500]);
    expect([s.train.name, s.test.name, s.unlabeled!.name]).toEqual(["digits.train", "digits.test", "digits.unlabeled"]);
    const all = [s.train, s.test, s.unlabeled!].flatMap((x) => Array.from((x as MemorySplit).indices));
    expect(new Set(all).size).toBe(10_000);
    expect(s.train.features).toBe(784);
    expect(s.train.classes).toBe(10);
    expect(mnist({ train: 10, test: 10, seed: 1 }).unlabeled).toBeUndefined();
  });

  it("is a deterministic function of the seed", () => {
    const a = mnist({ train: 300, test: 100, seed: 7 });
    const b = mnist({ train: 300, test: 100, seed: 7 });
    const c = mnist({ train: 300, test: 100, seed: 8 });
    expect(a.train.fingerprint).toBe(b.train.fingerprint);
    expect(a.train.fingerprint).not.toBe(c.train.fingerprint);
    expect(a.train.fingerprint).not.toBe(a.test.fingerprint);
    expect(a.train.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(epochRows(a.train, 64, 1, 0)).toEqual(epochRows(b.train, 64, 1, 0));
  });

  it("orders batches by (seed, epoch) and keeps the partial last batch", () => {
    const { train } = mnist({ train: 300, test: 0, seed: 3 });
    const e0 = epochRows(train, 128, 1, 0);
    expect(e0.sizes).toEqual([128, 128, 44]);
    expect(epochRows(train, 128, 1, 0)).toEqual(e0);
    const e1 = epochRows(train, 128, 1, 1);
    const otherSeed = epochRows(train, 128, 2, 0);
    expect(e1.labels).not.toEqual(e0.labels);
    expect(otherSeed.labels).not.toEqual(e0.labels);
    // Same examples each epoch, different order.
    expect([...e1.sums].sort()).toEqual([...e0.sums].sort());
    expect([...e1.labels].sort()).toEqual([...e0.labels].sort());
  });

  it("withholds labels on the unlabelled split", () => {
    const { unlabeled } = mnist({ train: 100, test: 100, unlabeled: 50, seed: 1 });
    expect(unlabeled!.hasLabels).toBe(false);
    let n = 0;
    for (const b of unlabeled!.batches(32, 0, 0)) {
      expect(b.label).toBeUndefined();
      expect(b.input.shape).toEqual([b.size, 784]);
      n += b.size;
      disposeBatch(b);
    }
    expect(n).toBe(50);
  });

  it("rejects more than 10,000 digits with a clear error", () => {
    expect(() => mnist({ train: 8000, test: 2000, unlabeled: 1, seed: 1 })).toThrow(KdcRuntimeError);
    expect(() => mnist({ train: 9000, test: 2000, seed: 1 })).toThrow(/only 10000/);
    expect(() => mnist({ train: -1, test: 2, seed: 1 })).toThrow(/non-negative integer/);
  });

  it("leaks no tensors when batches are disposed", () => {
    const { train } = mnist({ train: 200, test: 0, seed: 3 });
    const before = tf.memory().numTensors;
    epochRows(train, 50, 0, 0);
    expect(tf.memory().numTensors).toBe(before);
  });
});
