// kd.adapters.sequential: each layer's forward pass and gradients (to the input and to every
// weight) against a float64 reference written here, batch norm's two modes, stable variable
// names, seeded init, and no leaked tensors across steps.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { sequential, type LayerSpec } from "../../runtime/adapters/sequential.js";
import { KdcRuntimeError } from "../../runtime/errors.js";
import { expectClose, randomMatrix, useCpu } from "./helpers.js";

beforeAll(useCpu);

// ---- float64 reference layers on row-major arrays with explicit shapes ----

type Arr = { data: Float64Array; shape: number[] };
type RefLayer = (x: Arr, weights: Float64Array[]) => Arr;

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7), enough against float32.
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

const map = (f: (v: number) => number): RefLayer => (x) => ({ data: x.data.map(f), shape: x.shape });

const REFERENCE: Record<LayerSpec["kind"], (spec: LayerSpec) => RefLayer> = {
  linear: (spec) => (x, [w, b]) => {
    const s = spec as Extract<LayerSpec, { kind: "linear" }>;
    const [rows] = x.shape as [number];
    const out = new Float64Array(rows * s.out);
    for (let r = 0; r < rows; r++)
      for (let o = 0; o < s.out; o++) {
        let v = b![o]!;
        for (let i = 0; i < s.in; i++) v += x.data[r * s.in + i]! * w![i * s.out + o]!;
        out[r * s.out + o] = v;
      }
    return { data: out, shape: [rows, s.out] };
  },
  conv: (spec) => (x, [w, b]) => {
    const s = spec as Extract<LayerSpec, { kind: "conv" }>;
    const [n, h, wd, c] = x.shape as [number, number, number, number];
    const oh = Math.ceil(h / s.stride);
    const ow = Math.ceil(wd / s.stride);
    const padH = Math.floor(Math.max((oh - 1) * s.stride + s.kernel - h, 0) / 2);
    const padW = Math.floor(Math.max((ow - 1) * s.stride + s.kernel - wd, 0) / 2);
    const out = new Float64Array(n * oh * ow * s.out);
    for (let b0 = 0; b0 < n; b0++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++)
          for (let o = 0; o < s.out; o++) {
            let v = b![o]!;
            for (let ki = 0; ki < s.kernel; ki++)
              for (let kj = 0; kj < s.kernel; kj++) {
                const y = i * s.stride + ki - padH;
                const z = j * s.stride + kj - padW;
                if (y < 0 || y >= h || z < 0 || z >= wd) continue;
                for (let ci = 0; ci < c; ci++) v += x.data[((b0 * h + y) * wd + z) * c + ci]! * w![((ki * s.kernel + kj) * c + ci) * s.out + o]!;
              }
            out[((b0 * oh + i) * ow + j) * s.out + o] = v;
          }
    return { data: out, shape: [n, oh, ow, s.out] };
  },
  // Training mode: the batch's statistics over every axis but the last (biased variance).
  batchnorm: () => (x, [gamma, beta]) => {
    const c = x.shape.at(-1)!;
    const rows = x.data.length / c;
    const out = new Float64Array(x.data.length);
    for (let k = 0; k < c; k++) {
      let mean = 0;
      for (let r = 0; r < rows; r++) mean += x.data[r * c + k]!;
      mean /= rows;
      let variance = 0;
      for (let r = 0; r < rows; r++) variance += (x.data[r * c + k]! - mean) ** 2;
      variance /= rows;
      for (let r = 0; r < rows; r++) out[r * c + k] = ((x.data[r * c + k]! - mean) / Math.sqrt(variance + 1e-5)) * gamma![k]! + beta![k]!;
    }
    return { data: out, shape: x.shape };
  },
  relu: () => map((v) => Math.max(v, 0)),
  gelu: () => map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))),
  tanh: () => map(Math.tanh),
  flatten: () => (x) => ({ data: x.data, shape: [x.shape[0]!, size(x.shape.slice(1))] }),
  avg_pool: (spec) => (x) => {
    const p = (spec as Extract<LayerSpec, { kind: "avg_pool" }>).size;
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const oh = Math.floor(h / p);
    const ow = Math.floor(w / p);
    const out = new Float64Array(n * oh * ow * c);
    for (let b = 0; b < n; b++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++)
          for (let k = 0; k < c; k++) {
            let v = 0;
            for (let a = 0; a < p; a++) for (let d = 0; d < p; d++) v += x.data[((b * h + i * p + a) * w + j * p + d) * c + k]!;
            out[((b * oh + i) * ow + j) * c + k] = v / (p * p);
          }
    return { data: out, shape: [n, oh, ow, c] };
  },
};

