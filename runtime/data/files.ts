// What the file loaders (csv, jsonl, text, preferences) share: reading a file with clear errors,
// class labels, the seeded train/test cut, and turning parsed rows into splits.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { distance } from "fastest-levenshtein";
import { KdcRuntimeError } from "../errors.js";
import type { Split } from "../program.js";
import type { Tokenizer } from "../tokenizers/tokenizer.js";
import { TableSplit, type Table } from "./memory-split.js";
import { cutRows, range } from "./select.js";
import { bagRows, checkLength, exampleLength, fixedVocab, resolveTokenizer, sequenceRows, type TokenExample, type TokenizerChoice } from "./text.js";

/** How a file's rows are cut into splits (one seeded shuffle; test first, then train). */
export interface FileSplitOptions {
  /** Rows (or windows) in the train split: a count, or a fraction in (0, 1). Default: all not in test. */
  readonly train?: number;
  /** Rows (or windows) held out as the test split: a count, or a fraction in (0, 1). Default: no test split. */
  readonly test?: number;
  /** Seeds the shuffle that assigns rows to splits (default 0). */
  readonly seed?: number;
  /** Prefix of the split names (`reviews` → `reviews.train`); default the file name without extension. */
  readonly name?: string;
}

/** How a text column becomes model input. */
export interface TextInputOptions {
  /** Default `{ kind: "char" }`, fitted on the train split's text. */
  readonly tokenizer?: TokenizerChoice;
  /** Tokens per row, <bos> and <eos> included (longer texts are truncated). Default: the longest row. */
  readonly maxLength?: number;
  /** Bag of tokens instead of sequences: vectors of `vocabSize` floats (log(1 + count)), for MLPs. */
  readonly bag?: boolean;
  /** Prompt tokens are −100 in the targets (default true); false trains on them too. */
  readonly maskPrompt?: boolean;
}

export interface FileSplits {
  /** Every row, in file order. */
  readonly all: Split;
  readonly train: Split;
  /** Present when `test` was given. */
  readonly test?: Split;
  /** The tokenizer of text data (fitted on the train split, or the one given). */
  readonly tokenizer?: Tokenizer;
  /** Class names by id, when the data has labels. */
  readonly classNames?: readonly string[];
}

