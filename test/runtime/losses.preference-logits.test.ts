// dpoFromLogits equals the DPO loss composed by hand from causalShift + sequenceLogProbs.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import * as losses from "../../runtime/losses/index.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("dpoFromLogits", () => {
  const B = 2, T = 5, V = 7;
  const policy = () => tf.randomNormal([2 * B, T, V], 0, 2, "float32", 1) as tf.Tensor3D;
  const reference = () => tf.randomNormal([2 * B, T, V], 0, 2, "float32", 2) as tf.Tensor3D;
  // Prompt tokens and padding are −100.
  const targets = () => tf.tensor2d([[-100, -100, 3, 4, 5], [-100, 1, 2, -100, -100], [-100, -100, 6, 0, -100], [-100, 2, 2, 2, 2]], undefined, "int32");

  for (const variant of ["sigmoid", "ipo", "hinge"] as const) {
    it(`matches the hand-composed ${variant} loss, with and without a reference`, () => {
      const [p, r, y] = [policy(), reference(), targets()];
      const half = (x: tf.Tensor1D, i: number) => x.slice([i * B], [B]) as tf.Tensor1D;
      const lp = (l: tf.Tensor3D) => {
        const s = losses.causalShift(l, y);
        return losses.sequenceLogProbs(s.logits, s.labels, { average: variant === "ipo" });
      };
      const [pl, rl] = [lp(p), lp(r)];
      const expected = losses.dpo({ policyChosen: half(pl, 0), policyRejected: half(pl, 1), refChosen: half(rl, 0), refRejected: half(rl, 1) }, { beta: 0.2, variant });
      const got = losses.dpoFromLogits(p, r, y, { beta: 0.2, variant });
      expect(got.dataSync()[0]).toBeCloseTo(expected.dataSync()[0]!, 6);
      const zeros = tf.zeros([B]) as tf.Tensor1D;
      const free = losses.dpo({ policyChosen: half(pl, 0), policyRejected: half(pl, 1), refChosen: zeros, refRejected: zeros }, { beta: 0.2, variant });
      expect(losses.dpoFromLogits(p, undefined, y, { beta: 0.2, variant }).dataSync()[0]).toBeCloseTo(free.dataSync()[0]!, 6);
      tf.dispose([p, r, y, pl, rl, expected, got, zeros, free]);
    });
  }

  it("sends gradients to the policy only, and leaks nothing", () => {
    const [p, r, y] = [policy(), reference(), targets()];
    const before = tf.memory().numTensors;
    const [gp, gr] = tf.grads((a: tf.Tensor, b: tf.Tensor) => losses.dpoFromLogits(a as tf.Tensor3D, b as tf.Tensor3D, y))([p, r]);
    const [policyGrad, referenceGrad] = tf.tidy(() => [tf.abs(gp!).sum().dataSync()[0]!, tf.abs(gr!).sum().dataSync()[0]!]);
    expect(policyGrad).toBeGreaterThan(0);
    expect(referenceGrad).toBe(0);
    tf.dispose([gp!, gr!]);
    // The loss itself leaves nothing behind: only the two gradients were created, and they are gone.
    expect(tf.memory().numTensors).toBe(before);
    const loss = losses.dpoFromLogits(p, r, y);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([loss, p, r, y]);
  });
});
