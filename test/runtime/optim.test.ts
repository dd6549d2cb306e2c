// Optimizers: each rule against PyTorch's update equations written out in float64 JS, the
// learning-rate schedule reaches every step, weight-decay exclusions, state round trips, no leaks.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { StageOptimizer, adam, adamw, describeOptimizer, excludedFromDecayByDefault, rmsprop, sgd } from "../../runtime/optim.js";
import { constant, linear } from "../../runtime/schedules.js";
import { KdcRuntimeError } from "../../runtime/errors.js";
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

// ---- PyTorch's update equations (torch.optim docs, amsgrad/dampening/maximize off), float64 ----

/** Updates one parameter in place; `s` holds its state; t counts steps from 1; `decay` whether wd applies. */
type Reference = (p: number[], g: number[], s: Record<string, number[]>, lr: number, t: number, decay: boolean) => void;

function torchSgd(o: { momentum?: number; nesterov?: boolean; wd?: number }): Reference {
  const { momentum = 0, nesterov = false, wd = 0 } = o;
  return (p, g0, s, lr, t, decay) => {
    const g = g0.map((gi, i) => (decay && wd ? gi + wd * p[i]! : gi));
    let d = g;
    if (momentum !== 0) {
      s.buf = t === 1 ? g.slice() : s.buf!.map((b, i) => momentum * b + g[i]!); // torch clones g at step 1
      d = nesterov ? g.map((gi, i) => gi + momentum * s.buf![i]!) : s.buf;
    }
    p.forEach((_, i) => (p[i] = p[i]! - lr * d[i]!));
  };
}

