// Rules KD3031 and KD3040: a preference loss's reference. DPO without one is a different objective
// (reference-free DPO), accepted only under an explicit `reference none` (KD3031); ADPO is defined
// relative to a reference, so it needs one always (KD3040); SimPO takes none.
import type { CallExpression } from "../../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { PreferenceLoss } from "../preference-losses.js";

/** False when the call lacks a reference it needs (reported). */
export function checkPreferenceReference(
  spec: PreferenceLoss,
  call: CallExpression,
  hasReference: boolean,
  referenceNone: boolean,
  report: (d: Diagnostic) => void,
): boolean {
  if (hasReference || spec.reference === "none") return true;
  if (spec.reference === "required") {
    report(diagnostic("KD3040", call.span, { callee: spec.name }));
    return false;
  }
  if (referenceNone) return true;
  report(diagnostic("KD3031", call.span, {}));
  return false;
}
