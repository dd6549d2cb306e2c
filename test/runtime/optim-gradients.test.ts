// Gradient clipping (torch's clip_grad_norm_) and accumulation (micro-batches weighted by examples
// or tokens equal the large batch's mean-loss gradient), leak-free, and both fed to StageOptimizer.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { GradientAccumulator, StageOptimizer, adam, clipByGlobalNorm } from "../../runtime/optim.js";
import { KdcRuntimeError } from "../../runtime/errors.js";
import { expectClose, randomMatrix, take, useCpu } from "./helpers.js";

beforeAll(useCpu);

const read = (grads: tf.NamedTensorMap): Record<string, number[]> =>
  Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, Array.from(take(g))]));

describe("clipByGlobalNorm", () => {
  const make = () => ({ a: tf.tensor1d([3, 0]), b: tf.tensor2d([[0, -4]]) }); // global norm 5

  it("scales by maxNorm/(norm + 1e-6) when the norm is above maxNorm, and returns the norm", () => {
    const grads = make();
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 1);
    expect(take(norm)[0]).toBe(5);
    const coef = 1 / (5 + 1e-6);
    const out = read(clipped);
    expectClose(out.a!, [3 * coef, 0], 1e-7, 0);
    expectClose(out.b!, [0, -4 * coef], 1e-7, 0);
    expect(take(tf.clone(grads.a))).toEqual(Float32Array.of(3, 0)); // inputs untouched
    tf.dispose(Object.values(grads));
  });

  it("leaves gradients below maxNorm as they are (coefficient clamped to 1, as torch)", () => {
    const grads = make();
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 10);
    expect(read(clipped)).toEqual({ a: [3, 0], b: [0, -4] });
    norm.dispose();
    tf.dispose(Object.values(grads));
  });

  it("handles an empty map, rejects a negative maximum, and leaks nothing", () => {
    const empty = clipByGlobalNorm({}, 1);
    expect(empty.grads).toEqual({});
    expect(take(empty.norm)[0]).toBe(0);
    expect(() => clipByGlobalNorm({}, -1)).toThrow(KdcRuntimeError);
    const grads = make();
    const before = tf.memory().numTensors;
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 1);
    expect(tf.memory().numTensors).toBe(before + 3); // two gradients and the norm
    tf.dispose([...Object.values(clipped), norm]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(grads));
  });
});

// ---- accumulation on a linear model: loss = mean over items of (x·w + b − y)² ----

const FEATURES = 3;
function data(n: number, seed: number) {
  return {
    x: tf.tensor2d(Float32Array.from(randomMatrix(n, FEATURES, 1, seed)), [n, FEATURES]),
    y: tf.tensor2d(Float32Array.from(randomMatrix(n, 1, 1, seed + 1)), [n, 1]),
  };
}
function model() {
  return { w: tf.variable(tf.tensor2d([[0.3], [-0.2], [0.5]])), b: tf.variable(tf.tensor1d([0.1])) };
}
/** Mean squared error over rows, weighted by `mask` (1 = a counted token) when given. */
function lossFn(m: ReturnType<typeof model>, x: tf.Tensor2D, y: tf.Tensor2D, mask?: tf.Tensor2D): () => tf.Scalar {
  return () => {
    const err = tf.square(tf.sub(tf.add(tf.matMul(x, m.w), m.b), y));
    return (mask ? tf.div(tf.sum(tf.mul(err, mask)), tf.sum(mask)) : tf.mean(err)) as tf.Scalar;
  };
}
function gradsOf(m: ReturnType<typeof model>, f: () => tf.Scalar): tf.NamedTensorMap {
  const { value, grads } = tf.variableGrads(f, [m.w, m.b]);
  value.dispose();
  return grads;
}

/** Accumulates the micro-batches given as row ranges, each weighted by `weightOf`, inside a tidy as the loop would. */
function accumulated(
  m: ReturnType<typeof model>,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  sizes: number[],
  weightOf: (from: number, size: number) => number,
  mask?: tf.Tensor2D,
): Record<string, number[]> {
  const acc = new GradientAccumulator();
  let from = 0;
  for (const size of sizes) {
    tf.tidy(() => {
      const slice = (t: tf.Tensor2D) => t.slice([from, 0], [size, -1]);
      acc.accumulate(gradsOf(m, lossFn(m, slice(x), slice(y), mask && slice(mask))), weightOf(from, size));
    });
    from += size;
  }
  expect(acc.microBatches).toBe(sizes.length);
  const out = read(acc.result());
  acc.reset();
  return out;
}

