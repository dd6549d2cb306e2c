// What kdc's own wasm kernels need from tfjs-backend-wasm's BackendWasm, typed locally so that the
// runtime does not import the backend's internals.
//
// A kernel reads its inputs and writes its output directly in the wasm heap. A view into the heap
// is only valid until the next allocation (the heap may grow and detach it), so every kernel
// allocates first and takes its views afterwards.
import * as tf from "@tensorflow/tfjs";

export type TensorInfo = tf.TensorInfo;

export interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

export function asWasm(backend: unknown): WasmBackend {
  const b = backend as Partial<WasmBackend> | null;
  if (!b || typeof b.makeOutput !== "function" || typeof b.typedArrayFromHeap !== "function") {
    throw new Error("kdc wasm kernel called on a backend that is not tfjs-backend-wasm");
  }
  return b as WasmBackend;
}

/** A float32 view of a tensor's data in the wasm heap; valid until the next allocation. */
export function floats(backend: WasmBackend, info: TensorInfo): Float32Array {
  if (info.dtype !== "float32") throw new Error(`kdc wasm kernel: expected float32, got ${info.dtype}`);
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** An int32 view of a tensor's data in the wasm heap; valid until the next allocation. */
export function ints(backend: WasmBackend, info: TensorInfo): Int32Array {
  if (info.dtype !== "int32") throw new Error(`kdc wasm kernel: expected int32, got ${info.dtype}`);
  return backend.typedArrayFromHeap(info) as Int32Array;
}

/** Runs another registered wasm kernel (e.g. BatchMatMul) from inside a kernel. */
export function callKernel(name: string, inputs: tf.NamedTensorInfoMap, backend: WasmBackend, attrs: tf.NamedAttrMap = {}): TensorInfo {
  const kernel = tf.getKernel(name, "wasm");
  if (!kernel) throw new Error(`kdc wasm kernel: '${name}' is not registered for wasm`);
  const out = kernel.kernelFunc({ inputs, backend: backend as unknown as tf.KernelBackend, attrs });
  if (Array.isArray(out)) throw new Error(`kdc wasm kernel: '${name}' returned several tensors`);
  return out;
}

/** NHWC only: the wasm backend and kdc's models use channels-last throughout. */
export function requireNhwc(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== "NHWC" && dataFormat !== "channelsLast") {
    throw new Error(`kdc wasm kernel ${kernel}: only NHWC is supported, got ${dataFormat}`);
  }
}

export type Shape4 = [number, number, number, number];

/** dst[dstAt … dstAt + n) = src[srcAt … srcAt + n): a plain loop for short runs (a subarray view costs more). */
export function copy(src: Float32Array, srcAt: number, dst: Float32Array, dstAt: number, n: number): void {
  if (n >= 64) {
    dst.set(src.subarray(srcAt, srcAt + n), dstAt);
    return;
  }
  for (let i = 0; i < n; i++) dst[dstAt + i] = src[srcAt + i]!;
}
