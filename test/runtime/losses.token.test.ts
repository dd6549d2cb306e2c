// Token-level losses for language models ([B, T, V] logits, [B, T] labels, -100 ignored, sum over
// valid tokens / max(count, 1)) and causalShift, against float64 references.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  causalShift,
  crossEntropy,
  generalizedJsd,
  kd,
  reverseKl,
  taid,
  tokenCrossEntropy,
  tokenGeneralizedJsd,
  tokenJsd,
  tokenKd,
  tokenReverseKl,
  tokenTaid,
  tokenTvd,
  tvd,
} from "../../runtime/losses/index.js";
import { expectScalarClose, useCpu } from "./helpers.js";
import { forwardKlRow, gjsdRow, reverseKlRow, taidRow, tvdRow, type RowLoss } from "./reference/divergences.js";
import { allZero, evaluate, expectGradClose, expectNoLeak } from "./reference/harness.js";
import { logSoftmax, numericGradRows, row, uniform } from "./reference/float64.js";

beforeAll(useCpu);

// ---- references ----

/** Σ over valid tokens of f / max(#valid, 1); labels undefined → every token is valid. */
function tokenMean(s: Float64Array, t: Float64Array, labels: readonly number[] | undefined, n: number, V: number, f: RowLoss): number {
  let total = 0;
  let count = 0;
  for (let k = 0; k < n; k++) {
    if (labels !== undefined && labels[k] === -100) continue;
    total += f(row(s, k, V), row(t, k, V));
    count++;
  }
  return total / Math.max(count, 1);
}

function tokenGrad(s: Float64Array, t: Float64Array, labels: readonly number[] | undefined, n: number, V: number, f: RowLoss, factor: number): Float64Array {
  const count = Math.max(labels === undefined ? n : labels.filter((y) => y !== -100).length, 1);
  const tRows = Array.from({ length: n }, (_, k) => row(t, k, V));
  return numericGradRows((r, k) => (labels !== undefined && labels[k] === -100 ? 0 : (factor / count) * f(r, tRows[k]!)), s, n, V);
}

/** Token CE with smoothing ε, as PyTorch: −Σ_v ((1−ε)·onehot + ε/V)·log_softmax. */
const ceRow = (y: number, eps: number) => (s: Float64Array) => {
  const logp = logSoftmax(s);
  let loss = 0;
  for (let v = 0; v < s.length; v++) loss -= ((v === y ? 1 - eps : 0) + eps / s.length) * logp[v]!;
  return loss;
};

// ---- cases ----

interface Case {
  readonly name: string;
  readonly B: number;
  readonly T: number;
  readonly V: number;
  readonly scale: number;
  /** [B·T] labels; "none" passes no labels (every token counts). */
  readonly labels: number[] | "none";
}

const cases: Case[] = [
  { name: "prompt and padding masked", B: 2, T: 4, V: 6, scale: 3, labels: [-100, -100, 3, 1, -100, 0, 5, -100] },
  { name: "no labels: every token counts", B: 2, T: 3, V: 5, scale: 3, labels: "none" },
  { name: "batch 1, 2-token vocabulary", B: 1, T: 4, V: 2, scale: 3, labels: [0, -100, 1, 1] },
  { name: "1000-token vocabulary", B: 1, T: 2, V: 1000, scale: 6, labels: [7, 999] },
  { name: "±50 logits", B: 2, T: 2, V: 8, scale: 50, labels: [1, -100, 4, 0] },
];

type TokenLoss = (s: tf.Tensor3D, t: tf.Tensor3D, labels: tf.Tensor2D | undefined) => tf.Scalar;

function check(loss: TokenLoss, f: RowLoss, factor: number, c: Case, seed: number): void {
  const n = c.B * c.T;
  const s = uniform(n * c.V, c.scale, seed);
  const t = uniform(n * c.V, c.scale, seed + 1000);
  const labels = c.labels === "none" ? undefined : c.labels;
  const inputs = [
    { data: s, shape: [c.B, c.T, c.V] },
    { data: t, shape: [c.B, c.T, c.V] },
    ...(labels === undefined ? [] : [{ data: labels, shape: [c.B, c.T], dtype: "int32" as const }]),
  ];
  const got = evaluate((a, b, y) => loss(a as tf.Tensor3D, b as tf.Tensor3D, y as tf.Tensor2D | undefined), inputs);
  expectScalarClose(got.loss, factor * tokenMean(s, t, labels, n, c.V, f), 1e-4, 1e-6);
  expectGradClose(got.grads[0]!, tokenGrad(s, t, labels, n, c.V, f, factor), 1e-4, 1e-5, c.scale >= 50 ? 1e-7 : 1e-9);
  expect(allZero(got.grads[1])).toBe(true);
}