/** Reference forward through every layer; weights are the module's variables in order, per layer (trainable ones). */
function referenceForward(specs: readonly LayerSpec[], x: Arr, weights: Float64Array[]): Arr {
  let y = x;
  let k = 0;
  for (const spec of specs) {
    const count = spec.kind === "linear" || spec.kind === "conv" || spec.kind === "batchnorm" ? 2 : 0;
    y = REFERENCE[spec.kind](spec)(y, weights.slice(k, k + count));
    k += count + (spec.kind === "batchnorm" ? 2 : 0); // running statistics follow gamma and beta
  }
  return y;
}

/** Σ y·R, its value and central-difference gradients in float64 to the input and every trainable weight. */
function referenceGradients(specs: readonly LayerSpec[], x: Arr, weights: Float64Array[], r: Float64Array, trainable: boolean[]) {
  const loss = (xx: Arr, ws: Float64Array[]) => referenceForward(specs, xx, ws).data.reduce((a, v, i) => a + v * r[i]!, 0);
  const h = 1e-6;
  const numeric = (values: Float64Array, f: () => number) => {
    const g = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const keep = values[i]!;
      values[i] = keep + h;
      const up = f();
      values[i] = keep - h;
      const down = f();
      values[i] = keep;
      g[i] = (up - down) / (2 * h);
    }
    return g;
  };
  const dx = numeric(x.data, () => loss(x, weights));
  const dw = weights.map((w, i) => (trainable[i] ? numeric(w, () => loss(x, weights)) : undefined));
  return { dx, dw };
}

function checkLayers(specs: readonly LayerSpec[], inputShape: number[], seed = 1): void {
  const m = sequential("m", inputShape.slice(1), specs, seed);
  try {
    const xData = randomMatrix(1, size(inputShape), 1, seed + 10);
    const weights: Float64Array[] = m.variables.map((v) => Float64Array.from(v.dataSync()));
    // Perturb gamma/beta away from 1/0 so their gradients are exercised on general values.
    m.variables.forEach((v, i) => {
      if (v.trainable && m.variableNames[i]!.endsWith("gamma")) weights[i] = randomMatrix(1, v.size, 1, 40 + i).map((z) => 1 + 0.5 * z);
      if (v.trainable && m.variableNames[i]!.endsWith("beta")) weights[i] = randomMatrix(1, v.size, 0.5, 50 + i);
      v.assign(tf.tensor(Float32Array.from(weights[i]!), v.shape));
    });
    const x = { data: xData, shape: inputShape };
    const expected = referenceForward(specs, x, weights);
    const r = randomMatrix(1, expected.data.length, 1, seed + 20);
    const trainable = m.variables.map((v) => v.trainable);
    const ref = referenceGradients(specs, x, weights, r, trainable);

    const input = tf.tensor(Float32Array.from(xData), inputShape);
    const rT = tf.tensor(Float32Array.from(r), expected.shape);
    const vars = m.variables.filter((v) => v.trainable);
    const f = (xx: tf.Tensor, ...ws: tf.Tensor[]) => {
      void ws;
      return tf.sum(tf.mul(m.apply(xx, true), rT));
    };
    const y = m.apply(input, true);
    expect(y.shape).toEqual(expected.shape);
    expectClose(y.dataSync(), expected.data, 1e-4, 1e-5);
    const { grads } = tf.variableGrads(() => f(input) as tf.Scalar, vars);
    const dx = tf.grad((xx: tf.Tensor) => f(xx))(input);
    // Gradients that vanish exactly (a bias before batch norm) are compared absolutely.
    const gradClose = (a: ArrayLike<number>, e: Float64Array) => expectClose([...Array.from(a), 1], [...Array.from(e), 1], 2e-3, 1e-4);
    gradClose(dx.dataSync(), ref.dx);
    let trainableIndex = 0;
    m.variables.forEach((v, i) => {
      if (!v.trainable) return;
      trainableIndex++;
      gradClose(grads[v.name]!.dataSync(), ref.dw[i]!);
    });
    expect(trainableIndex).toBe(vars.length);
    tf.dispose([input, rT, y, dx, ...Object.values(grads)]);
  } finally {
    m.dispose();
  }
}

