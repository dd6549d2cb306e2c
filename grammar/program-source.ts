// A side table from a parsed Program to the text it was parsed from. The formatter uses it to
// tell a comment at the end of a line from a comment on its own line (the AST keeps offsets,
// not line breaks). Programs built by other means simply have no entry.
import type { Program } from "./ast.js";

const sources = new WeakMap<Program, string>();

export function recordSource(program: Program, text: string): void {
  sources.set(program, text);
}

export function sourceOf(program: Program): string | undefined {
  return sources.get(program);
}
