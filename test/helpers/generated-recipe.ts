// A recipe with teacher-generated data (`generate(…)`), shared by the rule tests of generate.

export const BOOK = "It was the best of times, it was the worst of times.\n\nIt was the age of wisdom.\n";

/** A teacher LM, its generated data, and a student trained on it after the teacher's stage. */
export const GENERATED = `
dataset book = text("book.txt", context: 8, tokenizer: char(max_vocab: 40))
model big = transformer(vocab: 40, dim: 8, layers: 1, heads: 2, context: 16)
model small = transformer(vocab: 40, dim: 8, layers: 1, heads: 2, context: 16)
dataset gen = generate(big, prompts: book.train, max_new_tokens: 8)
stage teach {
  train big on book.train
  epochs 1
  batch 4
  optimizer adam()
  minimize lm_ce(big)
}
stage distill after teach {
  train small on gen.train
  epochs 1
  batch 4
  optimizer adam()
  minimize lm_ce(small)
}
`;

