// Cross-entropy and KD against float64 references computed here, values and gradients.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { crossEntropy, kd } from "../../runtime/losses/index.js";
import { expectClose, expectScalarClose, logSoftmaxRow, randomMatrix, take, useCpu } from "./helpers.js";

beforeAll(useCpu);

// ---- references ----

/** CE value and analytic gradient w.r.t. the logits. */
function ceReference(z: Float64Array, labels: readonly number[], classes: number, eps: number): { loss: number; grad: Float64Array } {
  const B = labels.length;
  const valid = labels.filter((y) => y !== -100).length;
  const n = Math.max(valid, 1);
  let loss = 0;
  const grad = new Float64Array(B * classes);
  for (let b = 0; b < B; b++) {
    if (labels[b] === -100) continue;
    const logp = logSoftmaxRow(z, b * classes, classes);
    for (let c = 0; c < classes; c++) {
      const target = (c === labels[b] ? 1 - eps : 0) + eps / classes;
      loss -= (target * logp[c]!) / n;
      grad[b * classes + c] = (Math.exp(logp[c]!) - target) / n;
    }
  }
  return { loss, grad };
}

function kdValue(s: Float64Array, t: Float64Array, B: number, classes: number, T: number, t2: boolean): number {
  let total = 0;
  for (let b = 0; b < B; b++) {
    const logq = logSoftmaxRow(s, b * classes, classes, T);
    const logp = logSoftmaxRow(t, b * classes, classes, T);
    for (let c = 0; c < classes; c++) total += Math.exp(logp[c]!) * (logp[c]! - logq[c]!);
  }
  return ((t2 ? T * T : 1) * total) / B;
}

/** KD gradient w.r.t. the student: (T² or 1)/B · (q − p)/T. */
function kdGrad(s: Float64Array, t: Float64Array, B: number, classes: number, T: number, t2: boolean): Float64Array {
  const g = new Float64Array(B * classes);
  for (let b = 0; b < B; b++) {
    const logq = logSoftmaxRow(s, b * classes, classes, T);
    const logp = logSoftmaxRow(t, b * classes, classes, T);
    for (let c = 0; c < classes; c++) g[b * classes + c] = ((t2 ? T * T : 1) / B) * ((Math.exp(logq[c]!) - Math.exp(logp[c]!)) / T);
  }
  return g;
}

/** Central finite differences of a float64 function. */
function numericGrad(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const old = x[i]!;
    x[i] = old + h;
    const up = f(x);
    x[i] = old - h;
    const down = f(x);
    x[i] = old;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

// ---- tfjs side ----

function tfCe(z: Float64Array, labels: readonly number[], classes: number, smoothing?: number) {
  const logits = tf.tensor2d(Float32Array.from(z), [labels.length, classes]);
  const y = tf.tensor1d([...labels], "int32");
  const opts = smoothing === undefined ? undefined : { smoothing };
  const { value, grads } = tf.valueAndGrads((l: tf.Tensor) => crossEntropy(l as tf.Tensor2D, y, opts))([logits]);
  const out = { loss: take(value)[0]!, grad: take(grads[0]!) };
  tf.dispose([logits, y]);
  return out;
}

function tfKd(s: Float64Array, t: Float64Array, B: number, classes: number, options?: { T?: number; t2?: boolean }) {
  const st = tf.tensor2d(Float32Array.from(s), [B, classes]);
  const tt = tf.tensor2d(Float32Array.from(t), [B, classes]);
  const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => kd(a as tf.Tensor2D, b as tf.Tensor2D, options))([st, tt]);
  const out = { loss: take(value)[0]!, gradStudent: take(grads[0]!), gradTeacher: take(grads[1]!) };
  tf.dispose([st, tt]);
  return out;
}

/** Float32-representable copy, so both sides see identical inputs. */
const f32 = (x: Float64Array) => Float64Array.from(Float32Array.from(x));

