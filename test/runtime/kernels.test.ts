// kdc's wasm kernels (runtime/kernels/) against the cpu backend on random inputs: each kernel
// directly (several shapes, odd sizes, strides 1 and 2, 'same' and 'valid', negative values), and
// end to end through tf.grad of conv2d, depthwiseConv2d, gather and maxPool. Kernels must not leak.
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selectBackend } from "../../runtime/backend.js";
import { conv2DBackpropInputConfig, maxPoolGradConfig, registerWasmKernels } from "../../runtime/kernels/index.js";
import { Rng } from "../../runtime/rng.js";
import { expectClose } from "./helpers.js";

type Shape = readonly number[];
type Values = Float32Array | Int32Array;

function randomValues(shape: Shape, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-scale, scale);
  return out;
}

/** Runs `f` on cpu and on wasm (the same inputs, built inside f) and returns both results, read back. */
async function onBoth(f: (backend: "cpu" | "wasm") => tf.Tensor | tf.Tensor[]): Promise<{ cpu: Values[]; wasm: Values[] }> {
  const results: Record<string, Values[]> = {};
  for (const backend of ["cpu", "wasm"] as const) {
    await selectBackend(backend);
    const before = tf.memory();
    const outs = tf.tidy(() => {
      const r = f(backend);
      return Array.isArray(r) ? r : [r];
    });
    results[backend] = outs.map((t) => t.dataSync().slice() as Values);
    tf.dispose(outs);
    // No tensor and no wasm buffer left behind by the kernels.
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
  }
  return { cpu: results.cpu!, wasm: results.wasm! };
}

function expectSame(r: { cpu: Values[]; wasm: Values[] }, rtol = 1e-5): void {
  expect(r.wasm.length).toBe(r.cpu.length);
  r.cpu.forEach((c, i) => expectClose(r.wasm[i]!, c, rtol, 1e-5));
}

const zeros4 = (shape: Shape): tf.Tensor4D => tf.zeros<tf.Rank>([...shape]) as tf.Tensor4D;

const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;

beforeAll(async () => {
  await selectBackend("wasm");
});
afterAll(() => selectBackend("cpu"));

describe("registerWasmKernels", () => {
  it("registers the missing kernels and replaces MaxPoolGrad and Conv2DBackpropInput, idempotently", () => {
    registerWasmKernels();
    registerWasmKernels();
    for (const name of ["Conv2DBackpropFilter", "DepthwiseConv2dNativeBackpropInput", "DepthwiseConv2dNativeBackpropFilter", "UnsortedSegmentSum"]) {
      expect(tf.getKernel(name, "wasm"), name).toBeDefined();
    }
    expect(tf.getKernel("MaxPoolGrad", "wasm")!.kernelFunc).toBe(maxPoolGradConfig.kernelFunc);
    expect(tf.getKernel("Conv2DBackpropInput", "wasm")!.kernelFunc).toBe(conv2DBackpropInputConfig.kernelFunc);
  });
});

// [x shape, filter shape, strides, pad]
const CONVS: [Shape, Shape, number | [number, number], "same" | "valid"][] = [
  [[2, 5, 7, 3], [3, 3, 3, 4], 1, "same"],
  [[2, 8, 8, 3], [3, 3, 3, 5], 2, "same"],
  [[1, 9, 7, 2], [3, 3, 2, 3], 2, "valid"],
  [[3, 7, 9, 4], [2, 3, 4, 2], [2, 1], "same"],
  [[2, 6, 6, 1], [5, 5, 1, 2], 1, "valid"],
  [[2, 7, 5, 6], [1, 1, 6, 3], 2, "same"],
  [[1, 4, 4, 20], [3, 3, 20, 2], 1, "same"],
  [[2, 8, 7, 3], [3, 3, 3, 4], 2, "valid"], // a row and a column no window reaches
  [[2, 9, 9, 2], [4, 4, 2, 3], 3, "same"], // even kernel, stride 3: uneven padding
  [[2, 6, 8, 3], [3, 3, 3, 2], [1, 2], "valid"],
];

