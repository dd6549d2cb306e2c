// The custom-gradient dense layer must be numerically the plain `x·W + b` with tfjs's own gradients.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { dense, denseOnData, dropout, initDense } from "../../runtime/models/dense.js";
import { expectClose, take, useCpu } from "./helpers.js";

beforeAll(useCpu);

/** loss = Σ (tanh(f(x, w, b)) ⊙ u)², a non-trivial upstream gradient for f. */
function lossWith(f: (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor, u: tf.Tensor) {
  return (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.mul(tf.tanh(f(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D)), u))) as tf.Scalar;
}
const plainDense = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.add(tf.matMul(x, w), b);

describe("dense", () => {
  // [in, out] chosen so both routes for dx run: w transposed (small w) and (w·dyᵀ)ᵀ (large w).
  for (const [batch, fanIn, fanOut] of [[7, 13, 5], [3, 40, 30]] as const) {
    it(`has the value and gradients of tf.matMul + add (B=${batch}, ${fanIn}→${fanOut})`, () => {
      const x = tf.randomNormal([batch, fanIn], 0, 1, "float32", 1) as tf.Tensor2D;
      const w = tf.randomNormal([fanIn, fanOut], 0, 0.3, "float32", 2) as tf.Tensor2D;
      const b = tf.randomNormal([fanOut], 0, 1, "float32", 3) as tf.Tensor1D;
      const u = tf.randomNormal([batch, fanOut], 0, 1, "float32", 4);
      const plain = tf.valueAndGrads(lossWith(plainDense, u))([x, w, b]);
      const custom = tf.valueAndGrads(lossWith(dense, u))([x, w, b]);
      expectClose(take(custom.value), take(plain.value), 1e-6, 1e-7);
      for (let i = 0; i < 3; i++) expectClose(take(custom.grads[i]!), take(plain.grads[i]!), 1e-5, 1e-6);
      tf.dispose([x, w, b, u]);
    });
  }

  it("denseOnData has the same value and weight gradients, even on an intermediate input", () => {
    const x0 = tf.randomNormal([6, 9], 0, 1, "float32", 5) as tf.Tensor2D;
    const w = tf.variable(tf.randomNormal([9, 4], 0, 0.5, "float32", 6));
    const b = tf.variable(tf.randomNormal([4], 0, 1, "float32", 7));
    const u = tf.randomNormal([6, 4], 0, 1, "float32", 8);
    // x is made inside the taped function (like input dropout), so tidy frees it before backward.
    const run = (f: typeof plainDense) => () => lossWith((x, ww, bb) => f(tf.mul(x, 2) as tf.Tensor2D, ww, bb), u)(x0, w, b);
    const plain = tf.variableGrads(run(plainDense), [w, b]);
    const custom = tf.variableGrads(run(denseOnData), [w, b]);
    expectClose(take(custom.value), take(plain.value), 1e-6, 1e-7);
    for (const v of [w, b]) expectClose(take(custom.grads[v.name]!), take(plain.grads[v.name]!), 1e-5, 1e-6);
    tf.dispose([x0, w, b, u]);
  });

  it("gets gradients for variables through optimizer-style variableGrads", () => {
    const x = tf.randomNormal([4, 3], 0, 1, "float32", 5) as tf.Tensor2D;
    const w = tf.variable(tf.randomNormal([3, 2], 0, 1, "float32", 6));
    const b = tf.variable(tf.zeros([2]));
    const { value, grads } = tf.variableGrads(() => tf.sum(dense(x, w as tf.Tensor2D, b as tf.Tensor1D)) as tf.Scalar, [w, b]);
    // d/dW Σ(xW+b) = xᵀ·1, d/db = B.
    expectClose(take(grads[w.name]!), take(tf.matMul(x, tf.ones([4, 2]), true, false)), 1e-6, 1e-7);
    expectClose(take(grads[b.name]!), [4, 4], 1e-6, 1e-7);
    tf.dispose([x, w, b, value]);
  });
});

describe("initDense", () => {
  it("draws weights and biases from U(±1/√fan_in), reproducibly", () => {
    const a = initDense(100, 50, 42);
    const again = initDense(100, 50, 42);
    const other = initDense(100, 50, 43);
    const bound = 1 / Math.sqrt(100);
    expect(a.kernel.length).toBe(5000);
    expect(a.bias.length).toBe(50);
    for (const v of [...a.kernel, ...a.bias]) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    expect(Math.max(...a.kernel)).toBeGreaterThan(0.9 * bound);
    expect(Math.min(...a.kernel)).toBeLessThan(-0.9 * bound);
    expect(a.kernel).toEqual(again.kernel);
    expect(a.kernel).not.toEqual(other.kernel);
  });
});

describe("dropout", () => {
  it("zeroes about `rate` of the units and scales the rest by 1/(1−rate)", () => {
    const x = tf.ones([100, 100]) as tf.Tensor2D;
    const values = take(dropout(x, 0.3, 1));
    const zeros = values.filter((v) => v === 0).length;
    expect(zeros / values.length).toBeGreaterThan(0.27);
    expect(zeros / values.length).toBeLessThan(0.33);
    for (const v of values) if (v !== 0) expect(v).toBeCloseTo(1 / 0.7, 6);
    expect(take(dropout(x, 0.3, 1))).toEqual(values); // seeded
    x.dispose();
  });
});
