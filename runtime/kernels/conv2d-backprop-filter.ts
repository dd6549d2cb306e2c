// Conv2DBackpropFilter for wasm (missing in tfjs-backend-wasm 4.22): the filter gradient of a
// conv2d, so CNNs can train on wasm.
//
//   dW[kh, kw, ci, co] = Σ_{b, oh, ow} x[b, oh·sh + kh − top, ow·sw + kw − left, ci] · dy[b, oh, ow, co]
//
// is itself a correlation, which wasm's Conv2D runs on XNNPACK: take the batch as the contracted
// channel axis, x as the input and dy as the filter, dilated by the stride:
//
//   input  x' [ci, H, W, B]  = x transposed,  filter dy' [OH, OW, B, co] = dy with B moved inward,
//   dW'[ci, kh, kw, co] = Σ_{oh, ow, b} x'[ci, kh + oh·sh − top, kw + ow·sw − left, b] · dy'[oh, ow, b, co]
//
// i.e. Conv2D(x', dy', stride 1, dilation (sh, sw), padding (top, left) before and enough after),
// whose first kh × kw outputs are dW in [ci, kh, kw, co] order. The two rearrangements are JS loops
// over the heap (x' is a strided gather, dy' moves whole rows of co); the product runs in XNNPACK,
// ~50× faster than an im2col in JS (wasm's own Transpose kernel is too slow to help here).
import * as tf from "@tensorflow/tfjs";
import { asWasm, callKernel, copy, floats, requireNhwc, type Shape4, type TensorInfo } from "./wasm-heap.js";

function conv2DBackpropFilter({ inputs, backend: anyBackend, attrs }: Parameters<tf.KernelFunc>[0]): TensorInfo {
  const backend = asWasm(anyBackend);
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  requireNhwc("Conv2DBackpropFilter", dataFormat);
  const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode, false, "channelsLast");
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: O, strideHeight: sh, strideWidth: sw, filterHeight: KH, filterWidth: KW } = info;
  const { top, left } = info.padInfo;
  // After-padding so the correlation yields at least KH × KW outputs (extra ones are cropped).
  const bottom = Math.max(0, (OH - 1) * sh + KH - H - top);
  const right = Math.max(0, (OW - 1) * sw + KW - W - left);

  const xt = backend.makeOutput([C, H, W, B], "float32");
  const dyt = backend.makeOutput([OH, OW, B, O], "float32");
  {
    const xs = floats(backend, x);
    const xts = floats(backend, xt);
    const HW = H * W;
    // x [B, HW, C] → x' [C, HW, B], one pixel at a time: its B·C values are read as B runs of C
    // and written as C runs of B, all within a few cache lines.
    for (let p = 0; p < HW; p++) {
      for (let b = 0; b < B; b++) {
        const src = (b * HW + p) * C;
        for (let c = 0, dst = p * B + b; c < C; c++, dst += HW * B) xts[dst] = xs[src + c]!;
      }
    }
    const dys = floats(backend, dy);
    const dyts = floats(backend, dyt);
    const P = OH * OW;
    // dy [B, P, O] → dy' [P, B, O]: rows of O move as they are, written in order.
    for (let p = 0; p < P; p++) {
      for (let b = 0; b < B; b++) copy(dys, (b * P + p) * O, dyts, (p * B + b) * O, O);
    }
  }
  const product = callKernel("Conv2D", { x: xt, filter: dyt }, backend, {
    strides: [1, 1],
    pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
    dataFormat: "NHWC",
    dilations: [sh, sw],
  } as unknown as tf.NamedAttrMap);
  backend.disposeData(xt.dataId);
  backend.disposeData(dyt.dataId);

  const out = backend.makeOutput([...filterShape], "float32");
  const ps = floats(backend, product);
  const os = floats(backend, out);
  const [, PH, PW] = product.shape as Shape4; // ≥ KH, KW
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        copy(ps, ((c * PH + kh) * PW + kw) * O, os, ((kh * KW + kw) * C + c) * O, O);
      }
    }
  }
  backend.disposeData(product.dataId);
  return out;
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: "Conv2DBackpropFilter",
  backendName: "wasm",
  kernelFunc: conv2DBackpropFilter,
};
