// Preference pairs for DPO-family losses: JSON Lines with a prompt, a chosen and a rejected
// response per line. Each pair becomes two rows `<bos> prompt response <eos>` whose targets mask
// <bos>, the prompt and padding with −100, so a loss scores only the response tokens.
import { KdcRuntimeError } from "../errors.js";
import { TableSplit, type PreferenceTable } from "./memory-split.js";
import { contentId, defaultName, readText, type FileSplitOptions, type FileSplits } from "./files.js";
import { parseJsonl, stringField } from "./jsonl.js";
import { cutRows, range } from "./select.js";
import { checkLength, exampleLength, resolveTokenizer, sequenceRows, type TokenExample, type TokenizerChoice } from "./text.js";

export interface PreferenceOptions extends FileSplitOptions {
  /** Default `{ kind: "char" }`, fitted on the train split's prompts and responses. */
  readonly tokenizer?: TokenizerChoice;
  /** Tokens per row, <bos> and <eos> included (at least 3). Default: the longest row. */
  readonly maxLength?: number;
  /** Field names (default prompt, chosen, rejected). */
  readonly fields?: { readonly prompt?: string; readonly chosen?: string; readonly rejected?: string };
}

/** A preference file as splits of (chosen, rejected) token pairs. */
export function preferences(path: string, options: PreferenceOptions = {}): FileSplits {
  const where = "preferences";
  checkLength(where, "maxLength", options.maxLength, 3);
  const names = { prompt: options.fields?.prompt ?? "prompt", chosen: options.fields?.chosen ?? "chosen", rejected: options.fields?.rejected ?? "rejected" };
  const content = readText(where, path);
  const pairs = parseJsonl(content, where, path).map((row) => ({
    prompt: stringField(where, path, row, names.prompt),
    chosen: stringField(where, path, row, names.chosen),
    rejected: stringField(where, path, row, names.rejected),
  }));
  if (pairs.length === 0) throw new KdcRuntimeError(`preferences: '${path}' holds no pairs`, "an empty dataset cannot be trained or evaluated on");
  const cut = cutRows(where, "pairs", pairs.length, options, 0x9ef5);
  const tokenizer = resolveTokenizer(options.tokenizer, () => Array.from(cut.train, (i) => pairs[i]!).flatMap((p) => [p.prompt, p.chosen, p.rejected]), where);
  const chosen: TokenExample[] = [];
  const rejected: TokenExample[] = [];
  for (const p of pairs) {
    const prompt = tokenizer.encode(p.prompt);
    chosen.push({ prompt, text: tokenizer.encode(p.chosen) });
    rejected.push({ prompt, text: tokenizer.encode(p.rejected) });
  }
  const context = options.maxLength ?? [...chosen, ...rejected].reduce((n, e) => Math.max(n, exampleLength(e)), 3);
  const c = sequenceRows(chosen, context, tokenizer);
  const r = sequenceRows(rejected, context, tokenizer);
  const table: PreferenceTable = {
    kind: "preferences",
    id: `${contentId("preferences", path, content)}\n${names.prompt},${names.chosen},${names.rejected}\ntokenizer ${tokenizer.fingerprint}\nT ${context}`,
    rows: pairs.length,
    classes: 0,
    labels: undefined,
    context,
    vocab: tokenizer.vocabSize,
    padId: tokenizer.pad,
    tokenizer: tokenizer.fingerprint,
    chosen: c.tokens,
    chosenTargets: c.targets,
    rejected: r.tokens,
    rejectedTargets: r.targets,
  };
  const prefix = options.name ?? defaultName(path);
  return {
    all: new TableSplit(`${prefix}.all`, [{ table, indices: range(pairs.length) }], false),
    train: new TableSplit(`${prefix}.train`, [{ table, indices: cut.train }], false),
    ...(cut.test ? { test: new TableSplit(`${prefix}.test`, [{ table, indices: cut.test }], false) } : {}),
    tokenizer,
  };
}
