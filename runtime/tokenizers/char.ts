// A character tokenizer: one id per Unicode code point seen in the training text. Ids 0..3 are the
// specials; the characters follow in code-point order, so the same text always gives the same ids.
import { KdcRuntimeError } from "../errors.js";
import { checkId, fingerprintOf, BOS, EOS, PAD, SPECIAL_TOKENS, UNK, type CharTokenizerJson, type Tokenizer } from "./tokenizer.js";

export interface CharTokenizerOptions {
  /** Keep at most this many ids, the 4 specials included: the most frequent characters win (ties: lower code point). */
  readonly maxVocab?: number;
  /** Leave out characters seen fewer times than this (default 1: keep every character). */
  readonly minCount?: number;
}

const byCodePoint = (a: string, b: string): number => a.codePointAt(0)! - b.codePointAt(0)!;

/** Fits a character vocabulary on `texts` (characters never seen encode to <unk>). */
export function charTokenizer(texts: Iterable<string>, options: CharTokenizerOptions = {}): CharTokenizer {
  const { maxVocab, minCount = 1 } = options;
  if (maxVocab !== undefined && (!Number.isInteger(maxVocab) || maxVocab < SPECIAL_TOKENS.length + 1)) {
    throw new KdcRuntimeError(`char tokenizer: 'maxVocab' must be an integer of at least ${SPECIAL_TOKENS.length + 1} (4 specials and a character), got ${maxVocab}`);
  }
  if (!Number.isInteger(minCount) || minCount < 1) throw new KdcRuntimeError(`char tokenizer: 'minCount' must be a positive integer, got ${minCount}`);
  const counts = new Map<string, number>();
  for (const text of texts) for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let chars = [...counts].filter(([, n]) => n >= minCount);
  if (maxVocab !== undefined && chars.length > maxVocab - SPECIAL_TOKENS.length) {
    chars = chars.sort(([a, n], [b, m]) => m - n || byCodePoint(a, b)).slice(0, maxVocab - SPECIAL_TOKENS.length);
  }
  return new CharTokenizer(chars.map(([ch]) => ch).sort(byCodePoint));
}

export class CharTokenizer implements Tokenizer {
  readonly kind = "char";
  readonly pad = PAD;
  readonly unk = UNK;
  readonly bos = BOS;
  readonly eos = EOS;
  readonly vocabSize: number;
  readonly fingerprint: string;
  private readonly ids = new Map<string, number>();

  /** `chars`: distinct single code points; entry i gets id 4 + i. */
  constructor(readonly chars: readonly string[]) {
    chars.forEach((ch, i) => {
      if ([...ch].length !== 1) throw new KdcRuntimeError(`char tokenizer: entry ${i} (${JSON.stringify(ch)}) is not a single character`);
      if (this.ids.has(ch)) throw new KdcRuntimeError(`char tokenizer: ${JSON.stringify(ch)} appears twice in the vocabulary`);
      this.ids.set(ch, SPECIAL_TOKENS.length + i);
    });
    this.vocabSize = SPECIAL_TOKENS.length + chars.length;
    this.fingerprint = fingerprintOf(this.toJSON());
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const ch of text) out.push(this.ids.get(ch) ?? UNK);
    return out;
  }

  decode(ids: ArrayLike<number>): string {
    let out = "";
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      checkId(id, this.vocabSize);
      if (id === UNK) out += "\uFFFD";
      else if (id >= SPECIAL_TOKENS.length) out += this.chars[id - SPECIAL_TOKENS.length]!;
    }
    return out;
  }

  token(id: number): string {
    checkId(id, this.vocabSize);
    return id < SPECIAL_TOKENS.length ? SPECIAL_TOKENS[id]! : this.chars[id - SPECIAL_TOKENS.length]!;
  }

  toJSON(): CharTokenizerJson {
    return { kind: "char", version: 1, specials: [...SPECIAL_TOKENS], chars: [...this.chars] };
  }
}
