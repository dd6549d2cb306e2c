// Shared pieces for the training-loop tests: tiny synthetic splits (vectors, tokens, preference
// pairs) implementing the Split contract directly, tiny models (one with seeded dropout that
// follows the loop's reseed), a forward-pass counter, and readers for stage-complete checkpoints.
import * as tf from "@tensorflow/tfjs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as kd from "../../runtime/index.js";
import { Rng, mixSeeds, permutation } from "../../runtime/rng.js";
import { checkpointDir, readCheckpoint } from "../../runtime/checkpoint.js";

export const tempDir = (prefix: string): Promise<string> => mkdtemp(join(tmpdir(), `kdc-${prefix}-`));

/** Flags a split may declare (augmented data is never cached). */
export interface SplitFlags {
  readonly augmented?: boolean;
}

type Rows = (rows: Int32Array) => kd.Batch;

class SyntheticSplit implements kd.Split {
  constructor(
    readonly name: string,
    readonly size: number,
    readonly features: number,
    readonly classes: number,
    readonly hasLabels: boolean,
    readonly fingerprint: string,
    private readonly gather: Rows,
    readonly kind: kd.SplitKind = "vectors",
    readonly context?: number,
    readonly vocab?: number,
    readonly augmented?: boolean,
  ) {}

  *batches(batchSize: number, seed: number, epoch: number): Iterable<kd.Batch> {
    const order = permutation(this.size, new Rng(mixSeeds(seed, epoch, 77)));
    for (let start = 0; start < this.size; start += batchSize) yield this.gather(order.subarray(start, Math.min(this.size, start + batchSize)));
  }
}

/** `rows` random vectors with labels from a random linear map (learnable). */
export function vectorSplit(name: string, o: { rows: number; features: number; classes: number; seed: number; labelled?: boolean } & SplitFlags): kd.Split {
  const rng = new Rng(o.seed);
  const x = new Float32Array(o.rows * o.features).map(() => rng.uniform(-1, 1));
  const w = new Float32Array(o.features * o.classes).map(() => rng.uniform(-1, 1));
  const y = new Int32Array(o.rows);
  for (let r = 0; r < o.rows; r++) {
    let best = 0;
    let max = -Infinity;
    for (let c = 0; c < o.classes; c++) {
      let z = 0;
      for (let f = 0; f < o.features; f++) z += x[r * o.features + f]! * w[f * o.classes + c]!;
      if (z > max) [max, best] = [z, c];
    }
    y[r] = best;
  }
  const labelled = o.labelled ?? true;
  return new SyntheticSplit(name, o.rows, o.features, o.classes, labelled, `vectors:${name}:${o.seed}:${o.rows}`, (rows) => {
    const xb = new Float32Array(rows.length * o.features);
    rows.forEach((r, i) => xb.set(x.subarray(r * o.features, (r + 1) * o.features), i * o.features));
    return {
      input: tf.tensor2d(xb, [rows.length, o.features]),
      label: labelled ? tf.tensor1d(Int32Array.from(rows, (r) => y[r]!), "int32") : undefined,
      size: rows.length,
    };
  }, "vectors", undefined, undefined, o.augmented);
}

/** Token rows of random length (2..T), right-padded with 0; targets −100 at padding and position 0. */
function tokenRows(rows: number, context: number, vocab: number, rng: Rng): { tokens: Int32Array; targets: Int32Array } {
  const tokens = new Int32Array(rows * context);
  const targets = new Int32Array(rows * context).fill(kd.data.IGNORE);
  for (let r = 0; r < rows; r++) {
    const length = 2 + rng.int(context - 1);
    for (let t = 0; t < length; t++) {
      const id = 1 + rng.int(vocab - 1);
      tokens[r * context + t] = id;
      if (t > 0) targets[r * context + t] = id;
    }
  }
  return { tokens, targets };
}

