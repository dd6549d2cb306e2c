// MSE, FitNets hint, attention transfer and RKD (distance, angle) against float64 references
// written here: values, gradients w.r.t. the student (and the hint adapter), zero teacher gradients.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { attentionTransfer, hint, mse, rkdAngle, rkdDistance } from "../../runtime/losses/index.js";
import { expectScalarClose, useCpu } from "./helpers.js";
import { allZero, evaluate, expectGradClose, expectNoLeak } from "./reference/harness.js";
import { numericGrad, smoothL1, uniform } from "./reference/float64.js";

beforeAll(useCpu);

// ---- float64 references ----

function mseRef(s: ArrayLike<number>, t: ArrayLike<number>, batch: number, reduction: "mean" | "sum-per-example"): number {
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += (s[i]! - t[i]!) ** 2;
  return reduction === "mean" ? sum / s.length : sum / batch;
}

/** mean((s·W + b − t)²) over all elements; s [rows, ds], W [ds, dt], b [dt] or empty. */
function hintRef(s: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number>, t: ArrayLike<number>, rows: number, ds: number, dt: number): number {
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < dt; j++) {
      let v = bias.length > 0 ? bias[j]! : 0;
      for (let k = 0; k < ds; k++) v += s[r * ds + k]! * w[k * dt + j]!;
      sum += (v - t[r * dt + j]!) ** 2;
    }
  }
  return sum / (rows * dt);
}

/** Q [B][H·W] of an NHWC map: channel mean of A², divided by max(L2 norm, 1e-12). */
function attentionRef(x: ArrayLike<number>, B: number, HW: number, C: number): number[][] {
  const out: number[][] = [];
  for (let b = 0; b < B; b++) {
    const a: number[] = [];
    for (let p = 0; p < HW; p++) {
      let m = 0;
      for (let c = 0; c < C; c++) m += x[(b * HW + p) * C + c]! ** 2;
      a.push(m / C);
    }
    const norm = Math.sqrt(a.reduce((acc, v) => acc + v * v, 0));
    out.push(a.map((v) => v / Math.max(norm, 1e-12)));
  }
  return out;
}

function atRef(s: ArrayLike<number>, t: ArrayLike<number>, B: number, HW: number, Cs: number, Ct: number): number {
  const qs = attentionRef(s, B, HW, Cs);
  const qt = attentionRef(t, B, HW, Ct);
  let sum = 0;
  for (let b = 0; b < B; b++) for (let p = 0; p < HW; p++) sum += (qs[b]![p]! - qt[b]![p]!) ** 2;
  return sum / (B * HW);
}

function dist(x: ArrayLike<number>, i: number, j: number, D: number): number {
  let sq = 0;
  for (let k = 0; k < D; k++) sq += (x[i * D + k]! - x[j * D + k]!) ** 2;
  return Math.sqrt(sq);
}

/** ψ: distances over the mean of the positive ones. */
function psi(x: ArrayLike<number>, N: number, D: number): number[] {
  const d: number[] = [];
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) d.push(dist(x, i, j, D));
  const positive = d.filter((v) => v > 0);
  const mean = positive.length === 0 ? 0 : positive.reduce((a, b) => a + b, 0) / positive.length;
  return d.map((v) => (mean > 0 ? v / mean : 0));
}

function rkdDistanceRef(s: ArrayLike<number>, t: ArrayLike<number>, N: number, Ds: number, Dt: number): number {
  const ps = psi(s, N, Ds);
  const pt = psi(t, N, Dt);
  return ps.reduce((acc, v, k) => acc + smoothL1(v - pt[k]!), 0) / (N * N);
}

/** cos[i][j][k] = ⟨unit(x_j − x_i), unit(x_k − x_i)⟩, a zero vector where x_j = x_i. */
function cosinesRef(x: ArrayLike<number>, N: number, D: number): number[] {
  const unit = (i: number, j: number): number[] => {
    const v = Array.from({ length: D }, (_, k) => x[j * D + k]! - x[i * D + k]!);
    const n = Math.hypot(...v);
    return n > 0 ? v.map((c) => c / n) : v.map(() => 0);
  };
  const out: number[] = [];
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const a = unit(i, j);
      for (let k = 0; k < N; k++) {
        const b = unit(i, k);
        out.push(a.reduce((acc, v, m) => acc + v * b[m]!, 0));
      }
    }
  }
  return out;
}