/** The text of a file, without a leading byte-order mark; a clear error when it cannot be read. */
export function readText(where: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (error as Error).message;
    throw new KdcRuntimeError(`${where}: cannot read '${path}': ${why}`, code === "ENOENT" ? `relative paths are resolved from ${process.cwd()}` : undefined);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function contentId(kind: string, path: string, text: string): string {
  return `${kind}:${basename(path)}@${createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
}

export function defaultName(path: string): string {
  return basename(path, extname(path));
}

/** `did you mean 'x'?` for a misspelt name: the closest within one edit for names of 1–2 characters, else a third of the length (at least 2), as the compiler's suggestions. */
export function didYouMean(name: string, available: readonly string[]): string | undefined {
  const limit = name.length <= 2 ? 1 : Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of available) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d <= limit && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best === undefined ? undefined : `did you mean '${best}'?`;
}

export function missingColumn(where: string, path: string, kind: "column" | "field", name: string, available: readonly string[], line?: number): KdcRuntimeError {
  const at = line === undefined ? `'${path}' has` : `${path}:${line}: there is`;
  return new KdcRuntimeError(`${where}: ${at} no ${kind} '${name}' (${kind}s: ${available.join(", ") || "none"})`, didYouMean(name, available));
}

export interface LabelValue {
  readonly line: number;
  readonly value: string;
}

/**
 * Class ids of the labels. `classes` a number: labels are ids 0..n-1. `classes` names: a label is
 * the name's position. Neither: labels that are all non-negative integers are ids (classes = max + 1);
 * otherwise the distinct labels sorted (by code unit) are the classes.
 */
export function classIds(where: string, path: string, column: string, labels: readonly LabelValue[], classes: number | readonly string[] | undefined): { ids: Int32Array; classNames: string[] } {
  const ids = new Int32Array(labels.length);
  const isId = (v: string): boolean => /^\d+$/.test(v);
  for (const { line, value } of labels) {
    if (value === "") throw new KdcRuntimeError(`${where}: ${path}:${line}: empty label in '${column}'`);
  }
  if (typeof classes === "number") {
    if (!Number.isInteger(classes) || classes < 1) throw new KdcRuntimeError(`${where}: 'classes' must be a positive integer or a list of names, got ${classes}`);
    labels.forEach(({ line, value }, i) => {
      if (!isId(value) || Number(value) >= classes) {
        throw new KdcRuntimeError(`${where}: ${path}:${line}: label '${value}' is not a class id from 0 to ${classes - 1}`, `'classes: ${classes}' means the labels are the integers 0..${classes - 1}`);
      }
      ids[i] = Number(value);
    });
    return { ids, classNames: Array.from({ length: classes }, (_, c) => String(c)) };
  }
  if (classes !== undefined) {
    if (classes.length === 0 || new Set(classes).size !== classes.length) throw new KdcRuntimeError(`${where}: 'classes' must list distinct names`);
    const index = new Map(classes.map((c, i) => [c, i]));
    labels.forEach(({ line, value }, i) => {
      const id = index.get(value);
      if (id === undefined) throw new KdcRuntimeError(`${where}: ${path}:${line}: label '${value}' is not one of the classes (${classes.join(", ")})`, didYouMean(value, classes));
      ids[i] = id;
    });
    return { ids, classNames: [...classes] };
  }
  if (labels.every((l) => isId(l.value))) {
    let max = 0;
    labels.forEach(({ value }, i) => {
      ids[i] = Number(value);
      max = Math.max(max, ids[i]!);
    });
    return { ids, classNames: Array.from({ length: max + 1 }, (_, c) => String(c)) };
  }
  const names = [...new Set(labels.map((l) => l.value))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(names.map((c, i) => [c, i]));
  labels.forEach(({ value }, i) => (ids[i] = index.get(value)!));
  return { ids, classNames: names };
}

/** One parsed row of a csv or jsonl file. */
export interface ParsedRow {
  readonly line: number;
  /** Numeric input (vectors). */
  readonly input?: readonly number[];
  /** Text input (tokenized). */
  readonly text?: string;
  /** Masked prompt before the text (jsonl only). */
  readonly prompt?: string;
  readonly label?: string;
  /** Route id (csv `route` column): a non-negative integer. */
  readonly route?: number;
}

export interface TabularOptions extends FileSplitOptions, TextInputOptions {
  readonly classes?: number | readonly string[];
}

/** Splits of parsed rows: vectors from numeric input, or tokens (or bags) from text. */
export function tabularSplits(where: string, path: string, id: string, rows: readonly ParsedRow[], labelColumn: string | undefined, options: TabularOptions, tag: number): FileSplits {
  if (rows.length === 0) throw new KdcRuntimeError(`${where}: '${path}' holds no rows`, "an empty dataset cannot be trained or evaluated on");
  const prefix = options.name ?? defaultName(path);
  const cut = cutRows(where, "rows", rows.length, options, tag);
  const hasLabels = labelColumn !== undefined;
  let labels: Int32Array | undefined;
  let classNames: string[] | undefined;
  if (labelColumn !== undefined) {
    ({ ids: labels, classNames } = classIds(where, path, labelColumn, rows.map((r) => ({ line: r.line, value: r.label! })), options.classes));
  }
  const classes = classNames?.length ?? 0;
  const routes = rows[0]!.route === undefined ? undefined : Int32Array.from(rows, (r) => r.route!);
  let table: Table;
  let tokenizer: Tokenizer | undefined;
  if (rows[0]!.text === undefined) {
    const features = rows[0]!.input!.length;
    if (features === 0) throw new KdcRuntimeError(`${where}: ${path}:${rows[0]!.line}: the input holds no numbers`);
    const inputs = new Float32Array(rows.length * features);
    rows.forEach((r, i) => inputs.set(r.input!, i * features));
    table = { kind: "vectors", id, rows: rows.length, classes, labels, features, inputs, ...(routes ? { routes } : {}) };
  } else {
    checkLength(where, "maxLength", options.maxLength, rows.some((r) => r.prompt !== undefined) ? 3 : 2);
    const t = resolveTokenizer(options.tokenizer, () => Array.from(cut.train, (i) => (rows[i]!.prompt ?? "") + rows[i]!.text!), where);
    tokenizer = t;
    const examples: TokenExample[] = rows.map((r) => ({ text: t.encode(r.text!), ...(r.prompt !== undefined ? { prompt: t.encode(r.prompt) } : {}) }));
    const context = options.maxLength ?? examples.reduce((n, e) => Math.max(n, exampleLength(e)), 0);
    const prep = `${id}\ntokenizer ${t.fingerprint}\nT ${context}`;
    if (options.bag) {
      // A tokenizer of declared size gives vectors of that width even when it fitted fewer ids.
      const width = fixedVocab(options.tokenizer) ?? t.vocabSize;
      const inputs = bagRows(examples.map((e) => [...(e.prompt ?? []), ...e.text]), options.maxLength ?? Infinity, t, width);
      table = { kind: "vectors", id: `${prep}\nbag ${width}`, rows: rows.length, classes, labels, features: width, inputs, ...(routes ? { routes } : {}) };
    } else {
      const maskPrompt = options.maskPrompt ?? true;
      const { tokens, targets } = sequenceRows(examples, context, t, maskPrompt);
      table = { kind: "tokens", id: maskPrompt ? prep : `${prep}\nprompt unmasked`, rows: rows.length, classes, labels, context, vocab: t.vocabSize, padId: t.pad, tokenizer: t.fingerprint, tokens, targets, ...(routes ? { routes } : {}) };
    }
  }
  return {
    all: new TableSplit(`${prefix}.all`, [{ table, indices: range(rows.length) }], hasLabels),
    train: new TableSplit(`${prefix}.train`, [{ table, indices: cut.train }], hasLabels),
    ...(cut.test ? { test: new TableSplit(`${prefix}.test`, [{ table, indices: cut.test }], hasLabels) } : {}),
    ...(tokenizer ? { tokenizer } : {}),
    ...(classNames ? { classNames } : {}),
  };
}