describe("Conv2DBackpropFilter / Conv2DBackpropInput", () => {
  for (const [xs, fs, strides, pad] of CONVS) {
    it(`match cpu for x [${xs}] filter [${fs}] strides ${strides} ${pad}`, async () => {
      const x = randomValues(xs, 1);
      const f = randomValues(fs, 3);
      const probe = tf.tidy(() => tf.conv2d(zeros4(xs), zeros4(fs), strides, pad).shape as number[]);
      const dy = randomValues(probe, 2);
      expectSame(await onBoth(() => [
        run("Conv2DBackpropFilter", { x: tf.tensor(x, xs as number[]), dy: tf.tensor(dy, probe) }, { strides, pad, dataFormat: "NHWC", filterShape: fs }),
        run("Conv2DBackpropInput", { dy: tf.tensor(dy, probe), filter: tf.tensor(f, fs as number[]) }, { strides, pad, dataFormat: "NHWC", inputShape: xs }),
      ]));
    });
  }
});

// [x shape, filter shape [kh, kw, c, m], strides, pad, dilations]
const DEPTHWISE: [Shape, Shape, number, "same" | "valid", number][] = [
  [[2, 5, 7, 3], [3, 3, 3, 1], 1, "same", 1],
  [[2, 8, 7, 3], [3, 3, 3, 2], 2, "same", 1],
  [[1, 9, 9, 2], [3, 3, 2, 3], 2, "valid", 1],
  [[2, 9, 8, 4], [3, 3, 4, 1], 1, "same", 2],
  [[1, 6, 5, 5], [2, 2, 5, 2], 1, "valid", 1],
];

/** A dilated filter as the equivalent undilated one, zeros between the taps. */
function expandFilter(f: Float32Array, [kh, kw, c, m]: Shape, d: number): { values: Float32Array; shape: number[] } {
  const ekh = (kh! - 1) * d + 1;
  const ekw = (kw! - 1) * d + 1;
  const values = new Float32Array(ekh * ekw * c! * m!);
  for (let i = 0; i < kh!; i++) {
    for (let j = 0; j < kw!; j++) {
      for (let k = 0; k < c! * m!; k++) values[(i * d * ekw + j * d) * c! * m! + k] = f[(i * kw! + j) * c! * m! + k]!;
    }
  }
  return { values, shape: [ekh, ekw, c!, m!] };
}

describe("DepthwiseConv2dNativeBackpropInput / BackpropFilter", () => {
  for (const [xs, fs, strides, pad, dilations] of DEPTHWISE) {
    it(`match cpu for x [${xs}] filter [${fs}] strides ${strides} ${pad} dilations ${dilations}`, async () => {
      const x = randomValues(xs, 5);
      const f = randomValues(fs, 6);
      const probe = tf.tidy(() => tf.depthwiseConv2d(zeros4(xs), zeros4(fs), strides, pad, "NHWC", dilations).shape as number[]);
      const dy = randomValues(probe, 7);
      // The cpu kernels ignore dilations: there the reference is the expanded filter, undilated, and
      // the filter gradient is read back at the taps.
      const expanded = expandFilter(f, fs, dilations);
      const r = await onBoth((backend) => {
        const dilated = backend === "wasm" || dilations === 1;
        const filter = dilated ? tf.tensor(f, fs as number[]) : tf.tensor(expanded.values, expanded.shape);
        const attrs = { strides, pad, dilations: dilated ? dilations : 1 };
        const dx = run("DepthwiseConv2dNativeBackpropInput", { dy: tf.tensor(dy, probe), filter }, { ...attrs, inputShape: xs });
        const df = run("DepthwiseConv2dNativeBackpropFilter", { x: tf.tensor(x, xs as number[]), dy: tf.tensor(dy, probe) }, { ...attrs, filterShape: filter.shape });
        if (dilated) return [dx, df];
        const taps = tf.stridedSlice(df, [0, 0, 0, 0], df.shape, [dilations, dilations, 1, 1]);
        return [dx, taps];
      });
      expectSame(r);
    });
  }
});

