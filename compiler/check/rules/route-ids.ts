// Rules KD3041 and KD3042: routing an ensemble by a data column. `batch.route` needs a split whose
// dataset declares a route column (KD3041); every id in that column, whose largest is known once
// the file is read at check time, must name one of the ensemble's teachers (KD3042).
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../source.js";
import type { SplitInfo } from "../types.js";

/** True when the split has route ids (or is unknown); otherwise reports KD3041. */
export function checkRouteAvailable(split: SplitInfo | undefined, span: Span, report: (d: Diagnostic) => void): boolean {
  if (!split || split.routes !== undefined) return true;
  report(diagnostic("KD3041", span, { split: split.name }));
  return false;
}

/** True when ids below `routes` all name one of `teachers` tensors; otherwise reports KD3042. */
export function checkRouteTeachers(split: SplitInfo | undefined, routes: number | undefined, teachers: number, span: Span, report: (d: Diagnostic) => void): boolean {
  if (!split || routes === undefined || routes <= teachers) return true;
  report(diagnostic("KD3042", span, { split: split.name, routes, teachers }));
  return false;
}
