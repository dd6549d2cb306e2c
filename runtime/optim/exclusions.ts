// Weight-decay exclusions by kind of parameter, as a recipe names them (`exclude_from_decay:
// ["bias", "norm"]`): a predicate over the stable variable names the training loop gives the
// optimizer (`dense_0/bias`, `layer_1/ln_1/gamma`, `tok_emb`; a module's prefixed by its name).
import { KdcRuntimeError } from "../errors.js";

export type DecayKind = "bias" | "norm" | "embedding";

export const DECAY_KINDS: readonly DecayKind[] = ["bias", "norm", "embedding"];

/** A norm layer's name: contains `norm` (`layer_norm`, `LayerNorm`, `batchnorm`), or `ln`/`bn` then `_`, a digit or nothing. */
function isNormLayer(segment: string): boolean {
  const s = segment.toLowerCase();
  return s.includes("norm") || /^(ln|bn)(_|\d|$)/.test(s);
}

/** Whether the variable `name` is of `kind`. Only the variable's own name and its layer are read, not a module prefix. */
export function isOfDecayKind(kind: DecayKind, name: string): boolean {
  const parts = name.split("/");
  const own = parts[parts.length - 1]!.toLowerCase();
  switch (kind) {
    case "bias":
      return own === "bias";
    case "norm":
      // The layer's own name: a module prefix (`distill.project1`) ends at its last dot.
      return parts.length >= 2 && isNormLayer(parts[parts.length - 2]!.split(".").pop()!);
    case "embedding":
      return /(^|_)emb(edding)?s?$/.test(own);
  }
}

/**
 * The `excludeFromDecay` predicate skipping every variable of one of `kinds`: `bias` (a variable
 * named `…/bias`), `norm` (the scale and offset of a layer or batch norm), `embedding` (token and
 * position embeddings; a tied output projection is the token embedding). `[]` decays everything.
 */
export function decayExclusions(kinds: readonly DecayKind[]): (name: string, shape: readonly number[]) => boolean {
  for (const k of kinds) if (!DECAY_KINDS.includes(k)) throw new KdcRuntimeError(`optimizer: unknown kind of parameter '${k}' to exclude from decay (kdc knows ${DECAY_KINDS.join(", ")})`);
  const chosen = [...kinds];
  // `kinds` lets describeOptimizer say what is skipped.
  return Object.assign((name: string) => chosen.some((k) => isOfDecayKind(k, name)), { kinds: chosen as readonly DecayKind[] });
}