describe("kd.adapters.sequential: each layer against a float64 reference (forward and gradients)", () => {
  it("linear", () => checkLayers([{ kind: "linear", in: 5, out: 3 }], [4, 5]));
  it("conv, same padding, stride 1 and 2", () => {
    checkLayers([{ kind: "conv", kernel: 3, in: 2, out: 3, stride: 1 }], [2, 4, 5, 2]);
    checkLayers([{ kind: "conv", kernel: 3, in: 2, out: 2, stride: 2 }], [2, 5, 4, 2], 3);
    checkLayers([{ kind: "conv", kernel: 1, in: 3, out: 4, stride: 1 }], [2, 3, 3, 3], 4);
  });
  it("batchnorm (training mode) over [B, F] and [B, H, W, C]", () => {
    checkLayers([{ kind: "batchnorm", channels: 3 }], [6, 3]);
    checkLayers([{ kind: "batchnorm", channels: 2 }], [2, 3, 3, 2], 5);
  });
  it("relu, gelu, tanh", () => {
    for (const kind of ["relu", "gelu", "tanh"] as const) checkLayers([{ kind: "linear", in: 4, out: 4 }, { kind }], [3, 4]);
  });
  it("flatten and avg_pool", () => {
    checkLayers([{ kind: "avg_pool", size: 2 }, { kind: "flatten" }, { kind: "linear", in: 2 * 2 * 3, out: 2 }], [2, 4, 5, 3]);
  });
  it("a whole pipeline: conv >> batchnorm >> relu", () => {
    checkLayers([{ kind: "conv", kernel: 1, in: 3, out: 4, stride: 1 }, { kind: "batchnorm", channels: 4 }, { kind: "relu" }], [3, 2, 2, 3], 7);
  });
});

describe("kd.adapters.sequential: modes, names, init, memory", () => {
  const specs: LayerSpec[] = [{ kind: "linear", in: 4, out: 3 }, { kind: "batchnorm", channels: 3 }, { kind: "relu" }];

  it("names its variables after the layers, the same for every build", () => {
    const m = sequential("m", [4], specs, 3);
    expect(m.variableNames).toEqual([
      "0_linear/kernel",
      "0_linear/bias",
      "1_batchnorm/gamma",
      "1_batchnorm/beta",
      "1_batchnorm/moving_mean",
      "1_batchnorm/moving_variance",
    ]);
    expect(m.variables.map((v) => v.trainable)).toEqual([true, true, true, true, false, false]);
    m.dispose();
  });

  it("initialises from its seed: same seed same weights, another seed other weights", () => {
    const [a, b, c] = [3, 3, 4].map((s) => sequential("m", [4], specs, s));
    expect(Array.from(a!.variables[0]!.dataSync())).toEqual(Array.from(b!.variables[0]!.dataSync()));
    expect(Array.from(a!.variables[0]!.dataSync())).not.toEqual(Array.from(c!.variables[0]!.dataSync()));
    const bound = 1 / Math.sqrt(4);
    expect(Array.from(a!.variables[0]!.dataSync()).every((v) => Math.abs(v) <= bound)).toBe(true);
    for (const m of [a, b, c]) m!.dispose();
  });

  it("batch norm: training updates the running statistics, inference uses them and changes nothing", () => {
    const m = sequential("m", [2], [{ kind: "batchnorm", channels: 2 }], 1);
    const x = tf.tensor2d([1, 10, 3, 20, 5, 30, 7, 40], [4, 2]);
    tf.dispose(m.apply(x, true));
    // Momentum 0.1 towards the batch mean (4, 25) and unbiased variance (20/3, 500/3).
    expectClose(m.variables[2]!.dataSync(), [0.4, 2.5]);
    expectClose(m.variables[3]!.dataSync(), [0.9 + 0.1 * (20 / 3), 0.9 + 0.1 * (500 / 3)]);
    const before = m.variables.map((v) => Array.from(v.dataSync()));
    const y = m.apply(x, false);
    const mean = [0.4, 2.5];
    const variance = [0.9 + 0.1 * (20 / 3), 0.9 + 0.1 * (500 / 3)];
    const xs = [1, 10, 3, 20, 5, 30, 7, 40];
    expectClose(y.dataSync(), xs.map((v, i) => (v - mean[i % 2]!) / Math.sqrt(variance[i % 2]! + 1e-5)));
    expect(m.variables.map((v) => Array.from(v.dataSync()))).toEqual(before);
    tf.dispose([x, y]);
    m.dispose();
  });

  it("rejects an input of another shape with a runtime error", () => {
    const m = sequential("m", [4], specs, 1);
    const x = tf.zeros([2, 5]);
    expect(() => m.apply(x, false)).toThrow(KdcRuntimeError);
    x.dispose();
    m.dispose();
  });

  it("keeps the tensor count flat across training steps and frees everything on dispose", () => {
    const start = tf.memory().numTensors;
    const m = sequential("m", [2, 2, 3], [{ kind: "conv", kernel: 3, in: 3, out: 4, stride: 1 }, { kind: "batchnorm", channels: 4 }, { kind: "relu" }, { kind: "flatten" }, { kind: "linear", in: 16, out: 2 }], 1);
    const optimizer = tf.train.sgd(0.1);
    const x = tf.randomNormal([3, 2, 2, 3], 0, 1, "float32", 1);
    const step = () => tf.dispose(optimizer.minimize(() => tf.mean(tf.square(m.apply(x, true))) as tf.Scalar, true, m.variables.filter((v) => v.trainable)) ?? []);
    step();
    const after1 = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(after1);
    optimizer.dispose();
    x.dispose();
    m.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});
