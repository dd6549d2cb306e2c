// Rules for `freeze m.part`: the part is a tap of the stage's trained model (KD3034) that has
// weights of its own (KD3035), and not every part is frozen (KD3036). Unknown taps and indices
// out of range were reported while checking the expression (KD2007, KD3008).
import type { Expression, ModelDeclaration } from "../../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../source.js";
import type { ModelInfo } from "../types.js";

export type FreezeTap = "hidden" | "block" | "attention" | "embedding" | "logits";

/** One frozen part: the weights that compute `tap` (`tap[index]` for list taps). */
export interface FrozenPart {
  readonly tap: FreezeTap;
  readonly index?: number;
  readonly span: Span;
}

const LISTS: ReadonlySet<string> = new Set(["hidden", "block", "attention"]);

/**
 * The part `target` names, once the expression was checked and `owner` is the model it reads
 * (undefined when that failed and was reported). Reports KD3034 and KD3035.
 */
export function freezePart(
  target: Expression,
  owner: ModelDeclaration | undefined,
  trained: ModelDeclaration | undefined,
  /** The index's value, for `m.tap[i]`. */
  index: number | undefined,
  report: (d: Diagnostic) => void,
): FrozenPart | undefined {
  const indexed = target.kind === "IndexExpression" ? target : undefined;
  const member = indexed ? indexed.object : target;
  if (member.kind !== "MemberExpression" || member.object.kind !== "Identifier") {
    report(diagnostic("KD3035", target.span, { target: "this", reason: "it is not a part of a model such as `small.hidden[0]`" }));
    return undefined;
  }
  if (!owner || !trained) return undefined;
  if (owner !== trained) {
    report(diagnostic("KD3034", member.object.span, { model: member.object.name, trained: trained.name.name }));
    return undefined;
  }
  const tap = member.property.name;
  const written = `${member.object.name}.${tap}`;
  if (tap === "pre_activation") {
    const isMlp = trained.value.kind === "CallExpression" && trained.value.callee.kind === "Identifier" && trained.value.callee.name === "mlp";
    const block = indexed ? `${member.object.name}.${isMlp ? "hidden" : "block"}[${index ?? 0}]` : undefined;
    report(diagnostic("KD3035", target.span, { target: written, reason: "it is a value inside a layer, not a layer; freeze the layer that computes it", ...(block ? { suggestion: block } : {}) }));
    return undefined;
  }
  if (tap === "pooled") {
    report(diagnostic("KD3035", target.span, { target: written, reason: "it is computed without weights of its own (a flatten or an average)" }));
    return undefined;
  }
  if (LISTS.has(tap) && !indexed) {
    report(diagnostic("KD3035", target.span, { target: written, reason: "it is a list of layers; name one", suggestion: `${written}[0]` }));
    return undefined;
  }
  return { tap: tap as FreezeTap, ...(indexed && index !== undefined ? { index } : {}), span: target.span };
}

/** Every part of a model, as `freeze` names them; undefined when some weights have no part (resnet's stem). */
export function allParts(info: ModelInfo | undefined): string[] | undefined {
  if (!info) return undefined;
  const list = (tap: string, n: number | undefined) => Array.from({ length: n ?? 0 }, (_, i) => `${tap}[${i}]`);
  switch (info.builtin) {
    case "mlp":
      return [...list("hidden", info.hidden?.length), "logits"];
    case "cnn":
      return [...list("block", info.blocks?.length), ...list("hidden", info.hidden?.length), "logits"];
    case "transformer":
      return ["embedding", ...list("block", info.blocks?.length), "logits"];
    default:
      return undefined;
  }
}

/** KD3036: the frozen parts cover the whole model. */
export function checkNotAllFrozen(model: ModelDeclaration, info: ModelInfo | undefined, parts: readonly FrozenPart[], report: (d: Diagnostic) => void): void {
  const all = allParts(info);
  if (!all || parts.length === 0) return;
  const frozen = new Set(parts.map(partName));
  if (all.every((p) => frozen.has(p))) report(diagnostic("KD3036", parts[parts.length - 1]!.span, { model: model.name.name }));
}

export function partName(p: Pick<FrozenPart, "tap" | "index">): string {
  return p.index === undefined ? p.tap : `${p.tap}[${p.index}]`;
}