describe("crossEntropy", () => {
  const cases: { name: string; B: number; C: number; scale: number; labels?: number[]; eps?: number }[] = [
    { name: "batch 1", B: 1, C: 10, scale: 3 },
    { name: "2 classes", B: 8, C: 2, scale: 3 },
    { name: "1000 classes", B: 4, C: 1000, scale: 5 },
    { name: "±50 logits", B: 6, C: 10, scale: 50 },
    { name: "label smoothing 0.1", B: 5, C: 10, scale: 4, eps: 0.1 },
    { name: "smoothing at ±50", B: 5, C: 7, scale: 50, eps: 0.2 },
    { name: "rows with label -100", B: 6, C: 5, scale: 3, labels: [1, -100, 4, -100, 0, 2] },
    { name: "-100 with smoothing", B: 4, C: 5, scale: 3, labels: [-100, 3, 3, -100], eps: 0.3 },
  ];
  for (const [i, c] of cases.entries()) {
    it(`matches the float64 reference: ${c.name}`, () => {
      const z = f32(randomMatrix(c.B, c.C, c.scale, 100 + i));
      const labels = c.labels ?? Array.from({ length: c.B }, (_, b) => (b * 7 + i) % c.C);
      const ref = ceReference(z, labels, c.C, c.eps ?? 0);
      const got = tfCe(z, labels, c.C, c.eps);
      expectScalarClose(got.loss, ref.loss, 1e-5, 1e-6);
      expectClose(got.grad, ref.grad, 1e-4, 1e-5);
    });
  }

  it("agrees with finite differences of the reference (smoothing, ignored rows)", () => {
    const C = 4;
    const labels = [2, -100, 0];
    const z = f32(randomMatrix(3, C, 2, 7));
    const numeric = numericGrad((x) => ceReference(x, labels, C, 0.1).loss, Float64Array.from(z));
    expectClose(ceReference(z, labels, C, 0.1).grad, numeric, 1e-6, 1e-7);
    expectClose(tfCe(z, labels, C, 0.1).grad, numeric, 1e-4, 1e-5);
  });

  it("is 0 with a zero gradient when every row is ignored", () => {
    const z = f32(randomMatrix(3, 5, 50, 9));
    const got = tfCe(z, [-100, -100, -100], 5, 0.1);
    expect(got.loss).toBe(0);
    expect(Array.from(got.grad).every((g) => g === 0)).toBe(true);
  });

  it("puts the ±50 extreme exactly: a confident wrong row costs ~100", () => {
    const z = new Float64Array([50, -50]);
    const got = tfCe(z, [1], 2);
    expectScalarClose(got.loss, 100, 1e-6);
  });
});

describe("kd", () => {
  const cases: { name: string; B: number; C: number; scale: number; T?: number; t2?: boolean }[] = [
    { name: "defaults (T=4, t2)", B: 8, C: 10, scale: 3 },
    { name: "batch 1", B: 1, C: 10, scale: 3, T: 2 },
    { name: "2 classes", B: 5, C: 2, scale: 3, T: 1 },
    { name: "1000 classes", B: 3, C: 1000, scale: 6, T: 3 },
    { name: "±50 logits, T=1", B: 4, C: 10, scale: 50, T: 1 },
    { name: "±50 logits, T=4", B: 4, C: 10, scale: 50, T: 4 },
    { name: "T=3 without t2", B: 6, C: 10, scale: 4, T: 3, t2: false },
    { name: "T=0.5 with t2", B: 6, C: 10, scale: 4, T: 0.5, t2: true },
  ];
  for (const [i, c] of cases.entries()) {
    it(`matches the float64 reference: ${c.name}`, () => {
      const s = f32(randomMatrix(c.B, c.C, c.scale, 200 + i));
      const t = f32(randomMatrix(c.B, c.C, c.scale, 300 + i));
      const T = c.T ?? 4;
      const t2 = c.t2 ?? true;
      const options = c.T === undefined && c.t2 === undefined ? undefined : { T, t2 };
      const got = tfKd(s, t, c.B, c.C, options);
      expectScalarClose(got.loss, kdValue(s, t, c.B, c.C, T, t2), 1e-4, 1e-6);
      expectClose(got.gradStudent, kdGrad(s, t, c.B, c.C, T, t2), 1e-4, 1e-5);
    });
  }

  it("analytic reference gradient agrees with finite differences", () => {
    const s = f32(randomMatrix(3, 5, 2, 11));
    const t = f32(randomMatrix(3, 5, 2, 12));
    const numeric = numericGrad((x) => kdValue(x, t, 3, 5, 2, true), Float64Array.from(s));
    expectClose(kdGrad(s, t, 3, 5, 2, true), numeric, 1e-6, 1e-7);
  });

  it("gives the teacher no gradient", () => {
    const s = f32(randomMatrix(4, 6, 3, 13));
    const t = f32(randomMatrix(4, 6, 3, 14));
    const got = tfKd(s, t, 4, 6);
    expect(Array.from(got.gradTeacher).every((g) => g === 0)).toBe(true);
    expect(Array.from(got.gradStudent).some((g) => g !== 0)).toBe(true);
  });

  it("is 0 when student equals teacher, and t2 scales by T²", () => {
    const s = f32(randomMatrix(4, 6, 3, 15));
    expectScalarClose(tfKd(s, s, 4, 6).loss, 0, 0, 1e-6);
    const t = f32(randomMatrix(4, 6, 3, 16));
    const withT2 = tfKd(s, t, 4, 6, { T: 3, t2: true }).loss;
    const without = tfKd(s, t, 4, 6, { T: 3, t2: false }).loss;
    expectScalarClose(withT2, 9 * without, 1e-5);
  });

  it("leaves no tensors behind", () => {
    const s = tf.randomNormal([4, 6]) as tf.Tensor2D;
    const t = tf.randomNormal([4, 6]) as tf.Tensor2D;
    const y = tf.tensor1d([0, 1, 2, 3], "int32");
    const before = tf.memory().numTensors;
    kd(s, t).dispose();
    crossEntropy(s, y, { smoothing: 0.1 }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([s, t, y]);
  });
});
