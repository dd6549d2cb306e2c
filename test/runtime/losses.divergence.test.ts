// Reverse KL, generalized JSD / JSD, TVD and TAID (with its λ controller) against the float64
// references of reference/: values, gradients w.r.t. the student, zero teacher gradients.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { generalizedJsd, jsd, kd, reverseKl, taid, TaidController, tvd } from "../../runtime/losses/index.js";
import { expectClose, expectScalarClose, useCpu } from "./helpers.js";
import { allZero, evaluate, expectGradClose, expectNoLeak } from "./reference/harness.js";
import { forwardKlRow, gjsdRow, reverseKlRow, taidRow, tvdRow, type RowLoss } from "./reference/divergences.js";
import { klFromLogs, logSoftmax, numericGrad, numericGradRows, row, softmax, uniform } from "./reference/float64.js";

beforeAll(useCpu);

// ---- float64 references ----

/** (1/B) Σ_b f(s_b, t_b). */
function batchMean(s: Float64Array, t: Float64Array, B: number, C: number, f: RowLoss): number {
  let total = 0;
  for (let b = 0; b < B; b++) total += f(row(s, b, C), row(t, b, C));
  return total / B;
}

/** TAID value and its gradient (q − p_λ)/B, the target p_λ being a constant. */
function taidReference(s: Float64Array, t: Float64Array, B: number, C: number, lambda: number): { loss: number; grad: Float64Array } {
  let loss = 0;
  const grad = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    const r = taidRow(row(s, b, C), row(t, b, C), lambda);
    loss += r.loss / B;
    r.grad.forEach((g, c) => (grad[b * C + c] = g / B));
  }
  return { loss, grad };
}

// ---- harness ----

interface Case {
  readonly name: string;
  readonly B: number;
  readonly C: number;
  readonly scale: number;
  readonly T?: number;
  readonly t2?: boolean;
}

const standardCases = (defaultT: number): Case[] => [
  { name: "defaults", B: 6, C: 10, scale: 3 },
  { name: "batch 1", B: 1, C: 10, scale: 3, T: 2 },
  { name: "2 classes", B: 5, C: 2, scale: 3, T: 1 },
  { name: "1000 classes", B: 2, C: 1000, scale: 6, T: 3 },
  { name: "±50 logits, T=1", B: 4, C: 10, scale: 50, T: 1 },
  { name: "±50 logits, T=4", B: 4, C: 10, scale: 50, T: 4 },
  { name: `T=3 with t2 flipped from the default`, B: 5, C: 8, scale: 4, T: 3, t2: defaultT === 4 ? false : true },
];

/**
 * Saturated softmax (±50 logits at T = 1) resolves 1 − q only to float32's 6e-8, so gradients that
 * are truly ~1e-10 come out as ~1e-8: compare those with an absolute floor of 1e-7.
 */
const floorFor = (c: Case) => (c.scale >= 50 ? 1e-7 : 1e-9);

/**
 * Runs the loss on tfjs and checks value, student gradient (finite differences of the row
 * reference, scaled by `factor`/B) and a zero teacher gradient.
 */
function checkAgainst(
  loss: (s: tf.Tensor2D, t: tf.Tensor2D) => tf.Scalar,
  rowLoss: RowLoss,
  factor: number,
  s: Float64Array,
  t: Float64Array,
  B: number,
  C: number,
  atolFloor = 1e-9,
): void {
  const got = evaluate((a, b) => loss(a as tf.Tensor2D, b as tf.Tensor2D), [
    { data: s, shape: [B, C] },
    { data: t, shape: [B, C] },
  ]);
  expectScalarClose(got.loss, factor * batchMean(s, t, B, C, rowLoss), 1e-4, 1e-6);
  const tRows = Array.from({ length: B }, (_, b) => row(t, b, C));
  const grad = numericGradRows((r, b) => (factor / B) * rowLoss(r, tRows[b]!), s, B, C);
  expectGradClose(got.grads[0]!, grad, 1e-4, 1e-5, atolFloor);
  expect(allZero(got.grads[1])).toBe(true);
}