function torchAdam(o: { beta1?: number; beta2?: number; eps?: number; wd?: number; decoupled?: boolean }): Reference {
  const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8, wd = 0, decoupled = false } = o;
  return (p, g0, s, lr, t, decay) => {
    if (decay && decoupled) p.forEach((_, i) => (p[i] = p[i]! * (1 - lr * wd))); // AdamW: before the step
    const g = g0.map((gi, i) => (decay && !decoupled ? gi + wd * p[i]! : gi));
    s.m ??= g.map(() => 0);
    s.v ??= g.map(() => 0);
    for (let i = 0; i < p.length; i++) {
      s.m[i] = beta1 * s.m[i]! + (1 - beta1) * g[i]!;
      s.v[i] = beta2 * s.v[i]! + (1 - beta2) * g[i]! ** 2;
      const mHat = s.m[i]! / (1 - beta1 ** t);
      const vHat = s.v[i]! / (1 - beta2 ** t);
      p[i] = p[i]! - (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  };
}

function torchRmsprop(o: { alpha?: number; eps?: number; momentum?: number; centered?: boolean; wd?: number }): Reference {
  const { alpha = 0.99, eps = 1e-8, momentum = 0, centered = false, wd = 0 } = o;
  return (p, g0, s, lr, _t, decay) => {
    const g = g0.map((gi, i) => (decay && wd ? gi + wd * p[i]! : gi));
    s.sq ??= g.map(() => 0);
    s.avg ??= g.map(() => 0);
    s.buf ??= g.map(() => 0);
    for (let i = 0; i < p.length; i++) {
      s.sq[i] = alpha * s.sq[i]! + (1 - alpha) * g[i]! ** 2;
      let r: number;
      if (centered) {
        s.avg[i] = alpha * s.avg[i]! + (1 - alpha) * g[i]!;
        r = Math.sqrt(s.sq[i]! - s.avg[i]! ** 2) + eps;
      } else {
        r = Math.sqrt(s.sq[i]!) + eps;
      }
      if (momentum > 0) {
        s.buf[i] = momentum * s.buf[i]! + g[i]! / r;
        p[i] = p[i]! - lr * s.buf[i]!;
      } else {
        p[i] = p[i]! - (lr * g[i]!) / r;
      }
    }
  };
}

// ---- a tiny quadratic: loss = ½ Σ a⊙(W − c)² + ½ Σ a_b⊙(b − c_b)², gradient a⊙(p − c) ----

const NAMES = ["dense_0/kernel", "dense_0/bias"];
const SHAPES = [[2, 2], [2]];
const INIT = [[0.5, -1, 2, 0.3], [0.1, -0.4]];
const CURV = [[1, 2, 0.5, 3], [4, 0.25]];
const CENTRE = [[1, -2, 0, 0.5], [-1, 1]];
/** A learning rate that changes every step, so a convention that folds lr into a buffer would show. */
const LR = linear({ from: 0.1, to: 0.04 });
const STEPS = 3;
const progressAt = (step: number): Progress => ({ step, totalSteps: STEPS, epoch: 0, stepsPerEpoch: STEPS });

function quadratic(vars: readonly tf.Variable[]): () => tf.Scalar {
  return () =>
    tf.addN(vars.map((v, i) => tf.mul(0.5, tf.sum(tf.mul(tf.tensor(CURV[i]!, SHAPES[i]), tf.square(tf.sub(v, tf.tensor(CENTRE[i]!, SHAPES[i])))))))) as tf.Scalar;
}

function reference(update: Reference, decays: readonly boolean[]): number[][] {
  const params = INIT.map((p) => p.slice());
  const state = params.map(() => ({}) as Record<string, number[]>);
  for (let step = 0; step < STEPS; step++) {
    const lr = LR.at(progressAt(step));
    params.forEach((p, i) => update(p, p.map((x, k) => CURV[i]![k]! * (x - CENTRE[i]![k]!)), state[i]!, lr, step + 1, decays[i]!));
  }
  return params;
}

const makeVars = () => INIT.map((v, i) => tf.variable(tf.tensor(v, SHAPES[i]), true));

const CASES: { name: string; spec: OptimizerSpec; torch: Reference; decays: [boolean, boolean] }[] = [
  { name: "sgd", spec: sgd({ lr: LR }), torch: torchSgd({}), decays: [false, false] },
  { name: "sgd, weight decay", spec: sgd({ lr: LR, weightDecay: 0.1 }), torch: torchSgd({ wd: 0.1 }), decays: [true, true] },
  { name: "sgd, momentum", spec: sgd({ lr: LR, momentum: 0.9 }), torch: torchSgd({ momentum: 0.9 }), decays: [false, false] },
  {
    name: "sgd, Nesterov momentum and weight decay",
    spec: sgd({ lr: LR, momentum: 0.9, nesterov: true, weightDecay: 0.05 }),
    torch: torchSgd({ momentum: 0.9, nesterov: true, wd: 0.05 }),
    decays: [true, true],
  },
  { name: "adam", spec: adam({ lr: LR }), torch: torchAdam({}), decays: [false, false] },
  { name: "adam, L2 weight decay", spec: adam({ lr: LR, weightDecay: 0.1, beta1: 0.8 }), torch: torchAdam({ wd: 0.1, beta1: 0.8 }), decays: [true, true] },
  { name: "adamw, bias excluded by default", spec: adamw({ lr: LR, weightDecay: 0.1 }), torch: torchAdam({ wd: 0.1, decoupled: true }), decays: [true, false] },
  {
    name: "adamw, everything decays",
    spec: adamw({ lr: LR, weightDecay: 0.1, excludeFromDecay: [] }),
    torch: torchAdam({ wd: 0.1, decoupled: true }),
    decays: [true, true],
  },
  {
    name: "adamw, a name list",
    spec: adamw({ lr: LR, weightDecay: 0.1, epsilon: 1e-6, excludeFromDecay: ["dense_0/kernel"] }),
    torch: torchAdam({ wd: 0.1, eps: 1e-6, decoupled: true }),
    decays: [false, true],
  },
  { name: "rmsprop (torch defaults)", spec: rmsprop({ lr: LR }), torch: torchRmsprop({}), decays: [false, false] },
  {
    name: "rmsprop, momentum and weight decay",
    spec: rmsprop({ lr: LR, momentum: 0.9, weightDecay: 0.1 }),
    torch: torchRmsprop({ momentum: 0.9, wd: 0.1 }),
    decays: [true, true],
  },
  {
    name: "rmsprop, centered with momentum",
    spec: rmsprop({ lr: LR, alpha: 0.9, centered: true, momentum: 0.5 }),
    torch: torchRmsprop({ alpha: 0.9, centered: true, momentum: 0.5 }),
    decays: [false, false],
  },
];

describe("optimizers match PyTorch's update equations (3 steps, a changing lr)", () => {
  for (const { name, spec, torch, decays } of CASES) {
    it(name, () => {
      const vars = makeVars();
      const start = tf.memory().numTensors;
      const opt = new StageOptimizer(spec, vars, NAMES);
      expect(opt.decays).toEqual(decays);
      const counts: number[] = [];
      for (let step = 0; step < STEPS; step++) {
        opt.setLearningRate(spec.lr.at(progressAt(step)));
        opt.minimize(quadratic(vars)).dispose();
        counts.push(tf.memory().numTensors);
      }
      expect(new Set(counts).size).toBe(1); // state is made at step 1; nothing leaks after
      const expected = reference(torch, decays);
      vars.forEach((v, i) => expectClose(take(tf.clone(v)), expected[i]!, 1e-5, 1e-6));
      expect(opt.iterations).toBe(STEPS);
      opt.dispose();
      expect(tf.memory().numTensors).toBe(start); // dispose frees every slot
      tf.dispose(vars);
    });
  }
});

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

  it("RMSProp's first step is lr·g/(√((1−α)g²) + ε) ≈ 10·lr with α = 0.99", () => {
    const { deltas: d } = deltas(rmsprop({ lr: 0.01 }), 3, 1);
    expect(d[0]).toBeCloseTo(-0.01 * 3 / (Math.sqrt(0.01 * 9) + 1e-8), 6);
  });

  it("RMSProp adds ε outside the square root like PyTorch (tfjs adds it inside)", () => {
    // g = 1e-8: lr·g/(√(0.01·g²) + ε) = lr/1.1; with √(s + ε) the step would be ~lr·1e-4.
    const { deltas: d } = deltas(rmsprop({ lr: 0.1 }), 1e-8, 1);
    expect(d[0]).toBeCloseTo(-0.1 / 1.1, 5);
  });

  it("builders fill PyTorch's defaults and check their arguments", () => {
    expect(rmsprop({ lr: 0.01 })).toMatchObject({ kind: "rmsprop", alpha: 0.99, epsilon: 1e-8, momentum: 0, centered: false });
    expect(adamw({ lr: 0.01 })).toMatchObject({ kind: "adamw", beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 });
    expect(sgd({ lr: 0.1, momentum: 0 })).toEqual({ kind: "sgd", lr: expect.anything() });
    expect(() => sgd({ lr: 0.1, nesterov: true })).toThrow(KdcRuntimeError);
    expect(() => adam({ lr: 0.1, beta1: 1 })).toThrow(KdcRuntimeError);
    expect(() => adamw({ lr: 0.1, weightDecay: -1 })).toThrow(KdcRuntimeError);
  });

  it("AdamW's default exclusion: rank ≤ 1, or a bias or norm name", () => {
    const excluded = (name: string, shape: number[]) => excludedFromDecayByDefault(name, shape);
    expect(excluded("dense_0/kernel", [4, 3])).toBe(false);
    expect(excluded("dense_0/bias", [3])).toBe(true);
    expect(excluded("17", [3])).toBe(true); // an unnamed bias, by rank
    expect(excluded("block_1/layer_norm/gamma", [1, 8])).toBe(true);
    expect(excluded("encoder.layer.0.output.LayerNorm.weight", [1, 8])).toBe(true);
    expect(excluded("h.0.ln_1.weight", [1, 8])).toBe(true);
    expect(excluded("layer1.0.bn1.weight", [1, 8])).toBe(true);
    expect(excluded("block_0/attention/query/kernel", [8, 8])).toBe(false);
    expect(excluded("lnx/kernel", [8, 8])).toBe(false);
    const pred = adamw({ lr: 0.1, excludeFromDecay: (name) => name.startsWith("head") });
    const w = tf.variable(tf.zeros([2, 2]));
    expect(new StageOptimizer(pred, [w, w], ["head/kernel", "body/kernel"]).decays).toEqual([false, true]);
    w.dispose();
  });

  it("describes itself with every hyper-parameter in effect", () => {
    expect(describeOptimizer(adamw({ lr: 1e-3 }))).toBe(
      "adamw(lr constant(0.001), beta1 0.9, beta2 0.999, epsilon 1e-8, decoupled weight decay 0.01, not biases or norms)",
    );
    expect(describeOptimizer(sgd({ lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 }))).toBe(
      "sgd(lr constant(0.1), momentum 0.9 (Nesterov), L2 weight decay 0.0005)",
    );
    expect(describeOptimizer(rmsprop({ lr: 0.01, centered: true }))).toBe("rmsprop(lr constant(0.01), alpha 0.99, epsilon 1e-8, momentum 0, centered)");
  });

  it("skips a variable without a gradient and refuses a gradient for an unknown variable", async () => {
    const [w, b] = makeVars() as [tf.Variable, tf.Variable];
    const opt = new StageOptimizer(adam({ lr: 0.1 }), [w, b]);
    opt.setLearningRate(0.1);
    const g = tf.onesLike(w);
    opt.applyGradients({ [w.name]: g });
    expect(take(tf.clone(b))).toEqual(Float32Array.from(INIT[1]!)); // untouched, and no state for it
    expect((await opt.getState()).map((s) => s.name)).toEqual(["iter", "m/0", "v/0"]);
    expect(take(tf.clone(w))[0]).toBeCloseTo(0.4, 6);
    expect(() => opt.applyGradients({ nope: g })).toThrow(/not a trained variable/);
    opt.dispose();
    tf.dispose([w, b, g]);
  });

  const ROUND_TRIP: { spec: OptimizerSpec; slots: string[] }[] = [
    { spec: adam({ lr: 0.01 }), slots: ["m", "v"] },
    { spec: adamw({ lr: 0.01 }), slots: ["m", "v"] },
    { spec: sgd({ lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 0.01 }), slots: ["momentum"] },
    { spec: sgd({ lr: 0.01 }), slots: [] },
    { spec: rmsprop({ lr: 0.01, centered: true, momentum: 0.9 }), slots: ["square_avg", "grad_avg", "momentum"] },
  ];
  for (const { spec, slots } of ROUND_TRIP) {
    it(`${describeOptimizer(spec)}: state survives getState/setState into fresh variables`, async () => {
      const x = tf.randomNormal([8, 3], 0, 1, "float32", 1);
      const lossOf = (w: tf.Variable, b: tf.Variable) => () => tf.sum(tf.square(tf.add(tf.matMul(x, w), b))) as tf.Scalar;
      const a = [tf.variable(tf.randomNormal([3, 2], 0, 1, "float32", 2)), tf.variable(tf.randomNormal([2], 0, 1, "float32", 3))] as const;
      const optA = new StageOptimizer(spec, a);
      optA.setLearningRate(0.01);
      for (let i = 0; i < 3; i++) optA.minimize(lossOf(...a)).dispose();

      const tensorsBefore = tf.memory().numTensors;
      const state = await optA.getState();
      expect(tf.memory().numTensors).toBe(tensorsBefore); // a copy: nothing to dispose
      expect(state.map((s) => s.name)).toEqual(["iter", ...[0, 1].flatMap((i) => slots.map((s) => `${s}/${i}`))]);
      expect(state[0]!.values[0]).toBe(3);
      const b = [tf.variable(tf.clone(a[0])), tf.variable(tf.clone(a[1]))] as const;
      const optB = new StageOptimizer(spec, b);
      const before = tf.memory().numTensors;
      await optB.setState(state);
      // Only the optimizer's own slot variables are new (the iteration count lives in JS).
      expect(tf.memory().numTensors - before).toBe(state.length - 1);
      expect(optB.iterations).toBe(3);
      optB.setLearningRate(0.01);

      optA.minimize(lossOf(...a)).dispose();
      optB.minimize(lossOf(...b)).dispose();
      a.forEach((v, i) => expect(take(tf.clone(b[i]!))).toEqual(take(tf.clone(v))));
      await optB.setState(await optA.getState()); // into existing slots: no new tensors
      expect(tf.memory().numTensors - before).toBe(state.length - 1);
      optA.dispose();
      optB.dispose();
      tf.dispose([...a, ...b, x]);
    });
  }

  it("setState checks names and shapes before changing anything", async () => {
    const w = tf.variable(tf.zeros([2, 2]));
    const opt = new StageOptimizer(adam({ lr: 0.1 }), [w]);
    const m = { name: "m/0", shape: [2, 2], dtype: "float32" as const, values: new Float32Array(4) };
    const v = { ...m, name: "v/0" };
    await expect(opt.setState([m, { ...v, shape: [4] }])).rejects.toThrow(/shape \[4\]/);
    await expect(opt.setState([m])).rejects.toThrow(/lacks 'v\/0'/);
    await expect(opt.setState([m, v, { ...m, name: "momentum/0" }])).rejects.toThrow(KdcRuntimeError);
    await expect(opt.setState([m, v, { ...m, name: "m/1" }])).rejects.toThrow(KdcRuntimeError);
    expect((await opt.getState()).map((s) => s.name)).toEqual(["iter"]);
    opt.dispose();
    w.dispose();
  });
});
