// Rule KD3006: reading labels (`batch.label`, or a metric that compares with labels) needs a split
// that has them; an unlabelled transfer split has inputs only.
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../source.js";
import type { SplitInfo } from "../types.js";

/** True when the labels are available (or unknown); otherwise reports KD3006. */
export function checkLabelsAvailable(split: SplitInfo | undefined, span: Span, report: (d: Diagnostic) => void): boolean {
  if (!split || split.hasLabels) return true;
  report(diagnostic("KD3006", span, { split: split.name }));
  return false;
}