function rkdAngleRef(s: ArrayLike<number>, t: ArrayLike<number>, N: number, Ds: number, Dt: number): number {
  const cs = cosinesRef(s, N, Ds);
  const ct = cosinesRef(t, N, Dt);
  return cs.reduce((acc, v, k) => acc + smoothL1(v - ct[k]!), 0) / N ** 3;
}

/** Finite differences of `f` w.r.t. x (a copy is perturbed). */
const grad = (f: (x: Float64Array) => number, x: ArrayLike<number>) => numericGrad(f, Float64Array.from(Array.from(x)));

// ---- tests ----

describe("mse", () => {
  const cases = [
    { name: "mean over all elements", shape: [4, 6], scale: 3, reduction: undefined },
    { name: "sum per example", shape: [4, 6], scale: 3, reduction: "sum-per-example" as const },
    { name: "batch 1", shape: [1, 10], scale: 3, reduction: undefined },
    { name: "±50 logits", shape: [3, 5], scale: 50, reduction: "mean" as const },
    { name: "rank 3, sum per example", shape: [2, 3, 4], scale: 2, reduction: "sum-per-example" as const },
  ];
  for (const [i, c] of cases.entries()) {
    it(`matches the float64 reference: ${c.name}`, () => {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const s = uniform(n, c.scale, 10 + i);
      const t = uniform(n, c.scale, 20 + i);
      const reduction = c.reduction ?? "mean";
      const got = evaluate((a, b) => mse(a, b, c.reduction === undefined ? undefined : { reduction: c.reduction }), [
        { data: s, shape: c.shape },
        { data: t, shape: c.shape },
      ]);
      expectScalarClose(got.loss, mseRef(s, t, c.shape[0]!, reduction), 1e-5, 1e-6);
      expectGradClose(got.grads[0]!, grad((x) => mseRef(x, t, c.shape[0]!, reduction), s));
      expect(allZero(got.grads[1])).toBe(true);
    });
  }

  it("rejects mismatched shapes and unknown reductions", () => {
    const a = tf.zeros([2, 3]);
    const b = tf.zeros([3, 2]);
    expect(() => mse(a, b)).toThrow(/same shape/);
    expect(() => mse(a, a, { reduction: "sum" as never })).toThrow(/unknown reduction/);
    tf.dispose([a, b]);
  });
});