describe("UnsortedSegmentSum", () => {
  it("matches cpu on float rows with repeated, missing and out-of-range ids", async () => {
    const x = randomValues([9, 5], 8);
    const ids = [3, 0, 3, 5, 0, 3, 1, 7, -1]; // 2 and 4 get nothing; 7 and -1 are dropped
    expectSame(await onBoth(() => tf.unsortedSegmentSum(tf.tensor2d(x, [9, 5]), tf.tensor1d(ids, "int32"), 6)));
  });

  it("matches cpu on int32 values and on rank-1 values", async () => {
    const xi = Array.from({ length: 24 }, (_, i) => (i * 7) % 11 - 5);
    expectSame(await onBoth(() => [
      tf.unsortedSegmentSum(tf.tensor3d(xi, [6, 2, 2], "int32"), tf.tensor1d([1, 0, 1, 2, 2, 0], "int32"), 3),
      tf.unsortedSegmentSum(tf.tensor1d(randomValues([7], 9)), tf.tensor1d([0, 1, 0, 1, 2, 2, 0], "int32"), 4),
    ]), 0);
  });
});

// [x shape, filter, strides, pad]
const POOLS: [Shape, number, number, "same" | "valid"][] = [
  [[2, 4, 6, 3], 2, 2, "valid"],
  [[2, 5, 7, 3], 2, 2, "valid"], // odd sizes: the last row and column are dropped
  [[1, 7, 5, 2], 3, 2, "same"],
  [[2, 6, 6, 4], 3, 1, "same"],
  [[1, 5, 5, 3], 2, 2, "same"],
];

describe("MaxPoolGrad", () => {
  it("routes the gradient to the maximum when every value is negative (wasm's own kernel does not)", async () => {
    const x = [-5, -3, -2, -4, -1, -7, -6, -8];
    const r = await onBoth(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, "valid"), tf.tensor4d([1, 2], [1, 1, 2, 1]))))(tf.tensor4d(x, [1, 2, 4, 1])));
    expect(Array.from(r.cpu[0]!)).toEqual([0, 0, 2, 0, 1, 0, 0, 0]);
    expect(Array.from(r.wasm[0]!)).toEqual([0, 0, 2, 0, 1, 0, 0, 0]);
  });

  for (const [xs, size, strides, pad] of POOLS) {
    for (const shift of [0, -3]) {
      it(`matches cpu for x [${xs}] pool ${size} strides ${strides} ${pad}${shift ? " (all negative)" : ""}`, async () => {
        const x = randomValues(xs, 10).map((v) => v + shift);
        const outShape = tf.tidy(() => tf.maxPool(zeros4(xs), size, strides, pad).shape as number[]);
        const u = randomValues(outShape, 11);
        expectSame(await onBoth(() =>
          tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, size, strides, pad), tf.tensor(u, outShape))))(tf.tensor(x, xs as number[])),
        ), 0);
      });
    }
  }
});

describe("end to end on wasm", () => {
  it("tf.grad of conv2d → relu → maxPool → depthwise → conv2d (stride 2) matches cpu for every input", async () => {
    const x = randomValues([3, 9, 8, 2], 12);
    const f1 = randomValues([3, 3, 2, 4], 13, 0.5);
    const f2 = randomValues([3, 3, 4, 2], 14, 0.5);
    const f3 = randomValues([3, 3, 8, 3], 15, 0.5);
    const loss = (xx: tf.Tensor, a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
      let h = tf.relu(tf.conv2d(xx as tf.Tensor4D, a as tf.Tensor4D, 1, "same"));
      h = tf.maxPool(h, 2, 2, "same");
      h = tf.depthwiseConv2d(h, b as tf.Tensor4D, 1, "same");
      h = tf.conv2d(h, c as tf.Tensor4D, 2, "valid");
      return tf.sum(tf.mul(tf.tanh(h), h)) as tf.Scalar;
    };
    expectSame(await onBoth(() =>
      tf.grads(loss)([tf.tensor(x, [3, 9, 8, 2]), tf.tensor(f1, [3, 3, 2, 4]), tf.tensor(f2, [3, 3, 4, 2]), tf.tensor(f3, [3, 3, 8, 3])]),
    ), 1e-4);
  });

  it("tf.grad of gather (an embedding lookup) matches cpu", async () => {
    const table = randomValues([11, 6], 16);
    const ids = [[3, 1, 3, 10], [0, 3, 7, 7]];
    const u = randomValues([2, 4, 6], 17);
    expectSame(await onBoth(() =>
      tf.grad((e: tf.Tensor) => tf.sum(tf.mul(tf.gather(e, tf.tensor2d(ids, [2, 4], "int32")), tf.tensor(u, [2, 4, 6]))))(tf.tensor2d(table, [11, 6])),
    ), 0);
  });
});
