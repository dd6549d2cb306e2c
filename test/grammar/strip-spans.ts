// Test helper: a deep copy of an AST without positions or comments, for comparing trees
// that came from different texts (parse(print(ast)) against ast).

const dropped = new Set(["span", "keywordSpan", "comments"]);

export function stripSpans<T>(node: T): unknown {
  if (Array.isArray(node)) return node.map((n) => stripSpans(n));
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (dropped.has(key)) continue;
    out[key] = stripSpans(value);
  }
  return out;
}
