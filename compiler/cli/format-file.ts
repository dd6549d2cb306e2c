// `kdc fmt`: parse a recipe and print it canonically. A file with syntax errors is left alone.
import { readFileSync } from "node:fs";
import { parse } from "../../grammar/parse.js";
import { print } from "../../grammar/print.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { SourceFile } from "../source.js";

export interface FormatResult {
  readonly original: string;
  readonly formatted: string;
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: ReadonlyMap<string, SourceFile>;
}

export function formatFile(path: string): FormatResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return { original: "", formatted: "", diagnostics: [diagnostic("KD9002", undefined, { path })], sources: new Map() };
  }
  const parsed = parse(path, text);
  const sources = new Map([[path, new SourceFile(path, text)]]);
  const errors = parsed.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) return { original: text, formatted: text, diagnostics: errors, sources };
  return { original: text, formatted: print(parsed.value, { source: text }), diagnostics: [], sources };
}
