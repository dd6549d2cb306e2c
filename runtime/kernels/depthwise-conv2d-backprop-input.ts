// DepthwiseConv2dNativeBackpropInput for wasm (missing in tfjs-backend-wasm 4.22): the input
// gradient of a depthwise conv2d (filter [kh, kw, c, m], output channel c·m + j).
//
// dx[b, ih, iw, c] = Σ_{oh, ow, kh, kw, j} dy[b, oh, ow, c·m + j] · f[kh, kw, c, j]
//   where ih = oh·sh + kh·dh − top, iw = ow·sw + kw·dw − left.
//
// A scatter loop in JS over the heap: the work is that of the forward depthwise conv, which is small
// by design (one filter per channel).
import * as tf from "@tensorflow/tfjs";
import { asWasm, floats, type Shape4, type TensorInfo } from "./wasm-heap.js";

function depthwiseConv2dNativeBackpropInput({ inputs, backend: anyBackend, attrs }: Parameters<tf.KernelFunc>[0]): TensorInfo {
  const backend = asWasm(anyBackend);
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, dilations, pad, dimRoundingMode, true, "channelsLast");
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth, dilationHeight, dilationWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const multiplier = outChannels / inChannels;

  const dx = backend.makeOutput([...inputShape], "float32");
  const dxs = floats(backend, dx);
  const dys = floats(backend, dy);
  const fs = floats(backend, filter);
  dxs.fill(0);
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
            const dxBase = ((b * inHeight + ih) * inWidth + iw) * inChannels;
            const fBase = (kh * filterWidth + kw) * outChannels;
            for (let c = 0; c < inChannels; c++) {
              let sum = 0;
              for (let j = 0; j < multiplier; j++) sum += dys[dyBase + c * multiplier + j]! * fs[fBase + c * multiplier + j]!;
              dxs[dxBase + c]! += sum;
            }
          }
        }
      }
    }
  }
  return dx;
}

export const depthwiseConv2dNativeBackpropInputConfig: tf.KernelConfig = {
  kernelName: "DepthwiseConv2dNativeBackpropInput",
  backendName: "wasm",
  kernelFunc: depthwiseConv2dNativeBackpropInput,
};