function tokenBatch(tokens: Int32Array, targets: Int32Array, rows: readonly number[], context: number): kd.TokenBatch {
  const x = new Int32Array(rows.length * context);
  const t = new Int32Array(rows.length * context);
  rows.forEach((r, i) => {
    x.set(tokens.subarray(r * context, (r + 1) * context), i * context);
    t.set(targets.subarray(r * context, (r + 1) * context), i * context);
  });
  return {
    input: tf.tensor2d(x, [rows.length, context], "int32"),
    targets: tf.tensor2d(t, [rows.length, context], "int32"),
    mask: tf.tensor2d(Float32Array.from(x, (v) => (v === 0 ? 0 : 1)), [rows.length, context]),
  };
}

/** A token split as the data engineer's batches look: input [B, T] int32, targets, mask. */
export function tokenSplit(name: string, o: { rows: number; context: number; vocab: number; seed: number }): kd.Split {
  const { tokens, targets } = tokenRows(o.rows, o.context, o.vocab, new Rng(o.seed));
  return new SyntheticSplit(name, o.rows, o.context, 0, false, `tokens:${name}:${o.seed}`, (rows) => {
    const b = tokenBatch(tokens, targets, Array.from(rows), o.context);
    return { ...b, label: undefined, size: rows.length };
  }, "tokens", o.context, o.vocab);
}

/** Preference pairs: input [2B, T] (chosen rows, then rejected), targets, chosen/rejected sides. */
export function preferenceSplit(name: string, o: { pairs: number; context: number; vocab: number; seed: number }): kd.Split {
  const rng = new Rng(o.seed);
  const chosen = tokenRows(o.pairs, o.context, o.vocab, rng);
  const rejected = tokenRows(o.pairs, o.context, o.vocab, rng);
  const both = { tokens: new Int32Array([...chosen.tokens, ...rejected.tokens]), targets: new Int32Array([...chosen.targets, ...rejected.targets]) };
  return new SyntheticSplit(name, o.pairs, o.context, 0, false, `prefs:${name}:${o.seed}`, (rows) => {
    const r = Array.from(rows);
    const joint = tokenBatch(both.tokens, both.targets, [...r, ...r.map((i) => i + o.pairs)], o.context);
    return {
      ...joint,
      chosen: tokenBatch(chosen.tokens, chosen.targets, r, o.context),
      rejected: tokenBatch(rejected.tokens, rejected.targets, r, o.context),
      label: undefined,
      size: r.length,
    };
  }, "preferences", o.context, o.vocab);
}

/**
 * A dense net with seeded dropout that follows the loop's `reseed(seed)`: masks depend only on
 * the seed the loop gives before each step (and the draw within the step).
 */
export class TinyNet implements kd.Model {
  readonly kind = "tiny";
  readonly variables: tf.Variable[];
  readonly variableNames: string[];
  private stepSeed = 0;
  private draws = 0;

  constructor(
    readonly name: string,
    readonly widths: readonly number[],
    readonly seed: number,
    readonly dropout = 0,
  ) {
    const rng = new Rng(seed);
    this.variables = [];
    this.variableNames = [];
    for (let i = 0; i + 1 < widths.length; i++) {
      const [a, b] = [widths[i]!, widths[i + 1]!];
      const bound = 1 / Math.sqrt(a);
      this.variables.push(tf.tidy(() => tf.variable(tf.tensor2d(new Float32Array(a * b).map(() => rng.uniform(-bound, bound)), [a, b]))));
      this.variables.push(tf.tidy(() => tf.variable(tf.tensor1d(new Float32Array(b).map(() => rng.uniform(-bound, bound))))));
      this.variableNames.push(`l${i}/w`, `l${i}/b`);
    }
  }

  reseed(seed: number): void {
    this.stepSeed = seed;
    this.draws = 0;
  }

  forward(input: tf.Tensor2D, training: boolean): kd.Outputs {
    let x: tf.Tensor2D = input;
    const hidden: tf.Tensor2D[] = [];
    const layers = this.variables.length / 2;
    for (let i = 0; i < layers; i++) {
      const y = tf.add(tf.matMul(x, this.variables[2 * i] as tf.Tensor2D), this.variables[2 * i + 1]!) as tf.Tensor2D;
      if (i === layers - 1) return { logits: y, hidden };
      const h = tf.relu(y);
      hidden.push(h);
      x = training && this.dropout > 0 ? this.drop(h) : h;
    }
    throw new Error("unreachable");
  }

