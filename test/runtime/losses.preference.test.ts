// DPO (sigmoid, IPO, hinge), SimPO, ADPO and sequence log-probabilities against float64
// references written here: values, gradients w.r.t. the policy, zero reference/target gradients.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { adpo, causalShift, dpo, sequenceLogProbs, simpo, type DpoOptions } from "../../runtime/losses/index.js";
import { expectScalarClose, useCpu } from "./helpers.js";
import { allZero, evaluate, expectGradClose, expectNoLeak } from "./reference/harness.js";
import { logSigmoid, logSoftmax, numericGrad, numericGradRows, row, uniform } from "./reference/float64.js";

beforeAll(useCpu);

// ---- float64 references ----

interface Logps {
  readonly pc: Float64Array;
  readonly pr: Float64Array;
  readonly rc: Float64Array;
  readonly rr: Float64Array;
}

function dpoRef(x: Logps, beta: number, variant: "sigmoid" | "ipo" | "hinge", eps: number): number {
  let total = 0;
  for (let b = 0; b < x.pc.length; b++) {
    const h = x.pc[b]! - x.pr[b]! - (x.rc[b]! - x.rr[b]!);
    if (variant === "sigmoid") total += -(1 - eps) * logSigmoid(beta * h) - eps * logSigmoid(-beta * h);
    else if (variant === "ipo") total += (h - 1 / (2 * beta)) ** 2;
    else total += Math.max(0, 1 - beta * h);
  }
  return total / x.pc.length;
}

function simpoRef(c: ArrayLike<number>, r: ArrayLike<number>, beta: number, gamma: number): number {
  let total = 0;
  for (let b = 0; b < c.length; b++) total -= logSigmoid(beta * (c[b]! - r[b]!) - gamma);
  return total / c.length;
}

function adpoRef(l: ArrayLike<number>, ref: ArrayLike<number>, q: ArrayLike<number>, G: number, K: number, tau: number): number {
  let total = 0;
  for (let g = 0; g < G; g++) {
    const logr = logSoftmax(Array.from({ length: K }, (_, k) => l[g * K + k]! - ref[g * K + k]!), tau);
    for (let k = 0; k < K; k++) {
      const qk = q[g * K + k]!;
      if (qk > 0) total += qk * (Math.log(qk) - logr[k]!);
    }
  }
  return total / G;
}

/** [B] summed (or averaged) log-probs of the labels over tokens whose label is not -100. */
function seqLogpRef(logits: ArrayLike<number>, labels: readonly number[], B: number, T: number, V: number, average: boolean): Float64Array {
  const out = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let sum = 0;
    let n = 0;
    for (let t = 0; t < T; t++) {
      const y = labels[b * T + t]!;
      if (y === -100) continue;
      sum += logSoftmax(row(logits, b * T + t, V))[y]!;
      n++;
    }
    out[b] = average ? sum / Math.max(n, 1) : sum;
  }
  return out;
}

const logpsOf = (B: number, scale: number, seed: number): Logps => {
  const [pc, pr, rc, rr] = [0, 1, 2, 3].map((k) => uniform(B, scale, seed + k).map((v) => v - scale)) as [Float64Array, Float64Array, Float64Array, Float64Array];
  return { pc, pr, rc, rr };
};

function runDpo(x: Logps, options?: DpoOptions) {
  return evaluate(
    (pc, pr, rc, rr) => dpo({ policyChosen: pc as tf.Tensor1D, policyRejected: pr as tf.Tensor1D, refChosen: rc as tf.Tensor1D, refRejected: rr as tf.Tensor1D }, options),
    [x.pc, x.pr, x.rc, x.rr].map((data) => ({ data, shape: [x.pc.length] })),
  );
}

// ---- tests ----

