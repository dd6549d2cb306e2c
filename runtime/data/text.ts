// Turning text into fixed-width rows: the tokenizer choice, classification / prompt-masked
// sequences, language-modelling windows (packed or not) and bags of tokens.
import { KdcRuntimeError } from "../errors.js";
import { charTokenizer, type CharTokenizerOptions } from "../tokenizers/char.js";
import { trainBpe, type BpeOptions } from "../tokenizers/bpe.js";
import { loadTokenizer } from "../tokenizers/io.js";
import type { Tokenizer } from "../tokenizers/tokenizer.js";
import { IGNORE } from "./memory-split.js";

/**
 * A tokenizer, or how to make one: fitted on the training text of the dataset (`char`, `bpe`), or
 * read from a file written by saveTokenizer (`file`). Pass the same Tokenizer object to several
 * loaders to make their splits mixable.
 */
export type TokenizerChoice =
  | Tokenizer
  | ({ readonly kind: "char" } & CharTokenizerOptions)
  | ({ readonly kind: "bpe" } & BpeOptions)
  | { readonly kind: "file"; readonly path: string };

function isTokenizer(choice: TokenizerChoice): choice is Tokenizer {
  return typeof (choice as Tokenizer).encode === "function";
}

/** The tokenizer a dataset uses; `fitTexts` is read only when one must be fitted. Default: a char tokenizer. */
export function resolveTokenizer(choice: TokenizerChoice | undefined, fitTexts: () => Iterable<string>, where: string): Tokenizer {
  const c = choice ?? { kind: "char" as const };
  if (isTokenizer(c)) return c;
  switch (c.kind) {
    case "char":
      return charTokenizer(fitTexts(), c);
    case "bpe":
      return trainBpe(fitTexts(), c);
    case "file":
      return loadTokenizer(c.path);
    default:
      throw new KdcRuntimeError(`${where}: unknown tokenizer kind ${JSON.stringify((c as { kind: unknown }).kind)}`, "use { kind: 'char' }, { kind: 'bpe', vocabSize }, { kind: 'file', path } or a Tokenizer");
  }
}

/** The size a tokenizer choice fixes in advance (`bpe` vocabSize, `char` maxVocab): an upper bound on the fitted one. */
export function fixedVocab(choice: TokenizerChoice | undefined): number | undefined {
  if (!choice || typeof (choice as Tokenizer).encode === "function") return undefined;
  const c = choice as Exclude<TokenizerChoice, Tokenizer>;
  return c.kind === "bpe" ? c.vocabSize : c.kind === "char" ? c.maxVocab : undefined;
}

export function checkLength(where: string, key: string, value: number | undefined, min: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min)) {
    throw new KdcRuntimeError(`${where}: '${key}' must be an integer of at least ${min}, got ${value}`);
  }
}

/** One example as token ids: an optional prompt (masked in the targets) and the text. */
export interface TokenExample {
  readonly prompt?: readonly number[];
  readonly text: readonly number[];
}

/** Length of an example's row before truncation: <bos> prompt text <eos>. */
export const exampleLength = (e: TokenExample): number => 2 + (e.prompt?.length ?? 0) + e.text.length;

/**
 * Rows `<bos> prompt text <eos>`, right-padded with <pad> to `context`. Too long: the text is cut
 * at the end (losing <eos>); if the prompt leaves no room for one text token, only the prompt's
 * last `context − 2` tokens are kept. Targets: the ids, with −100 at <bos>, padding and (unless
 * `maskPrompt` is false) the prompt.
 */
export function sequenceRows(examples: readonly TokenExample[], context: number, tokenizer: Tokenizer, maskPrompt = true): { tokens: Int32Array; targets: Int32Array } {
  const tokens = new Int32Array(examples.length * context).fill(tokenizer.pad);
  const targets = new Int32Array(examples.length * context).fill(IGNORE);
  examples.forEach((e, r) => {
    let prompt = e.prompt ?? [];
    if (prompt.length > 0 && 1 + prompt.length + 1 > context) prompt = prompt.slice(prompt.length - (context - 2));
    const text = [...e.text, tokenizer.eos].slice(0, context - 1 - prompt.length);
    const base = r * context;
    tokens[base] = tokenizer.bos;
    tokens.set(prompt, base + 1);
    tokens.set(text, base + 1 + prompt.length);
    // Unmasked prompts are targets too (next-token training on the whole row).
    if (!maskPrompt) targets.set(prompt, base + 1);
    targets.set(text, base + 1 + prompt.length);
  });
  return { tokens, targets };
}

/**
 * Language-modelling windows of `context` tokens over documents, each document followed by <eos>.
 * Packed: one stream cut into full windows, across document boundaries; a last piece shorter than
 * a window is dropped. Not packed: each document is cut on its own and its last window padded
 * (targets −100 there). Windows do not overlap; targets equal the tokens (not shifted).
 */
export function windowRows(docs: readonly (readonly number[] | Int32Array)[], context: number, pack: boolean, tokenizer: Tokenizer): { tokens: Int32Array; targets: Int32Array; rows: number } {
  let rows = 0;
  if (pack) rows = Math.floor(docs.reduce((n, d) => n + d.length + 1, 0) / context);
  else for (const d of docs) rows += Math.ceil((d.length + 1) / context);
  const tokens = new Int32Array(rows * context).fill(tokenizer.pad);
  const targets = new Int32Array(rows * context).fill(IGNORE);
  let at = 0;
  for (const d of docs) {
    const room = tokens.length - at;
    if (room <= 0) break;
    const n = Math.min(d.length, room);
    tokens.set(n === d.length ? d : d.slice(0, n), at);
    at += n;
    if (n === d.length && at < tokens.length) tokens[at++] = tokenizer.eos;
    if (!pack) at = Math.ceil(at / context) * context;
  }
  for (let i = 0; i < tokens.length; i++) if (tokens[i] !== tokenizer.pad) targets[i] = tokens[i]!;
  return { tokens, targets, rows };
}

/**
 * Bags of tokens: one row of `vocabSize` floats per example, log(1 + count) of each id among its
 * first `maxLength` text tokens (specials not counted, <unk> counted).
 */
export function bagRows(examples: readonly (readonly number[])[], maxLength: number, tokenizer: Tokenizer, width = tokenizer.vocabSize): Float32Array {
  if (width < tokenizer.vocabSize) throw new KdcRuntimeError(`bag of tokens: width ${width} is below the tokenizer's ${tokenizer.vocabSize} ids`);
  const out = new Float32Array(examples.length * width);
  examples.forEach((ids, r) => {
    const n = Math.min(ids.length, maxLength);
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      if (id !== tokenizer.pad && id !== tokenizer.bos && id !== tokenizer.eos) out[r * width + id]! += 1;
    }
  });
  for (let i = 0; i < out.length; i++) if (out[i] !== 0) out[i] = Math.log1p(out[i]!);
  return out;
}
