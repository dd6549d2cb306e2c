// DKD, PLD and Margin-MSE against float64 references written here: values, gradients w.r.t. the
// student, zero teacher gradients, ignored (-100) rows.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { dkd, kd, marginMse, pld } from "../../runtime/losses/index.js";
import { expectScalarClose, useCpu } from "./helpers.js";
import { allZero, evaluate, expectGradClose, expectNoLeak } from "./reference/harness.js";
import { logSumExp, numericGrad, numericGradRows, row, softmax, uniform } from "./reference/float64.js";

beforeAll(useCpu);

// ---- float64 references ----

/** logsumexp(z/T) over all classes and over the classes other than y. */
function lseParts(x: Float64Array, y: number, T: number): { z: Float64Array; all: number; rest: number } {
  const z = x.map((v) => v / T);
  return { z, all: logSumExp(z), rest: logSumExp(z.filter((_, c) => c !== y)) };
}

const dkdCache = new WeakMap<Float64Array, Map<string, ReturnType<typeof lseParts>>>();

/** DKD of one row, from logsumexps over explicit index sets (teacher side memoised per row object). */
function dkdRow(s: Float64Array, t: Float64Array, y: number, alpha: number, beta: number, T: number): number {
  const C = s.length;
  let byKey = dkdCache.get(t);
  if (byKey === undefined) dkdCache.set(t, (byKey = new Map()));
  let teacher = byKey.get(`${y}/${T}`);
  if (teacher === undefined) byKey.set(`${y}/${T}`, (teacher = lseParts(t, y, T)));
  const { z: zs, all: allS, rest: restS } = lseParts(s, y, T);
  const { z: zt, all: allT, rest: restT } = teacher;
  const targetS = zs[y]! - allS;
  const targetT = zt[y]! - allT;
  const notS = restS - allS;
  const notT = restT - allT;
  const tckd = Math.exp(targetT) * (targetT - targetS) + Math.exp(notT) * (notT - notS);
  let nckd = 0;
  for (let c = 0; c < C; c++) {
    if (c === y) continue;
    const hatT = zt[c]! - restT;
    const hatS = zs[c]! - restS;
    nckd += Math.exp(hatT) * (hatT - hatS);
  }
  return alpha * tckd + beta * nckd;
}

/** The ranking π: label first, then descending teacher logit, ties to the lower index (or the higher, for `reverseTies`). */
function ranking(t: Float64Array, y: number, reverseTies = false): number[] {
  const rest = Array.from(t, (_, c) => c).filter((c) => c !== y);
  rest.sort((a, b) => t[b]! - t[a]! || (reverseTies ? b - a : a - b));
  return [y, ...rest];
}

const pldCache = new WeakMap<Float64Array, Map<string, { order: number[]; alpha: Float64Array }>>();

/** PLD of one row: Σ_k α_{π_k}·(logsumexp_{l≥k} s_{π_l} − s_{π_k}), suffix logsumexps by a backward recursion. */
function pldRow(s: Float64Array, t: Float64Array, y: number, tau: number, reverseTies = false): number {
  // The ranking and weights depend on the teacher only: memoised per teacher row object.
  let byKey = pldCache.get(t);
  if (byKey === undefined) pldCache.set(t, (byKey = new Map()));
  const key = `${y}/${tau}/${reverseTies}`;
  let prepared = byKey.get(key);
  if (prepared === undefined) byKey.set(key, (prepared = { order: ranking(t, y, reverseTies), alpha: softmax(t, tau) }));
  const { order, alpha } = prepared;
  let acc = -Infinity;
  let loss = 0;
  for (let k = order.length - 1; k >= 0; k--) {
    const v = s[order[k]!]!;
    acc = acc === -Infinity ? v : Math.max(acc, v) + Math.log1p(Math.exp(-Math.abs(acc - v)));
    loss += alpha[order[k]!]! * (acc - v);
  }
  return loss;
}

type LabelledRow = (s: Float64Array, t: Float64Array, y: number) => number;

function labelledMean(s: Float64Array, t: Float64Array, labels: readonly number[], C: number, f: LabelledRow): number {
  const valid = labels.filter((y) => y !== -100).length;
  let total = 0;
  labels.forEach((y, b) => {
    if (y !== -100) total += f(row(s, b, C), row(t, b, C), y);
  });
  return total / Math.max(valid, 1);
}

function labelledGrad(s: Float64Array, t: Float64Array, labels: readonly number[], C: number, f: LabelledRow, factor: number): Float64Array {
  const n = Math.max(labels.filter((y) => y !== -100).length, 1);
  const tRows = labels.map((_, b) => row(t, b, C));
  return numericGradRows((r, b) => (labels[b] === -100 ? 0 : (factor / n) * f(r, tRows[b]!, labels[b]!)), s, labels.length, C);
}

// ---- harness ----

interface Case {
  readonly name: string;
  readonly B: number;
  readonly C: number;
  readonly scale: number;
  readonly labels?: number[];
  readonly teacher?: Float64Array;
}