describe("hint", () => {
  const cases = [
    { name: "linear adapter with bias", lead: [5], ds: 4, dt: 6, bias: true },
    { name: "linear adapter without bias", lead: [3], ds: 6, dt: 2, bias: false },
    { name: "batch 1", lead: [1], ds: 3, dt: 3, bias: true },
    { name: "feature maps [B, H, W, C] (1×1 convolution)", lead: [2, 3, 2], ds: 3, dt: 5, bias: true },
  ];
  for (const [i, c] of cases.entries()) {
    it(`matches the float64 reference: ${c.name}`, () => {
      const rows = c.lead.reduce((a, b) => a * b, 1);
      const s = uniform(rows * c.ds, 2, 30 + i);
      const t = uniform(rows * c.dt, 2, 40 + i);
      const w = uniform(c.ds * c.dt, 0.5, 50 + i);
      const bias = c.bias ? uniform(c.dt, 0.5, 60 + i) : new Float64Array(0);
      const inputs = [
        { data: s, shape: [...c.lead, c.ds] },
        { data: t, shape: [...c.lead, c.dt] },
        { data: w, shape: [c.ds, c.dt] },
        ...(c.bias ? [{ data: bias, shape: [c.dt] }] : []),
      ];
      const got = evaluate(
        (a, b, weight, bb) => hint(a, b, { weight: weight as tf.Tensor2D, ...(bb === undefined ? {} : { bias: bb as tf.Tensor1D }) }),
        inputs,
      );
      const ref = (sx: ArrayLike<number>, wx: ArrayLike<number>, bx: ArrayLike<number>) => hintRef(sx, wx, bx, t, rows, c.ds, c.dt);
      expectScalarClose(got.loss, ref(s, w, bias), 1e-5, 1e-6);
      expectGradClose(got.grads[0]!, grad((x) => ref(x, w, bias), s));
      expect(allZero(got.grads[1])).toBe(true);
      expectGradClose(got.grads[2]!, grad((x) => ref(s, x, bias), w));
      if (c.bias) expectGradClose(got.grads[3]!, grad((x) => ref(s, w, x), bias));
    });
  }

  it("takes a function adapter, differentiating whatever it uses", () => {
    const s = uniform(4 * 3, 2, 70);
    const t = uniform(4 * 2, 0.9, 71);
    const w = uniform(3 * 2, 0.5, 72);
    const got = evaluate((a, b, weight) => hint(a, b, (x) => tf.tanh(tf.matMul(x as tf.Tensor2D, weight as tf.Tensor2D))), [
      { data: s, shape: [4, 3] },
      { data: t, shape: [4, 2] },
      { data: w, shape: [3, 2] },
    ]);
    const ref = (sx: ArrayLike<number>, wx: ArrayLike<number>) => {
      let sum = 0;
      for (let r = 0; r < 4; r++) {
        for (let j = 0; j < 2; j++) {
          let v = 0;
          for (let k = 0; k < 3; k++) v += sx[r * 3 + k]! * wx[k * 2 + j]!;
          sum += (Math.tanh(v) - t[r * 2 + j]!) ** 2;
        }
      }
      return sum / 8;
    };
    expectScalarClose(got.loss, ref(s, w), 1e-5, 1e-6);
    expectGradClose(got.grads[0]!, grad((x) => ref(x, w), s));
    expectGradClose(got.grads[2]!, grad((x) => ref(s, x), w));
    expect(allZero(got.grads[1])).toBe(true);
  });

  it("rejects adapters that do not fit the features", () => {
    const s = tf.zeros([2, 3]);
    const t = tf.zeros([2, 4]);
    const w = tf.zeros([3, 5]) as tf.Tensor2D;
    expect(() => hint(s, t, { weight: w })).toThrow(/adapter weight must be \[3, 4\]/);
    expect(() => hint(s, t, (x) => x)).toThrow(/maps the student feature to \[2,3\]/);
    tf.dispose([s, t, w]);
  });
});

describe("attentionTransfer", () => {
  const cases = [
    { name: "different channel counts", B: 2, H: 3, W: 4, Cs: 5, Ct: 7, scale: 2 },
    { name: "batch 1", B: 1, H: 2, W: 2, Cs: 3, Ct: 3, scale: 2 },
    { name: "large activations (±50)", B: 2, H: 2, W: 3, Cs: 4, Ct: 2, scale: 50 },
    { name: "1×1 spatial", B: 3, H: 1, W: 1, Cs: 2, Ct: 4, scale: 1 },
  ];
  for (const [i, c] of cases.entries()) {
    it(`matches the float64 reference: ${c.name}`, () => {
      const HW = c.H * c.W;
      const s = uniform(c.B * HW * c.Cs, c.scale, 80 + i);
      const t = uniform(c.B * HW * c.Ct, c.scale, 90 + i);
      const got = evaluate((a, b) => attentionTransfer(a as tf.Tensor4D, b as tf.Tensor4D), [
        { data: s, shape: [c.B, c.H, c.W, c.Cs] },
        { data: t, shape: [c.B, c.H, c.W, c.Ct] },
      ]);
      const ref = (x: ArrayLike<number>) => atRef(x, t, c.B, HW, c.Cs, c.Ct);
      expectScalarClose(got.loss, ref(s), 1e-4, 1e-7);
      expectGradClose(got.grads[0]!, grad(ref, s), 1e-3, 1e-4);
      expect(allZero(got.grads[1])).toBe(true);
    });
  }

  it("an all-zero map gives Q = 0 and a zero (not NaN) gradient", () => {
    const t = uniform(2 * 4 * 3, 1, 99);
    const got = evaluate((a, b) => attentionTransfer(a as tf.Tensor4D, b as tf.Tensor4D), [
      { data: new Float64Array(2 * 4 * 2), shape: [2, 2, 2, 2] },
      { data: t, shape: [2, 2, 2, 3] },
    ]);
    expectScalarClose(got.loss, atRef(new Float64Array(16), t, 2, 4, 2, 3), 1e-5, 1e-7);
    expect(allZero(got.grads[0])).toBe(true);
  });

  it("requires equal batch and spatial size", () => {
    const s = tf.zeros([2, 3, 3, 4]) as tf.Tensor4D;
    const t = tf.zeros([2, 3, 4, 4]) as tf.Tensor4D;
    expect(() => attentionTransfer(s, t)).toThrow(/spatial size must match/);
    tf.dispose([s, t]);
  });
});

