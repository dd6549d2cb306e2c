// A correct MaxPoolGrad for wasm. tfjs-backend-wasm 4.22 registers one that routes the gradient to
// the wrong element when a window's maximum is negative; this one replaces it.
//
// Each output position's gradient goes to the first maximum of its window (row-major window order,
// padding positions skipped), as the cpu backend does; windows that overlap accumulate.
import * as tf from "@tensorflow/tfjs";
import { asWasm, floats, type Shape4, type TensorInfo } from "./wasm-heap.js";

function maxPoolGrad({ inputs, backend: anyBackend, attrs }: Parameters<tf.KernelFunc>[0]): TensorInfo {
  const backend = asWasm(anyBackend);
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, effectiveFilterHeight, effectiveFilterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;

  const dx = backend.makeOutput([...input.shape], "float32");
  const dxs = floats(backend, dx);
  const xs = floats(backend, input);
  const dys = floats(backend, dy);
  dxs.fill(0);
  const best = new Float32Array(channels);
  const where = new Int32Array(channels);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        best.fill(-Infinity);
        where.fill(-1);
        for (let kh = 0; kh < effectiveFilterHeight; kh += dilationHeight) {
          const ih = oh * strideHeight - top + kh;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < effectiveFilterWidth; kw += dilationWidth) {
            const iw = ow * strideWidth - left + kw;
            if (iw < 0 || iw >= inWidth) continue;
            const base = ((b * inHeight + ih) * inWidth + iw) * channels;
            for (let c = 0; c < channels; c++) {
              const v = xs[base + c]!;
              if (v > best[c]!) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * channels;
        for (let c = 0; c < channels; c++) {
          const at = where[c]!;
          if (at >= 0) dxs[at]! += dys[dyBase + c]!;
        }
      }
    }
  }
  return dx;
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: "MaxPoolGrad",
  backendName: "wasm",
  kernelFunc: maxPoolGrad,
};
