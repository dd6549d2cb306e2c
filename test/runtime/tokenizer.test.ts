// Tokenizers: fitted character vocabularies and trainable byte-level BPE (round trips, determinism,
// unknown characters, save/load).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BOS, EOS, PAD, UNK, SPECIAL_TOKENS, charTokenizer, trainBpe, pretokenize, tokenizerFromJson, loadTokenizer, saveTokenizer, BpeTokenizer } from "../../runtime/tokenizers/index.js";
import { KdcRuntimeError } from "../../runtime/errors.js";

const corpus = [
  "the cat sat on the mat. the cat ate the rat.",
  "The other cat, a fat cat, sat on the hat!",
  "Café au lait — naïve façade; 42 cats and 7 hats.",
];
const dir = mkdtempSync(join(tmpdir(), "kdc-tok-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("char tokenizer", () => {
  it("reserves 0..3 for <pad> <unk> <bos> <eos> and orders characters by code point", () => {
    const t = charTokenizer(["bca", "a😀"]);
    expect(SPECIAL_TOKENS).toEqual(["<pad>", "<unk>", "<bos>", "<eos>"]);
    expect([t.pad, t.unk, t.bos, t.eos]).toEqual([PAD, UNK, BOS, EOS]);
    expect([t.pad, t.unk, t.bos, t.eos]).toEqual([0, 1, 2, 3]);
    expect(t.chars).toEqual(["a", "b", "c", "😀"]);
    expect(t.vocabSize).toBe(8);
    expect(t.encode("cab😀")).toEqual([6, 4, 5, 7]);
    expect(t.token(0)).toBe("<pad>");
    expect(t.token(7)).toBe("😀");
  });

  it("round-trips known text and maps unseen characters to <unk>", () => {
    const t = charTokenizer(corpus);
    for (const text of corpus) expect(t.decode(t.encode(text))).toBe(text);
    const ids = t.encode("cat ß");
    expect(ids.at(-1)).toBe(UNK);
    expect(t.decode(ids)).toBe("cat \uFFFD");
    // Specials in the id stream: <pad>, <bos>, <eos> vanish; "<eos>" as text is just characters.
    expect(t.decode([BOS, ...t.encode("at"), EOS, PAD, PAD])).toBe("at");
    expect(t.encode("<eos>").includes(EOS)).toBe(false);
    expect(() => t.decode([t.vocabSize])).toThrow(RangeError);
  });

  it("is deterministic and independent of text order", () => {
    const a = charTokenizer(corpus);
    const b = charTokenizer([...corpus].reverse());
    expect(b.chars).toEqual(a.chars);
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(charTokenizer(["xyz"]).fingerprint).not.toBe(a.fingerprint);
  });

  it("keeps the most frequent characters under maxVocab (ties to the lower code point)", () => {
    const t = charTokenizer(["aaabbbccd"], { maxVocab: 6 });
    expect(t.chars).toEqual(["a", "b"]);
    expect(charTokenizer(["aaabbbccd"], { minCount: 2 }).chars).toEqual(["a", "b", "c"]);
    expect(() => charTokenizer(["a"], { maxVocab: 4 })).toThrow(KdcRuntimeError);
  });
});

describe("bpe tokenizer", () => {
  it("cuts words GPT-2 style, losslessly", () => {
    const text = "Hello,  world!\n\n 42 cats";
    expect(pretokenize(text)).toEqual(["Hello", ",", " ", " world", "!", "\n\n", " 42", " cats"]);
    expect(pretokenize(text).join("")).toBe(text);
  });

  it("learns the most frequent pairs first, with deterministic ties", () => {
    const t = trainBpe(["aaab aaab aaab"], { vocabSize: 262 });
    const a = 4 + 97;
    // (a, a) occurs 6 times (twice in each "aaab"/" aaab"); merged first.
    expect(t.merges[0]).toEqual([a, a]);
    expect(t.vocabSize).toBe(262);
    // A tie: "cd" and "ab" each once; the pair with the smaller ids wins, whatever the text order.
    const tie = trainBpe(["cd", "ab"], { vocabSize: 261, minFrequency: 1 });
    expect(tie.merges[0]).toEqual([4 + 97, 4 + 98]);
  });

  it("round-trips any text exactly, including characters never seen in training", () => {
    const t = trainBpe(corpus, { vocabSize: 300 });
    expect(t.vocabSize).toBeLessThanOrEqual(300);
    expect(t.vocabSize).toBeGreaterThan(260);
    for (const text of [...corpus, "ß∑ 😀 never seen\r\n\ttabs", "", "\uFEFFbom"]) {
      const ids = t.encode(text);
      expect(ids.includes(UNK)).toBe(false);
      expect(t.decode(ids)).toBe(text);
    }
    // Merges shorten familiar text.
    expect(t.encode("the cat sat").length).toBeLessThan("the cat sat".length);
    expect(t.token(t.encode(" cat")[0]!)).toBe(" cat");
  });

  it("is deterministic: same texts and options, same merges and fingerprint", () => {
    const a = trainBpe(corpus, { vocabSize: 290 });
    const b = trainBpe(corpus, { vocabSize: 290 });
    expect(b.merges).toEqual(a.merges);
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(trainBpe(corpus, { vocabSize: 291 }).merges.slice(0, a.merges.length)).toEqual(a.merges);
  });

  it("stops early when no pair reaches minFrequency", () => {
    const t = trainBpe(["abc"], { vocabSize: 1000 });
    expect(t.vocabSize).toBe(260);
    expect(() => trainBpe(corpus, { vocabSize: 100 })).toThrow(/at least|from 260/);
  });

  it("encodes words as training segmented them (merges applied by rank)", () => {
    const t = trainBpe(["low lower lowest low low"], { vocabSize: 270 });
    const low = t.encode(" low");
    expect(low).toHaveLength(1);
    expect(t.decode(low)).toBe(" low");
  });
});

describe("saving and loading", () => {
  it("round-trips both kinds through JSON files", async () => {
    for (const tok of [charTokenizer(corpus), trainBpe(corpus, { vocabSize: 280 })]) {
      const path = join(dir, `${tok.kind}.json`);
      await saveTokenizer(tok, path);
      const back = loadTokenizer(path);
      expect(back.kind).toBe(tok.kind);
      expect(back.fingerprint).toBe(tok.fingerprint);
      expect(back.encode(corpus[2]!)).toEqual(tok.encode(corpus[2]!));
    }
  });

  it("rejects broken files clearly", () => {
    expect(() => loadTokenizer(join(dir, "nope.json"))).toThrow(/no such file/);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{ not json");
    expect(() => loadTokenizer(bad)).toThrow(/not valid JSON/);
    expect(() => tokenizerFromJson({ kind: "wordpiece", version: 1, specials: [...SPECIAL_TOKENS] })).toThrow(/unknown kind/);
    expect(() => tokenizerFromJson({ kind: "char", version: 1, specials: ["<pad>"], chars: [] })).toThrow(/special tokens/);
    expect(() => new BpeTokenizer([[4, 999]])).toThrow(/not a byte or an earlier merge/);
  });
});
