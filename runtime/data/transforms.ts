// `preprocess` and `augment`: deterministic transforms applied once to the rows of every split
// (teacher outputs stay cacheable), and random ones drawn per (seed, epoch, batch) on the train
// split only (the split then declares `augmented`, so teacher-output caching is refused).
import * as tf from "@tensorflow/tfjs";
import { KdcRuntimeError } from "../errors.js";
import type { Batch, Split } from "../program.js";
import { Rng, mixSeeds } from "../rng.js";
import { TableSplit, type Part, type Table, type VectorTable } from "./memory-split.js";

export type Transform =
  | { readonly kind: "standardize"; readonly mean: number; readonly std: number }
  | { readonly kind: "random_crop"; readonly padding: number }
  | { readonly kind: "flip"; readonly p: number }
  | { readonly kind: "noise"; readonly std: number }
  /** Token rows: each text token of the input becomes <unk> with probability p (targets kept). */
  | { readonly kind: "token_dropout"; readonly p: number };

export interface TransformOptions {
  /** [H, W, C] of each row, row-major (needed by random_crop and flip). */
  readonly image?: readonly [number, number, number];
  /** Deterministic; applied to every split. */
  readonly preprocess?: readonly Transform[];
  /** Random; applied to the `train` split only, drawn again every epoch. */
  readonly augment?: readonly Transform[];
}

const RANDOM = new Set(["random_crop", "flip", "noise", "token_dropout"]);

/** The special ids token_dropout leaves alone, and the id it writes. */
export interface TokenIds {
  readonly pad: number;
  readonly bos: number;
  readonly eos: number;
  readonly unk: number;
}

/** Replaces each text token of `ids` (not pad, bos, eos) with <unk> with probability p, in place. */
export function dropTokens(ids: Int32Array, p: number, rng: Rng, special: TokenIds): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id === special.pad || id === special.bos || id === special.eos) continue;
    if (rng.next() < p) ids[i] = special.unk;
  }
}

function describe(t: Transform): string {
  return `${t.kind}(${Object.entries(t).filter(([k]) => k !== "kind").map(([k, v]) => `${k}: ${v}`).join(", ")})`;
}

function preprocessTable(table: Table, steps: readonly Transform[]): VectorTable {
  if (table.kind !== "vectors") throw new KdcRuntimeError(`preprocess: only feature vectors can be transformed, not ${table.kind}`);
  const inputs = new Float32Array(table.inputs);
  for (const t of steps) {
    if (t.kind !== "standardize") throw new KdcRuntimeError(`preprocess: '${t.kind}' is random; put it in 'augment'`);
    if (!(t.std > 0)) throw new KdcRuntimeError(`preprocess: standardize needs a positive std, got ${t.std}`);
    for (let i = 0; i < inputs.length; i++) inputs[i] = (inputs[i]! - t.mean) / t.std;
  }
  return { ...table, id: `${table.id}\npreprocess ${steps.map(describe).join(" ")}`, inputs };
}

/** Applies the random steps to one batch's rows in place; `rng` is seeded per (seed, epoch, batch). */
export function augmentRows(x: Float32Array, rows: number, width: number, steps: readonly Transform[], rng: Rng, image: readonly [number, number, number] | undefined): void {
  for (const t of steps) {
    if (t.kind === "noise") {
      for (let i = 0; i < x.length; i += 2) {
        // Box–Muller: two normal draws per two uniforms.
        const u = Math.max(rng.next(), 1e-12);
        const v = rng.next();
        const r = Math.sqrt(-2 * Math.log(u)) * t.std;
        x[i] = x[i]! + r * Math.cos(2 * Math.PI * v);
        if (i + 1 < x.length) x[i + 1] = x[i + 1]! + r * Math.sin(2 * Math.PI * v);
      }
      continue;
    }
    if (!image) throw new KdcRuntimeError(`augment: '${t.kind}' needs images ('image: [H, W, C]')`);
    const [h, w, c] = image;
    if (h * w * c !== width) throw new KdcRuntimeError(`augment: image ${h}×${w}×${c} does not match rows of ${width} features`);
    const row = new Float32Array(width);
    for (let r = 0; r < rows; r++) {
      const at = r * width;
      row.set(x.subarray(at, at + width));
      if (t.kind === "flip") {
        if (rng.next() >= t.p) continue;
        for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) x[at + (i * w + j) * c + k] = row[(i * w + (w - 1 - j)) * c + k]!;
      } else if (t.kind === "random_crop") {
        // Pad by `padding` zeros on every side, then crop H×W at a random offset: a shift by (dy, dx).
        const dy = rng.int(2 * t.padding + 1) - t.padding;
        const dx = rng.int(2 * t.padding + 1) - t.padding;
        for (let i = 0; i < h; i++)
          for (let j = 0; j < w; j++) {
            const si = i + dy;
            const sj = j + dx;
            const inside = si >= 0 && si < h && sj >= 0 && sj < w;
            for (let k = 0; k < c; k++) x[at + (i * w + j) * c + k] = inside ? row[(si * w + sj) * c + k]! : 0;
          }
      } else {
        throw new KdcRuntimeError(`augment: '${t.kind}' is deterministic; put it in 'preprocess'`);
      }
    }
  }
}

