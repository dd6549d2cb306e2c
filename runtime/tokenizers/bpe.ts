// A small byte-level byte-pair-encoding tokenizer (the GPT-2 scheme without its contraction rules).
// Text is cut into words (a letter run, a digit run or a punctuation run, each with at most one
// leading space; whitespace runs apart), each word is turned into its UTF-8 bytes, and learned
// merges join adjacent ids. Every string encodes without <unk> and decodes back exactly.
//
// ids: 0..3 specials, 4..259 the bytes 0..255, 260 + i the i-th merge.
import { KdcRuntimeError } from "../errors.js";
import { checkId, fingerprintOf, BOS, EOS, PAD, SPECIAL_TOKENS, UNK, type BpeTokenizerJson, type Tokenizer } from "./tokenizer.js";

export const BYTE_OFFSET = SPECIAL_TOKENS.length;
export const FIRST_MERGE_ID = BYTE_OFFSET + 256;
/** Pair keys pack two ids into one number, so ids must stay below 2^16. */
export const MAX_BPE_VOCAB = 65_536;

const PRETOKENIZE = / ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const pairKey = (a: number, b: number): number => a * MAX_BPE_VOCAB + b;

/** The words BPE merges within (merges never cross a word boundary). Concatenated they give `text` back. */
export function pretokenize(text: string): string[] {
  return text.match(PRETOKENIZE) ?? [];
}

function wordIds(word: string): number[] {
  const bytes = encoder.encode(word);
  const ids = new Array<number>(bytes.length);
  for (let i = 0; i < bytes.length; i++) ids[i] = bytes[i]! + BYTE_OFFSET;
  return ids;
}

/** `ids` with every non-overlapping occurrence of (a, b), left to right, replaced by `merged`. */
function mergePair(ids: readonly number[], a: number, b: number, merged: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) {
      out.push(merged);
      i++;
    } else {
      out.push(ids[i]!);
    }
  }
  return out;
}

export interface BpeOptions {
  /** Target number of ids, specials and the 256 bytes included (at least 260, at most 65,536). */
  readonly vocabSize: number;
  /** Stop early when the most frequent pair occurs fewer times than this (default 2). */
  readonly minFrequency?: number;
}

/**
 * Learns merges from `texts` until the vocabulary reaches `vocabSize` or no pair occurs
 * `minFrequency` times. Each round merges the most frequent adjacent pair (counted over words
 * weighted by how often they occur); ties go to the pair with the smaller left id, then the
 * smaller right id. The result depends only on the texts and the options.
 */
export function trainBpe(texts: Iterable<string>, options: BpeOptions): BpeTokenizer {
  const { vocabSize, minFrequency = 2 } = options;
  if (!Number.isInteger(vocabSize) || vocabSize < FIRST_MERGE_ID || vocabSize > MAX_BPE_VOCAB) {
    throw new KdcRuntimeError(
      `bpe tokenizer: 'vocabSize' must be an integer from ${FIRST_MERGE_ID} to ${MAX_BPE_VOCAB}, got ${vocabSize}`,
      `the vocabulary always holds the 4 special tokens and the 256 bytes; merges come on top`,
    );
  }
  if (!Number.isInteger(minFrequency) || minFrequency < 1) throw new KdcRuntimeError(`bpe tokenizer: 'minFrequency' must be a positive integer, got ${minFrequency}`);

  const wordCounts = new Map<string, number>();
  for (const text of texts) for (const word of pretokenize(text)) wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
  const words: number[][] = [];
  const freqs: number[] = [];
  for (const [word, n] of wordCounts) {
    words.push(wordIds(word));
    freqs.push(n);
  }

  const counts = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  const add = (w: number, sign: 1 | -1): void => {
    const ids = words[w]!;
    const f = freqs[w]! * sign;
    for (let i = 0; i + 1 < ids.length; i++) {
      const key = pairKey(ids[i]!, ids[i + 1]!);
      const n = (counts.get(key) ?? 0) + f;
      if (n === 0) counts.delete(key);
      else counts.set(key, n);
      if (sign > 0) {
        let set = where.get(key);
        if (!set) where.set(key, (set = new Set()));
        set.add(w);
      }
    }
  };
  for (let w = 0; w < words.length; w++) add(w, 1);

  const merges: [number, number][] = [];
  while (FIRST_MERGE_ID + merges.length < vocabSize) {
    let best = -1;
    let bestCount = 0;
    for (const [key, n] of counts) {
      if (n > bestCount || (n === bestCount && key < best)) {
        best = key;
        bestCount = n;
      }
    }
    if (best < 0 || bestCount < minFrequency) break;
    const a = Math.floor(best / MAX_BPE_VOCAB);
    const b = best % MAX_BPE_VOCAB;
    const merged = FIRST_MERGE_ID + merges.length;
    merges.push([a, b]);
    for (const w of where.get(best) ?? []) {
      const ids = words[w]!;
      let has = false;
      for (let i = 0; i + 1 < ids.length && !has; i++) has = ids[i] === a && ids[i + 1] === b;
      if (!has) continue; // a stale entry: the word lost this pair to an earlier merge
      add(w, -1);
      words[w] = mergePair(ids, a, b, merged);
      add(w, 1);
    }
    where.delete(best);
    counts.delete(best);
  }
  return new BpeTokenizer(merges);
}