describe("dpo", () => {
  const cases: { name: string; B: number; scale: number; options?: DpoOptions }[] = [
    { name: "sigmoid, defaults (β 0.1)", B: 6, scale: 30 },
    { name: "sigmoid, batch 1, β 0.5", B: 1, scale: 10, options: { beta: 0.5 } },
    { name: "sigmoid with label smoothing 0.2", B: 5, scale: 20, options: { beta: 0.3, labelSmoothing: 0.2 } },
    { name: "sigmoid, large margins (|β·h| ~ 100)", B: 4, scale: 200, options: { beta: 1 } },
    { name: "ipo", B: 6, scale: 3, options: { variant: "ipo", beta: 0.5 } },
    { name: "ipo, β 0.1", B: 3, scale: 5, options: { variant: "ipo" } },
    { name: "hinge", B: 8, scale: 10, options: { variant: "hinge", beta: 0.2 } },
  ];
  for (const [i, c] of cases.entries()) {
    it(`matches the float64 reference: ${c.name}`, () => {
      const x = logpsOf(c.B, c.scale, 10 * i + 1);
      const o = { beta: 0.1, variant: "sigmoid" as const, labelSmoothing: 0, ...c.options };
      const ref = (y: Logps) => dpoRef(y, o.beta, o.variant, o.labelSmoothing);
      const got = runDpo(x, c.options);
      expectScalarClose(got.loss, ref(x), 1e-5, 1e-6);
      expectGradClose(got.grads[0]!, numericGrad((pc) => ref({ ...x, pc }), Float64Array.from(x.pc)), 1e-4, 1e-5);
      expectGradClose(got.grads[1]!, numericGrad((pr) => ref({ ...x, pr }), Float64Array.from(x.pr)), 1e-4, 1e-5);
      expect(allZero(got.grads[2]) && allZero(got.grads[3])).toBe(true);
    });
  }

  it("computes the three formulas on a worked example (h = 1.5, β = 0.1)", () => {
    const x: Logps = { pc: Float64Array.of(-10), pr: Float64Array.of(-12), rc: Float64Array.of(-11), rr: Float64Array.of(-11.5) };
    expectScalarClose(runDpo(x).loss, Math.log1p(Math.exp(-0.15)), 1e-6);
    expectScalarClose(runDpo(x, { variant: "ipo" }).loss, (1.5 - 5) ** 2, 1e-6);
    expectScalarClose(runDpo(x, { variant: "hinge" }).loss, 0.85, 1e-6);
    expectScalarClose(runDpo(x, { labelSmoothing: 0.5 }).loss, 0.5 * Math.log1p(Math.exp(-0.15)) + 0.5 * Math.log1p(Math.exp(0.15)), 1e-6);
  });

  it("rejects bad options", () => {
    const x = tf.zeros([2]) as tf.Tensor1D;
    const logps = { policyChosen: x, policyRejected: x, refChosen: x, refRejected: x };
    expect(() => dpo(logps, { beta: 0 })).toThrow(/beta must be a positive/);
    expect(() => dpo(logps, { variant: "ipo", labelSmoothing: 0.1 })).toThrow(/sigmoid variant only/);
    expect(() => dpo(logps, { labelSmoothing: 0.7 })).toThrow(/\[0, 0.5\]/);
    expect(() => dpo(logps, { variant: "robust" as never })).toThrow(/unknown variant/);
    x.dispose();
  });
});

describe("simpo", () => {
  for (const [i, c] of [
    { name: "defaults (β 2, γ 0.5)", B: 6, scale: 3 },
    { name: "batch 1, β 2.5, γ 1.4", B: 1, scale: 2, options: { beta: 2.5, gamma: 1.4 } },
    { name: "large margins", B: 4, scale: 60, options: { beta: 10, gamma: 0 } },
  ].entries()) {
    it(`matches the float64 reference: ${c.name}`, () => {
      const ch = uniform(c.B, c.scale, 100 + i).map((v) => v - c.scale);
      const rj = uniform(c.B, c.scale, 110 + i).map((v) => v - c.scale);
      const o = { beta: 2, gamma: 0.5, ...c.options };
      const got = evaluate((a, b) => simpo({ chosenAvg: a as tf.Tensor1D, rejectedAvg: b as tf.Tensor1D }, c.options), [
        { data: ch, shape: [c.B] },
        { data: rj, shape: [c.B] },
      ]);
      expectScalarClose(got.loss, simpoRef(ch, rj, o.beta, o.gamma), 1e-5, 1e-6);
      expectGradClose(got.grads[0]!, numericGrad((x) => simpoRef(x, rj, o.beta, o.gamma), Float64Array.from(ch)));
      expectGradClose(got.grads[1]!, numericGrad((x) => simpoRef(ch, x, o.beta, o.gamma), Float64Array.from(rj)));
    });
  }

  it("puts γ in reward units: −log σ(β·Δ − γ)", () => {
    const got = evaluate((a, b) => simpo({ chosenAvg: a as tf.Tensor1D, rejectedAvg: b as tf.Tensor1D }, { beta: 2, gamma: 0.5 }), [
      { data: [-1], shape: [1] },
      { data: [-1.5], shape: [1] },
    ]);
    expectScalarClose(got.loss, Math.log1p(Math.exp(-(2 * 0.5 - 0.5))), 1e-6);
  });
});

