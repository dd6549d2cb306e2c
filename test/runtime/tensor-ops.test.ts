// kd.ops tensor operations (normalize, mean, sum, abs, softmax, log_softmax, flatten, pooling,
// pearson, detach) against float64 references written here, values and gradients. Each is tested
// through L(x) = Σ w ⊙ op(x) with fixed random weights w, so every output element's gradient counts.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import * as ops from "../../runtime/ops.js";
import { useCpu } from "./helpers.js";
import { expectGradClose, evaluate } from "./reference/harness.js";
import { logSoftmax as logSoftmaxRef, numericGrad, softmax as softmaxRef, uniform } from "./reference/float64.js";

beforeAll(useCpu);

type Ref = (x: Float64Array) => Float64Array;

/** Row-major strides of a shape. */
const strides = (shape: readonly number[]): number[] => shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));

/** Reduces `x` of `shape` over `axes` with `fn` (float64), keeping the other axes in order. */
function reduceRef(x: Float64Array, shape: readonly number[], axes: readonly number[], fn: (values: number[]) => number): Float64Array {
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outShape = kept.map((i) => shape[i]!);
  const out: number[][] = Array.from({ length: outShape.reduce((a, b) => a * b, 1) }, () => []);
  const st = strides(shape);
  const outSt = strides(outShape);
  for (let flat = 0; flat < x.length; flat++) {
    const index = shape.map((_, i) => Math.floor(flat / st[i]!) % shape[i]!);
    out[kept.reduce((a, axis, j) => a + index[axis]! * outSt[j]!, 0)]!.push(x[flat]!);
  }
  return Float64Array.from(out.map(fn));
}

/** Applies `fn` to every line of `x` along `axis`, in place in a copy. */
function alongAxis(x: Float64Array, shape: readonly number[], axis: number, fn: (line: Float64Array) => Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  const st = strides(shape);
  for (let flat = 0; flat < x.length; flat++) {
    if (Math.floor(flat / st[axis]!) % shape[axis]! !== 0) continue;
    const idx = Array.from({ length: shape[axis]! }, (_, k) => flat + k * st[axis]!);
    const result = fn(Float64Array.from(idx.map((i) => x[i]!)));
    idx.forEach((i, k) => (out[i] = result[k]!));
  }
  return out;
}

const sumOf = (v: number[]): number => v.reduce((a, b) => a + b, 0);
const meanOf = (v: number[]): number => sumOf(v) / v.length;

/** Compares op and reference in value and gradient through Σ w ⊙ op(x). */
function expectMatches(op: (x: tf.Tensor) => tf.Tensor, ref: Ref, shape: readonly number[], seed: number, scale = 2): void {
  const x = uniform(shape.reduce((a, b) => a * b, 1), scale, seed);
  const out = ref(x);
  const w = uniform(out.length, 1, seed + 100);
  const loss = (v: Float64Array): number => ref(v).reduce((a, y, i) => a + w[i]! * y, 0);
  const weights = tf.tensor(Array.from(w));
  const got = evaluate((t) => tf.sum(tf.mul(tf.reshape(op(t), [-1]), weights)), [{ data: x, shape }]);
  weights.dispose();
  expect(got.loss).toBeCloseTo(loss(x), 4);
  expectGradClose(got.grads[0]!, numericGrad(loss, Float64Array.from(x)), 1e-3, 1e-4);
}