  async exportTo(): Promise<void> {}

  dispose(): void {
    tf.dispose(this.variables);
  }

  private drop(h: tf.Tensor2D): tf.Tensor2D {
    const rng = new Rng(mixSeeds(this.stepSeed, this.draws++));
    const keep = 1 - this.dropout;
    const mask = new Float32Array(h.size).map(() => (rng.next() < keep ? 1 / keep : 0));
    return tf.mul(h, tf.tensor2d(mask, h.shape)) as tf.Tensor2D;
  }
}

/** A tiny token model (no context): one-hot · E [V, D] → relu → · W [D, V]; logits [B·T, V], tokenLogits [B, T, V]. */
export class TokenNet implements kd.Model {
  readonly kind = "tokennet";
  readonly variables: tf.Variable[];
  readonly variableNames = ["embed", "out"];

  constructor(
    readonly name: string,
    readonly vocab: number,
    dim: number,
    seed: number,
  ) {
    const rng = new Rng(seed);
    this.variables = [
      tf.tidy(() => tf.variable(tf.tensor2d(new Float32Array(vocab * dim).map(() => rng.uniform(-1, 1)), [vocab, dim]))),
      tf.tidy(() => tf.variable(tf.tensor2d(new Float32Array(dim * vocab).map(() => rng.uniform(-1, 1)), [dim, vocab]))),
    ];
  }

  forward(input: tf.Tensor2D, _training = false): kd.Outputs {
    const [b, t] = input.shape;
    const onehot = tf.cast(tf.oneHot(tf.reshape(input, [b * t]) as tf.Tensor1D, this.vocab), "float32") as tf.Tensor2D;
    const h = tf.relu(tf.matMul(onehot, this.variables[0] as tf.Tensor2D));
    // As sequence models give them: logits [B·T, vocab], tokenLogits [B, T, vocab].
    const logits = tf.matMul(h, this.variables[1] as tf.Tensor2D) as tf.Tensor2D;
    return { logits, hidden: [], tokenLogits: tf.reshape(logits, [b, t, this.vocab]) as tf.Tensor3D };
  }

  async exportTo(): Promise<void> {}

  dispose(): void {
    tf.dispose(this.variables);
  }
}

/** Counts a model's forward passes (by mode). */
export function countForwards(model: kd.Model): { inference: number; training: number } {
  const counts = { inference: 0, training: 0 };
  const forward = model.forward.bind(model);
  (model as { forward: kd.Model["forward"] }).forward = (x, training) => {
    counts[training ? "training" : "inference"]++;
    return forward(x, training);
  };
  return counts;
}

/** A stage with defaults for what a test does not care about. */
export function stage(o: Partial<kd.StageSpec> & Pick<kd.StageSpec, "name" | "train" | "data" | "objective">): kd.StageSpec {
  return {
    origin: `test.kd:1:1`,
    after: [],
    teachers: [],
    epochs: 1,
    batch: 8,
    seed: 1,
    optimizer: kd.optim.sgd({ lr: 0.1 }),
    evaluate: [],
    checkpoint: undefined,
    exports: [],
    ...o,
  };
}

/** The weights a stage-complete checkpoint holds for `owner`, concatenated in variable order. */
export async function completeWeights(outDir: string, stageName: string, owner: string): Promise<Float32Array> {
  const data = await readCheckpoint(join(checkpointDir(outDir, stageName), "complete"));
  const parts = [...data.weights(owner).values()];
  if (parts.length === 0) throw new Error(`no weights for ${owner} in ${stageName}/complete`);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Token-mean next-token cross-entropy: logits[:, t] against targets[:, t + 1], −100 ignored. */
export function nextTokenCe(logits: tf.Tensor, targets: tf.Tensor2D): tf.Scalar {
  const [b, t, v] = logits.shape as [number, number, number];
  const z = tf.reshape(tf.slice(logits, [0, 0, 0], [b, t - 1, v]), [b * (t - 1), v]) as tf.Tensor2D;
  const y = tf.reshape(tf.slice(targets, [0, 1], [b, t - 1]), [b * (t - 1)]) as tf.Tensor1D;
  return kd.losses.crossEntropy(z, y);
}

export const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};
