// Rule KD3017: an objective or metric may read only the stage's trained model and its declared
// teachers; declaring a teacher is what freezes it and keeps its forward pass off the tape.
import type { Identifier } from "../../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { StageScope } from "../expressions.js";
import type { ModelDeclaration } from "../../../grammar/ast.js";

export function checkModelInStage(model: ModelDeclaration, id: Identifier, stage: StageScope, report: (d: Diagnostic) => void): void {
  // Without a known trained model (already reported) the stage's membership is unknown too.
  if (!stage.trained || model === stage.trained || stage.teachers.has(model)) return;
  report(diagnostic("KD3017", id.span, { model: id.name, stage: stage.decl.name.name }));
}
