// Rule: a teacher must have been trained by a stage this one runs after (KD3015), or the stage
// would distil from random weights.
import type { ModelDeclaration, StageDeclaration } from "../../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { StageInfo } from "../stage.js";

export function checkTeachersTrainedEarlier(stages: readonly StageInfo[], report: (d: Diagnostic) => void): void {
  const byDecl = new Map<StageDeclaration, StageInfo>(stages.map((s) => [s.decl, s]));
  const trainedBefore = (stage: StageInfo, seen = new Set<StageInfo>()): Set<ModelDeclaration> => {
    const models = new Set<ModelDeclaration>();
    for (const dep of stage.after) {
      const info = byDecl.get(dep);
      if (!info || seen.has(info)) continue;
      seen.add(info);
      models.add(info.trained);
      for (const m of trainedBefore(info, seen)) models.add(m);
    }
    return models;
  };
  for (const stage of stages) {
    // An unknown `after` was already reported; what it would have trained is unknown.
    if (stage.after.length !== stage.decl.after.length) continue;
    const earlier = trainedBefore(stage);
    for (const stmt of stage.decl.body) {
      if (stmt.kind !== "TeacherStatement") continue;
      for (const id of stmt.models) {
        const teacher = stage.teachers.find((t) => t.name.name === id.name);
        if (teacher && !earlier.has(teacher))
          report(diagnostic("KD3015", id.span, { model: id.name, stage: stage.decl.name.name }));
      }
    }
  }
}