describe("adpo", () => {
  const cases = [
    { name: "4 candidates, soft targets", G: 3, K: 4, tau: 1 },
    { name: "1 group, τ 0.5", G: 1, K: 5, tau: 0.5 },
    { name: "one-hot targets (0·log 0 = 0), τ 10", G: 4, K: 3, tau: 10, onehot: true },
  ];
  for (const [i, c] of cases.entries()) {
    it(`matches the float64 reference: ${c.name}`, () => {
      const l = uniform(c.G * c.K, 20, 200 + i).map((v) => v - 40);
      const ref = uniform(c.G * c.K, 20, 210 + i).map((v) => v - 40);
      const q = new Float64Array(c.G * c.K);
      for (let g = 0; g < c.G; g++) {
        if (c.onehot) q[g * c.K + (g % c.K)] = 1;
        else {
          const w = uniform(c.K, 1, 220 + g).map((v) => v + 1.5);
          const sum = w.reduce((a, b) => a + b, 0);
          for (let k = 0; k < c.K; k++) q[g * c.K + k] = w[k]! / sum;
        }
      }
      const got = evaluate((a, b, d) => adpo(a as tf.Tensor2D, b as tf.Tensor2D, d as tf.Tensor2D, { tau: c.tau }), [
        { data: l, shape: [c.G, c.K] },
        { data: ref, shape: [c.G, c.K] },
        { data: q, shape: [c.G, c.K] },
      ]);
      const qf = Float64Array.from(Float32Array.from(q));
      expectScalarClose(got.loss, adpoRef(l, ref, qf, c.G, c.K, c.tau), 1e-4, 1e-6);
      expectGradClose(got.grads[0]!, numericGrad((x) => adpoRef(x, ref, qf, c.G, c.K, c.tau), Float64Array.from(l)));
      expect(allZero(got.grads[1]) && allZero(got.grads[2])).toBe(true);
    });
  }

  it("with K = 2, q = (1, 0) and τ = 1/β equals DPO-sigmoid: values and gradients", () => {
    const B = 5;
    const beta = 0.25;
    const x = logpsOf(B, 30, 300);
    const d = runDpo(x, { beta });
    const interleave = (a: Float64Array, b: Float64Array) => Float64Array.from({ length: 2 * B }, (_, k) => (k % 2 === 0 ? a[k >> 1]! : b[k >> 1]!));
    const q = Float64Array.from({ length: 2 * B }, (_, k) => (k % 2 === 0 ? 1 : 0));
    const got = evaluate((a, b, c) => adpo(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor2D, { tau: 1 / beta }), [
      { data: interleave(x.pc, x.pr), shape: [B, 2] },
      { data: interleave(x.rc, x.rr), shape: [B, 2] },
      { data: q, shape: [B, 2] },
    ]);
    expectScalarClose(got.loss, d.loss, 1e-5, 1e-7);
    const g = got.grads[0]!;
    expectGradClose(Float64Array.from({ length: B }, (_, b) => g[2 * b]!), d.grads[0]!, 1e-4, 1e-6);
    expectGradClose(Float64Array.from({ length: B }, (_, b) => g[2 * b + 1]!), d.grads[1]!, 1e-4, 1e-6);
  });

  it("requires τ", () => {
    const x = tf.zeros([2, 2]) as tf.Tensor2D;
    expect(() => adpo(x, x, x, {} as never)).toThrow(/tau must be a positive/);
    x.dispose();
  });
});

