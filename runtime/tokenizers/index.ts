// Tokenizers for text datasets: a fitted character vocabulary and a trainable byte-level BPE. Both
// reserve ids 0..3 for <pad>, <unk>, <bos>, <eos>.
export { PAD, UNK, BOS, EOS, SPECIAL_TOKENS, type Tokenizer, type TokenizerJson, type CharTokenizerJson, type BpeTokenizerJson } from "./tokenizer.js";
export { charTokenizer, CharTokenizer, type CharTokenizerOptions } from "./char.js";
export { trainBpe, BpeTokenizer, pretokenize, type BpeOptions } from "./bpe.js";
export { tokenizerFromJson, loadTokenizer, saveTokenizer } from "./io.js";
