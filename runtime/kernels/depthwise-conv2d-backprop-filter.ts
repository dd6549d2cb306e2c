// DepthwiseConv2dNativeBackpropFilter for wasm (missing in tfjs-backend-wasm 4.22): the filter
// gradient of a depthwise conv2d (filter [kh, kw, c, m], output channel c·m + j).
//
// df[kh, kw, c, j] = Σ_{b, oh, ow} x[b, oh·sh + kh·dh − top, ow·sw + kw·dw − left, c] · dy[b, oh, ow, c·m + j]
//
// A gather loop in JS over the heap, summed in float64.
import * as tf from "@tensorflow/tfjs";
import { asWasm, floats, type Shape4, type TensorInfo } from "./wasm-heap.js";

function depthwiseConv2dNativeBackpropFilter({ inputs, backend: anyBackend, attrs }: Parameters<tf.KernelFunc>[0]): TensorInfo {
  const backend = asWasm(anyBackend);
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, dilations, pad, dimRoundingMode, true, "channelsLast");
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth, dilationHeight, dilationWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const multiplier = outChannels / inChannels;
  const acc = new Float64Array(filterHeight * filterWidth * outChannels);

  const xs = floats(backend, x);
  const dys = floats(backend, dy);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * outChannels;
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight + kh * dilationHeight - top;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth + kw * dilationWidth - left;
            if (iw < 0 || iw >= inWidth) continue;
            const xBase = ((b * inHeight + ih) * inWidth + iw) * inChannels;
            const fBase = (kh * filterWidth + kw) * outChannels;
            for (let c = 0; c < inChannels; c++) {
              const v = xs[xBase + c]!;
              for (let j = 0; j < multiplier; j++) acc[fBase + c * multiplier + j]! += v * dys[dyBase + c * multiplier + j]!;
            }
          }
        }
      }
    }
  }
  const out = backend.makeOutput([...filterShape], "float32");
  floats(backend, out).set(acc);
  return out;
}

export const depthwiseConv2dNativeBackpropFilterConfig: tf.KernelConfig = {
  kernelName: "DepthwiseConv2dNativeBackpropFilter",
  backendName: "wasm",
  kernelFunc: depthwiseConv2dNativeBackpropFilter,
};
