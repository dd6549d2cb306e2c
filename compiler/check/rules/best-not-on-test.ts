// Rule KD3028 (warning): choosing the best checkpoint on the test split leaks the test set into
// training decisions, so the reported test score becomes optimistic.
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../source.js";
import type { SplitInfo } from "../types.js";

export function checkNotTestSplit(split: SplitInfo, span: Span, report: (d: Diagnostic) => void): void {
  if (/^test/i.test(split.split)) report(diagnostic("KD3028", span, { split: split.name }));
}
