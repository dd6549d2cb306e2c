// The runtime entry points the new language built-ins call: cosineEmbedding against a float64
// reference (with gradients and a zero row), the next-token divergences and the preference
// wrappers against the token and preference losses they compose.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import * as losses from "../../runtime/losses/index.js";
import { expectClose, expectScalarClose } from "./helpers.js";
import { allZero, evaluate, expectGradClose } from "./reference/harness.js";
import { f32, logSigmoid, logSoftmax, numericGrad, softmax, uniform } from "./reference/float64.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** mean_b (1 − ⟨s, t⟩ / (max(‖s‖, ε)·max(‖t‖, ε))), ε = 1e-8, in float64. */
function cosineRef(s: ArrayLike<number>, t: ArrayLike<number>, B: number, F: number): number {
  let total = 0;
  for (let b = 0; b < B; b++) {
    let dot = 0, ss = 0, tt = 0;
    for (let f = 0; f < F; f++) {
      const x = s[b * F + f]!, y = t[b * F + f]!;
      dot += x * y;
      ss += x * x;
      tt += y * y;
    }
    total += 1 - dot / (Math.max(Math.sqrt(ss), 1e-8) * Math.max(Math.sqrt(tt), 1e-8));
  }
  return total / B;
}

describe("cosineEmbedding", () => {
  for (const [i, c] of [{ B: 4, F: 6, scale: 2 }, { B: 1, F: 3, scale: 50 }].entries()) {
    it(`matches the float64 reference, gradients included (B ${c.B}, scale ${c.scale})`, () => {
      const s = f32(uniform(c.B * c.F, c.scale, 70 + i));
      const t = f32(uniform(c.B * c.F, c.scale, 80 + i));
      const got = evaluate((a, b) => losses.cosineEmbedding(a as tf.Tensor2D, b as tf.Tensor2D), [
        { data: s, shape: [c.B, c.F] },
        { data: t, shape: [c.B, c.F] },
      ]);
      expectScalarClose(got.loss, cosineRef(s, t, c.B, c.F), 1e-5, 1e-6);
      expectGradClose(got.grads[0]!, numericGrad((x) => cosineRef(x, t, c.B, c.F), Float64Array.from(s)));
      expect(allZero(got.grads[1])).toBe(true);
    });
  }

  it("gives 1 and a finite gradient for an all-zero student row, never NaN", () => {
    const got = evaluate((a, b) => losses.cosineEmbedding(a as tf.Tensor2D, b as tf.Tensor2D), [
      { data: new Float64Array(3), shape: [1, 3] },
      { data: Float64Array.from([1, 2, 3]), shape: [1, 3] },
    ]);
    expect(got.loss).toBe(1);
    expect(Array.from(got.grads[0]!).every(Number.isFinite)).toBe(true);
  });

  it("rejects tensors of different shapes", () => {
    const [a, b] = [tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2, 4]) as tf.Tensor2D];
    expect(() => losses.cosineEmbedding(a, b)).toThrow(/one shape/);
    tf.dispose([a, b]);
  });
});

describe("next-token divergences", () => {
  const s = () => tf.randomNormal([2, 6, 5], 0, 3, "float32", 4) as tf.Tensor3D;
  const t = () => tf.randomNormal([2, 6, 5], 0, 3, "float32", 5) as tf.Tensor3D;
  const y = () => tf.tensor2d([[-100, 1, 2, 3, 4, 0], [-100, 4, 4, -100, -100, -100]], undefined, "int32");
  const cases = [
    ["reverse KL", losses.nextTokenReverseKl, losses.tokenReverseKl],
    ["JSD", losses.nextTokenJsd, losses.tokenJsd],
    ["TVD", losses.nextTokenTvd, losses.tokenTvd],
  ] as const;
  for (const [name, next, token] of cases) {
    it(`${name}: the token loss on logits[:, :-1] against targets[:, 1:], −100 ignored; 0 when all ignored`, () => {
      const [a, b, targets] = [s(), t(), y()];
      const shifted = losses.causalShift(a, targets);
      const expected = token(shifted.logits, losses.causalShift(b).logits, { T: 2, t2: true, labels: shifted.labels });
      expect(next(a, b, targets, { T: 2, t2: true }).dataSync()[0]).toBeCloseTo(expected.dataSync()[0]!, 6);
      expect(next(a, b, targets, { T: 2, t2: true }).dataSync()[0]).not.toBeCloseTo(next(a, b, targets, { T: 2, t2: false }).dataSync()[0]!, 3);
      const none = tf.fill([2, 6], -100, "int32") as tf.Tensor2D;
      expect(next(a, b, none).dataSync()[0]).toBe(0);
    });
  }
});

