// Top-k accuracy and the evaluation loss (cpu), against references computed independently here:
// top-k by sorting each row (ties to the first index, as argmax), the loss as float64 cross-entropy
// and KD over the whole split, whatever the evaluation batch size.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import * as kd from "../../runtime/index.js";
import { evaluate } from "../../runtime/evaluate.js";
import { accuracyOf, argmaxRows, metricLabel, topKHits } from "../../runtime/metrics.js";
import { Rng } from "../../runtime/rng.js";
import { TinyNet, vectorSplit } from "./train-fixtures.js";

beforeAll(async () => {
  await kd.selectBackend("cpu");
});

/** Whether y is among the k first classes of the row sorted by logit (descending), ties by index. */
function inTopK(row: readonly number[], y: number, k: number): boolean {
  const order = row.map((z, c) => ({ z, c })).sort((a, b) => b.z - a.z || a.c - b.c);
  return order.slice(0, k).some((o) => o.c === y);
}

const softmax64 = (row: readonly number[], T = 1): number[] => {
  const max = Math.max(...row.map((z) => z / T));
  const e = row.map((z) => Math.exp(z / T - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

function rowsOf(t: tf.Tensor): number[][] {
  const [n, c] = t.shape as [number, number];
  const v = t.dataSync();
  return Array.from({ length: n }, (_, r) => Array.from(v.subarray(r * c, r * c + c)));
}

describe("top-k accuracy", () => {
  it("matches a sort-based reference, with ties to the first index", () => {
    const rng = new Rng(3);
    const classes = 6;
    const rows = 200;
    // Rounded logits so that ties occur.
    const logits = Float32Array.from({ length: rows * classes }, () => Math.round(rng.uniform(-2, 2) * 2) / 2);
    const labels = Int32Array.from({ length: rows }, (_, r) => (r % 17 === 0 ? -100 : Math.floor(rng.uniform(0, classes))));
    const row = (r: number) => Array.from(logits.subarray(r * classes, (r + 1) * classes));
    for (const k of [1, 2, 3, 6]) {
      const hits = topKHits(logits, labels, classes, k);
      for (let r = 0; r < rows; r++) if (labels[r] !== -100) expect(hits[r], `row ${r}, k ${k}`).toBe(inTopK(row(r), labels[r]!, k) ? 1 : 0);
    }
    // k = 1 is argmax accuracy; k = classes always hits.
    const top1 = topKHits(logits, labels, classes, 1);
    const argmaxHits = argmaxRows(logits, classes).map((p, r) => (p === labels[r] ? 1 : 0));
    for (let r = 0; r < rows; r++) if (labels[r] !== -100) expect(top1[r]).toBe(argmaxHits[r]);
    expect([...topKHits(logits, labels, classes, classes)].filter((_, r) => labels[r] !== -100).every((h) => h === 1)).toBe(true);
  });

  it("is reported as accuracy@k next to accuracy", () => {
    const split = vectorSplit("v", { rows: 30, features: 6, classes: 5, seed: 2 });
    const m = new TinyNet("m", [6, 4, 5], 1);
    const values = evaluate(m, { split, everyEpochs: 1, metrics: [kd.metrics.accuracy(), kd.metrics.accuracy({ top: 3 })] }, 7);
    const batch = [...split.batches(split.size, 0, 0)][0]!;
    const logits = tf.tidy(() => m.forward(batch.input, false).logits);
    const y = Array.from(batch.label!.dataSync());
    const expected = rowsOf(logits).filter((row, r) => inTopK(row, y[r]!, 3)).length / y.length;
    expect(values.accuracy).toBeCloseTo(accuracyOf(argmaxRows(logits.dataSync(), 5), y), 12);
    expect(values["accuracy@3"]).toBeCloseTo(expected, 12);
    expect(values["accuracy@3"]).toBeGreaterThanOrEqual(values.accuracy!);
    tf.dispose([logits]);
    kd.data.disposeBatch(batch);
    m.dispose();
    expect(metricLabel(kd.metrics.accuracy({ top: 1 }))).toBe("accuracy");
    expect(() => kd.metrics.accuracy({ top: 0 })).toThrow(RangeError);
  });
});

describe("evaluation loss", () => {
  it("is the objective over the whole split, models in inference mode, whatever the batch size", () => {
    const split = vectorSplit("v", { rows: 23, features: 6, classes: 4, seed: 5 });
    const s = new TinyNet("s", [6, 5, 4], 1, 0.5); // dropout: must be off
    const t = new TinyNet("t", [6, 8, 4], 2, 0.5);
    const T = kd.schedules.linear({ from: 4, to: 2 });
    const progress: kd.Progress = { step: 9, totalSteps: 10, epoch: 0, stepsPerEpoch: 10 };
    const objective: kd.Objective = (ctx) =>
      kd.ops.add(
        kd.ops.mul(0.5, kd.losses.crossEntropy(ctx.outputs(s).logits, ctx.labels())),
        kd.ops.mul(0.5, kd.losses.kd(ctx.outputs(s).logits, ctx.outputs(t).logits, { T: ctx.at(T) })),
      ) as tf.Scalar;
    const stage = { name: "distill", objective, progress };
    const a = evaluate(s, { split, everyEpochs: 1, metrics: [kd.metrics.loss()] }, 5, stage);
    const b = evaluate(s, { split, everyEpochs: 1, metrics: [kd.metrics.loss()] }, 100, stage);

    // Reference: float64 over every example, T at the last step (linear 4 → 2 at step 9 of 10).
    const batch = [...split.batches(split.size, 0, 0)][0]!;
    const [ls, lt] = tf.tidy(() => [s.forward(batch.input, false).logits, t.forward(batch.input, false).logits]);
    const y = Array.from(batch.label!.dataSync());
    const temp = T.at(progress);
    let ce = 0;
    let kl = 0;
    rowsOf(ls!).forEach((row, r) => {
      ce -= Math.log(softmax64(row)[y[r]!]!);
      const p = softmax64(rowsOf(lt!)[r]!, temp);
      const q = softmax64(row, temp);
      kl += p.reduce((acc, pc, c) => acc + pc * Math.log(pc / q[c]!), 0);
    });
    const expected = 0.5 * (ce / y.length) + 0.5 * temp * temp * (kl / y.length);
    tf.dispose([ls!, lt!]);
    kd.data.disposeBatch(batch);
    expect(a.loss).toBeCloseTo(expected, 5);
    expect(b.loss).toBeCloseTo(expected, 5);
    s.dispose();
    t.dispose();
  });

  it("runs each model once per batch, shared by the objective and the other metrics, and leaks nothing", () => {
    const split = vectorSplit("v", { rows: 12, features: 6, classes: 4, seed: 6 });
    const s = new TinyNet("s", [6, 5, 4], 1);
    const t = new TinyNet("t", [6, 8, 4], 2);
    const calls = new Map<string, number>();
    for (const m of [s, t]) {
      const forward = m.forward.bind(m);
      m.forward = (input, training) => {
        calls.set(m.name, (calls.get(m.name) ?? 0) + 1);
        return forward(input, training);
      };
    }
    const objective: kd.Objective = (ctx) => kd.losses.kd(ctx.outputs(s).logits, ctx.outputs(t).logits, { T: 2 });
    const stage = { name: "distill", objective, progress: { step: 0, totalSteps: 1, epoch: 0, stepsPerEpoch: 1 } };
    const before = tf.memory().numTensors;
    evaluate(s, { split, everyEpochs: 1, metrics: [kd.metrics.loss(), kd.metrics.agreement(t), kd.metrics.klToTeacher(t)] }, 4, stage);
    expect(tf.memory().numTensors).toBe(before);
    // 3 batches of 4: one forward of each model per batch.
    expect(Object.fromEntries(calls)).toEqual({ s: 3, t: 3 });
    s.dispose();
    t.dispose();
  });

  it("needs the stage's objective", () => {
    const split = vectorSplit("v", { rows: 5, features: 6, classes: 4, seed: 5 });
    const s = new TinyNet("s", [6, 4], 1);
    expect(() => evaluate(s, { split, everyEpochs: 1, metrics: [kd.metrics.loss()] })).toThrow(/no stage objective/);
    s.dispose();
  });
});
