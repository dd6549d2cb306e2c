// Float64 building blocks for the loss references. Written independently of the runtime: plain
// loops over numbers, no tfjs. Each test file composes its own references from these.

/** Rounds to float32 and back, so the tfjs side and the reference see identical inputs. */
export function f32(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(Float32Array.from(Array.from(x)));
}

/** Row r of a row-major matrix with `cols` columns, as a copy. */
export function row(x: ArrayLike<number>, r: number, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let c = 0; c < cols; c++) out[c] = x[r * cols + c]!;
  return out;
}

export function logSumExp(xs: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < xs.length; i++) max = Math.max(max, xs[i]!);
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += Math.exp(xs[i]! - max);
  return max + Math.log(sum);
}

/** log softmax(x / T). */
export function logSoftmax(xs: ArrayLike<number>, T = 1): Float64Array {
  const scaled = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) scaled[i] = xs[i]! / T;
  const lse = logSumExp(scaled);
  for (let i = 0; i < scaled.length; i++) scaled[i] = scaled[i]! - lse;
  return scaled;
}

export function softmax(xs: ArrayLike<number>, T = 1): Float64Array {
  return logSoftmax(xs, T).map(Math.exp);
}

/** Σ_i e^{a_i}·(a_i − b_i): KL between distributions given by their logs (0·log 0 = 0). */
export function klFromLogs(logA: ArrayLike<number>, logB: ArrayLike<number>): number {
  let kl = 0;
  for (let i = 0; i < logA.length; i++) {
    const p = Math.exp(logA[i]!);
    if (p > 0) kl += p * (logA[i]! - logB[i]!);
  }
  return kl;
}

/** log σ(x), stable for any x. */
export function logSigmoid(x: number): number {
  return x < 0 ? x - Math.log1p(Math.exp(x)) : -Math.log1p(Math.exp(-x));
}

/** Smooth-L1 / Huber with δ = 1. */
export function smoothL1(x: number): number {
  const a = Math.abs(x);
  return a < 1 ? 0.5 * x * x : a - 0.5;
}

/** Central finite differences of a float64 function (x is restored). */
export function numericGrad(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const old = x[i]!;
    x[i] = old + h;
    const up = f(x);
    x[i] = old - h;
    const down = f(x);
    x[i] = old;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

/**
 * Central differences of a row-separable loss Σ_b f(x_b, b): only the perturbed row is
 * re-evaluated (B times cheaper than `numericGrad` on the whole loss).
 */
export function numericGradRows(f: (xRow: Float64Array, b: number) => number, x: ArrayLike<number>, rows: number, cols: number, h = 1e-6): Float64Array {
  const g = new Float64Array(rows * cols);
  for (let b = 0; b < rows; b++) {
    const r = row(x, b, cols);
    for (let c = 0; c < cols; c++) {
      const old = r[c]!;
      r[c] = old + h;
      const up = f(r, b);
      r[c] = old - h;
      const down = f(r, b);
      r[c] = old;
      g[b * cols + c] = (up - down) / (2 * h);
    }
  }
  return g;
}

/** Seeded uniform values in [-scale, scale) (mulberry32; independent of the runtime's Rng). */
export function uniform(n: number, scale: number, seed: number): Float64Array {
  let state = (seed * 0x9e3779b1) | 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 * scale - scale;
  }
  return f32(out);
}
