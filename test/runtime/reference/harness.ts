// Runs a runtime loss on tfjs and reads back its value and gradients, disposing everything.
import * as tf from "@tensorflow/tfjs";
import { expect } from "vitest";

export interface Input {
  readonly data: ArrayLike<number>;
  readonly shape: readonly number[];
  /** int32 inputs (labels) are passed to the loss but not differentiated. */
  readonly dtype?: "float32" | "int32";
}

export interface Evaluated {
  readonly loss: number;
  /** Gradient of every input, in order; undefined for int32 inputs. */
  readonly grads: readonly (Float32Array | undefined)[];
}

/** Value and gradients of `fn(...inputs)` w.r.t. each float input, on the active backend. */
export function evaluate(fn: (...xs: tf.Tensor[]) => tf.Scalar, inputs: readonly Input[]): Evaluated {
  const tensors = inputs.map((i) => tf.tensor(Array.from(i.data), [...i.shape], i.dtype ?? "float32"));
  const floatAt = inputs.flatMap((i, k) => ((i.dtype ?? "float32") === "float32" ? [k] : []));
  const f = (...floats: tf.Tensor[]): tf.Scalar => {
    const all = tensors.slice();
    floatAt.forEach((k, j) => (all[k] = floats[j]!));
    const out = fn(...all);
    expect(out.shape).toEqual([]);
    return out;
  };
  const { value, grads } = tf.valueAndGrads(f)(floatAt.map((k) => tensors[k]!));
  const loss = value.dataSync()[0]!;
  const gradOf: (Float32Array | undefined)[] = inputs.map(() => undefined);
  floatAt.forEach((k, j) => (gradOf[k] = Float32Array.from(grads[j]!.dataSync())));
  tf.dispose([value, ...grads, ...tensors]);
  return { loss, grads: gradOf };
}

export function allZero(x: ArrayLike<number> | undefined): boolean {
  return x !== undefined && Array.from(x).every((v) => v === 0);
}

/**
 * Calls `body` and expects it to leave the tensor count unchanged. The body creates and disposes
 * its own inputs; every loss call inside must dispose its result.
 */
export function expectNoLeak(body: () => void): void {
  const before = tf.memory().numTensors;
  body();
  expect(tf.memory().numTensors).toBe(before);
}

/**
 * Expects |a−e| ≤ atol + rtol·|e| elementwise with atol = max(atolFraction·max|e|, atolFloor). The
 * floor covers saturated cases (±50 logits) whose whole gradient is float32 rounding noise.
 */
export function expectGradClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-4, atolFraction = 1e-5, atolFloor = 1e-9): void {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  const atol = Math.max(atolFraction * scale, atolFloor);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!Number.isFinite(a)) throw new Error(`element ${i} is ${a}`);
    if (Math.abs(a - e) > atol + rtol * Math.abs(e)) throw new Error(`element ${i}: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)} > ${atol + rtol * Math.abs(e)})`);
  }
}