describe("preference wrappers", () => {
  const B = 2, T = 5, V = 7;
  const policy = () => tf.randomNormal([2 * B, T, V], 0, 2, "float32", 1) as tf.Tensor3D;
  const reference = () => tf.randomNormal([2 * B, T, V], 0, 2, "float32", 2) as tf.Tensor3D;
  const targets = () => tf.tensor2d([[-100, -100, 3, 4, 5], [-100, 1, 2, -100, -100], [-100, -100, 6, 0, -100], [-100, 2, 2, 2, 2]], undefined, "int32");

  it("simpoFromLogits: −logσ(β·(avg_c − avg_r) − γ) on length-averaged log-probs, batch mean", () => {
    const [p, y] = [policy(), targets()];
    const { chosen, rejected } = losses.pairLogProbs(p, y, true);
    const [c, r] = [chosen.arraySync(), rejected.arraySync()];
    const expected = c.reduce((acc, _, b) => acc - logSigmoid(3 * (c[b]! - r[b]!) - 0.25), 0) / B;
    expect(losses.simpoFromLogits(p, y, { beta: 3, gamma: 0.25 }).dataSync()[0]).toBeCloseTo(expected, 5);
  });

  it("adpoFromLogits with τ = 1/β equals sigmoid DPO, and its gradient reaches the policy only", () => {
    const [p, r, y] = [policy(), reference(), targets()];
    const dpo = losses.dpoFromLogits(p, r, y, { beta: 0.5, variant: "sigmoid" }).dataSync()[0]!;
    expect(losses.adpoFromLogits(p, r, y, { tau: 2 }).dataSync()[0]).toBeCloseTo(dpo, 5);
    const [gp, gr] = tf.grads((a: tf.Tensor, b: tf.Tensor) => losses.adpoFromLogits(a as tf.Tensor3D, b as tf.Tensor3D, y, { tau: 2 }))([p, r]);
    expect(tf.abs(gp!).sum().dataSync()[0]).toBeGreaterThan(0);
    expect(tf.abs(gr!).sum().dataSync()[0]).toBe(0);
  });
});

/** log Σ_i w_i·softmax(x_i,b / T_i) in float64, row by row. */
function ensembleRef(parts: readonly ArrayLike<number>[], weights: readonly number[], T: readonly number[], B: number, C: number): Float64Array {
  const out = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    const mix = new Float64Array(C);
    parts.forEach((x, i) => {
      const p = softmax(Array.from({ length: C }, (_, c) => x[b * C + c]!), T[i]!);
      for (let c = 0; c < C; c++) mix[c] += weights[i]! * p[c]!;
    });
    for (let c = 0; c < C; c++) out[b * C + c] = Math.log(mix[c]!);
  }
  return out;
}

describe("ensembleLogProbs", () => {
  const B = 3, C = 5;
  for (const [i, c] of [
    { weights: [0.7, 0.3], T: [2, 4], scale: 3 },
    { weights: [0.2, 0.5, 0.3], T: [1, 0.5, 8], scale: 50 },
    { weights: [1, 0], T: [2, 3], scale: 3 },
  ].entries()) {
    it(`is the log of the weighted mixture of softmax(x_i / T_i) (${c.weights.length} teachers, scale ${c.scale})`, () => {
      const parts = c.weights.map((_, k) => f32(uniform(B * C, c.scale, 90 + 10 * i + k)));
      const tensors = parts.map((p) => tf.tensor2d(Float32Array.from(p), [B, C]));
      const got = losses.ensembleLogProbs(tensors, { weights: c.weights, T: c.T });
      expectClose(got.dataSync(), ensembleRef(parts, c.weights, c.T, B, C), 1e-5, 1e-6);
      // Every row is a distribution.
      for (const s of tf.tidy(() => tf.sum(tf.exp(got), 1)).dataSync()) expect(s).toBeCloseTo(1, 5);
      tf.dispose([...tensors, got]);
    });
  }

  it("rejects a temperature per teacher that is missing or not positive", () => {
    const x = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => losses.ensembleLogProbs([x, x], { T: [1] })).toThrow(/one temperature per teacher/);
    expect(() => losses.ensembleLogProbs([x, x], { T: [1, 0] })).toThrow(/positive/);
    x.dispose();
  });
});

describe("routeTeachers", () => {
  const B = 4, C = 3;
  const parts = [0, 1].map((k) => f32(uniform(B * C, 3, 200 + k)));
  const route = [1, 0, 0, 1];

  for (const T of [undefined, [2, 0.5]]) {
    it(`serves each example from the teacher its route names${T ? ", as log_softmax(x / T_i)" : ""}`, () => {
      const tensors = parts.map((p) => tf.tensor2d(Float32Array.from(p), [B, C]));
      const r = tf.tensor1d(route, "int32");
      const got = losses.routeTeachers(tensors, r, T ? { T } : {}).dataSync();
      const expected = new Float64Array(B * C);
      route.forEach((teacher, b) => {
        const row = Array.from({ length: C }, (_, c) => parts[teacher]![b * C + c]!);
        const values = T ? logSoftmax(row, T[teacher]!) : row;
        values.forEach((v, c) => (expected[b * C + c] = v));
      });
      expectClose(got, expected, 1e-5, 1e-6);
      tf.dispose([...tensors, r]);
    });
  }

  it("rejects a route id outside the teachers", () => {
    const x = tf.zeros([2, 3]) as tf.Tensor2D;
    const r = tf.tensor1d([0, 2], "int32");
    expect(() => losses.routeTeachers([x, x], r)).toThrow(/route 2, but there are 2 teachers/);
    tf.dispose([x, r]);
  });
});