export class BpeTokenizer implements Tokenizer {
  readonly kind = "bpe";
  readonly pad = PAD;
  readonly unk = UNK;
  readonly bos = BOS;
  readonly eos = EOS;
  readonly vocabSize: number;
  readonly fingerprint: string;
  private readonly ranks = new Map<number, number>();
  /** The bytes each id stands for (empty for the specials). */
  private readonly bytes: Uint8Array[] = [];
  private readonly cache = new Map<string, readonly number[]>();

  constructor(readonly merges: readonly (readonly [number, number])[]) {
    for (let id = 0; id < BYTE_OFFSET; id++) this.bytes.push(new Uint8Array(0));
    for (let b = 0; b < 256; b++) this.bytes.push(Uint8Array.of(b));
    merges.forEach(([a, b], i) => {
      const id = FIRST_MERGE_ID + i;
      for (const x of [a, b]) {
        if (!Number.isInteger(x) || x < BYTE_OFFSET || x >= id) {
          throw new KdcRuntimeError(`bpe tokenizer: merge ${i} joins id ${x}, which is not a byte or an earlier merge (${BYTE_OFFSET}..${id - 1})`);
        }
      }
      const key = pairKey(a, b);
      if (this.ranks.has(key)) throw new KdcRuntimeError(`bpe tokenizer: merge ${i} repeats merge ${this.ranks.get(key)} (${a}, ${b})`);
      this.ranks.set(key, i);
      const left = this.bytes[a]!;
      const right = this.bytes[b]!;
      const joined = new Uint8Array(left.length + right.length);
      joined.set(left);
      joined.set(right, left.length);
      this.bytes.push(joined);
    });
    this.vocabSize = FIRST_MERGE_ID + merges.length;
    if (this.vocabSize > MAX_BPE_VOCAB) throw new KdcRuntimeError(`bpe tokenizer: ${this.vocabSize} ids exceed the maximum of ${MAX_BPE_VOCAB}`);
    this.fingerprint = fingerprintOf(this.toJSON());
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const word of pretokenize(text)) {
      let ids = this.cache.get(word);
      if (!ids) {
        ids = this.encodeWord(word);
        if (this.cache.size < 100_000) this.cache.set(word, ids);
      }
      for (const id of ids) out.push(id);
    }
    return out;
  }

  /** Applies merges in the order they were learned: always the lowest-ranked pair present first. */
  private encodeWord(word: string): number[] {
    let ids = wordIds(word);
    while (ids.length > 1) {
      let rank = Infinity;
      for (let i = 0; i + 1 < ids.length; i++) {
        const r = this.ranks.get(pairKey(ids[i]!, ids[i + 1]!));
        if (r !== undefined && r < rank) rank = r;
      }
      if (rank === Infinity) break;
      const [a, b] = this.merges[rank]!;
      ids = mergePair(ids, a, b, FIRST_MERGE_ID + rank);
    }
    return ids;
  }

  decode(ids: ArrayLike<number>): string {
    const parts: Uint8Array[] = [];
    let length = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      checkId(id, this.vocabSize);
      const bytes = id === UNK ? encoder.encode("\uFFFD") : this.bytes[id]!;
      parts.push(bytes);
      length += bytes.length;
    }
    const all = new Uint8Array(length);
    let offset = 0;
    for (const p of parts) {
      all.set(p, offset);
      offset += p.length;
    }
    return decoder.decode(all);
  }

  token(id: number): string {
    checkId(id, this.vocabSize);
    if (id < BYTE_OFFSET) return SPECIAL_TOKENS[id]!;
    return decoder.decode(this.bytes[id]!);
  }

  toJSON(): BpeTokenizerJson {
    return {
      kind: "bpe",
      version: 1,
      specials: [...SPECIAL_TOKENS],
      pretokenizer: "gpt2-no-contractions",
      merges: this.merges.map(([a, b]) => [a, b] as const),
    };
  }
}
