// One spot-check per loss family: the wasm backend (kdc's default) gives the cpu reference's
// values and gradients. wasm has kernels that silently differ (OneHot ignores a float dtype,
// GatherV2 with batchDims returns wrong rows), so every family runs here once.
import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, it } from "vitest";
import { selectBackend } from "../../runtime/backend.js";
import {
  adpo,
  attentionTransfer,
  causalShift,
  dkd,
  dpo,
  generalizedJsd,
  hint,
  jsd,
  marginMse,
  mse,
  pld,
  reverseKl,
  rkdAngle,
  rkdDistance,
  sequenceLogProbs,
  simpo,
  taid,
  tokenCrossEntropy,
  tokenGeneralizedJsd,
  tokenKd,
  tokenTaid,
  tokenTvd,
  tvd,
} from "../../runtime/losses/index.js";
import { evaluate, expectGradClose, type Input } from "./reference/harness.js";
import { uniform } from "./reference/float64.js";

afterEach(async () => {
  await selectBackend("cpu");
});

type Probe = { readonly name: string; readonly fn: (...xs: tf.Tensor[]) => tf.Scalar; readonly inputs: readonly Input[] };

/** Runs every probe on cpu, then on wasm, and compares values and gradients. */
async function expectWasmMatchesCpu(probes: readonly Probe[]): Promise<void> {
  const run = () => probes.map((p) => evaluate(p.fn, p.inputs));
  await selectBackend("cpu");
  const reference = run();
  expect(await selectBackend("wasm")).toBe("wasm");
  const got = run();
  probes.forEach((p, i) => {
    const r = reference[i]!;
    const g = got[i]!;
    try {
      expectGradClose([g.loss], [r.loss], 1e-5, 0, 1e-6);
      r.grads.forEach((grad, k) => grad !== undefined && expectGradClose(g.grads[k]!, grad, 1e-4, 1e-5, 1e-7));
    } catch (error) {
      throw new Error(`${p.name}: ${(error as Error).message}`);
    }
  });
}

const m = (rows: number, cols: number, scale: number, seed: number): Input => ({ data: uniform(rows * cols, scale, seed), shape: [rows, cols] });
const ints = (data: number[], shape: number[]): Input => ({ data, shape, dtype: "int32" });
const as2 = (x: tf.Tensor) => x as tf.Tensor2D;

