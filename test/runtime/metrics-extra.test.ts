// KL to a teacher, perplexity, sequence log-probabilities, preference accuracy and reward margin:
// the pure reductions against float64 hand computations.
import { describe, expect, it } from "vitest";
import { klRows, klToTeacher, maskedMean, metricLabel, nllRows, perplexity, perplexityOf, preferenceAccuracy, preferenceAccuracyOf, rewardMargin, rewardMarginOf, sequenceLogProbs } from "../../runtime/metrics.js";
import type { Model } from "../../runtime/program.js";

const softmax = (z: number[], T = 1) => {
  const m = Math.max(...z.map((v) => v / T));
  const e = z.map((v) => Math.exp(v / T - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

describe("klRows", () => {
  it("is KL(p_t ‖ p_s) per row at temperature T, zero for equal rows, finite at ±50", () => {
    const s = [1, 2, 3, 0, 0, 0];
    const t = [3, 2, 1, 0, 0, 0];
    const ps = softmax([1, 2, 3], 2);
    const pt = softmax([3, 2, 1], 2);
    const expected = pt.reduce((a, p, c) => a + p * Math.log(p / ps[c]!), 0);
    const kl = klRows(s, t, 3, 2);
    expect(kl[0]).toBeCloseTo(expected, 12);
    expect(kl[1]).toBe(0);
    const extreme = klRows([50, -50], [-50, 50], 2);
    expect(Number.isFinite(extreme[0])).toBe(true);
    expect(extreme[0]).toBeCloseTo(100, 6);
  });
});

describe("perplexity", () => {
  it("is exp of the mean negative log-likelihood over labelled rows", () => {
    const logits = [0, 0, 0, 0, Math.log(3), 0, 0, 0, 9, 9, 9, 9];
    const labels = [2, 0, -100];
    const nll = nllRows(logits, labels, 4);
    expect(nll[0]).toBeCloseTo(Math.log(4), 12);
    expect(nll[1]).toBeCloseTo(-Math.log(3 / 6), 12);
    expect(nll[2]).toBe(0);
    expect(perplexityOf(nll, labels)).toBeCloseTo(Math.exp((Math.log(4) + Math.log(2)) / 2), 12);
    expect(perplexityOf(nllRows(new Array(12).fill(0), [1, 2, 3], 4), [1, 2, 3])).toBeCloseTo(4, 12); // uniform: V
    expect(perplexityOf([1], [-100])).toBeNaN();
    expect(maskedMean([1, 2, 3], [0, -100, 0])).toBe(2);
  });
});

describe("sequence log-probabilities and preferences", () => {
  it("sum log p(target[t+1] | position t) over the response tokens", () => {
    // rows 1, T 3, V 2: targets [-100, 1, 0] → positions 0 (→1) and 1 (→0); position 2 predicts nothing.
    const logits = [0, Math.log(3), 2, 0, 5, 5];
    const lp = sequenceLogProbs(logits, [-100, 1, 0], 1, 3, 2);
    expect(lp[0]).toBeCloseTo(Math.log(3 / 4) + Math.log(softmax([2, 0])[0]!), 12);
  });

  it("score pairs by implicit reward: accuracy counts strict wins, margin is β-scaled", () => {
    const p = { policyChosen: [-1, -2, -3], policyRejected: [-2, -2, -1], referenceChosen: [-1.5, -2, -3], referenceRejected: [-1.5, -2, -2] };
    // rewards chosen: 0.5, 0, 0; rejected: -0.5, 0, 1 → wins: yes, tie (no), no.
    expect(preferenceAccuracyOf(p)).toBeCloseTo(1 / 3, 12);
    expect(rewardMarginOf(p, 0.1)).toBeCloseTo((0.1 * (1 + 0 - 1)) / 3, 12);
    expect(rewardMarginOf({ ...p, policyRejected: [-3, -3, -3] }, 0.5)).toBeCloseTo((0.5 * (2 + 1 + 1)) / 3, 12);
    expect(preferenceAccuracyOf({ policyChosen: [], policyRejected: [], referenceChosen: [], referenceRejected: [] })).toBeNaN();
  });
});

describe("builders and labels", () => {
  it("label KL with its teacher and temperature", () => {
    const big = { name: "big" } as Model;
    expect(metricLabel(klToTeacher(big))).toBe("kl(big)");
    expect(metricLabel(klToTeacher(big, { T: 4 }))).toBe("kl(big, T=4)");
    expect(metricLabel(perplexity())).toBe("perplexity");
    expect(metricLabel(preferenceAccuracy(big))).toBe("preference_accuracy");
    expect(rewardMargin(big)).toEqual({ kind: "rewardMargin", reference: big, beta: 0.1 });
    expect(() => klToTeacher(big, { T: 0 })).toThrow(/T must be positive/);
  });
});
