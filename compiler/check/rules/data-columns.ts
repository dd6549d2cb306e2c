// Rules KD3066 and KD3067: a csv or jsonl dataset reads columns that exist (with a did-you-mean for
// a misspelt one) and that hold what the argument needs (text for `text` and `prompt`). The file is
// read when the recipe is checked, so these are caught before anything loads.
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { suggest } from "../../diagnostics/suggest.js";
import type { Span } from "../../source.js";

/** True when `column` is one of `available`; otherwise reports KD3066 at `span`. */
export function checkColumn(column: string, available: readonly string[], path: string, span: Span, report: (d: Diagnostic) => void): boolean {
  if (available.includes(column)) return true;
  report(diagnostic("KD3066", span, { column, path, available: available.map((c) => `\`${c}\``).join(", ") || "none", suggestion: suggest(column, available) }));
  return false;
}

/** How a JSON value reads in a message. */
export function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value === "boolean" ? "a boolean" : typeof value === "number" ? "a number" : "a string"} ${JSON.stringify(value)}`;
}

/** True when every value is a string; otherwise reports KD3067 naming the first other line. */
export function checkTextColumn(column: string, values: readonly { readonly line: number; readonly value: unknown }[], path: string, span: Span, report: (d: Diagnostic) => void): boolean {
  const bad = values.find((v) => typeof v.value !== "string");
  if (!bad) return true;
  report(diagnostic("KD3067", span, { column, path, expected: "text (a string)", found: jsonKind(bad.value), line: bad.line }));
  return false;
}