describe("GradientAccumulator", () => {
  it("4 micro-batches of 8 weighted by examples equal one batch of 32 (mean loss)", () => {
    const { x, y } = data(32, 1);
    const m = model();
    const before = tf.memory().numTensors;
    const full = read(gradsOf(m, lossFn(m, x, y)));
    const micro = accumulated(m, x, y, [8, 8, 8, 8], (_, n) => n);
    expect(tf.memory().numTensors).toBe(before); // nothing kept after reset
    for (const v of [m.w, m.b]) expectClose(micro[v.name]!, full[v.name]!, 1e-6, 1e-6);
    tf.dispose([x, y, m.w, m.b]);
  });

  it("an uneven last micro-batch (8, 8, 8, 5) still equals the batch of 29; equal weights would not", () => {
    const { x, y } = data(29, 2);
    const m = model();
    const full = read(gradsOf(m, lossFn(m, x, y)));
    const micro = accumulated(m, x, y, [8, 8, 8, 5], (_, n) => n);
    for (const v of [m.w, m.b]) expectClose(micro[v.name]!, full[v.name]!, 1e-6, 1e-6);
    const naive = accumulated(m, x, y, [8, 8, 8, 5], () => 1);
    expect(Math.abs(naive[m.b.name]![0]! - full[m.b.name]![0]!)).toBeGreaterThan(1e-4);
    tf.dispose([x, y, m.w, m.b]);
  });

  it("by tokens: micro-batches of sequences weighted by their token counts equal the token-mean loss", () => {
    // 6 sequences of 4 positions, flattened to rows; lengths 4, 1, 3, 3, 2, 1 (mask 1 on the first `length` positions).
    const lengths = [4, 1, 3, 3, 2, 1];
    const mask = tf.tensor2d(lengths.flatMap((len) => [0, 1, 2, 3].map((p) => (p < len ? 1 : 0))), [24, 1]);
    const maskValues = Array.from(mask.dataSync());
    const tokens = (from: number, size: number) => maskValues.slice(from, from + size).reduce((a, b) => a + b, 0);
    const { x, y } = data(24, 3);
    const m = model();
    const full = read(gradsOf(m, lossFn(m, x, y, mask)));
    const byTokens = accumulated(m, x, y, [8, 8, 8], tokens, mask); // 5, 6 and 3 tokens
    for (const v of [m.w, m.b]) expectClose(byTokens[v.name]!, full[v.name]!, 1e-6, 1e-6);
    const byExamples = accumulated(m, x, y, [8, 8, 8], (_, n) => n, mask);
    expect(Math.abs(byExamples[m.b.name]![0]! - full[m.b.name]![0]!)).toBeGreaterThan(1e-4);
    tf.dispose([x, y, mask, m.w, m.b]);
  });

  it("counts a missing name as a zero gradient; nothing gives {}, zero weight gives zeros; bad weights throw", () => {
    const acc = new GradientAccumulator();
    expect(acc.result()).toEqual({});
    const g = tf.tensor1d([2, 4]);
    acc.accumulate({ a: g, b: g }, 1);
    acc.accumulate({ a: g }, 3);
    expect(acc.weight).toBe(4);
    expect(read(acc.result())).toEqual({ a: [2, 4], b: [0.5, 1] });
    acc.reset();
    acc.accumulate({ a: g }, 0);
    expect(read(acc.result())).toEqual({ a: [0, 0] });
    expect(() => acc.accumulate({ a: g }, -1)).toThrow(KdcRuntimeError);
    expect(() => acc.accumulate({ a: g }, Number.NaN)).toThrow(KdcRuntimeError);
    acc.dispose();
    g.dispose();
  });
});

describe("clipping and accumulation feed StageOptimizer.applyGradients", () => {
  it("accumulate 4 micro-batches → clip → apply equals one clipped step on the whole batch", () => {
    const { x, y } = data(32, 4);
    const [a, b] = [model(), model()];
    const [optA, optB] = [new StageOptimizer(adam({ lr: 0.05 }), [a.w, a.b]), new StageOptimizer(adam({ lr: 0.05 }), [b.w, b.b])];
    const before = tf.memory().numTensors;
    const norms: number[] = [];
    for (let step = 0; step < 3; step++) {
      optA.setLearningRate(0.05);
      optB.setLearningRate(0.05);
      // A: the large batch.
      const normA = tf.tidy(() => {
        const { value, grads } = optA.gradients(lossFn(a, x, y));
        value.dispose();
        const clipped = clipByGlobalNorm(grads, 0.5);
        optA.applyGradients(clipped.grads);
        return clipped.norm;
      });
      // B: the same data as four micro-batches, as the training loop would run it.
      const acc = new GradientAccumulator();
      for (let k = 0; k < 4; k++) {
        const loss = tf.tidy(() => {
          const slice = (t: tf.Tensor2D) => t.slice([8 * k, 0], [8, -1]);
          const { value, grads } = optB.gradients(lossFn(b, slice(x), slice(y)));
          acc.accumulate(grads, 8);
          return value;
        });
        loss.dispose();
      }
      const normB = tf.tidy(() => {
        const clipped = clipByGlobalNorm(acc.result(), 0.5);
        optB.applyGradients(clipped.grads);
        return clipped.norm;
      });
      acc.reset();
      norms.push(take(normA)[0]!);
      expectClose(take(normB), [norms.at(-1)!], 1e-6, 0);
    }
    expect(norms[0]).toBeGreaterThan(0.5); // the clip was active
    for (const [va, vb] of [[a.w, b.w], [a.b, b.b]] as const) expectClose(take(tf.clone(vb)), take(tf.clone(va)), 1e-5, 1e-6);
    expect(tf.memory().numTensors).toBe(before + 2 * 4); // only the Adam slots (m, v for w and b, twice)
    optA.dispose();
    optB.dispose();
    tf.dispose([x, y, a.w, a.b, b.w, b.b]);
  });
});
