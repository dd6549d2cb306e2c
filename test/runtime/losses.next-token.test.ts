// nextTokenCrossEntropy / nextTokenKd / nextTokenTaid are the token losses applied after the causal shift.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import * as losses from "../../runtime/losses/index.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("next-token losses", () => {
  const s = () => tf.randomNormal([2, 6, 5], 0, 3, "float32", 4) as tf.Tensor3D;
  const t = () => tf.randomNormal([2, 6, 5], 0, 3, "float32", 5) as tf.Tensor3D;
  const y = () => tf.tensor2d([[-100, 1, 2, 3, 4, 0], [-100, 4, 4, -100, -100, -100]], undefined, "int32");

  it("score the logits at t against the target at t + 1, ignoring −100", () => {
    const [a, b, targets] = [s(), t(), y()];
    const shifted = losses.causalShift(a, targets);
    expect(losses.nextTokenCrossEntropy(a, targets).dataSync()[0]).toBeCloseTo(losses.tokenCrossEntropy(shifted.logits, shifted.labels).dataSync()[0]!, 6);
    const teacher = losses.causalShift(b);
    const kd = losses.tokenKd(shifted.logits, teacher.logits, { T: 2, labels: shifted.labels });
    expect(losses.nextTokenKd(a, b, targets, { T: 2 }).dataSync()[0]).toBeCloseTo(kd.dataSync()[0]!, 6);
    const taid = losses.tokenTaid(shifted.logits, teacher.logits, 0.6, { labels: shifted.labels });
    expect(losses.nextTokenTaid(a, b, targets, 0.6).dataSync()[0]).toBeCloseTo(taid.dataSync()[0]!, 6);
    // Not the unshifted loss: the shift matters.
    expect(Math.abs(losses.nextTokenTaid(a, b, targets, 0.6).dataSync()[0]! - losses.tokenTaid(a, b, 0.6, { labels: targets }).dataSync()[0]!)).toBeGreaterThan(1e-3);
  });

  it("is 0 with a zero gradient when every target is ignored", () => {
    const [a, b] = [s(), t()];
    const none = tf.fill([2, 6], -100, "int32") as tf.Tensor2D;
    const g = tf.grad((x: tf.Tensor) => losses.nextTokenCrossEntropy(x as tf.Tensor3D, none))(a);
    expect(losses.nextTokenCrossEntropy(a, none).dataSync()[0]).toBe(0);
    expect(losses.nextTokenKd(a, b, none).dataSync()[0]).toBe(0);
    expect(tf.abs(g).sum().dataSync()[0]).toBe(0);
    const gTaid = tf.grad((x: tf.Tensor) => losses.nextTokenTaid(x as tf.Tensor3D, b, none, 0.5))(a);
    expect(losses.nextTokenTaid(a, b, none, 0.5).dataSync()[0]).toBe(0);
    expect(tf.abs(gTaid).sum().dataSync()[0]).toBe(0);
  });
});