describe("rkdDistance", () => {
  const cases = [
    { name: "different widths", N: 5, Ds: 4, Dt: 6, scale: 2 },
    { name: "2 points", N: 2, Ds: 3, Dt: 2, scale: 1 },
    { name: "large features (±50)", N: 4, Ds: 3, Dt: 3, scale: 50 },
    { name: "8 points", N: 8, Ds: 5, Dt: 3, scale: 1 },
  ];
  for (const [i, c] of cases.entries()) {
    it(`matches the float64 reference: ${c.name}`, () => {
      const s = uniform(c.N * c.Ds, c.scale, 100 + i);
      const t = uniform(c.N * c.Dt, c.scale, 110 + i);
      const got = evaluate((a, b) => rkdDistance(a as tf.Tensor2D, b as tf.Tensor2D), [
        { data: s, shape: [c.N, c.Ds] },
        { data: t, shape: [c.N, c.Dt] },
      ]);
      const ref = (x: ArrayLike<number>) => rkdDistanceRef(x, t, c.N, c.Ds, c.Dt);
      expectScalarClose(got.loss, ref(s), 1e-4, 1e-7);
      expectGradClose(got.grads[0]!, grad(ref, s), 1e-3, 1e-4);
      expect(allZero(got.grads[1])).toBe(true);
    });
  }

  it("handles coincident teacher points (excluded from the mean) with exact gradients", () => {
    const s = uniform(5 * 3, 1, 120);
    const t = uniform(5 * 2, 1, 121);
    t[2] = t[0]!;
    t[3] = t[1]!; // teacher points 0 and 1 coincide
    const got = evaluate((a, b) => rkdDistance(a as tf.Tensor2D, b as tf.Tensor2D), [
      { data: s, shape: [5, 3] },
      { data: t, shape: [5, 2] },
    ]);
    const ref = (x: ArrayLike<number>) => rkdDistanceRef(x, t, 5, 3, 2);
    expectScalarClose(got.loss, ref(s), 1e-4, 1e-7);
    expectGradClose(got.grads[0]!, grad(ref, s), 1e-3, 1e-4);
  });

  it("coincident student points and an all-equal batch give finite values and gradients, never NaN", () => {
    const s = uniform(4 * 3, 1, 122);
    s.set(s.subarray(0, 3), 3); // student points 0 and 1 coincide
    const t = uniform(4 * 3, 1, 123);
    const got = evaluate((a, b) => rkdDistance(a as tf.Tensor2D, b as tf.Tensor2D), [
      { data: s, shape: [4, 3] },
      { data: t, shape: [4, 3] },
    ]);
    expectScalarClose(got.loss, rkdDistanceRef(s, t, 4, 3, 3), 1e-4, 1e-7);
    expect(Array.from(got.grads[0]!).every(Number.isFinite)).toBe(true);
    const same = evaluate((a, b) => rkdDistance(a as tf.Tensor2D, b as tf.Tensor2D), [
      { data: new Float64Array(12).fill(0.5), shape: [4, 3] },
      { data: t, shape: [4, 3] },
    ]);
    expectScalarClose(same.loss, rkdDistanceRef(new Float64Array(12).fill(0.5), t, 4, 3, 3), 1e-4, 1e-7);
    expect(allZero(same.grads[0])).toBe(true);
  });
});