const pair = (B: number, C: number, scale: number, seed: number) => [uniform(B * C, scale, seed), uniform(B * C, scale, seed + 1000)] as const;

// ---- tests ----

describe("reverseKl", () => {
  for (const [i, c] of standardCases(4).entries()) {
    it(`matches the float64 reference: ${c.name}`, () => {
      const [s, t] = pair(c.B, c.C, c.scale, 10 + i);
      const T = c.T ?? 4;
      const t2 = c.t2 ?? true;
      const options = c.T === undefined ? undefined : { T, ...(c.t2 === undefined ? {} : { t2 }) };
      checkAgainst((a, b) => reverseKl(a, b, options), reverseKlRow(T), t2 ? T * T : 1, s, t, c.B, c.C, floorFor(c));
    });
  }

  it("is 0 for identical logits and differs from forward KL", () => {
    const [s, t] = pair(3, 5, 3, 1);
    expectScalarClose(evaluate((a) => reverseKl(a as tf.Tensor2D, a as tf.Tensor2D), [{ data: s, shape: [3, 5] }]).loss, 0, 0, 1e-6);
    const args = [{ data: s, shape: [3, 5] }, { data: t, shape: [3, 5] }];
    const r = evaluate((a, b) => reverseKl(a as tf.Tensor2D, b as tf.Tensor2D, { T: 1 }), args).loss;
    const f = evaluate((a, b) => kd(a as tf.Tensor2D, b as tf.Tensor2D, { T: 1 }), args).loss;
    expect(Math.abs(r - f)).toBeGreaterThan(1e-3);
  });
});

describe("generalizedJsd", () => {
  for (const [i, c] of standardCases(1).entries()) {
    for (const beta of c.C >= 1000 ? [0.3] : [0.5, 0.1, 0.9]) {
      it(`matches the float64 reference: ${c.name}, β=${beta}`, () => {
        const [s, t] = pair(c.B, c.C, c.scale, 40 + i);
        const T = c.T ?? 1;
        const t2 = c.t2 ?? false;
        const options = { beta, ...(c.T === undefined ? {} : { T }), ...(c.t2 === undefined ? {} : { t2 }) };
        checkAgainst((a, b) => generalizedJsd(a, b, options), gjsdRow(beta, T), t2 ? T * T : 1, s, t, c.B, c.C, floorFor(c));
      });
    }
  }

  it("β=0 is forward KL (kd without T²) and β=1 is reverse KL: values and gradients", () => {
    const [s, t] = pair(4, 7, 5, 60);
    const args = [{ data: s, shape: [4, 7] }, { data: t, shape: [4, 7] }];
    const g0 = evaluate((a, b) => generalizedJsd(a as tf.Tensor2D, b as tf.Tensor2D, { beta: 0, T: 2 }), args);
    const fwd = evaluate((a, b) => kd(a as tf.Tensor2D, b as tf.Tensor2D, { T: 2, t2: false }), args);
    expectScalarClose(g0.loss, fwd.loss, 1e-6, 1e-7);
    expectClose(g0.grads[0]!, fwd.grads[0]!, 1e-5, 1e-6);
    const g1 = evaluate((a, b) => generalizedJsd(a as tf.Tensor2D, b as tf.Tensor2D, { beta: 1, T: 2 }), args);
    const rev = evaluate((a, b) => reverseKl(a as tf.Tensor2D, b as tf.Tensor2D, { T: 2, t2: false }), args);
    expectScalarClose(g1.loss, rev.loss, 1e-6, 1e-7);
    expectClose(g1.grads[0]!, rev.grads[0]!, 1e-5, 1e-6);
    // The float64 reference agrees at both ends.
    expectScalarClose(g0.loss, batchMean(s, t, 4, 7, forwardKlRow(2)), 1e-4, 1e-6);
    expectScalarClose(g1.loss, batchMean(s, t, 4, 7, reverseKlRow(2)), 1e-4, 1e-6);
  });

  it("near the ends the mixture formula is β·KL(p‖q) and (1−β)·KL(q‖p), not the KLs themselves", () => {
    const [s, t] = pair(3, 6, 2, 61);
    const near0 = batchMean(s, t, 3, 6, gjsdRow(1e-4, 1));
    const near1 = batchMean(s, t, 3, 6, gjsdRow(1 - 1e-4, 1));
    expectScalarClose(near0 / 1e-4, batchMean(s, t, 3, 6, forwardKlRow(1)), 1e-3);
    expectScalarClose(near1 / 1e-4, batchMean(s, t, 3, 6, reverseKlRow(1)), 1e-3);
    const args = [{ data: s, shape: [3, 6] }, { data: t, shape: [3, 6] }];
    const got = evaluate((a, b) => generalizedJsd(a as tf.Tensor2D, b as tf.Tensor2D, { beta: 0.01 }), args).loss;
    expectScalarClose(got, batchMean(s, t, 3, 6, gjsdRow(0.01, 1)), 1e-3, 1e-7);
  });

  it("jsd is β=0.5: symmetric, at most log 2, and equal to generalizedJsd", () => {
    const [s, t] = pair(5, 9, 50, 62);
    const st = [{ data: s, shape: [5, 9] }, { data: t, shape: [5, 9] }];
    const ts = [{ data: t, shape: [5, 9] }, { data: s, shape: [5, 9] }];
    const a = evaluate((x, y) => jsd(x as tf.Tensor2D, y as tf.Tensor2D), st);
    const b = evaluate((x, y) => generalizedJsd(x as tf.Tensor2D, y as tf.Tensor2D), st);
    const swapped = evaluate((x, y) => jsd(x as tf.Tensor2D, y as tf.Tensor2D), ts);
    expect(a.loss).toBe(b.loss);
    expectClose(a.grads[0]!, b.grads[0]!, 0, 0);
    expectScalarClose(a.loss, swapped.loss, 1e-5, 1e-7);
    expect(a.loss).toBeLessThanOrEqual(Math.log(2) + 1e-6);
    expectScalarClose(a.loss, batchMean(s, t, 5, 9, gjsdRow(0.5, 1)), 1e-4, 1e-6);
  });

  it("rejects β outside [0, 1] and T ≤ 0", () => {
    const x = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => generalizedJsd(x, x, { beta: 1.5 })).toThrow(/beta must be in \[0, 1\]/);
    expect(() => jsd(x, x, { T: 0 })).toThrow(/temperature/);
    x.dispose();
  });
});