function checkLabelled(
  loss: (s: tf.Tensor2D, t: tf.Tensor2D, y: tf.Tensor1D) => tf.Scalar,
  f: LabelledRow,
  factor: number,
  c: Case,
  seed: number,
): void {
  const s = uniform(c.B * c.C, c.scale, seed);
  const t = c.teacher ?? uniform(c.B * c.C, c.scale, seed + 1000);
  const labels = c.labels ?? Array.from({ length: c.B }, (_, b) => (b * 7 + seed) % c.C);
  const got = evaluate((a, b, y) => loss(a as tf.Tensor2D, b as tf.Tensor2D, y as tf.Tensor1D), [
    { data: s, shape: [c.B, c.C] },
    { data: t, shape: [c.B, c.C] },
    { data: labels, shape: [c.B], dtype: "int32" },
  ]);
  expectScalarClose(got.loss, factor * labelledMean(s, t, labels, c.C, f), 1e-4, 1e-6);
  expectGradClose(got.grads[0]!, labelledGrad(s, t, labels, c.C, f, factor), 1e-4, 1e-5, c.scale >= 50 ? 1e-7 : 1e-9);
  expect(allZero(got.grads[1])).toBe(true);
}

const common: Case[] = [
  { name: "batch 1", B: 1, C: 10, scale: 3 },
  { name: "2 classes", B: 5, C: 2, scale: 3 },
  { name: "1000 classes", B: 2, C: 1000, scale: 6 },
  { name: "±50 logits", B: 4, C: 10, scale: 50 },
  { name: "rows labelled -100", B: 6, C: 5, scale: 3, labels: [1, -100, 4, -100, 0, 2] },
];

// ---- tests ----

describe("dkd", () => {
  const cases: (Case & { options?: { alpha?: number; beta?: number; T?: number; t2?: boolean } })[] = [
    { name: "defaults (α 1, β 8, T 4, T²)", B: 6, C: 10, scale: 3 },
    ...common,
    { name: "±50 logits, T=1", B: 4, C: 10, scale: 50, options: { T: 1 } },
    { name: "α 2, β 0.5, T 2 without T²", B: 5, C: 7, scale: 4, options: { alpha: 2, beta: 0.5, T: 2, t2: false } },
  ];
  for (const [i, c] of cases.entries()) {
    it(`matches the float64 reference: ${c.name}`, () => {
      const o = { alpha: 1, beta: 8, T: 4, t2: true, ...c.options };
      checkLabelled((s, t, y) => dkd(s, t, y, c.options), (s, t, y) => dkdRow(s, t, y, o.alpha, o.beta, o.T), o.t2 ? o.T * o.T : 1, c, 10 + i);
    });
  }

  it("decomposes KD: with α = 1 and β = 1 − p_y(teacher), DKD equals kd (one row)", () => {
    const s = uniform(9, 3, 40);
    const t = uniform(9, 3, 41);
    const y = 4;
    const T = 2;
    const pyTeacher = softmax(t, T)[y]!;
    const args = [{ data: s, shape: [1, 9] }, { data: t, shape: [1, 9] }];
    const got = evaluate((a, b) => {
      const labels = tf.tensor1d([y], "int32");
      const out = dkd(a as tf.Tensor2D, b as tf.Tensor2D, labels, { alpha: 1, beta: 1 - pyTeacher, T });
      labels.dispose();
      return out;
    }, args);
    const k = evaluate((a, b) => kd(a as tf.Tensor2D, b as tf.Tensor2D, { T }), args);
    expectScalarClose(got.loss, k.loss, 1e-5, 1e-6);
    expectGradClose(got.grads[0]!, k.grads[0]!, 1e-4, 1e-5);
  });

  it("is 0 with a zero gradient when every row is ignored", () => {
    const got = evaluate((a, b, y) => dkd(a as tf.Tensor2D, b as tf.Tensor2D, y as tf.Tensor1D), [
      { data: uniform(15, 50, 42), shape: [3, 5] },
      { data: uniform(15, 50, 43), shape: [3, 5] },
      { data: [-100, -100, -100], shape: [3], dtype: "int32" },
    ]);
    expect(got.loss).toBe(0);
    expect(allZero(got.grads[0])).toBe(true);
  });
});