const lab = (y: tf.Tensor2D | undefined) => (y === undefined ? {} : { labels: y });

// ---- tests ----

describe("causalShift", () => {
  it("pairs logits[:, :-1] with labels[:, 1:]", () => {
    const logits = tf.tensor3d(Array.from({ length: 2 * 3 * 2 }, (_, i) => i), [2, 3, 2]);
    const labels = tf.tensor2d([[10, 11, 12], [20, 21, 22]], undefined, "int32");
    const shifted = causalShift(logits, labels);
    expect(shifted.logits.shape).toEqual([2, 2, 2]);
    expect(Array.from(shifted.logits.dataSync())).toEqual([0, 1, 2, 3, 6, 7, 8, 9]);
    expect(Array.from(shifted.labels.dataSync())).toEqual([11, 12, 21, 22]);
    const teacher = causalShift(logits);
    expect(teacher.labels).toBeUndefined();
    expect(Array.from(teacher.logits.dataSync())).toEqual([0, 1, 2, 3, 6, 7, 8, 9]);
    tf.dispose([logits, labels, shifted.logits, shifted.labels, teacher.logits]);
  });

  it("needs two positions and matching labels", () => {
    const one = tf.zeros([2, 1, 3]) as tf.Tensor3D;
    const two = tf.zeros([2, 2, 3]) as tf.Tensor3D;
    const labels = tf.zeros([2, 3], "int32") as tf.Tensor2D;
    expect(() => causalShift(one)).toThrow(/at least 2 positions/);
    expect(() => causalShift(two, labels)).toThrow(/expected labels \[2, 2\]/);
    tf.dispose([one, two, labels]);
  });
});

describe("tokenCrossEntropy", () => {
  for (const [i, c] of cases.filter((x) => x.labels !== "none").entries()) {
    for (const eps of [0, 0.1]) {
      it(`matches the float64 reference: ${c.name}, smoothing ${eps}`, () => {
        const n = c.B * c.T;
        const labels = c.labels as number[];
        const z = uniform(n * c.V, c.scale, 10 + i);
        const got = evaluate((a, y) => tokenCrossEntropy(a as tf.Tensor3D, y as tf.Tensor2D, { smoothing: eps }), [
          { data: z, shape: [c.B, c.T, c.V] },
          { data: labels, shape: [c.B, c.T], dtype: "int32" },
        ]);
        const count = Math.max(labels.filter((y) => y !== -100).length, 1);
        let ref = 0;
        labels.forEach((y, k) => y !== -100 && (ref += ceRow(y, eps)(row(z, k, c.V)) / count));
        expectScalarClose(got.loss, ref, 1e-5, 1e-6);
        const grad = numericGradRows((r, k) => (labels[k] === -100 ? 0 : ceRow(labels[k]!, eps)(r) / count), z, n, c.V);
        expectGradClose(got.grads[0]!, grad, 1e-4, 1e-5, c.scale >= 50 ? 1e-7 : 1e-9);
      });
    }
  }
});