describe("tvd", () => {
  for (const [i, c] of standardCases(1).entries()) {
    it(`matches the float64 reference: ${c.name}`, () => {
      const [s, t] = pair(c.B, c.C, c.scale, 80 + i);
      const T = c.T ?? 1;
      const t2 = c.t2 ?? false;
      const options = c.T === undefined ? undefined : { T, ...(c.t2 === undefined ? {} : { t2 }) };
      checkAgainst((a, b) => tvd(a, b, options), tvdRow(T), t2 ? T * T : 1, s, t, c.B, c.C, floorFor(c));
    });
  }

  it("is in [0, 1], 0 with a zero gradient for identical logits", () => {
    const [s, t] = pair(4, 6, 50, 90);
    const got = evaluate((a, b) => tvd(a as tf.Tensor2D, b as tf.Tensor2D), [{ data: s, shape: [4, 6] }, { data: t, shape: [4, 6] }]);
    expect(got.loss).toBeGreaterThan(0);
    expect(got.loss).toBeLessThanOrEqual(1);
    const same = evaluate((a, b) => tvd(a as tf.Tensor2D, b as tf.Tensor2D), [{ data: s, shape: [4, 6] }, { data: s, shape: [4, 6] }]);
    expect(same.loss).toBe(0);
    expect(allZero(same.grads[0])).toBe(true);
  });
});

