// Rule KD3078: each metric of an `evaluate` list is one column of the report, under its label;
// two entries with one label (`accuracy` and `accuracy(top: 1)`) compute the same number twice.
import type { Expression } from "../../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";

export function checkDuplicateMetrics(metrics: readonly Expression[], labelOf: (e: Expression) => string | undefined, report: (d: Diagnostic) => void): void {
  const first = new Map<string, Expression>();
  for (const m of metrics) {
    const label = labelOf(m);
    if (label === undefined) continue;
    const earlier = first.get(label);
    if (earlier) report(diagnostic("KD3078", m.span, { label }, { labels: [{ span: earlier.span, message: "first listed here" }] }));
    else first.set(label, m);
  }
}
