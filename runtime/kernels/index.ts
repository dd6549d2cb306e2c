// Kernels kdc adds to TensorFlow.js's wasm backend (4.22), which lacks the gradients a KD runtime
// needs or gets one wrong (see shared/runtime-notes.md). `selectBackend("wasm")` calls
// registerWasmKernels() once the backend package has registered its own kernels.
import * as tf from "@tensorflow/tfjs";
import { conv2DBackpropFilterConfig } from "./conv2d-backprop-filter.js";
import { conv2DBackpropInputConfig } from "./conv2d-backprop-input.js";
import { depthwiseConv2dNativeBackpropFilterConfig } from "./depthwise-conv2d-backprop-filter.js";
import { depthwiseConv2dNativeBackpropInputConfig } from "./depthwise-conv2d-backprop-input.js";
import { maxPoolGradConfig } from "./max-pool-grad.js";
import { unsortedSegmentSumConfig } from "./unsorted-segment-sum.js";

/** Kernels wasm lacks: registered only where nothing is registered yet (a later tfjs may ship them). */
export const MISSING_WASM_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  unsortedSegmentSumConfig,
];

/**
 * Kernels wasm has but gets wrong (MaxPoolGrad) or runs in a slow scalar loop (Conv2DBackpropInput):
 * they replace the registered ones.
 */
export const REPLACED_WASM_KERNELS: readonly tf.KernelConfig[] = [maxPoolGradConfig, conv2DBackpropInputConfig];

/** Marks kdc's kernel functions, so that another copy of this module (tests) recognises them as kdc's. */
const KDC_KERNEL = Symbol.for("kdc.wasm-kernel");
const isKdcKernel = (config: tf.KernelConfig | undefined) => (config?.kernelFunc as unknown as Record<symbol, unknown> | undefined)?.[KDC_KERNEL] === true;

/**
 * The wasm backend's own kernels that registerWasmKernels replaced, by name (benchmarks compare
 * them). Global, like tfjs's kernel registry, so every copy of this module sees the originals.
 */
export const replacedWasmKernels: Map<string, tf.KernelConfig> = ((globalThis as Record<symbol, unknown>)[Symbol.for("kdc.replaced-wasm-kernels")] ??= new Map()) as Map<string, tf.KernelConfig>;

/** Registers kdc's wasm kernels; idempotent. */
export function registerWasmKernels(): void {
  for (const config of [...MISSING_WASM_KERNELS, ...REPLACED_WASM_KERNELS]) (config.kernelFunc as unknown as Record<symbol, unknown>)[KDC_KERNEL] = true;
  for (const config of MISSING_WASM_KERNELS) {
    if (!tf.getKernel(config.kernelName, "wasm")) tf.registerKernel(config);
  }
  for (const config of REPLACED_WASM_KERNELS) {
    const current = tf.getKernel(config.kernelName, "wasm");
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current) {
      if (!isKdcKernel(current) && !replacedWasmKernels.has(config.kernelName)) replacedWasmKernels.set(config.kernelName, current);
      tf.unregisterKernel(config.kernelName, "wasm");
    }
    tf.registerKernel(config);
  }
}

export { conv2DBackpropFilterConfig, conv2DBackpropInputConfig, depthwiseConv2dNativeBackpropFilterConfig, depthwiseConv2dNativeBackpropInputConfig, maxPoolGradConfig, unsortedSegmentSumConfig };