describe("taid", () => {
  const cases = [
    { name: "batch 1", B: 1, C: 10, scale: 3, lambda: 0.4 },
    { name: "2 classes", B: 5, C: 2, scale: 3, lambda: 0.7 },
    { name: "1000 classes", B: 2, C: 1000, scale: 6, lambda: 0.5 },
    { name: "±50 logits", B: 4, C: 10, scale: 50, lambda: 0.9 },
    { name: "λ=1", B: 4, C: 10, scale: 4, lambda: 1 },
  ];
  for (const [i, c] of cases.entries()) {
    it(`matches the float64 reference: ${c.name}`, () => {
      const [s, t] = pair(c.B, c.C, c.scale, 100 + i);
      const ref = taidReference(s, t, c.B, c.C, c.lambda);
      const got = evaluate((a, b) => taid(a as tf.Tensor2D, b as tf.Tensor2D, c.lambda), [
        { data: s, shape: [c.B, c.C] },
        { data: t, shape: [c.B, c.C] },
      ]);
      expectScalarClose(got.loss, ref.loss, 1e-4, 1e-6);
      expectClose(got.grads[0]!, ref.grad, 1e-4, 1e-5);
      expect(allZero(got.grads[1])).toBe(true);
    });
  }

  it("the reference gradient (target held constant) agrees with finite differences", () => {
    const [s, t] = pair(2, 5, 2, 120);
    const lambda = 0.6;
    const target = taidReference(s, t, 2, 5, lambda);
    const frozen = (x: Float64Array) => {
      let loss = 0;
      for (let b = 0; b < 2; b++) {
        const p = softmax(row(s, b, 5).map((v, c) => (1 - lambda) * v + lambda * t[b * 5 + c]!));
        const logq = logSoftmax(row(x, b, 5));
        for (let c = 0; c < 5; c++) loss -= (p[c]! * logq[c]!) / 2;
      }
      return loss;
    };
    expectClose(target.grad, numericGrad(frozen, Float64Array.from(s)), 1e-6, 1e-7);
  });

  it("λ=1 is cross-entropy on the teacher's soft targets: kd(T=1) plus the teacher entropy, same gradient", () => {
    const [s, t] = pair(4, 8, 6, 121);
    const args = [{ data: s, shape: [4, 8] }, { data: t, shape: [4, 8] }];
    const got = evaluate((a, b) => taid(a as tf.Tensor2D, b as tf.Tensor2D, 1), args);
    const k = evaluate((a, b) => kd(a as tf.Tensor2D, b as tf.Tensor2D, { T: 1, t2: false }), args);
    let entropy = 0;
    for (let b = 0; b < 4; b++) entropy -= klFromLogs(logSoftmax(row(t, b, 8)), new Float64Array(8)) / 4;
    expectScalarClose(got.loss, k.loss + entropy, 1e-5, 1e-6);
    expectClose(got.grads[0]!, k.grads[0]!, 1e-5, 1e-6);
  });

  it("λ=0 targets the student itself: zero gradient", () => {
    const [s, t] = pair(3, 6, 5, 122);
    const got = evaluate((a, b) => taid(a as tf.Tensor2D, b as tf.Tensor2D, 0), [{ data: s, shape: [3, 6] }, { data: t, shape: [3, 6] }]);
    expect(Math.max(...Array.from(got.grads[0]!, Math.abs))).toBeLessThan(1e-7);
  });

  it("rejects λ outside [0, 1]", () => {
    const x = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => taid(x, x, 1.2)).toThrow(/lambda must be in \[0, 1\]/);
    x.dispose();
  });
});

