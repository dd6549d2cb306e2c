// Where characters fall in language-modelling windows, without tokenizing: with a char tokenizer
// every code point is one token, so the window layout (windowRows) is known from the text alone.
// Pure (no tensors) so the checker can count the train windows' vocabulary exactly as the runtime fits it.
import { cutRows } from "./select.js";

/** Splits a text file into documents as `text(…)`'s `documents` says (blank documents are dropped). */
export function documentsOf(text: string, mode: "file" | "lines" | "paragraphs"): string[] {
  const docs = mode === "file" ? [text] : mode === "lines" ? text.split(/\r?\n/) : text.split(/(?:\r?\n)[ \t]*(?:\r?\n)+/);
  return docs.filter((d) => d.trim() !== "");
}

/** Windows documents of these token lengths give (see windowRows: <eos> after each document). */
export function windowCount(lengths: readonly number[], context: number, pack: boolean): number {
  return pack ? Math.floor(lengths.reduce((n, l) => n + l + 1, 0) / context) : lengths.reduce((n, l) => n + Math.ceil((l + 1) / context), 0);
}

/** Length of a text in code points (char tokens). */
export function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * The text that windows `selected` (indices into the windows windowRows cuts from `docs`, one char
 * token per code point) hold, one string per run of consecutive characters. <eos> and padding
 * hold none. The char tokenizer is fitted on this so held-out windows do not leak into it.
 */
export function windowTexts(docs: readonly string[], context: number, pack: boolean, selected: ArrayLike<number>): string[] {
  const rows = windowCount(docs.map(codePoints), context, pack);
  const wanted = new Uint8Array(rows);
  for (let i = 0; i < selected.length; i++) wanted[selected[i]!] = 1;
  const end = rows * context;
  const out: string[] = [];
  let at = 0;
  for (const doc of docs) {
    if (at >= end) break;
    let piece = "";
    for (const ch of doc) {
      if (at >= end) break;
      if (wanted[Math.floor(at / context)] === 1) piece += ch;
      else if (piece !== "") {
        out.push(piece);
        piece = "";
      }
      at++;
    }
    if (piece !== "") out.push(piece);
    if (at < end) at++; // <eos>, when the whole document fitted (windowRows writes it only then)
    if (!pack) at = Math.ceil(at / context) * context;
  }
  return out;
}

/** The train and test windows `text(…)` takes of its `total` (one seeded shuffle, see cutRows). */
export function textWindowCut(total: number, options: { readonly train?: number; readonly test?: number; readonly seed?: number }): { train: Int32Array; test: Int32Array | undefined } {
  return cutRows("text", "windows", total, options, 0x7e47);
}

/** How many distinct characters occur at least `minCount` times in `texts` (the char tokenizer's size before its cap, less the specials). */
export function distinctCharacters(texts: Iterable<string>, minCount = 1): number {
  const counts = new Map<string, number>();
  for (const t of texts) for (const ch of t) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let n = 0;
  for (const c of counts.values()) if (c >= minCount) n++;
  return n;
}
