// `mixture(a.train, b.train, weights: [0.7, 0.3], held_out: 0.1, seed: 3)`: a dataset drawn from
// weighted splits, with a held-out split cut from every source in the same proportions (the
// runtime's kd.data.mixture). Like `ensemble`, the sources are positional and `weights` pairs with
// them; every source must agree in kind, width, classes and tokenizer (KD3068).
import type { CallExpression } from "../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { suggest } from "../diagnostics/suggest.js";
import type { Checked } from "./signature.js";
import { describe, errorType, type SplitInfo, type Type } from "./types.js";
import { isNumber, type Value } from "./values.js";
// The runtime splits a mixture this way; the checker sizes the splits with the same function.
import { apportion } from "../../runtime/data/select.js";

export const MIXTURE_SIGNATURE = "mixture(s1: split, s2: split, …, weights: list = equal, held_out: number = 0, size: int = 0, seed: int = 0)";
export const MIXTURE_OPTIONS = ["weights", "held_out", "size", "seed"] as const;

interface MixtureEnv {
  readonly declaredName: string | undefined;
  readonly report: (d: Diagnostic) => void;
}

const fail: Checked = { type: errorType, value: undefined };

export function checkMixture(call: CallExpression, checked: readonly Checked[], env: MixtureEnv, allowed: boolean): Checked {
  const report = env.report;
  if (!allowed) {
    report(diagnostic("KD3021", call.callee.span, { name: "mixture", place: "a `dataset` declaration" }));
    return fail;
  }
  const sources: { split: SplitInfo; span: import("../source.js").Span }[] = [];
  const options = new Map<string, { value: Value | undefined; type: Type; span: import("../source.js").Span }>();
  let broken = false;
  call.args.forEach((a, i) => {
    const c = checked[i]!;
    if (c.type.kind === "error") {
      broken = true;
      return;
    }
    if (a.name) {
      if (!(MIXTURE_OPTIONS as readonly string[]).includes(a.name.name)) {
        report(diagnostic("KD3001", a.name.span, { name: a.name.name, callee: "mixture", signature: MIXTURE_SIGNATURE, suggestion: suggest(a.name.name, MIXTURE_OPTIONS) }));
        broken = true;
        return;
      }
      options.set(a.name.name, { value: c.value, type: c.type, span: a.value.span });
      return;
    }
    if (c.type.kind !== "split") {
      report(diagnostic("KD3004", a.value.span, { context: "`mixture`", expected: "a dataset split such as `corpus.train`", found: describe(c.type) }));
      broken = true;
      return;
    }
    sources.push({ split: c.type.info, span: a.value.span });
  });
  if (broken) return fail;
  if (sources.length < 2) {
    report(diagnostic("KD3008", call.span, { what: "a mixture", value: `of at least two splits, not ${sources.length}` }));
    return fail;
  }
  const number = (name: string, ok: (v: number) => boolean, expected: string, fallback: number): number | undefined => {
    const o = options.get(name);
    if (!o) return fallback;
    if (!isNumber(o.value) || !ok(o.value)) {
      report(diagnostic("KD3008", o.span, { what: `\`${name}\``, value: `${expected} known before training${isNumber(o.value) ? `, not ${o.value}` : ""}` }));
      return undefined;
    }
    return o.value;
  };
  const heldGiven = number("held_out", (v) => v >= 0 && (v < 1 || Number.isInteger(v)), "a row count or a fraction in (0, 1)", 0);
  const sizeGiven = number("size", (v) => Number.isInteger(v) && v >= 0, "a non-negative integer (0: every row left after the held-out cut)", 0);
  const seed = number("seed", (v) => Number.isInteger(v), "an integer", 0);
  let weights: number[] = sources.map(() => 1);
  const w = options.get("weights");
  if (w) {
    const values = Array.isArray(w.value) ? (w.value as Value[]) : undefined;
    if (!values || values.length !== sources.length || !values.every((x) => isNumber(x) && x > 0)) {
      report(diagnostic("KD3008", w.span, { what: "the mixture's `weights`", value: `${sources.length} positive numbers, one per source` }));
      return fail;
    }
    weights = values as number[];
  }
  if (heldGiven === undefined || sizeGiven === undefined || seed === undefined) return fail;

  // Generated rows do not exist before their stage runs, and a mixture is drawn up front.
  const generated = sources.find((s) => s.split.generator !== undefined);
  if (generated) {
    report(diagnostic("KD4002", generated.span, { what: `mixing the generated split \`${generated.split.name}\`` }));
    return fail;
  }
  // Every source must give batches of one schema (KD3068, naming the first that disagrees).
  const first = sources[0]!.split;
  for (const { split, span } of sources.slice(1)) {
    const disagree = (what: string, expected: string, found: string): Checked => {
      report(diagnostic("KD3068", span, { source: split.name, first: first.name, what, expected, found }));
      return fail;
    };
    const kind = (s: SplitInfo): string => s.kind ?? "vectors";
    if (kind(split) !== kind(first)) return disagree("kind", kind(first), kind(split));
    if (split.features !== first.features) return disagree(kind(first) === "vectors" ? "width" : "context", String(first.features), String(split.features));
    if (split.hasLabels !== first.hasLabels) return disagree("labelling", first.hasLabels ? "labelled" : "unlabelled", split.hasLabels ? "labelled" : "unlabelled");
    if (split.classes !== first.classes) return disagree("class count", String(first.classes), String(split.classes));
    // Token ids agree only when one tokenizer made them: fitted by one dataset, shared with `x.tokenizer`.
    const owner = (s: SplitInfo): string => s.tokenizer?.owner ?? s.dataset;
    if (kind(first) !== "vectors" && owner(split) !== owner(first)) return disagree("tokenizer", `the one fitted for \`${owner(first)}\``, `the one fitted for \`${owner(split)}\` (share one with \`tokenizer: ${owner(first)}.tokenizer\`)`);
  }
  for (const { split, span } of sources) {
    if (split.augmented) {
      report(diagnostic("KD4002", span, { what: `mixing the augmented split \`${split.name}\`` }));
      return fail;
    }
  }
  const sizes = sources.map((s) => s.split.size);
  if (sizes.some((n) => n === undefined)) return fail;
  const total = (sizes as number[]).reduce((a, b) => a + b, 0);
  const heldOut = heldGiven > 0 && heldGiven < 1 ? Math.round(heldGiven * total) : heldGiven;
  const shares = apportion(heldOut, weights);
  for (const [i, share] of shares.entries()) {
    if (share > sizes[i]!) {
      report(diagnostic("KD3008", options.get("held_out")!.span, { what: "`held_out`", value: `at most what each source can give by its weight: \`${sources[i]!.split.name}\` must give ${share} rows but has ${sizes[i]}` }));
      return fail;
    }
  }
  const size = sizeGiven > 0 ? sizeGiven : total - heldOut;
  if (size < 1) {
    report(diagnostic("KD3008", call.span, { what: "the mixture's train split", value: "at least one row after the held-out cut" }));
    return fail;
  }
  const dataset = env.declaredName ?? "mixture";
  const { augmented: _unused, ...shape } = first;
  const split = (name: string, rows: number): SplitInfo => ({
    ...shape,
    name: `${dataset}.${name}`,
    dataset,
    split: name,
    size: rows,
    // An upper bound on the ids of every source.
    ...(first.vocab !== undefined ? { vocab: Math.max(...sources.map((s) => s.split.vocab ?? 0)) } : {}),
  });
  return { type: { kind: "dataset", splits: [split("train", size), ...(heldOut > 0 ? [split("held_out", heldOut)] : [])] }, value: undefined };
}

/** The built-in's entry (for name lookup, docs and `kdc explain`); expressions.ts checks its calls with checkMixture. */
export const mixtureBuiltin: import("./builtins.js").Builtin = {
  name: "mixture",
  category: "dataset",
  doc: "Weighted sources: `mixture(a.train, b.train, weights: [0.7, 0.3], held_out: 0.1, seed: 3)` draws a fixed multiset of rows, source i giving the share w_i / Σw of them (largest remainder; a source repeated in a fresh seeded order when it must give more rows than it has). `held_out` (a count or a fraction of all sources' rows) is cut first from each source in the same shares and becomes the `held_out` split; `train` holds `size` rows (0: every row left). The sources must agree in kind, width, classes and tokenizer.",
  params: [
    { name: "weights", type: "int-list", default: [] },
    { name: "held_out", type: "number", default: 0 },
    { name: "size", type: "int", default: 0 },
    { name: "seed", type: "int", default: 0 },
  ],
  result: () => ({ type: errorType }),
};
