// Test helper: every AST node reachable from a root (iteratively, so deep trees are fine).
import type { Span } from "../../compiler/source.js";

export interface AnyNode {
  readonly kind: string;
  readonly span: Span;
}

export function allNodes(root: unknown): AnyNode[] {
  const out: AnyNode[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      stack.push(...value);
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    const record = value as Record<string, unknown>;
    if (typeof record["kind"] === "string" && record["span"]) out.push(record as unknown as AnyNode);
    for (const [key, child] of Object.entries(record)) {
      if (key !== "span" && key !== "keywordSpan" && key !== "comments") stack.push(child);
    }
  }
  return out;
}