describe("sequenceLogProbs", () => {
  const cases = [
    { name: "sum, prompt masked", B: 2, T: 4, V: 5, scale: 3, labels: [-100, 1, 4, 0, -100, -100, 2, 2], average: false },
    { name: "average, prompt masked", B: 2, T: 4, V: 5, scale: 3, labels: [-100, 1, 4, 0, -100, -100, 2, 2], average: true },
    { name: "1000-token vocabulary", B: 2, T: 3, V: 1000, scale: 6, labels: [5, 999, 0, 17, -100, 512], average: false },
    { name: "±50 logits, batch 1", B: 1, T: 5, V: 7, scale: 50, labels: [0, 6, 3, 3, 1], average: true },
    { name: "a sequence with every token ignored gives 0", B: 2, T: 3, V: 4, scale: 3, labels: [-100, -100, -100, 1, 2, 3], average: true },
  ];
  for (const [i, c] of cases.entries()) {
    it(`matches the float64 reference: ${c.name}`, () => {
      const logits = uniform(c.B * c.T * c.V, c.scale, 400 + i);
      // Weight each sequence differently, so the gradient check sees every output.
      const w = Array.from({ length: c.B }, (_, b) => 1 + b);
      const got = evaluate((z, y) => {
        const lp = sequenceLogProbs(z as tf.Tensor3D, y as tf.Tensor2D, { average: c.average });
        expect(lp.shape).toEqual([c.B]);
        const wt = tf.tensor1d(w);
        const out = tf.sum(tf.mul(lp, wt)) as tf.Scalar;
        tf.dispose([lp, wt]);
        return out;
      }, [
        { data: logits, shape: [c.B, c.T, c.V] },
        { data: c.labels, shape: [c.B, c.T], dtype: "int32" },
      ]);
      const ref = (x: ArrayLike<number>) => seqLogpRef(x, c.labels, c.B, c.T, c.V, c.average).reduce((a, v, b) => a + w[b]! * v, 0);
      expectScalarClose(got.loss, ref(logits), 1e-5, 1e-5);
      const rowRef = (r: Float64Array, k: number) => {
        const y = c.labels[k]!;
        if (y === -100) return 0;
        const b = Math.floor(k / c.T);
        const n = c.labels.slice(b * c.T, (b + 1) * c.T).filter((v) => v !== -100).length;
        return (w[b]! * logSoftmax(r)[y]!) / (c.average ? Math.max(n, 1) : 1);
      };
      expectGradClose(got.grads[0]!, numericGradRows(rowRef, logits, c.B * c.T, c.V), 1e-4, 1e-5, c.scale >= 50 ? 1e-7 : 1e-9);
    });
  }

  it("feeds DPO end to end: causalShift → sequenceLogProbs → dpo, gradient w.r.t. the policy logits", () => {
    const B = 2;
    const T = 4;
    const V = 5;
    const labels = [3, 1, 4, 0, 2, 2, -100, 1]; // [B, T] before the shift
    const rejectedLabels = [3, 0, 0, 2, 2, 4, 1, -100];
    const pcLogits = uniform(B * T * V, 3, 500);
    const prLogits = uniform(B * T * V, 3, 501);
    const rcLogits = uniform(B * T * V, 3, 502);
    const rrLogits = uniform(B * T * V, 3, 503);
    const seq = (logits: tf.Tensor, y: tf.Tensor) => {
      const shifted = causalShift(logits as tf.Tensor3D, y as tf.Tensor2D);
      const lp = sequenceLogProbs(shifted.logits, shifted.labels);
      tf.dispose([shifted.logits, shifted.labels]);
      return lp;
    };
    const got = evaluate((pc, pr, rc, rr, yc, yr) => {
      const logps = { policyChosen: seq(pc, yc), policyRejected: seq(pr, yr), refChosen: seq(rc, yc), refRejected: seq(rr, yr) };
      const out = dpo(logps, { beta: 0.5 });
      tf.dispose(Object.values(logps));
      return out;
    }, [
      ...[pcLogits, prLogits, rcLogits, rrLogits].map((data) => ({ data, shape: [B, T, V] })),
      { data: labels, shape: [B, T], dtype: "int32" as const },
      { data: rejectedLabels, shape: [B, T], dtype: "int32" as const },
    ]);
    /** The shift written as index arithmetic: position t predicts labels[t + 1]. */
    const shiftedSeq = (logits: ArrayLike<number>, y: readonly number[]) => {
      const out = new Float64Array(B);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t + 1 < T; t++) {
          const target = y[b * T + t + 1]!;
          if (target !== -100) out[b] += logSoftmax(row(logits, b * T + t, V))[target]!;
        }
      }
      return out;
    };
    const ref = (pc: ArrayLike<number>, pr: ArrayLike<number>) =>
      dpoRef({ pc: shiftedSeq(pc, labels), pr: shiftedSeq(pr, rejectedLabels), rc: shiftedSeq(rcLogits, labels), rr: shiftedSeq(rrLogits, rejectedLabels) }, 0.5, "sigmoid", 0);
    expectScalarClose(got.loss, ref(pcLogits, prLogits), 1e-5, 1e-6);
    expectGradClose(got.grads[0]!, numericGrad((x) => ref(x, prLogits), Float64Array.from(pcLogits)));
    expectGradClose(got.grads[1]!, numericGrad((x) => ref(pcLogits, x), Float64Array.from(prLogits)));
    expect(allZero(got.grads[2]) && allZero(got.grads[3])).toBe(true);
    // The last position of each sequence predicts nothing: its logits get no gradient.
    for (let b = 0; b < B; b++) for (let v = 0; v < V; v++) expect(got.grads[0]![(b * T + T - 1) * V + v]).toBe(0);
  });

  it("IPO on length-averaged log-probs (sequenceLogProbs average: true)", () => {
    const B = 2;
    const T = 3;
    const V = 4;
    const yc = [1, 2, -100, 0, 3, 3];
    const yr = [2, -100, -100, 1, 1, 0];
    const data = [600, 601, 602, 603].map((seed) => uniform(B * T * V, 2, seed));
    const got = evaluate((pc, pr, rc, rr, c, r) => {
      const avg = (z: tf.Tensor, y: tf.Tensor) => sequenceLogProbs(z as tf.Tensor3D, y as tf.Tensor2D, { average: true });
      const logps = { policyChosen: avg(pc, c), policyRejected: avg(pr, r), refChosen: avg(rc, c), refRejected: avg(rr, r) };
      const out = dpo(logps, { variant: "ipo", beta: 0.5 });
      tf.dispose(Object.values(logps));
      return out;
    }, [...data.map((d) => ({ data: d, shape: [B, T, V] })), { data: yc, shape: [B, T], dtype: "int32" as const }, { data: yr, shape: [B, T], dtype: "int32" as const }]);
    const avgRef = (z: ArrayLike<number>, y: number[]) => seqLogpRef(z, y, B, T, V, true);
    const ref = (pc: ArrayLike<number>) => dpoRef({ pc: avgRef(pc, yc), pr: avgRef(data[1]!, yr), rc: avgRef(data[2]!, yc), rr: avgRef(data[3]!, yr) }, 0.5, "ipo", 0);
    expectScalarClose(got.loss, ref(data[0]!), 1e-5, 1e-6);
    expectGradClose(got.grads[0]!, numericGrad(ref, Float64Array.from(data[0]!)));
  });
});

