import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import * as ops from "../../runtime/ops.js";
import { take, useCpu } from "./helpers.js";

beforeAll(useCpu);

describe("ops", () => {
  it("accepts numbers and tensors and always returns a tensor", () => {
    const t = tf.scalar(3);
    expect(take(ops.add(1, 2))[0]).toBe(3);
    expect(take(ops.add(t, 2))[0]).toBe(5);
    expect(take(ops.sub(10, t))[0]).toBe(7);
    expect(take(ops.mul(0.5, t))[0]).toBe(1.5);
    expect(take(ops.div(t, 4))[0]).toBe(0.75);
    expect(take(ops.pow(t, 2))[0]).toBe(9);
    expect(take(ops.neg(t))[0]).toBe(-3);
    expect(ops.add(1, 1)).toBeInstanceOf(tf.Tensor);
    t.dispose();
  });

  it("is differentiable through mixed expressions", () => {
    const g = tf.grad((x: tf.Tensor) => ops.add(ops.mul(0.9, ops.pow(x, 2)), ops.mul(1 - 0.9, x)) as tf.Scalar)(tf.scalar(2));
    expect(take(g)[0]).toBeCloseTo(0.9 * 4 + 0.1, 6);
  });
});