describe("pld", () => {
  const cases: (Case & { tau?: number })[] = [
    ...common,
    { name: "τ = 2", B: 4, C: 8, scale: 4, tau: 2 },
    {
      name: "tied teacher logits (ties to the lower index)",
      B: 3,
      C: 6,
      scale: 3,
      labels: [2, 0, 5],
      teacher: Float64Array.from([1, 2, 2, 0, 2, 1, 0, 0, 0, 0, 0, 0, 3, 1, 1, 3, 1, 3]),
    },
    { name: "±50 logits, τ = 4", B: 4, C: 10, scale: 50, tau: 4 },
  ];
  for (const [i, c] of cases.entries()) {
    it(`matches the float64 reference: ${c.name}`, () => {
      const tau = c.tau ?? 1;
      checkLabelled((s, t, y) => pld(s, t, y, c.tau === undefined ? undefined : { tau }), (s, t, y) => pldRow(s, t, y, tau), 1, c, 50 + i);
    });
  }

  it("the tie rule matters: ranking ties the other way gives a different loss", () => {
    const t = Float64Array.from([1, 2, 2, 0, 2, 1]);
    const s = uniform(6, 3, 60);
    expect(Math.abs(pldRow(s, t, 0, 1) - pldRow(s, t, 0, 1, true))).toBeGreaterThan(1e-3);
  });

  it("with 2 classes it is α_y times cross-entropy", () => {
    const s = uniform(2, 3, 61);
    const t = uniform(2, 3, 62);
    const ce = logSumExp(s) - s[1]!;
    expectScalarClose(pldRow(s, t, 1, 1), softmax(t)[1]! * ce, 1e-12);
    const got = evaluate((a, b) => {
      const y = tf.tensor1d([1], "int32");
      const out = pld(a as tf.Tensor2D, b as tf.Tensor2D, y);
      y.dispose();
      return out;
    }, [{ data: s, shape: [1, 2] }, { data: t, shape: [1, 2] }]);
    expectScalarClose(got.loss, softmax(t)[1]! * ce, 1e-5, 1e-7);
  });

  it("is 0 with a zero gradient when every row is ignored", () => {
    const got = evaluate((a, b, y) => pld(a as tf.Tensor2D, b as tf.Tensor2D, y as tf.Tensor1D), [
      { data: uniform(10, 50, 63), shape: [2, 5] },
      { data: uniform(10, 50, 64), shape: [2, 5] },
      { data: [-100, -100], shape: [2], dtype: "int32" },
    ]);
    expect(got.loss).toBe(0);
    expect(allZero(got.grads[0])).toBe(true);
  });
});

describe("marginMse", () => {
  const ref = (sp: ArrayLike<number>, sn: ArrayLike<number>, tp: ArrayLike<number>, tn: ArrayLike<number>) => {
    let sum = 0;
    for (let b = 0; b < sp.length; b++) sum += (sp[b]! - sn[b]! - (tp[b]! - tn[b]!)) ** 2;
    return sum / sp.length;
  };
  for (const [i, c] of [
    { name: "batch 1", B: 1, scale: 3 },
    { name: "batch 8", B: 8, scale: 3 },
    { name: "±50 scores", B: 5, scale: 50 },
  ].entries()) {
    it(`matches the float64 reference: ${c.name}`, () => {
      const [sp, sn, tp, tn] = [0, 1, 2, 3].map((k) => uniform(c.B, c.scale, 70 + 10 * i + k)) as [Float64Array, Float64Array, Float64Array, Float64Array];
      const got = evaluate((a, b, d, e) => marginMse(a, b, d, e), [sp, sn, tp, tn].map((data) => ({ data, shape: [c.B] })));
      expectScalarClose(got.loss, ref(sp, sn, tp, tn), 1e-5, 1e-6);
      expectGradClose(got.grads[0]!, numericGrad((x) => ref(x, sn, tp, tn), Float64Array.from(sp)));
      expectGradClose(got.grads[1]!, numericGrad((x) => ref(sp, x, tp, tn), Float64Array.from(sn)));
      expect(allZero(got.grads[2]) && allZero(got.grads[3])).toBe(true);
    });
  }

  it("rejects scores of different shapes", () => {
    const a = tf.zeros([3]);
    const b = tf.zeros([4]);
    expect(() => marginMse(a, a, a, b)).toThrow(/one shape/);
    tf.dispose([a, b]);
  });
});

describe("memory", () => {
  it("every loss here leaves no tensors behind, called directly or under a gradient", () => {
    const s = tf.randomNormal([4, 6]) as tf.Tensor2D;
    const t = tf.randomNormal([4, 6]) as tf.Tensor2D;
    const y = tf.tensor1d([0, -100, 5, 2], "int32");
    const v = tf.randomNormal([4]);
    expectNoLeak(() => {
      dkd(s, t, y).dispose();
      pld(s, t, y, { tau: 2 }).dispose();
      marginMse(v, v, v, v).dispose();
      const args = [
        { data: Array.from(s.dataSync()), shape: [4, 6] },
        { data: Array.from(t.dataSync()), shape: [4, 6] },
        { data: [0, -100, 5, 2], shape: [4], dtype: "int32" as const },
      ];
      evaluate((a, b, l) => dkd(a as tf.Tensor2D, b as tf.Tensor2D, l as tf.Tensor1D), args);
      evaluate((a, b, l) => pld(a as tf.Tensor2D, b as tf.Tensor2D, l as tf.Tensor1D), args);
    });
    tf.dispose([s, t, y, v]);
  });
});
