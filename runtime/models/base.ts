// What the raw-variable models share: their Params, seeded dropout that the training loop can
// reseed, disposal, and reading a batch's input as images.
import * as tf from "@tensorflow/tfjs";
import { KdcRuntimeError } from "../errors.js";
import { mixSeeds } from "../rng.js";
import { Params } from "./params.js";

export abstract class RawModel {
  abstract readonly kind: string;
  protected readonly params: Params;
  /** Counts dropout masks drawn so each gets its own seed; a run stays reproducible. */
  private dropoutDraws = 0;
  private dropoutStream: number | undefined;

  constructor(
    readonly name: string,
    readonly seed: number,
  ) {
    this.params = new Params(seed);
  }

  /** Every variable, trainable or not (batch-norm running statistics are not), in creation order. */
  get variables(): readonly tf.Variable[] {
    return this.params.variables;
  }

  /** Stable names for `variables` (`block_0/conv/kernel`, …), for checkpoints, decay rules and export. */
  get variableNames(): readonly string[] {
    return this.params.names;
  }

  /** Restarts the dropout masks from `seed` (the loop calls it so a resumed run draws the same masks). */
  reseed(seed: number): void {
    this.dropoutStream = seed;
    this.dropoutDraws = 0;
  }

  dispose(): void {
    this.params.dispose();
  }

  protected nextDropoutSeed(): number {
    const draw = this.dropoutDraws++;
    return this.dropoutStream === undefined ? mixSeeds(this.seed, 0xd0, draw) : mixSeeds(this.seed, 0xd1, this.dropoutStream, draw);
  }
}

/** A batch's input as NHWC images: [B, H·W·C] rows (flattened row-major) or [B, H, W, C] as is. */
export function asImages(model: string, input: tf.Tensor, [h, w, c]: readonly [number, number, number]): tf.Tensor4D {
  const x = input.dtype === "float32" ? input : tf.cast(input, "float32");
  if (x.rank === 4 && x.shape[1] === h && x.shape[2] === w && x.shape[3] === c) return x as tf.Tensor4D;
  if (x.rank === 2 && x.shape[1] === h * w * c) return tf.reshape(x, [x.shape[0]!, h, w, c]);
  throw new KdcRuntimeError(`model '${model}' reads images [B, ${h}, ${w}, ${c}] (or rows of ${h * w * c}), got a tensor of shape [${x.shape}]`);
}

/** Keras model names allow letters, digits, `_`, `-`, `.`, `/`. */
export function sanitise(name: string): string {
  return name.replace(/[^A-Za-z0-9_.\-/]/g, "_") || "model";
}

export function checkPositiveInts(model: string, what: string, values: readonly number[]): void {
  if (!values.every((v) => Number.isInteger(v) && v > 0)) {
    throw new KdcRuntimeError(`model '${model}': ${what} must be positive integers, got ${values.join(", ") || "none"}`);
  }
}

export function checkRate(model: string, what: string, rate: number | undefined): void {
  if (rate !== undefined && !(rate >= 0 && rate < 1)) throw new KdcRuntimeError(`model '${model}': ${what} must be in [0, 1), got ${rate}`);
}
