// Rule KD3012: a teacher is frozen while the trained model changes, so one model cannot be both.
import type { Identifier, ModelDeclaration } from "../../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";

/** True when `teacher` may teach a stage that trains `trained`; otherwise reports KD3012. */
export function checkTeacherIsNotStudent(
  teacher: ModelDeclaration,
  trained: ModelDeclaration | undefined,
  id: Identifier,
  report: (d: Diagnostic) => void,
): boolean {
  if (teacher !== trained) return true;
  report(diagnostic("KD3012", id.span, { model: id.name }));
  return false;
}
