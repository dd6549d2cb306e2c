// The `reduction` option of the KL family and of cross-entropy against float64 references: each
// value's exact scale (batchmean, torch's all-element "mean" = batchmean / C, "sum"), with
// gradients by finite differences of the reference, including ±50 logits.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { crossEntropy, generalizedJsd, jsd, kd, reverseKl, tvd } from "../../runtime/losses/index.js";
import { expectScalarClose, useCpu } from "./helpers.js";
import { allZero, evaluate, expectGradClose } from "./reference/harness.js";
import { forwardKlRow, gjsdRow, reverseKlRow, tvdRow, type RowLoss } from "./reference/divergences.js";
import { logSoftmax, numericGrad, numericGradRows, row, uniform } from "./reference/float64.js";

beforeAll(useCpu);

type Reduction = "batchmean" | "mean" | "sum";

/** The reference reduction of per-row values: Σ_b row_b times this factor. */
const factorOf = (reduction: Reduction, B: number, C: number): number => (reduction === "sum" ? 1 : reduction === "mean" ? 1 / (B * C) : 1 / B);

const families: { name: string; run: (s: tf.Tensor2D, t: tf.Tensor2D, reduction: Reduction) => tf.Scalar; row: RowLoss; scale: number }[] = [
  { name: "kd (T=2, t2)", run: (s, t, reduction) => kd(s, t, { T: 2, reduction }), row: forwardKlRow(2), scale: 4 },
  { name: "reverseKl (T=2, t2)", run: (s, t, reduction) => reverseKl(s, t, { T: 2, reduction }), row: reverseKlRow(2), scale: 4 },
  { name: "jsd", run: (s, t, reduction) => jsd(s, t, { reduction }), row: gjsdRow(0.5, 1), scale: 1 },
  { name: "generalizedJsd β=0.3", run: (s, t, reduction) => generalizedJsd(s, t, { beta: 0.3, reduction }), row: gjsdRow(0.3, 1), scale: 1 },
  { name: "tvd", run: (s, t, reduction) => tvd(s, t, { reduction }), row: tvdRow(1), scale: 1 },
];

describe("KL family reductions", () => {
  const B = 4;
  const C = 6;
  for (const [i, f] of families.entries()) {
    for (const logitScale of [3, 50]) {
      for (const reduction of ["batchmean", "mean", "sum"] as const) {
        it(`${f.name}, reduction "${reduction}", ±${logitScale} logits: value and gradient match the float64 reference`, () => {
          const s = uniform(B * C, logitScale, 500 + i);
          const t = uniform(B * C, logitScale, 600 + i);
          const got = evaluate((a, b) => f.run(a as tf.Tensor2D, b as tf.Tensor2D, reduction), [
            { data: s, shape: [B, C] },
            { data: t, shape: [B, C] },
          ]);
          const k = f.scale * factorOf(reduction, B, C);
          let total = 0;
          for (let b = 0; b < B; b++) total += f.row(row(s, b, C), row(t, b, C));
          expectScalarClose(got.loss, k * total, 1e-4, 1e-6);
          const tRows = Array.from({ length: B }, (_, b) => row(t, b, C));
          expectGradClose(got.grads[0]!, numericGradRows((r, b) => k * f.row(r, tRows[b]!), s, B, C), 1e-4, 1e-5, logitScale >= 50 ? 1e-7 : 1e-9);
          expect(allZero(got.grads[1])).toBe(true);
        });
      }
    }
  }

  it("torch's \"mean\" is exactly batchmean / C, and \"sum\" is batchmean · B", () => {
    const s = uniform(3 * 5, 3, 1);
    const t = uniform(3 * 5, 3, 2);
    const args = [{ data: s, shape: [3, 5] }, { data: t, shape: [3, 5] }];
    const at = (reduction: Reduction) => evaluate((a, b) => kd(a as tf.Tensor2D, b as tf.Tensor2D, { reduction }), args).loss;
    expectScalarClose(at("mean"), at("batchmean") / 5, 1e-6, 1e-9);
    expectScalarClose(at("sum"), at("batchmean") * 3, 1e-6, 1e-9);
    expectScalarClose(evaluate((a, b) => kd(a as tf.Tensor2D, b as tf.Tensor2D), args).loss, at("batchmean"), 0, 0);
  });

  it("rejects an unknown reduction", () => {
    const x = tf.zeros([2, 3]) as tf.Tensor2D;
    for (const fn of [kd, reverseKl, jsd, tvd]) expect(() => fn(x, x, { reduction: "none" as Reduction })).toThrow(/unknown reduction 'none'/);
    x.dispose();
  });
});

describe("crossEntropy reductions", () => {
  /** −Σ target·log softmax over labelled rows, divided by the count for "mean". */
  const reference = (z: Float64Array, labels: readonly number[], C: number, reduction: "mean" | "sum"): number => {
    let total = 0;
    let n = 0;
    labels.forEach((y, b) => {
      if (y === -100) return;
      n++;
      total -= logSoftmax(row(z, b, C))[y]!;
    });
    return reduction === "sum" ? total : total / Math.max(n, 1);
  };
  const labels = [2, -100, 0, 4, -100];
  for (const scale of [3, 50]) {
    for (const reduction of ["mean", "sum"] as const) {
      it(`reduction "${reduction}" with ignored rows, ±${scale} logits: value and gradient`, () => {
        const C = 5;
        const z = uniform(labels.length * C, scale, 700 + scale);
        const got = evaluate((l, y) => crossEntropy(l as tf.Tensor2D, y as tf.Tensor1D, { reduction }), [
          { data: z, shape: [labels.length, C] },
          { data: labels, shape: [labels.length], dtype: "int32" },
        ]);
        expectScalarClose(got.loss, reference(z, labels, C, reduction), 1e-5, 1e-5);
        expectGradClose(got.grads[0]!, numericGrad((x) => reference(x, labels, C, reduction), Float64Array.from(z)), 1e-4, 1e-5, scale >= 50 ? 1e-6 : 1e-9);
      });
    }
  }

  it("\"sum\" is \"mean\" times the number of labelled rows; all ignored is 0 either way", () => {
    const z = uniform(5 * 5, 3, 9);
    const args = [{ data: z, shape: [5, 5] }, { data: labels, shape: [5], dtype: "int32" as const }];
    const at = (reduction: "mean" | "sum") => evaluate((l, y) => crossEntropy(l as tf.Tensor2D, y as tf.Tensor1D, { reduction }), args).loss;
    expectScalarClose(at("sum"), at("mean") * 3, 1e-6, 1e-9);
    const none = evaluate((l, y) => crossEntropy(l as tf.Tensor2D, y as tf.Tensor1D, { reduction: "sum" }), [
      { data: z.slice(0, 10), shape: [2, 5] },
      { data: [-100, -100], shape: [2], dtype: "int32" },
    ]);
    expect(none.loss).toBe(0);
    expect(allZero(none.grads[0])).toBe(true);
  });
});