describe("token-level KD family", () => {
  const family: { name: string; loss: (o: { T?: number; t2?: boolean; beta?: number }) => TokenLoss; row: (o: { T: number; beta: number }) => RowLoss; factor: (o: { T: number }) => number; options: { T?: number; t2?: boolean; beta?: number }[] }[] = [
    {
      name: "tokenKd",
      loss: (o) => (s, t, y) => tokenKd(s, t, { ...o, ...lab(y) }),
      row: (o) => forwardKlRow(o.T),
      factor: (o) => o.T * o.T,
      options: [{ T: 1 }, { T: 2 }],
    },
    {
      name: "tokenReverseKl",
      loss: (o) => (s, t, y) => tokenReverseKl(s, t, { ...o, ...lab(y) }),
      row: (o) => reverseKlRow(o.T),
      factor: (o) => o.T * o.T,
      options: [{ T: 1 }, { T: 3 }],
    },
    {
      name: "tokenGeneralizedJsd",
      loss: (o) => (s, t, y) => tokenGeneralizedJsd(s, t, { ...o, ...lab(y) }),
      row: (o) => gjsdRow(o.beta, o.T),
      factor: () => 1,
      options: [{ beta: 0.2 }, { beta: 0.5, T: 2 }],
    },
    {
      name: "tokenTvd",
      loss: (o) => (s, t, y) => tokenTvd(s, t, { ...o, ...lab(y) }),
      row: (o) => tvdRow(o.T),
      factor: () => 1,
      options: [{}, { T: 2 }],
    },
  ];
  for (const f of family) {
    for (const [i, c] of cases.entries()) {
      const o = f.options[i % f.options.length]!;
      it(`${f.name} matches the float64 reference: ${c.name} (${JSON.stringify(o)})`, () => {
        const full = { T: o.T ?? 1, beta: o.beta ?? 0.5 };
        // The KL pair defaults to T = 4 with T²; pass T explicitly, the scale follows t2's default.
        check(f.loss(o), f.row(full), f.factor(full), c, 100 + i);
      });
    }
  }

  it("tokenTaid matches the float64 reference, masked and unmasked, ±50 and 1000 tokens", () => {
    for (const [i, c] of cases.entries()) {
      const lambda = [0.4, 0.8, 1, 0.5, 0.9][i]!;
      const n = c.B * c.T;
      const s = uniform(n * c.V, c.scale, 200 + i);
      const t = uniform(n * c.V, c.scale, 300 + i);
      const labels = c.labels === "none" ? undefined : c.labels;
      const got = evaluate((a, b, y) => tokenTaid(a as tf.Tensor3D, b as tf.Tensor3D, lambda, lab(y as tf.Tensor2D | undefined)), [
        { data: s, shape: [c.B, c.T, c.V] },
        { data: t, shape: [c.B, c.T, c.V] },
        ...(labels === undefined ? [] : [{ data: labels, shape: [c.B, c.T], dtype: "int32" as const }]),
      ]);
      const count = Math.max(labels === undefined ? n : labels.filter((y) => y !== -100).length, 1);
      let loss = 0;
      const grad = new Float64Array(n * c.V);
      for (let k = 0; k < n; k++) {
        if (labels !== undefined && labels[k] === -100) continue;
        const r = taidRow(row(s, k, c.V), row(t, k, c.V), lambda);
        loss += r.loss / count;
        r.grad.forEach((g, v) => (grad[k * c.V + v] = g / count));
      }
      expectScalarClose(got.loss, loss, 1e-4, 1e-6);
      expectGradClose(got.grads[0]!, grad, 1e-4, 1e-5, c.scale >= 50 ? 1e-7 : 1e-9);
      expect(allZero(got.grads[1])).toBe(true);
    }
  });

  it("keeps the class-level defaults: T = 4 with T² for KD and reverse KL, T = 1 without for JSD and TVD", () => {
    const s = uniform(2 * 3 * 5, 3, 400);
    const t = uniform(2 * 3 * 5, 3, 401);
    const three = [{ data: s, shape: [2, 3, 5] }, { data: t, shape: [2, 3, 5] }];
    const two = [{ data: s, shape: [6, 5] }, { data: t, shape: [6, 5] }];
    const pairs: [TokenLoss, (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Scalar][] = [
      [(a, b) => tokenKd(a, b), (a, b) => kd(a, b)],
      [(a, b) => tokenReverseKl(a, b), (a, b) => reverseKl(a, b)],
      [(a, b) => tokenGeneralizedJsd(a, b), (a, b) => generalizedJsd(a, b)],
      [(a, b) => tokenJsd(a, b), (a, b) => generalizedJsd(a, b, { beta: 0.5 })],
      [(a, b) => tokenTvd(a, b), (a, b) => tvd(a, b)],
      [(a, b) => tokenTaid(a, b, 0.3), (a, b) => taid(a, b, 0.3)],
    ];
    for (const [token, flat] of pairs) {
      const x = evaluate((a, b) => token(a as tf.Tensor3D, b as tf.Tensor3D, undefined), three);
      const y = evaluate((a, b) => flat(a as tf.Tensor2D, b as tf.Tensor2D), two);
      expectScalarClose(x.loss, y.loss, 1e-6, 1e-7);
      expectGradClose(x.grads[0]!, y.grads[0]!, 1e-5, 1e-6);
    }
    const ce = evaluate((a, l) => tokenCrossEntropy(a as tf.Tensor3D, l as tf.Tensor2D), [three[0]!, { data: [0, 1, 2, 3, 4, -100], shape: [2, 3], dtype: "int32" }]);
    const ce2 = evaluate((a, l) => crossEntropy(a as tf.Tensor2D, l as tf.Tensor1D), [two[0]!, { data: [0, 1, 2, 3, 4, -100], shape: [6], dtype: "int32" }]);
    expectScalarClose(ce.loss, ce2.loss, 1e-6, 1e-7);
  });

  it("every token ignored: 0 with a zero gradient, never NaN", () => {
    const s = uniform(2 * 2 * 4, 50, 500);
    const t = uniform(2 * 2 * 4, 50, 501);
    const inputs = [
      { data: s, shape: [2, 2, 4] },
      { data: t, shape: [2, 2, 4] },
      { data: [-100, -100, -100, -100], shape: [2, 2], dtype: "int32" as const },
    ];
    const losses: TokenLoss[] = [
      (a, b, y) => tokenKd(a, b, lab(y)),
      (a, b, y) => tokenReverseKl(a, b, lab(y)),
      (a, b, y) => tokenGeneralizedJsd(a, b, { beta: 0.3, ...lab(y) }),
      (a, b, y) => tokenJsd(a, b, lab(y)),
      (a, b, y) => tokenTvd(a, b, lab(y)),
      (a, b, y) => tokenTaid(a, b, 0.5, lab(y)),
    ];
    for (const loss of losses) {
      const got = evaluate((a, b, y) => loss(a as tf.Tensor3D, b as tf.Tensor3D, y as tf.Tensor2D), inputs);
      expect(got.loss).toBe(0);
      expect(allZero(got.grads[0])).toBe(true);
    }
    const ce = evaluate((a, y) => tokenCrossEntropy(a as tf.Tensor3D, y as tf.Tensor2D, { smoothing: 0.1 }), [inputs[0]!, inputs[2]!]);
    expect(ce.loss).toBe(0);
    expect(allZero(ce.grads[0])).toBe(true);
  });

  it("rejects mismatched shapes", () => {
    const a = tf.zeros([2, 3, 4]) as tf.Tensor3D;
    const b = tf.zeros([2, 3, 5]) as tf.Tensor3D;
    const y = tf.zeros([2, 4], "int32") as tf.Tensor2D;
    expect(() => tokenKd(a, b)).toThrow(/for both student and teacher/);
    expect(() => tokenTvd(a, a, { labels: y })).toThrow(/expected labels \[2, 3\]/);
    expect(() => tokenCrossEntropy(a, y)).toThrow(/expected labels \[2, 3\]/);
    tf.dispose([a, b, y]);
  });
});

describe("memory", () => {
  it("every token loss leaves no tensors behind, called directly or under a gradient", () => {
    const s = tf.randomNormal([2, 3, 5]) as tf.Tensor3D;
    const t = tf.randomNormal([2, 3, 5]) as tf.Tensor3D;
    const y = tf.tensor2d([[1, -100, 4], [0, 0, 2]], undefined, "int32");
    expectNoLeak(() => {
      tokenCrossEntropy(s, y, { smoothing: 0.1 }).dispose();
      tokenKd(s, t, { labels: y }).dispose();
      tokenReverseKl(s, t).dispose();
      tokenGeneralizedJsd(s, t, { beta: 0.1, labels: y }).dispose();
      tokenJsd(s, t).dispose();
      tokenTvd(s, t, { labels: y }).dispose();
      tokenTaid(s, t, 0.7, { labels: y }).dispose();
      evaluate((a, b, l) => tokenGeneralizedJsd(a as tf.Tensor3D, b as tf.Tensor3D, { labels: l as tf.Tensor2D }), [
        { data: Array.from(s.dataSync()), shape: [2, 3, 5] },
        { data: Array.from(t.dataSync()), shape: [2, 3, 5] },
        { data: [1, -100, 4, 0, 0, 2], shape: [2, 3], dtype: "int32" },
      ]);
    });
    tf.dispose([s, t, y]);
  });
});
