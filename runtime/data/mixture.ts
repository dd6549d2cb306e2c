// Weighted mixtures of splits, e.g. 70% of one corpus and 30% of another, with a held-out split cut
// from every source in the same proportions. The mixture is drawn once (a fixed multiset of rows,
// no copy of the data); its batches are shuffled per (seed, epoch) like any split.
import { KdcRuntimeError } from "../errors.js";
import type { Split } from "../program.js";
import { Rng, mixSeeds, permutation } from "../rng.js";
import { TableSplit, schemaOf, type Part, type Table } from "./memory-split.js";
import { apportion, checkSeed, resolveCount } from "./select.js";

export interface MixtureSource {
  /** A split made by kd.data (any kind; all sources of one mixture must agree, see docs/data.md). */
  readonly split: Split;
  /** Relative weight (> 0): the share of the mixture's rows drawn from this source. */
  readonly weight: number;
}

export interface MixtureOptions {
  readonly seed: number;
  /** Rows of the train mixture (default: every source's rows left after the held-out cut, summed). */
  readonly size?: number;
  /** Rows held out, a count or a fraction in (0, 1) of all sources' rows, shared by weight. */
  readonly heldOut?: number;
  /** Prefix of the split names (default `mixture`): `mixture.train`, `mixture.heldOut`. */
  readonly name?: string;
  /** Name of the held-out split after the prefix (default `heldOut`; recipes call it `held_out`). */
  readonly heldOutName?: string;
}

export interface MixtureSplits {
  readonly train: Split;
  /** Present when `heldOut` was given. */
  readonly heldOut?: Split;
}

type Row = readonly [Table, number];

function rowsOf(split: TableSplit): Row[] {
  return split.parts.flatMap((p) => Array.from(p.indices, (i) => [p.table, i] as const));
}

/** Rows grouped into parts by table, keeping the order of first appearance. */
function partsOf(rows: readonly Row[], fallback: Table): Part[] {
  if (rows.length === 0) return [{ table: fallback, indices: new Int32Array(0) }];
  const byTable = new Map<Table, number[]>();
  for (const [table, row] of rows) {
    let list = byTable.get(table);
    if (!list) byTable.set(table, (list = []));
    list.push(row);
  }
  return [...byTable].map(([table, list]) => ({ table, indices: Int32Array.from(list) }));
}

/**
 * A weighted mixture. Source i gets the share w_i / Σw of the held-out rows and of the train rows
 * (largest remainder, so the counts add up exactly). Held-out rows are the first of a seeded
 * shuffle of the source; train rows are drawn from the rest without replacement, and when a source
 * must give more rows than it has left it is repeated (each repetition in a fresh seeded order).
 */
export function mixture(sources: readonly MixtureSource[], options: MixtureOptions): MixtureSplits {
  const where = "mixture";
  checkSeed(where, options.seed);
  if (sources.length === 0) throw new KdcRuntimeError(`${where}: no sources`);
  const splits = sources.map(({ split }, i) => {
    if (!(split instanceof TableSplit)) throw new KdcRuntimeError(`${where}: source ${i + 1} ('${split.name}') is not a split made by kd.data`);
    return split;
  });
  sources.forEach(({ split, weight }) => {
    if (!Number.isFinite(weight) || weight <= 0) throw new KdcRuntimeError(`${where}: the weight of '${split.name}' must be a positive number, got ${weight}`);
  });
  const first = splits[0]!;
  for (const s of splits.slice(1)) {
    if (s.hasLabels !== first.hasLabels) {
      throw new KdcRuntimeError(
        `${where}: '${first.name}' ${first.hasLabels ? "has" : "has no"} labels but '${s.name}' ${s.hasLabels ? "has" : "has none"}`,
        "mix labelled splits with labelled ones only (labels cannot be invented for an unlabelled split)",
      );
    }
    const a = schemaOf(first.parts[0]!.table, first.hasLabels);
    const b = schemaOf(s.parts[0]!.table, s.hasLabels);
    if (a !== b) {
      throw new KdcRuntimeError(
        `${where}: '${first.name}' holds ${a}, but '${s.name}' holds ${b}`,
        first.kind === "vectors" ? "mixed splits need the same features and classes" : "pass one Tokenizer object (and the same context) to every loader of a mixture",
      );
    }
  }
  const weights = sources.map((s) => s.weight);
  const sizes = splits.map((s) => s.size);
  const total = sizes.reduce((a, b) => a + b, 0);
  const heldOut = resolveCount(where, "heldOut", options.heldOut, total);
  const heldShares = apportion(heldOut ?? 0, weights);
  const shuffled = splits.map((s, i) => {
    const rows = rowsOf(s);
    return Array.from(permutation(rows.length, new Rng(mixSeeds(options.seed, i, 0x313e))), (k) => rows[k]!);
  });
  heldShares.forEach((h, i) => {
    if (h > sizes[i]!) throw new KdcRuntimeError(`${where}: '${splits[i]!.name}' must give ${h} held-out rows by its weight, but has only ${sizes[i]}`, "hold out fewer rows, or lower that source's weight");
  });
  const pools = shuffled.map((rows, i) => rows.slice(heldShares[i]!));
  const size = options.size ?? pools.reduce((n, p) => n + p.length, 0);
  if (!Number.isInteger(size) || size < 1) throw new KdcRuntimeError(`${where}: 'size' must be a positive integer, got ${size}`);
  const trainShares = apportion(size, weights);
  const train: Row[] = [];
  trainShares.forEach((count, i) => {
    const pool = pools[i]!;
    if (count > 0 && pool.length === 0) throw new KdcRuntimeError(`${where}: '${splits[i]!.name}' has no rows left after the held-out cut, but its weight asks for ${count}`);
    for (let repeat = 0, taken = 0; taken < count; repeat++) {
      const order = repeat === 0 ? null : permutation(pool.length, new Rng(mixSeeds(options.seed, i, repeat, 0x313f)));
      for (let k = 0; k < pool.length && taken < count; k++, taken++) train.push(pool[order ? order[k]! : k]!);
    }
  });
  const prefix = options.name ?? "mixture";
  const held = shuffled.flatMap((rows, i) => rows.slice(0, heldShares[i]!));
  return {
    train: new TableSplit(`${prefix}.train`, partsOf(train, first.parts[0]!.table), first.hasLabels),
    ...(heldOut !== undefined ? { heldOut: new TableSplit(`${prefix}.${options.heldOutName ?? "heldOut"}`, partsOf(held, first.parts[0]!.table), first.hasLabels) } : {}),
  };
}
