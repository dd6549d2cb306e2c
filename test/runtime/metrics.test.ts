// Accuracy, agreement and ECE against hand-computed examples.
import { describe, expect, it } from "vitest";
import { accuracyOf, agreementOf, argmaxRows, confidenceRows, eceOf, metricLabel, agreement } from "../../runtime/metrics.js";
import type { Model } from "../../runtime/program.js";

describe("argmaxRows", () => {
  it("breaks ties toward the first index", () => {
    expect(Array.from(argmaxRows([1, 3, 3, 0, 5, 5, 5, 5, 2, 1, 0, 2], 4))).toEqual([1, 0, 0]);
  });
});

describe("accuracy and agreement", () => {
  it("exclude rows labelled -100", () => {
    expect(accuracyOf([0, 1, 2, 3], [0, 2, -100, 3])).toBeCloseTo(2 / 3, 12);
    expect(accuracyOf([1, 1], [-100, -100])).toBeNaN();
    expect(agreementOf([0, 1, 2, 3], [0, 1, 0, 0])).toBe(0.5);
    expect(agreementOf([0, 1, 2, 3], [0, 1, 0, 0], [5, 5, -100, -100])).toBe(1);
  });

  it("are labelled for reports", () => {
    expect(metricLabel(agreement({ name: "big" } as Model))).toBe("agreement(big)");
    expect(metricLabel({ kind: "ece" })).toBe("ece");
  });
});

describe("confidenceRows", () => {
  it("is the max softmax probability, stable at ±50", () => {
    const c = confidenceRows([0, 0, Math.log(2), 50, -50, 0], 3);
    expect(c[0]).toBeCloseTo(0.5, 12);
    expect(c[1]).toBeCloseTo(1 / (1 + Math.exp(-50) + Math.exp(-100)), 12);
  });
});

describe("ece", () => {
  it("matches a hand computation with 15 bins (lo, hi]", () => {
    // conf 0.95 ×2 (bin 14: one right), 0.5 ×2 (bin 7: both right), 0.2 (boundary 3/15 → bin 2, wrong).
    const conf = [0.95, 0.95, 0.5, 0.5, 0.2];
    const pred = [1, 1, 2, 2, 0];
    const labels = [1, 0, 2, 2, 1];
    const expected = (2 / 5) * Math.abs(0.5 - 0.95) + (2 / 5) * Math.abs(1 - 0.5) + (1 / 5) * Math.abs(0 - 0.2);
    expect(eceOf(conf, pred, labels)).toBeCloseTo(expected, 12);
  });

  it("puts a confidence exactly on a boundary into the lower bin", () => {
    // 0.2 (=3/15) and 0.21 are in different bins: (2/15, 3/15] and (3/15, 4/15].
    const together = (1 / 2) * Math.abs(0.5 - 0.205) * 2;
    const apart = (1 / 2) * Math.abs(1 - 0.2) + (1 / 2) * Math.abs(0 - 0.21);
    const got = eceOf([0.2, 0.21], [0, 0], [0, 1]);
    expect(got).toBeCloseTo(apart, 12);
    expect(got).not.toBeCloseTo(together, 6);
    // Confidence 1 falls in the last bin.
    expect(eceOf([1], [0], [0])).toBe(0);
  });

  it("ignores rows labelled -100 and is 0 for a perfectly calibrated set", () => {
    expect(eceOf([0.5, 0.5, 0.9], [0, 0, 0], [0, 1, -100])).toBeCloseTo(0, 12);
  });
});