describe("TaidController", () => {
  /** The update rule written out once more, in float64. */
  function referenceRun(losses: readonly number[], total: number, o = { l0: 0.4, l1: 1, alpha: 5e-4, beta: 0.99 }): number[] {
    let lambda = o.l0;
    let m = 0;
    let prev: number | undefined;
    const out: number[] = [];
    losses.forEach((loss, step) => {
      if (prev !== undefined) {
        const delta = (prev - loss) / (prev + 1e-15);
        m = o.beta * m + (1 - o.beta) * delta;
        const lin = o.l0 + ((o.l1 - o.l0) * step) / total;
        lambda = Math.min(o.l1, Math.max(lin, lambda + o.alpha * (1 / (1 + Math.exp(-m))) * (1 - lambda)));
      }
      prev = loss;
      out.push(lambda);
    });
    return out;
  }

  const losses = Array.from({ length: 60 }, (_, i) => 3 * Math.exp(-i / 20) + 0.1 * Math.sin(i));

  it("follows the update rule with the paper's defaults (λ0 0.4, λ1 1, α 5e-4, β 0.99)", () => {
    const c = new TaidController();
    expect(c.lambda).toBe(0.4);
    const got = losses.map((l, step) => c.update(l, step, 100));
    const ref = referenceRun(losses, 100);
    got.forEach((v, i) => expectScalarClose(v, ref[i]!, 1e-12, 1e-15));
    expect(got[0]).toBe(0.4); // the first update only records the loss
    expect(got.at(-1)!).toBeGreaterThan(0.4);
  });

  it("is floored by the linear schedule and capped at λ1", () => {
    const c = new TaidController({ lambdaStart: 0.2, lambdaEnd: 0.8, alpha: 0.5, beta: 0.9 });
    const ref = referenceRun(losses, 50, { l0: 0.2, l1: 0.8, alpha: 0.5, beta: 0.9 });
    const got = losses.map((l, step) => c.update(l, step, 50));
    got.forEach((v, i) => expectScalarClose(v, ref[i]!, 1e-12, 1e-15));
    expect(Math.max(...got)).toBe(0.8);
    const slow = new TaidController({ alpha: 0 });
    slow.update(1, 0, 10);
    expect(slow.update(1, 5, 10)).toBeCloseTo(0.4 + 0.6 * 0.5, 12);
  });

  it("round-trips its state through JSON and continues identically", () => {
    const a = new TaidController({ alpha: 0.01 });
    losses.slice(0, 30).forEach((l, step) => a.update(l, step, 60));
    const b = TaidController.fromJSON(JSON.parse(JSON.stringify(a)));
    expect(b.toJSON()).toEqual(a.toJSON());
    losses.slice(30).forEach((l, i) => expect(b.update(l, 30 + i, 60)).toBe(a.update(l, 30 + i, 60)));
    const fresh = TaidController.fromJSON(JSON.parse(JSON.stringify(new TaidController())));
    expect(fresh.prevLoss).toBeNull();
  });

  it("ignores non-finite losses and rejects bad options", () => {
    const c = new TaidController();
    c.update(2, 0, 10);
    const before = c.toJSON();
    expect(c.update(Number.NaN, 1, 10)).toBe(before.lambda);
    expect(c.toJSON()).toEqual(before);
    expect(() => new TaidController({ lambdaStart: 0.9, lambdaEnd: 0.5 })).toThrow(/lambdaStart/);
    expect(() => new TaidController({ beta: 1 })).toThrow(/beta/);
    expect(() => c.update(1, 0, 0)).toThrow(/totalSteps/);
  });
});

describe("memory", () => {
  it("every loss here leaves no tensors behind, called directly or under a gradient", () => {
    const s = tf.randomNormal([4, 6]) as tf.Tensor2D;
    const t = tf.randomNormal([4, 6]) as tf.Tensor2D;
    expectNoLeak(() => {
      reverseKl(s, t).dispose();
      generalizedJsd(s, t, { beta: 0.3 }).dispose();
      generalizedJsd(s, t, { beta: 0 }).dispose();
      generalizedJsd(s, t, { beta: 1 }).dispose();
      jsd(s, t).dispose();
      tvd(s, t).dispose();
      taid(s, t, 0.5).dispose();
      const data = { data: Array.from(s.dataSync()), shape: [4, 6] };
      for (const f of [
        (a: tf.Tensor, b: tf.Tensor) => reverseKl(a as tf.Tensor2D, b as tf.Tensor2D),
        (a: tf.Tensor, b: tf.Tensor) => jsd(a as tf.Tensor2D, b as tf.Tensor2D),
        (a: tf.Tensor, b: tf.Tensor) => tvd(a as tf.Tensor2D, b as tf.Tensor2D),
        (a: tf.Tensor, b: tf.Tensor) => taid(a as tf.Tensor2D, b as tf.Tensor2D, 0.3),
      ]) {
        evaluate(f, [data, { data: Array.from(t.dataSync()), shape: [4, 6] }]);
      }
    });
    tf.dispose([s, t]);
  });
});
