// Shared test helpers: backend setup, float64 references, tolerant comparisons, seeded data.
import * as tf from "@tensorflow/tfjs";
import { expect } from "vitest";
import { selectBackend } from "../../runtime/backend.js";
import { Rng } from "../../runtime/rng.js";

/** Correctness tests run on the pure-JS cpu backend (the reference). */
export async function useCpu(): Promise<void> {
  await selectBackend("cpu");
}

/** Row-major random matrix with entries in [-scale, scale). */
export function randomMatrix(rows: number, cols: number, scale: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-scale, scale);
  return out;
}

/** Expects |a−e| ≤ atol + rtol·|e| elementwise, with atol relative to the largest |e|. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-4, atolFraction = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  const atol = atolFraction * Math.max(scale, 1e-30);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    expect(Number.isFinite(a), `element ${i} is ${a}`).toBe(true);
    if (Math.abs(a - e) > atol + rtol * Math.abs(e)) {
      throw new Error(`element ${i}: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)} > ${atol + rtol * Math.abs(e)})`);
    }
  }
}

export function expectScalarClose(actual: number, expected: number, rtol = 1e-5, atol = 1e-6): void {
  expect(Number.isFinite(actual), `got ${actual}`).toBe(true);
  if (Math.abs(actual - expected) > atol + rtol * Math.abs(expected)) {
    throw new Error(`got ${actual}, expected ${expected}`);
  }
}

/** The values of a tensor as a plain array, disposing it. */
export function take(t: tf.Tensor): Float32Array | Int32Array {
  const values = t.dataSync() as Float32Array | Int32Array;
  t.dispose();
  return values;
}

// ---- float64 references, written independently of the runtime ----

export function logSoftmaxRow(z: ArrayLike<number>, from: number, classes: number, T = 1): Float64Array {
  let max = -Infinity;
  for (let c = 0; c < classes; c++) max = Math.max(max, z[from + c]! / T);
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += Math.exp(z[from + c]! / T - max);
  const lse = max + Math.log(sum);
  const out = new Float64Array(classes);
  for (let c = 0; c < classes; c++) out[c] = z[from + c]! / T - lse;
  return out;
}
