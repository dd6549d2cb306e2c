// Plain text files for language modelling: windows of `context` tokens (see windowRows).
import { KdcRuntimeError } from "../errors.js";
import { TableSplit, type TokenTable } from "./memory-split.js";
import { contentId, defaultName, readText, type FileSplitOptions, type FileSplits } from "./files.js";
import { range } from "./select.js";
import { checkLength, resolveTokenizer, windowRows, type TokenizerChoice } from "./text.js";
import { codePoints, documentsOf, textWindowCut, windowCount, windowTexts } from "./text-windows.js";

export interface TextOptions extends FileSplitOptions {
  /** Tokens per window, T. */
  readonly context: number;
  /**
   * Default `{ kind: "char" }`, fitted on the train windows' characters only (characters only in
   * other windows encode to <unk>). A `bpe` tokenizer is fitted on the whole file: its window
   * layout depends on the merges.
   */
  readonly tokenizer?: TokenizerChoice;
  /** One stream cut into full windows across documents (default true), or each document padded on its own. */
  readonly pack?: boolean;
  /** What a document is: the whole file (default), each non-blank line, or each blank-line-separated paragraph. */
  readonly documents?: "file" | "lines" | "paragraphs";
}

export { documentsOf } from "./text-windows.js";

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
  const prefix = options.name ?? defaultName(path);
  const tooShort = (total: number): KdcRuntimeError =>
    new KdcRuntimeError(`text: '${path}' gives no window of ${options.context} tokens (it has ${total}, <eos> included)`, "lower 'context', or set 'pack: false' to pad a short text");
  const choice = options.tokenizer ?? { kind: "char" as const };
  // A char tokenizer keeps one token per code point, so the windows (and the train ones) are known before fitting.
  const charFitted = typeof (choice as { encode?: unknown }).encode !== "function" && (choice as { kind: string }).kind === "char";
  let cut: ReturnType<typeof textWindowCut> | undefined;
  const fitTexts = (): Iterable<string> => {
    if (!charFitted) return docs;
    const lengths = docs.map(codePoints);
    const windows = windowCount(lengths, options.context, pack);
    if (windows === 0) throw tooShort(lengths.reduce((n, l) => n + l + 1, 0));
    cut = textWindowCut(windows, options);
    return windowTexts(docs, options.context, pack, cut.train);
  };
  const tokenizer = resolveTokenizer(choice, fitTexts, where);
  const encoded = docs.map((d) => tokenizer.encode(d));
  const { tokens, targets, rows } = windowRows(encoded, options.context, pack, tokenizer);
  if (rows === 0) throw tooShort(encoded.reduce((n, d) => n + d.length + 1, 0));
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
  cut ??= textWindowCut(rows, options);
  return {
    all: new TableSplit(`${prefix}.all`, [{ table, indices: range(rows) }], false),
    train: new TableSplit(`${prefix}.train`, [{ table, indices: cut.train }], false),
    ...(cut.test ? { test: new TableSplit(`${prefix}.test`, [{ table, indices: cut.test }], false) } : {}),
    tokenizer,
  };
}
