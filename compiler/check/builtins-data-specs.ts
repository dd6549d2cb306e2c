// The parts of a dataset written as calls inside its arguments: tokenizers (`tokenizer: bpe(vocab:
// 512)`) and transforms (`preprocess: [standardize(…)]`, `augment: [flip()]`). Each gives a spec value
// holding every argument, so the trainer spells them out; the dataset built-ins read the specs.
import { diagnostic } from "../diagnostics/diagnostic.js";
import type { Builtin, BuiltinContext } from "./builtins.js";
import type { BoundArgument } from "./signature.js";
import { isNumber, type SpecValue, type Value } from "./values.js";

/** The runtime's BPE: 4 specials and the 256 bytes come first, so fewer ids cannot merge anything. */
export const BPE_MIN_VOCAB = 260;
export const BPE_MAX_VOCAB = 65_536;

/** The spec, or none when an argument is invalid or was lost to a parse error (already reported). */
function specOf(name: string, args: ReadonlyMap<string, BoundArgument>, extra: Partial<SpecValue> = {}): SpecValue | undefined {
  for (const a of args.values()) if (a.type.kind === "error" || (a.node && a.value === undefined)) return undefined;
  const values: Record<string, Value> = {};
  for (const [k, a] of args) if (a.value !== undefined) values[k] = a.value;
  return { kind: "spec", name, args: values, ...extra };
}

function inRange(args: ReadonlyMap<string, BoundArgument>, name: string, ctx: BuiltinContext, ok: (v: number) => boolean, expected: string): number | undefined {
  const a = args.get(name)!;
  if (!isNumber(a.value)) return undefined;
  if (!ok(a.value)) {
    ctx.report(diagnostic("KD3008", a.node?.span ?? ctx.call.span, { what: `\`${name}\``, value: `${expected}, not ${a.value}` }));
    return undefined;
  }
  return a.value;
}

const bpe: Builtin = {
  name: "bpe",
  category: "tokenizer",
  doc: "A byte-level BPE tokenizer learned deterministically on the dataset's train split only: `vocab` ids in all (the 4 specials and the 256 bytes included, so at least 260), merges stop early when no pair occurs `min_frequency` times. `vocab` bounds the token ids, so it is the `vocab` a transformer needs.",
  params: [
    { name: "vocab", type: "int" },
    { name: "min_frequency", type: "int", default: 2 },
  ],
  result(args, ctx) {
    const vocab = inRange(args, "vocab", ctx, (v) => v >= BPE_MIN_VOCAB && v <= BPE_MAX_VOCAB, `from ${BPE_MIN_VOCAB} (4 specials and 256 bytes) to ${BPE_MAX_VOCAB}`);
    inRange(args, "min_frequency", ctx, (v) => v >= 1, "at least 1");
    return { type: { kind: "spec", of: "tokenizer" }, value: specOf("bpe", args, vocab !== undefined ? { vocab } : {}) };
  },
};

const char: Builtin = {
  name: "char",
  category: "tokenizer",
  doc: "A character tokenizer fitted deterministically on the dataset's train split only: the 4 specials (<pad> 0, <bos>, <eos>, <unk>) then the characters seen at least `min_count` times, the most frequent first; `max_vocab` (0: unbounded) caps the ids, specials included.",
  params: [
    { name: "max_vocab", type: "int", default: 0 },
    { name: "min_count", type: "int", default: 1 },
  ],
  result(args, ctx) {
    const max = inRange(args, "max_vocab", ctx, (v) => v === 0 || v >= 5, "0 (unbounded) or at least 5 (the 4 special tokens and one character)");
    inRange(args, "min_count", ctx, (v) => v >= 1, "at least 1");
    return { type: { kind: "spec", of: "tokenizer" }, value: specOf("char", args, max ? { vocab: max } : {}) };
  },
};

const standardize: Builtin = {
  name: "standardize",
  category: "transform",
  doc: "Deterministic (a `preprocess` step): every input feature x becomes (x − mean) / std, the same on every split and epoch.",
  params: [
    { name: "mean", type: "number" },
    { name: "std", type: "number" },
  ],
  result(args, ctx) {
    inRange(args, "std", ctx, (v) => v > 0, "positive");
    return { type: { kind: "spec", of: "transform" }, value: specOf("standardize", args, { random: false }) };
  },
};

const randomCrop: Builtin = {
  name: "random_crop",
  category: "transform",
  doc: "Random (an `augment` step, images only): pads each image with `padding` zero pixels on every side and crops it back to its size at an offset drawn per example, epoch and seed.",
  params: [{ name: "padding", type: "int" }],
  result(args, ctx) {
    inRange(args, "padding", ctx, (v) => v >= 1, "at least 1");
    return { type: { kind: "spec", of: "transform" }, value: specOf("random_crop", args, { random: true }) };
  },
};

const flip: Builtin = {
  name: "flip",
  category: "transform",
  doc: "Random (an `augment` step, images only): mirrors each image left to right with probability `p`, drawn per example, epoch and seed.",
  params: [{ name: "p", type: "number", default: 0.5 }],
  result(args, ctx) {
    inRange(args, "p", ctx, (v) => v > 0 && v <= 1, "in (0, 1]");
    return { type: { kind: "spec", of: "transform" }, value: specOf("flip", args, { random: true }) };
  },
};

const noise: Builtin = {
  name: "noise",
  category: "transform",
  doc: "Random (an `augment` step, feature vectors): adds Gaussian noise of standard deviation `std` to every feature, drawn per example, epoch and seed.",
  params: [{ name: "std", type: "number" }],
  result(args, ctx) {
    inRange(args, "std", ctx, (v) => v > 0, "positive");
    return { type: { kind: "spec", of: "transform" }, value: specOf("noise", args, { random: true }) };
  },
};

const tokenDropout: Builtin = {
  name: "token_dropout",
  category: "transform",
  doc: "Random (an `augment` step, token rows): replaces each input token of the text with <unk> with probability `p`, drawn per example, epoch and seed; <bos>, <eos>, padding and the targets are kept.",
  params: [{ name: "p", type: "number" }],
  result(args, ctx) {
    inRange(args, "p", ctx, (v) => v > 0 && v < 1, "in (0, 1)");
    return { type: { kind: "spec", of: "transform" }, value: specOf("token_dropout", args, { random: true }) };
  },
};

export const dataSpecBuiltins: Builtin[] = [bpe, char, standardize, randomCrop, flip, noise, tokenDropout];
