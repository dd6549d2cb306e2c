// Plain text files for language modelling: windows of `context` tokens (see windowRows).
import { KdcRuntimeError } from "../errors.js";
import { TableSplit, type TokenTable } from "./memory-split.js";
import { contentId, defaultName, readText, type FileSplitOptions, type FileSplits } from "./files.js";
import { cutRows, range } from "./select.js";
import { checkLength, resolveTokenizer, windowRows, type TokenizerChoice } from "./text.js";

export interface TextOptions extends FileSplitOptions {
  /** Tokens per window, T. */
  readonly context: number;
  /** Default `{ kind: "char" }`, fitted on the whole file (windows are cut after tokenizing). */
  readonly tokenizer?: TokenizerChoice;
  /** One stream cut into full windows across documents (default true), or each document padded on its own. */
  readonly pack?: boolean;
  /** What a document is: the whole file (default), each non-blank line, or each blank-line-separated paragraph. */
  readonly documents?: "file" | "lines" | "paragraphs";
}

/** Splits documents as `TextOptions.documents` says (blank documents are dropped). */
export function documentsOf(text: string, mode: "file" | "lines" | "paragraphs"): string[] {
  const docs = mode === "file" ? [text] : mode === "lines" ? text.split(/\r?\n/) : text.split(/(?:\r?\n)[ \t]*(?:\r?\n)+/);
  return docs.filter((d) => d.trim() !== "");
}

/** A text file as splits of language-modelling windows ([B, T] int32 tokens, targets not shifted). */
export function text(path: string, options: TextOptions): FileSplits {
  const where = "text";
  checkLength(where, "context", options.context, 2);
  if (options.context === undefined) throw new KdcRuntimeError("text: 'context' (tokens per window) is required");
  const mode = options.documents ?? "file";
  if (!["file", "lines", "paragraphs"].includes(mode)) throw new KdcRuntimeError(`text: 'documents' must be "file", "lines" or "paragraphs", got ${JSON.stringify(mode)}`);
  const pack = options.pack ?? true;
  const content = readText(where, path);
  const docs = documentsOf(content, mode);
  if (docs.length === 0) throw new KdcRuntimeError(`text: '${path}' holds no text`, "an empty dataset cannot be trained or evaluated on");
  const tokenizer = resolveTokenizer(options.tokenizer, () => docs, where);
  const encoded = docs.map((d) => tokenizer.encode(d));
  const { tokens, targets, rows } = windowRows(encoded, options.context, pack, tokenizer);
  if (rows === 0) {
    const total = encoded.reduce((n, d) => n + d.length + 1, 0);
    throw new KdcRuntimeError(`text: '${path}' gives no window of ${options.context} tokens (it has ${total}, <eos> included)`, "lower 'context', or set 'pack: false' to pad a short text");
  }
  const table: TokenTable = {
    kind: "tokens",
    id: `${contentId("text", path, content)}\n${mode} ${pack ? "packed" : "padded"}\ntokenizer ${tokenizer.fingerprint}\nT ${options.context}`,
    rows,
    classes: 0,
    labels: undefined,
    context: options.context,
    vocab: tokenizer.vocabSize,
    padId: tokenizer.pad,
    tokenizer: tokenizer.fingerprint,
    tokens,
    targets,
  };
  const prefix = options.name ?? defaultName(path);
  const cut = cutRows(where, "windows", rows, options, 0x7e47);
  return {
    all: new TableSplit(`${prefix}.all`, [{ table, indices: range(rows) }], false),
    train: new TableSplit(`${prefix}.train`, [{ table, indices: cut.train }], false),
    ...(cut.test ? { test: new TableSplit(`${prefix}.test`, [{ table, indices: cut.test }], false) } : {}),
    tokenizer,
  };
}
