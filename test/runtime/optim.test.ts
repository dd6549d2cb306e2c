// Optimizers: the learning-rate schedule reaches every step, Adam uses ε = 1e-8, state round-trips.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { StageOptimizer, adam, sgd } from "../../runtime/optim.js";
import { constant, linear } from "../../runtime/schedules.js";
import type { OptimizerSpec, Progress } from "../../runtime/program.js";
import { expectClose, take, useCpu } from "./helpers.js";

beforeAll(useCpu);

/** Runs `steps` updates of loss = Σ g·w (a constant gradient g) and returns the per-step change of w[0]. */
function deltas(spec: OptimizerSpec, g: number, steps: number): { deltas: number[]; lrs: number[] } {
  const w = tf.variable(tf.zeros([2]));
  const grad = tf.tensor1d([g, g]);
  const opt = new StageOptimizer(spec, [w]);
  const out: number[] = [];
  const lrs: number[] = [];
  let prev = 0;
  for (let step = 0; step < steps; step++) {
    const progress: Progress = { step, totalSteps: steps, epoch: 0, stepsPerEpoch: steps };
    const lr = spec.lr.at(progress);
    lrs.push(lr);
    opt.setLearningRate(lr);
    opt.minimize(() => tf.sum(tf.mul(grad, w)) as tf.Scalar).dispose();
    const now = w.dataSync()[0]!;
    out.push(now - prev);
    prev = now;
  }
  opt.dispose();
  tf.dispose([w, grad]);
  return { deltas: out, lrs };
}

describe("optimizers", () => {
  it("SGD steps by exactly −lr·g with the schedule's lr at each step", () => {
    const { deltas: d, lrs } = deltas(sgd({ lr: linear({ from: 0.1, to: 0 }) }), 2, 4);
    expectClose(lrs, [0.1, 0.075, 0.05, 0.025], 1e-12, 0);
    expectClose(d, lrs.map((lr) => -lr * 2), 1e-6, 1e-7);
  });

  it("Adam's step follows the schedule (|Δw| ≈ lr for a constant gradient)", () => {
    const { deltas: d, lrs } = deltas(adam({ lr: linear({ from: 0.01, to: 0.002 }) }), 3, 4);
    expectClose(d, lrs.map((lr) => -lr), 1e-4, 1e-6);
    expect(Math.abs(d[0]!)).toBeGreaterThan(2 * Math.abs(d[3]!));
  });

  it("Adam uses ε = 1e-8 like PyTorch (tfjs would use 1e-7)", () => {
    // With g = ε the first step is lr·g/(g + ε) = lr/2 (bias-corrected moments are exactly g and g²).
    const { deltas: d } = deltas(adam({ lr: constant(0.1) }), 1e-8, 1);
    expect(d[0]).toBeCloseTo(-0.05, 4);
  });

  it("momentum SGD accumulates like torch.optim.SGD", () => {
    const { deltas: d } = deltas(sgd({ lr: 0.1, momentum: 0.9 }), 1, 3);
    expectClose(d, [-0.1, -0.19, -0.271], 1e-5, 1e-7);
  });

  for (const spec of [adam({ lr: 0.01 }), sgd({ lr: 0.01, momentum: 0.9 })]) {
    it(`${spec.kind} state survives getState/setState into fresh variables`, async () => {
      const x = tf.randomNormal([8, 3], 0, 1, "float32", 1);
      const lossOf = (w: tf.Variable) => () => tf.sum(tf.square(tf.matMul(x, w))) as tf.Scalar;
      const a = tf.variable(tf.randomNormal([3, 2], 0, 1, "float32", 2));
      const optA = new StageOptimizer(spec, [a]);
      optA.setLearningRate(0.01);
      for (let i = 0; i < 3; i++) optA.minimize(lossOf(a)).dispose();

      const tensorsBefore = tf.memory().numTensors;
      const state = await optA.getState();
      expect(tf.memory().numTensors).toBe(tensorsBefore); // a copy: nothing to dispose
      expect(state[0]!.name).toBe("iter");
      expect(state.slice(1).every((s) => /^(m|v|momentum)\/0$/.test(s.name))).toBe(true);
      const b = tf.variable(tf.clone(a));
      const optB = new StageOptimizer(spec, [b]);
      const before = tf.memory().numTensors;
      await optB.setState(state);
      // Only the optimizer's own slot variables are new (iterations live in JS).
      expect(tf.memory().numTensors - before).toBe(state.length - 1);
      optB.setLearningRate(0.01);

      optA.minimize(lossOf(a)).dispose();
      optB.minimize(lossOf(b)).dispose();
      expect(take(tf.clone(b))).toEqual(take(tf.clone(a)));
      optA.dispose();
      optB.dispose();
      tf.dispose([a, b, x]);
    });
  }
});