describe("rkdAngle", () => {
  const cases = [
    { name: "different widths", N: 4, Ds: 3, Dt: 5, scale: 2 },
    { name: "3 points", N: 3, Ds: 2, Dt: 2, scale: 1 },
    { name: "large features (±50)", N: 5, Ds: 3, Dt: 4, scale: 50 },
    { name: "7 points", N: 7, Ds: 4, Dt: 2, scale: 1 },
  ];
  for (const [i, c] of cases.entries()) {
    it(`matches the float64 reference: ${c.name}`, () => {
      const s = uniform(c.N * c.Ds, c.scale, 130 + i);
      const t = uniform(c.N * c.Dt, c.scale, 140 + i);
      const got = evaluate((a, b) => rkdAngle(a as tf.Tensor2D, b as tf.Tensor2D), [
        { data: s, shape: [c.N, c.Ds] },
        { data: t, shape: [c.N, c.Dt] },
      ]);
      const ref = (x: ArrayLike<number>) => rkdAngleRef(x, t, c.N, c.Ds, c.Dt);
      expectScalarClose(got.loss, ref(s), 1e-4, 1e-7);
      expectGradClose(got.grads[0]!, grad(ref, s), 1e-3, 1e-4);
      expect(allZero(got.grads[1])).toBe(true);
    });
  }

  it("coincident points give finite values and gradients, never NaN", () => {
    const s = uniform(4 * 3, 1, 150);
    s.set(s.subarray(3, 6), 6); // student points 1 and 2 coincide
    const t = uniform(4 * 2, 1, 151);
    t.set(t.subarray(0, 2), 2); // teacher points 0 and 1 coincide
    const got = evaluate((a, b) => rkdAngle(a as tf.Tensor2D, b as tf.Tensor2D), [
      { data: s, shape: [4, 3] },
      { data: t, shape: [4, 2] },
    ]);
    expectScalarClose(got.loss, rkdAngleRef(s, t, 4, 3, 2), 1e-4, 1e-7);
    expect(Array.from(got.grads[0]!).every(Number.isFinite)).toBe(true);
  });

  it("rejects different point counts", () => {
    const s = tf.zeros([3, 2]) as tf.Tensor2D;
    const t = tf.zeros([4, 2]) as tf.Tensor2D;
    expect(() => rkdAngle(s, t)).toThrow(/expected student \[N, D\]/);
    expect(() => rkdDistance(s, t)).toThrow(/expected student \[N, D\]/);
    tf.dispose([s, t]);
  });
});

describe("memory", () => {
  it("every loss here leaves no tensors behind, called directly or under a gradient", () => {
    const s = tf.randomNormal([4, 3]) as tf.Tensor2D;
    const t = tf.randomNormal([4, 5]) as tf.Tensor2D;
    const w = tf.randomNormal([3, 5]) as tf.Tensor2D;
    const b = tf.randomNormal([5]) as tf.Tensor1D;
    const ms = tf.randomNormal([2, 3, 3, 2]) as tf.Tensor4D;
    const mt = tf.randomNormal([2, 3, 3, 4]) as tf.Tensor4D;
    expectNoLeak(() => {
      mse(s, s).dispose();
      mse(t, t, { reduction: "sum-per-example" }).dispose();
      hint(s, t, { weight: w, bias: b }).dispose();
      hint(s, t, (x) => tf.matMul(x as tf.Tensor2D, w)).dispose();
      attentionTransfer(ms, mt).dispose();
      rkdDistance(s, t).dispose();
      rkdAngle(s, t).dispose();
      const sd = { data: Array.from(s.dataSync()), shape: [4, 3] };
      const td = { data: Array.from(t.dataSync()), shape: [4, 5] };
      evaluate((x, y) => rkdDistance(x as tf.Tensor2D, y as tf.Tensor2D), [sd, td]);
      evaluate((x, y) => rkdAngle(x as tf.Tensor2D, y as tf.Tensor2D), [sd, td]);
      evaluate((x, y, z) => hint(x, y, { weight: z as tf.Tensor2D }), [sd, td, { data: Array.from(w.dataSync()), shape: [3, 5] }]);
      evaluate((x, y) => attentionTransfer(x as tf.Tensor4D, y as tf.Tensor4D), [
        { data: Array.from(ms.dataSync()), shape: [2, 3, 3, 2] },
        { data: Array.from(mt.dataSync()), shape: [2, 3, 3, 4] },
      ]);
    });
    tf.dispose([s, t, w, b, ms, mt]);
  });
});
