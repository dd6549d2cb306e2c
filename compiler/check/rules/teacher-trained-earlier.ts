// Rule: a teacher must have been trained by a stage this one runs after (KD3015), or the stage
// would distil from random weights. A `trainable` teacher is exempt: it learns in the stage.
import type { ModelDeclaration, StageDeclaration } from "../../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { isLoadedModel } from "../model-topology.js";
import type { StageInfo } from "../stage.js";
import { stagesBefore } from "../stages-before.js";

/**
 * `checked` are the stages that checked cleanly; `all` includes those that did not. A stage
 * downstream of a stage that failed (or of an unknown `after`) is skipped: what would have been
 * trained there is unknown, and the failure was already reported.
 */
export function checkTeachersTrainedEarlier(
  checked: readonly StageInfo[],
  all: readonly StageDeclaration[],
  report: (d: Diagnostic) => void,
  /** Stages the parser recovered inside: their `after` list may be incomplete. */
  recovered: (stage: StageInfo) => boolean = () => false,
): void {
  const trainedBefore = modelsTrainedBefore(checked, all);
  for (const stage of checked) {
    if (recovered(stage)) continue;
    const earlier = trainedBefore(stage);
    if (!earlier) continue;
    for (const stmt of stage.body) {
      if (stmt.kind !== "TeacherStatement") continue;
      for (const [i, id] of stmt.models.entries()) {
        // A trainable teacher learns in this stage (Deep Mutual Learning starts both from scratch).
        if (stmt.trainable[i]) continue;
        const teacher = stage.teachers.find((t) => t.name.name === id.name);
        // A loaded model arrives trained.
        if (teacher && !earlier.has(teacher) && !isLoadedModel(teacher))
          report(diagnostic("KD3015", id.span, { model: id.name, stage: stage.decl.name.name }));
      }
    }
  }
}

/**
 * The models trained by the stages a stage runs after (transitively), trainable teachers
 * included; undefined when unknowable (a stage it depends on failed to check, or its `after` list
 * is incomplete). Shared with rules/generated-after-generator.ts.
 */
export function modelsTrainedBefore(checked: readonly StageInfo[], all: readonly StageDeclaration[]): (stage: StageInfo) => Set<ModelDeclaration> | undefined {
  return (stage) => {
    const before = stagesBefore(stage, checked, all);
    return before && new Set<ModelDeclaration>(before.flatMap((s) => [s.trained, ...s.trainableTeachers]));
  };
}
