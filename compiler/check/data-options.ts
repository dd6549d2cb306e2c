// The options every dataset built-in shares once it reads text or vectors: a declared tokenizer
// (`tokenizer: bpe(vocab: 512)`, or the `max_vocab` shorthand) and the `preprocess` / `augment`
// transform lists. Kept apart from builtins-data.ts so each built-in adds one line per option.
import { diagnostic } from "../diagnostics/diagnostic.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../source.js";
import type { BuiltinContext } from "./builtins.js";
import type { BoundArgument, Checked, SignatureParam } from "./signature.js";
import { errorType, type SplitInfo } from "./types.js";
import { isSpec, type SpecValue } from "./values.js";

/** `tokenizer: …`; "" when left out (then the default char tokenizer, or `max_vocab`'s). */
export const tokenizerParam: SignatureParam = { name: "tokenizer", type: "tokenizer", default: "" };
/** Deterministic transforms, applied once to every split. */
export const preprocessParam: SignatureParam = { name: "preprocess", type: "transform-list", default: [] };
/** Random transforms, drawn per (seed, epoch) on the train split only. */
export const augmentParam: SignatureParam = { name: "augment", type: "transform-list", default: [] };

/** The declared tokenizer, when one was written. */
export function declaredTokenizer(args: ReadonlyMap<string, BoundArgument>): SpecValue | undefined {
  const v = args.get("tokenizer")?.value;
  return isSpec(v) ? v : undefined;
}

/**
 * The bound on the token ids: the declared tokenizer's (`bpe(vocab)`, `char(max_vocab)`), else
 * `max_vocab`, else `counted` (4 specials + the characters the checker saw, an upper bound since the
 * tokenizer is fitted on the train split only). Reports `tokenizer` given with `max_vocab` (KD3069).
 */
export function tokenVocab(args: ReadonlyMap<string, BoundArgument>, ctx: BuiltinContext, maxVocab: number | undefined, counted: number | undefined): number | undefined {
  const tokenizer = declaredTokenizer(args);
  if (!tokenizer) return maxVocab ? Math.min(maxVocab, counted ?? Infinity) : counted;
  if (maxVocab) {
    ctx.report(diagnostic("KD3069", args.get("max_vocab")!.node?.span ?? ctx.call.span, { problem: "`max_vocab` and `tokenizer` both set the vocabulary: keep one (`max_vocab: N` is `tokenizer: char(max_vocab: N)`)" }));
    return undefined;
  }
  if (tokenizer.name === "bpe" || tokenizer.name === "shared") return tokenizer.vocab;
  return tokenizer.vocab !== undefined ? Math.min(tokenizer.vocab, counted ?? Infinity) : counted;
}

/** Reports a tokenizer on data that has no text (KD3069). */
export function noTokenizer(args: ReadonlyMap<string, BoundArgument>, ctx: BuiltinContext, why: string): void {
  const given = args.get("tokenizer");
  if (given?.node && declaredTokenizer(args)) ctx.report(diagnostic("KD3069", given.node.span, { problem: `a tokenizer cannot apply here: ${why}` }));
}

/** What a dataset's rows are, for the transforms that may act on them. */
export type RowShape = { readonly kind: "images"; readonly image: readonly [number, number, number] } | { readonly kind: "vectors" } | { readonly kind: "tokens" };

const IMAGE_ONLY = new Set(["random_crop", "flip"]);
const TOKEN_ONLY = new Set(["token_dropout"]);

/**
 * Checks `preprocess` (deterministic only, KD3070) and `augment` (random only, KD3070), and that
 * each transform fits the rows (KD3071). True when the train split is augmented.
 */
export function checkTransforms(args: ReadonlyMap<string, BoundArgument>, ctx: BuiltinContext, rows: RowShape): boolean {
  let augmented = false;
  for (const list of ["preprocess", "augment"] as const) {
    const bound = args.get(list);
    if (!bound || !Array.isArray(bound.value)) continue;
    const items = bound.node?.kind === "ListExpression" ? bound.node.items : [];
    bound.value.forEach((spec, i) => {
      if (!isSpec(spec)) return;
      const span = items[i]?.span ?? bound.node?.span ?? ctx.call.span;
      if (list === "preprocess" && spec.random) {
        ctx.report(diagnostic("KD3070", span, { transform: spec.name, list, why: "it is random, and preprocessing must give the same inputs every epoch" }));
        return;
      }
      if (list === "augment" && !spec.random) {
        ctx.report(diagnostic("KD3070", span, { transform: spec.name, list, why: "it is deterministic: apply it once, to every split, in `preprocess`" }));
        return;
      }
      if ((rows.kind === "tokens") !== TOKEN_ONLY.has(spec.name)) {
        const needs = TOKEN_ONLY.has(spec.name) ? "token rows" : "images or feature vectors";
        ctx.report(diagnostic("KD3071", span, { transform: spec.name, data: rows.kind === "tokens" ? "token ids" : "feature vectors", needs }));
        return;
      }
      if (IMAGE_ONLY.has(spec.name) && rows.kind !== "images") {
        ctx.report(diagnostic("KD3071", span, { transform: spec.name, data: "feature vectors without an image shape", needs: "images of a known height and width" }));
        return;
      }
      if (list === "augment") augmented = true;
    });
  }
  return augmented;
}

/**
 * Language-modelling windows (`text`, `moby_dick`) are cut after tokenizing, so their count depends
 * on the tokenizer: the checker counts them for characters only. BPE there is KD4002 until the
 * checker can fit it too.
 */
export function charOnlyWindows(args: ReadonlyMap<string, BoundArgument>, ctx: BuiltinContext): void {
  const tokenizer = declaredTokenizer(args);
  if (tokenizer?.name === "bpe" || (tokenizer?.name === "shared" && tokenizer.args.bpe === true))
    ctx.report(diagnostic("KD4002", args.get("tokenizer")!.node?.span ?? ctx.call.span, { what: "`bpe(…)` on language-modelling windows (the window count depends on the merges; use `char(…)`, or a `jsonl` text column)" }));
}

/**
 * `corpus.tokenizer`: the tokenizer another text dataset fitted on its train split, so several
 * datasets share one vocabulary (their token splits can then be mixed). Its size is exact.
 */
export function sharedTokenizer(splits: readonly SplitInfo[], span: Span, report: (d: Diagnostic) => void): Checked {
  const first = splits[0];
  if (!first?.tokenizer || (first.kind !== "tokens" && first.kind !== "preferences")) {
    report(diagnostic("KD3069", span, { problem: `\`${first?.dataset ?? "this dataset"}\` has no tokenizer to share: only token data (token rows, windows, preference pairs) has one` }));
    return { type: errorType, value: undefined };
  }
  const value: SpecValue = { kind: "spec", name: "shared", args: { dataset: first.tokenizer.owner, bpe: first.tokenizer.bpe }, ...(first.vocab !== undefined ? { vocab: first.vocab } : {}) };
  return { type: { kind: "spec", of: "tokenizer" }, value };
}

/** Which tokenizer a text dataset's splits use: its own (fitted here) or the one it shares. */
export function tokenizerOwner(args: ReadonlyMap<string, BoundArgument>, dataset: string): { owner: string; bpe: boolean } {
  const t = declaredTokenizer(args);
  if (t?.name === "shared") return { owner: String(t.args.dataset), bpe: t.args.bpe === true };
  return { owner: dataset, bpe: t?.name === "bpe" };
}
