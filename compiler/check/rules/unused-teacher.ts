// Rule: warn about a teacher that neither the objective nor a metric reads (KD3014).
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { StageInfo } from "../stage.js";

export function checkUnusedTeachers(stages: readonly StageInfo[], report: (d: Diagnostic) => void): void {
  for (const stage of stages) {
    for (const stmt of stage.body) {
      if (stmt.kind !== "TeacherStatement") continue;
      for (const id of stmt.models) {
        const teacher = stage.teachers.find((t) => t.name.name === id.name);
        if (teacher && !stage.usedModels.has(teacher)) report(diagnostic("KD3014", id.span, { model: id.name }));
      }
    }
  }
}
