// Seeded selection of rows: counts or fractions, cut from one shuffle so splits are disjoint.
import { KdcRuntimeError } from "../errors.js";
import { Rng, mixSeeds, permutation } from "../rng.js";

/** A count, or a fraction of `total` when 0 < value < 1 (rounded to the nearest row). */
export function resolveCount(where: string, key: string, value: number | undefined, total: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value < 0 || (value >= 1 && !Number.isInteger(value))) {
    throw new KdcRuntimeError(`${where}: '${key}' must be a non-negative integer count or a fraction between 0 and 1, got ${value}`);
  }
  return value > 0 && value < 1 ? Math.round(value * total) : value;
}

export function checkCount(where: string, key: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new KdcRuntimeError(`${where}: '${key}' must be a non-negative integer, got ${value}`);
}

export function checkSeed(where: string, seed: number): void {
  if (!Number.isInteger(seed)) throw new KdcRuntimeError(`${where}: 'seed' must be an integer, got ${seed}`);
}

/**
 * One seeded shuffle of 0..total-1 cut into test (first) and train (next; default all the rest).
 * `what` names the rows in the error when there are too few ("rows", "windows").
 */
export function cutRows(
  where: string,
  what: string,
  total: number,
  options: { readonly train?: number; readonly test?: number; readonly seed?: number },
  tag: number,
): { train: Int32Array; test: Int32Array | undefined } {
  const seed = options.seed ?? 0;
  checkSeed(where, seed);
  const test = resolveCount(where, "test", options.test, total);
  const train = resolveCount(where, "train", options.train, total) ?? total - (test ?? 0);
  if (train + (test ?? 0) > total) {
    throw new KdcRuntimeError(
      `${where}: train ${train} + test ${test ?? 0} = ${train + (test ?? 0)} ${what}, but there are only ${total}`,
      `make the splits add up to at most ${total}`,
    );
  }
  const order = permutation(total, new Rng(mixSeeds(seed, tag)));
  return { test: test === undefined ? undefined : order.slice(0, test), train: order.slice(test ?? 0, (test ?? 0) + train) };
}

/** 0..n-1 in order. */
export function range(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/**
 * Splits `total` into integer shares proportional to `weights` that add up to `total` exactly
 * (largest remainder; ties go to the earlier entry).
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of byRemainder) {
    if (left <= 0) break;
    out[i]!++;
    left--;
  }
  return out;
}