describe("memory", () => {
  it("every loss here leaves no tensors behind, called directly or under a gradient", () => {
    const v = tf.randomNormal([4]) as tf.Tensor1D;
    const g = tf.randomNormal([3, 4]) as tf.Tensor2D;
    const q = tf.softmax(g) as tf.Tensor2D;
    const z = tf.randomNormal([2, 3, 5]) as tf.Tensor3D;
    const y = tf.tensor2d([[1, -100, 4], [0, 0, 2]], undefined, "int32");
    expectNoLeak(() => {
      for (const variant of ["sigmoid", "ipo", "hinge"] as const) {
        dpo({ policyChosen: v, policyRejected: v, refChosen: v, refRejected: v }, { variant }).dispose();
      }
      simpo({ chosenAvg: v, rejectedAvg: v }).dispose();
      adpo(g, g, q, { tau: 2 }).dispose();
      sequenceLogProbs(z, y).dispose();
      sequenceLogProbs(z, y, { average: true }).dispose();
      const shifted = causalShift(z, y);
      tf.dispose([shifted.logits, shifted.labels]);
      evaluate((a, b, c) => adpo(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor2D, { tau: 0.5 }), [
        { data: Array.from(g.dataSync()), shape: [3, 4] },
        { data: Array.from(g.dataSync()), shape: [3, 4] },
        { data: Array.from(q.dataSync()), shape: [3, 4] },
      ]);
    });
    tf.dispose([v, g, q, z, y]);
  });
});
