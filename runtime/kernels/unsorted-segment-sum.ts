// UnsortedSegmentSum for wasm (missing in tfjs-backend-wasm 4.22). tfjs's gradient of `gather`
// is an unsorted segment sum, so without it no embedding trains on wasm.
//
// out[s, …] = Σ_{i : ids[i] = s} x[i, …], out shape [numSegments, ...x.shape[ids.rank:]]; ids
// outside [0, numSegments) are dropped (TensorFlow's semantics). float32 or int32 values.
import type * as tf from "@tensorflow/tfjs";
import { asWasm, floats, ints, type TensorInfo } from "./wasm-heap.js";

function unsortedSegmentSum({ inputs, backend: anyBackend, attrs }: Parameters<tf.KernelFunc>[0]): TensorInfo {
  const backend = asWasm(anyBackend);
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  if (x.dtype !== "float32" && x.dtype !== "int32") throw new Error(`kdc wasm UnsortedSegmentSum: unsupported dtype ${x.dtype}`);
  const idsRank = segmentIds.shape.length;
  const inner = x.shape.slice(idsRank).reduce((a, b) => a * b, 1);
  const count = segmentIds.shape.reduce((a, b) => a * b, 1);
  const outShape = [numSegments, ...x.shape.slice(idsRank)];

  const out = backend.makeOutput(outShape, x.dtype);
  const read = x.dtype === "float32" ? floats : ints;
  const os = read(backend, out);
  const xs = read(backend, x);
  const ids = ints(backend, segmentIds);
  if (x.dtype === "float32") {
    // Sum in float64 like the cpu backend's JS arithmetic, then store.
    const acc = new Float64Array(numSegments * inner);
    for (let i = 0; i < count; i++) {
      const s = ids[i]!;
      if (s < 0 || s >= numSegments) continue;
      const src = i * inner;
      const dst = s * inner;
      for (let k = 0; k < inner; k++) acc[dst + k]! += xs[src + k]!;
    }
    os.set(acc);
  } else {
    os.fill(0);
    for (let i = 0; i < count; i++) {
      const s = ids[i]!;
      if (s < 0 || s >= numSegments) continue;
      for (let k = 0; k < inner; k++) os[s * inner + k] = (os[s * inner + k]! + xs[i * inner + k]!) | 0;
    }
  }
  return out;
}

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: "UnsortedSegmentSum",
  backendName: "wasm",
  kernelFunc: unsortedSegmentSum,
};
