// Rule KD3076: `agreement(t)` and `kl(t, T)` measure the evaluated model against a teacher of the
// stage; against the trained model itself they are trivially perfect (and a reference snapshot is
// for preference metrics). `kl` compares class
// distributions, so the teacher must have the trained model's classes (KD3005).
import type { Expression } from "../../../grammar/ast.js";
import { diagnostic } from "../../diagnostics/diagnostic.js";
import type { MetricStage } from "../builtins-metrics.js";

export function checkMetricTeacher(metric: "agreement" | "kl", arg: Expression | undefined, s: MetricStage): void {
  const symbol = arg?.kind === "Identifier" ? s.state.symbols.get(arg) : undefined;
  if (arg && symbol?.kind === "reference") {
    s.report(diagnostic("KD3076", arg.span, { metric, model: symbol.stmt.name!.name, why: "is the stage's reference snapshot, not a teacher" }));
    return;
  }
  if (!arg || symbol?.kind !== "model") return;
  const trained = s.stage.trained;
  if (trained && symbol.decl === trained) {
    s.report(diagnostic("KD3076", arg.span, { metric, model: symbol.decl.name.name, why: "is the model this stage trains" }));
    return;
  }
  if (metric !== "kl" || !trained) return;
  const info = (decl: typeof trained) => {
    const t = s.state.models.get(decl);
    return t?.kind === "model" ? t.info : undefined;
  };
  const [student, teacher] = [info(trained), info(symbol.decl)];
  if (student?.classes !== undefined && teacher?.classes !== undefined && student.classes !== teacher.classes)
    s.report(
      diagnostic("KD3005", arg.span, {
        student: student.name,
        teacher: teacher.name,
        studentClasses: String(student.classes),
        teacherClasses: String(teacher.classes),
      }),
    );
}
