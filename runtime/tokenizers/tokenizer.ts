// What every tokenizer offers. Ids 0..3 are the special tokens in a fixed order, the same for every
// tokenizer, so padding and masking code never asks which tokenizer it has.
import { createHash } from "node:crypto";

export const PAD = 0;
export const UNK = 1;
export const BOS = 2;
export const EOS = 3;
/** The special tokens, by id. Text never encodes to them: `"<eos>"` in a file is five characters. */
export const SPECIAL_TOKENS = ["<pad>", "<unk>", "<bos>", "<eos>"] as const;

export interface CharTokenizerJson {
  readonly kind: "char";
  readonly version: 1;
  readonly specials: readonly string[];
  /** One Unicode code point per entry; entry i has id 4 + i. */
  readonly chars: readonly string[];
}

export interface BpeTokenizerJson {
  readonly kind: "bpe";
  readonly version: 1;
  readonly specials: readonly string[];
  /** How text is cut into words before merging (fixed; recorded so a future change is detected). */
  readonly pretokenizer: "gpt2-no-contractions";
  /** Merge i joins ids [a, b] into id 260 + i (ids 4..259 are the bytes 0..255). */
  readonly merges: readonly (readonly [number, number])[];
}

export type TokenizerJson = CharTokenizerJson | BpeTokenizerJson;

export interface Tokenizer {
  readonly kind: "char" | "bpe";
  /** Number of ids, specials included: every id is in [0, vocabSize). */
  readonly vocabSize: number;
  readonly pad: number;
  readonly unk: number;
  readonly bos: number;
  readonly eos: number;
  /** sha256 of the tokenizer's JSON: part of every tokenized split's fingerprint. */
  readonly fingerprint: string;
  /** Token ids of `text`, without <bos>/<eos>. */
  encode(text: string): number[];
  /** The text of `ids`: <pad>, <bos> and <eos> are dropped, <unk> becomes U+FFFD. */
  decode(ids: ArrayLike<number>): string;
  /** A readable form of one id (`<eos>`, `e`, ` the`), for inspection and messages. */
  token(id: number): string;
  toJSON(): TokenizerJson;
}

export function fingerprintOf(json: TokenizerJson): string {
  return createHash("sha256").update(JSON.stringify(json)).digest("hex");
}

export function checkId(id: number, vocabSize: number): void {
  if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
    throw new RangeError(`token id ${id} is outside the vocabulary (0..${vocabSize - 1})`);
  }
}