describe("tensor operations", () => {
  it("mean and sum over every axis, one axis, negative axes and lists of axes", () => {
    const shape = [2, 3, 4];
    for (const [axis, axes] of [["all", [0, 1, 2]], [-1, [2]], [[0, 2], [0, 2]], [1, [1]]] as const) {
      expectMatches((t) => ops.mean(t, { axis }), (x) => reduceRef(x, shape, axes, meanOf), shape, 1);
      expectMatches((t) => ops.sum(t, { axis }), (x) => reduceRef(x, shape, axes, sumOf), shape, 2);
    }
    const s = ops.mean(tf.ones([2, 3, 4]), { axis: [0, -1] });
    expect(s.shape).toEqual([3]);
    expect(ops.sum(tf.ones([2, 3]))).toHaveProperty("shape", []);
  });

  it("rejects an axis out of range or named twice", () => {
    const t = tf.ones([2, 3]);
    expect(() => ops.mean(t, { axis: 2 })).toThrow(/axis 2 is out of range/);
    expect(() => ops.sum(t, { axis: [1, -1] })).toThrow(/named twice/);
    expect(() => ops.normalize(t, { axis: -3 })).toThrow(/out of range/);
  });

  it("normalize: x / max(‖x‖₂, 1e-12) along an axis, finite at a zero row (gradient 1/ε there, as torch)", () => {
    const l2 = (line: Float64Array): Float64Array => {
      const n = Math.max(Math.sqrt(line.reduce((a, v) => a + v * v, 0)), 1e-12);
      return line.map((v) => v / n);
    };
    expectMatches((t) => ops.normalize(t, { axis: -1 }), (x) => alongAxis(x, [3, 5], 1, l2), [3, 5], 3);
    expectMatches((t) => ops.normalize(t, { axis: 0 }), (x) => alongAxis(x, [3, 5], 0, l2), [3, 5], 4);
    const zero = evaluate((t) => tf.sum(ops.normalize(t)) as tf.Scalar, [{ data: [0, 0, 0, 1, 2, 2], shape: [2, 3] }]);
    expect(Array.from(zero.grads[0]!).every(Number.isFinite)).toBe(true);
    for (const g of zero.grads[0]!.slice(0, 3)) expect(g / 1e12).toBeCloseTo(1, 5);
  });

  it("abs, with gradient sign(x)", () => {
    expectMatches((t) => ops.abs(t), (x) => x.map(Math.abs), [4, 3], 5);
  });

  it("softmax and log_softmax over the last axis at a temperature, finite at logits of ±50", () => {
    const shape = [3, 4];
    for (const T of [1, 2.5]) {
      expectMatches((t) => ops.softmax(t, { T }), (x) => alongAxis(x, shape, 1, (l) => softmaxRef(l, T)), shape, 6);
      expectMatches((t) => ops.logSoftmax(t, { T }), (x) => alongAxis(x, shape, 1, (l) => logSoftmaxRef(l, T)), shape, 7);
    }
    const extreme = ops.logSoftmax(tf.tensor2d([[50, -50, 0]]));
    expect(Array.from(extreme.dataSync()).every(Number.isFinite)).toBe(true);
  });

  it("flatten keeps the batch axis, row-major", () => {
    const out = ops.flatten(tf.tensor(Array.from({ length: 24 }, (_, i) => i), [2, 3, 2, 2]));
    expect(out.shape).toEqual([2, 12]);
    expect(Array.from(out.dataSync())).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expectMatches((t) => ops.flatten(t), (x) => x.slice(), [2, 2, 3], 8);
  });

  it("avg_pool and max_pool: global over H and W, and in k×k windows with stride k", () => {
    const shape = [2, 4, 4, 3];
    expectMatches((t) => ops.avgPool(t), (x) => reduceRef(x, shape, [1, 2], meanOf), shape, 9);
    expectMatches((t) => ops.maxPool(t), (x) => reduceRef(x, shape, [1, 2], (v) => Math.max(...v)), shape, 10);
    // k = 2 windows: view [B, H/2, 2, W/2, 2, C] and reduce the two window axes.
    const windows = (x: Float64Array, fn: (v: number[]) => number): Float64Array => {
      const out = new Float64Array(2 * 2 * 2 * 3);
      for (let b = 0; b < 2; b++)
        for (let i = 0; i < 2; i++)
          for (let j = 0; j < 2; j++)
            for (let c = 0; c < 3; c++) {
              const v: number[] = [];
              for (let di = 0; di < 2; di++) for (let dj = 0; dj < 2; dj++) v.push(x[((b * 4 + 2 * i + di) * 4 + 2 * j + dj) * 3 + c]!);
              out[((b * 2 + i) * 2 + j) * 3 + c] = fn(v);
            }
      return out;
    };
    expectMatches((t) => ops.avgPool(t, { kernel: 2 }), (x) => windows(x, meanOf), shape, 11);
    expectMatches((t) => ops.maxPool(t, { kernel: 2 }), (x) => windows(x, (v) => Math.max(...v)), shape, 12);
  });

  it("pearson: DIST's row-wise (axis -1) and column-wise (axis 0) correlation", () => {
    const shape = [4, 5];
    const n = 20;
    const corr = (a: Float64Array, b: Float64Array): number => {
      const ma = meanOf([...a]);
      const mb = meanOf([...b]);
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let i = 0; i < a.length; i++) {
        ab += (a[i]! - ma) * (b[i]! - mb);
        aa += (a[i]! - ma) ** 2;
        bb += (b[i]! - mb) ** 2;
      }
      return ab / (Math.max(Math.sqrt(aa), 1e-8) * Math.max(Math.sqrt(bb), 1e-8));
    };
    const y = uniform(n, 2, 42);
    const yt = tf.tensor(Array.from(y), shape);
    // Rows: x[b, :] against y[b, :]; columns: x[:, c] against y[:, c].
    const rows = (x: Float64Array): Float64Array => Float64Array.from({ length: 4 }, (_, b) => corr(x.slice(b * 5, b * 5 + 5), y.slice(b * 5, b * 5 + 5)));
    const col = (v: Float64Array, c: number): Float64Array => Float64Array.from({ length: 4 }, (_, b) => v[b * 5 + c]!);
    const cols = (x: Float64Array): Float64Array => Float64Array.from({ length: 5 }, (_, c) => corr(col(x, c), col(y, c)));
    expectMatches((t) => ops.pearson(t, yt), rows, shape, 13);
    expectMatches((t) => ops.pearson(t, yt, { axis: 0 }), cols, shape, 14);
    const self = ops.pearson(yt, yt);
    expect(Array.from(self.dataSync()).every((r) => Math.abs(r - 1) < 1e-5)).toBe(true);
    yt.dispose();
  });

  it("detach passes values and blocks the gradient", () => {
    const got = evaluate((t) => tf.sum(tf.add(tf.mul(ops.detach(t), t), 0)) as tf.Scalar, [{ data: [1, 2, 3], shape: [3] }]);
    expect(got.loss).toBeCloseTo(14, 5);
    // d/dx Σ stop(x)·x = stop(x) = x: only the non-detached factor carries a gradient.
    expect(Array.from(got.grads[0]!)).toEqual([1, 2, 3]);
  });
});