describe("wasm matches cpu", () => {
  it("divergences: reverse KL, generalized JSD (β 0.3, 0, 1), JSD, TVD, TAID", async () => {
    const pair = [m(4, 7, 50, 1), m(4, 7, 50, 2)];
    await expectWasmMatchesCpu([
      { name: "reverseKl", fn: (a, b) => reverseKl(as2(a), as2(b), { T: 2 }), inputs: pair },
      { name: "gjsd 0.3", fn: (a, b) => generalizedJsd(as2(a), as2(b), { beta: 0.3 }), inputs: pair },
      { name: "gjsd 0", fn: (a, b) => generalizedJsd(as2(a), as2(b), { beta: 0, T: 3 }), inputs: pair },
      { name: "gjsd 1", fn: (a, b) => generalizedJsd(as2(a), as2(b), { beta: 1 }), inputs: pair },
      { name: "jsd", fn: (a, b) => jsd(as2(a), as2(b)), inputs: [m(3, 5, 3, 3), m(3, 5, 3, 4)] },
      { name: "tvd", fn: (a, b) => tvd(as2(a), as2(b), { T: 2 }), inputs: [m(3, 5, 3, 5), m(3, 5, 3, 6)] },
      { name: "taid", fn: (a, b) => taid(as2(a), as2(b), 0.6), inputs: pair },
    ]);
  });

  it("features: MSE, hint, attention transfer, RKD distance and angle", async () => {
    const rkdS = uniform(5 * 3, 1, 20);
    rkdS.set(rkdS.subarray(0, 3), 3); // coincident student points
    await expectWasmMatchesCpu([
      { name: "mse", fn: (a, b) => mse(a, b), inputs: [m(3, 4, 2, 10), m(3, 4, 2, 11)] },
      { name: "mse sum-per-example", fn: (a, b) => mse(a, b, { reduction: "sum-per-example" }), inputs: [m(3, 4, 2, 10), m(3, 4, 2, 11)] },
      {
        name: "hint",
        fn: (a, b, w, c) => hint(a, b, { weight: as2(w), bias: c as tf.Tensor1D }),
        inputs: [{ data: uniform(2 * 2 * 2 * 3, 1, 12), shape: [2, 2, 2, 3] }, { data: uniform(2 * 2 * 2 * 4, 1, 13), shape: [2, 2, 2, 4] }, m(3, 4, 0.5, 14), { data: uniform(4, 0.5, 15), shape: [4] }],
      },
      {
        name: "attentionTransfer",
        fn: (a, b) => attentionTransfer(a as tf.Tensor4D, b as tf.Tensor4D),
        inputs: [{ data: uniform(2 * 3 * 2 * 3, 2, 16), shape: [2, 3, 2, 3] }, { data: uniform(2 * 3 * 2 * 5, 2, 17), shape: [2, 3, 2, 5] }],
      },
      { name: "rkdDistance", fn: (a, b) => rkdDistance(as2(a), as2(b)), inputs: [{ data: rkdS, shape: [5, 3] }, m(5, 4, 1, 21)] },
      { name: "rkdAngle", fn: (a, b) => rkdAngle(as2(a), as2(b)), inputs: [{ data: rkdS, shape: [5, 3] }, m(5, 4, 1, 21)] },
    ]);
  });

  it("logit-based: DKD, PLD (with tied teacher logits), Margin-MSE", async () => {
    const tied = Float64Array.from([1, 2, 2, 0, 2, 1, 0, 0, 0, 0, 0, 0, 3, 1, 1, 3, 1, 3]);
    await expectWasmMatchesCpu([
      { name: "dkd", fn: (a, b, y) => dkd(as2(a), as2(b), y as tf.Tensor1D), inputs: [m(4, 6, 50, 30), m(4, 6, 50, 31), ints([2, -100, 5, 0], [4])] },
      { name: "pld", fn: (a, b, y) => pld(as2(a), as2(b), y as tf.Tensor1D, { tau: 2 }), inputs: [m(3, 6, 3, 32), { data: tied, shape: [3, 6] }, ints([2, 0, 5], [3])] },
      { name: "pld ±50, 1000 classes", fn: (a, b, y) => pld(as2(a), as2(b), y as tf.Tensor1D), inputs: [m(2, 1000, 50, 33), m(2, 1000, 50, 34), ints([7, 999], [2])] },
      { name: "marginMse", fn: (a, b, c, d) => marginMse(a, b, c, d), inputs: [0, 1, 2, 3].map((k) => ({ data: uniform(5, 3, 35 + k), shape: [5] })) },
    ]);
  });

  it("preference: DPO (sigmoid, smoothed, IPO, hinge), SimPO, ADPO, sequence log-probs", async () => {
    const four = [0, 1, 2, 3].map((k) => ({ data: uniform(4, 20, 40 + k).map((v) => v - 30), shape: [4] }));
    const prefs = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => ({ policyChosen: a as tf.Tensor1D, policyRejected: b as tf.Tensor1D, refChosen: c as tf.Tensor1D, refRejected: d as tf.Tensor1D });
    await expectWasmMatchesCpu([
      { name: "dpo sigmoid", fn: (a, b, c, d) => dpo(prefs(a, b, c, d)), inputs: four },
      { name: "dpo smoothed", fn: (a, b, c, d) => dpo(prefs(a, b, c, d), { beta: 0.5, labelSmoothing: 0.1 }), inputs: four },
      { name: "dpo ipo", fn: (a, b, c, d) => dpo(prefs(a, b, c, d), { variant: "ipo" }), inputs: four },
      { name: "dpo hinge", fn: (a, b, c, d) => dpo(prefs(a, b, c, d), { variant: "hinge", beta: 0.05 }), inputs: four },
      { name: "simpo", fn: (a, b) => simpo({ chosenAvg: a as tf.Tensor1D, rejectedAvg: b as tf.Tensor1D }), inputs: four.slice(0, 2) },
      { name: "adpo", fn: (a, b, q) => adpo(as2(a), as2(b), as2(q), { tau: 2 }), inputs: [m(3, 4, 5, 44), m(3, 4, 5, 45), { data: [1, 0, 0, 0, 0.5, 0.5, 0, 0, 0.1, 0.2, 0.3, 0.4], shape: [3, 4] }] },
      {
        name: "causalShift + sequenceLogProbs",
        fn: (z, y) => {
          const s = causalShift(z as tf.Tensor3D, y as tf.Tensor2D);
          const lp = sequenceLogProbs(s.logits, s.labels, { average: true });
          const out = tf.sum(tf.mul(lp, tf.tensor1d([1, -2]))) as tf.Scalar;
          tf.dispose([s.logits, s.labels, lp]);
          return out;
        },
        inputs: [{ data: uniform(2 * 4 * 6, 3, 46), shape: [2, 4, 6] }, ints([0, 1, 5, -100, -100, 2, 3, 4], [2, 4])],
      },
    ]);
  });

  it("token-level: CE, KD, generalized JSD, TVD, TAID with -100 labels (and all masked)", async () => {
    const s = { data: uniform(2 * 3 * 5, 50, 50), shape: [2, 3, 5] };
    const t = { data: uniform(2 * 3 * 5, 50, 51), shape: [2, 3, 5] };
    const y = ints([1, -100, 4, 0, 0, -100], [2, 3]);
    const none = ints([-100, -100, -100, -100, -100, -100], [2, 3]);
    const as3 = (x: tf.Tensor) => x as tf.Tensor3D;
    await expectWasmMatchesCpu([
      { name: "tokenCrossEntropy", fn: (a, l) => tokenCrossEntropy(as3(a), as2(l), { smoothing: 0.1 }), inputs: [s, y] },
      { name: "tokenKd", fn: (a, b, l) => tokenKd(as3(a), as3(b), { T: 2, labels: as2(l) }), inputs: [s, t, y] },
      { name: "tokenGeneralizedJsd", fn: (a, b, l) => tokenGeneralizedJsd(as3(a), as3(b), { beta: 0.7, labels: as2(l) }), inputs: [s, t, y] },
      { name: "tokenTvd", fn: (a, b, l) => tokenTvd(as3(a), as3(b), { labels: as2(l) }), inputs: [s, t, y] },
      { name: "tokenTaid", fn: (a, b, l) => tokenTaid(as3(a), as3(b), 0.5, { labels: as2(l) }), inputs: [s, t, y] },
      { name: "tokenKd all masked", fn: (a, b, l) => tokenKd(as3(a), as3(b), { labels: as2(l) }), inputs: [s, t, none] },
    ]);
  });
});