/** A split whose inputs are redrawn every epoch; declares `augmented` so teacher caching is refused. */
export class AugmentedSplit implements Split {
  readonly augmented = true;
  readonly name: string;
  readonly size: number;
  readonly features: number;
  readonly classes: number;
  readonly hasLabels: boolean;
  readonly kind: "vectors" | "tokens";
  readonly fingerprint: string;

  readonly context: number | undefined;
  readonly vocab: number | undefined;

  constructor(
    readonly inner: TableSplit,
    readonly steps: readonly Transform[],
    readonly image: readonly [number, number, number] | undefined,
    /** Token rows: the tokenizer's special ids (token_dropout). */
    readonly tokens?: TokenIds,
  ) {
    const forTokens = steps.every((t) => t.kind === "token_dropout");
    if (inner.kind === "preferences" || (inner.kind === "tokens") !== forTokens) {
      throw new KdcRuntimeError(`augment: ${steps.map((t) => t.kind).join(", ")} cannot augment ${inner.kind === "vectors" ? "feature vectors" : inner.kind}`);
    }
    if (forTokens && !tokens) throw new KdcRuntimeError("augment: token_dropout needs the tokenizer of the split");
    this.kind = inner.kind as "vectors" | "tokens";
    this.context = inner.context;
    this.vocab = inner.vocab;
    this.name = inner.name;
    this.size = inner.size;
    this.features = inner.features;
    this.classes = inner.classes;
    this.hasLabels = inner.hasLabels;
    this.fingerprint = `${inner.fingerprint}+augment ${steps.map(describe).join(" ")}`;
  }

  *batches(batchSize: number, seed: number, epoch: number): Iterable<Batch> {
    let index = 0;
    for (const batch of this.inner.batches(batchSize, seed, epoch)) {
      if (this.kind === "tokens") {
        const ids = new Int32Array(batch.input.dataSync() as Int32Array);
        const rng = new Rng(mixSeeds(seed, epoch, index++, 0xa07));
        for (const t of this.steps) if (t.kind === "token_dropout") dropTokens(ids, t.p, rng, this.tokens!);
        const shape = batch.input.shape;
        batch.input.dispose();
        yield { ...batch, input: tf.tensor2d(ids, shape, "int32") };
        continue;
      }
      const x = batch.input.dataSync() as Float32Array;
      const copy = new Float32Array(x);
      augmentRows(copy, batch.size, this.features, this.steps, new Rng(mixSeeds(seed, epoch, index++, 0xa06)), this.image);
      batch.input.dispose();
      yield { ...batch, input: tf.tensor2d(copy, [batch.size, this.features], "float32") };
    }
  }
}

/**
 * The same splits, with `preprocess` applied to every split's rows (once, shared between splits of
 * one table) and `augment` to the `train` split's batches. Other properties pass through.
 */
export function transformed<T extends object>(splits: T, options: TransformOptions): T {
  const preprocess = options.preprocess ?? [];
  const augment = options.augment ?? [];
  for (const t of preprocess) if (RANDOM.has(t.kind)) throw new KdcRuntimeError(`preprocess: '${t.kind}' is random; put it in 'augment'`);
  for (const t of augment) if (!RANDOM.has(t.kind)) throw new KdcRuntimeError(`augment: '${t.kind}' is deterministic; put it in 'preprocess'`);
  const tables = new Map<Table, Table>();
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(splits)) {
    let split: unknown = value;
    if (value instanceof TableSplit && preprocess.length > 0) {
      const parts: Part[] = value.parts.map((p) => {
        let table = tables.get(p.table);
        if (!table) tables.set(p.table, (table = preprocessTable(p.table, preprocess)));
        return { table, indices: p.indices };
      });
      split = new TableSplit(value.name, parts, value.hasLabels);
    }
    if (key === "train" && augment.length > 0) {
      if (!(split instanceof TableSplit)) throw new KdcRuntimeError("augment: the train split is not a split made by kd.data");
      const tokenizer = (splits as { readonly tokenizer?: TokenIds }).tokenizer;
      split = new AugmentedSplit(split, augment, options.image, tokenizer);
    }
    out[key] = split;
  }
  return out as T;
}
