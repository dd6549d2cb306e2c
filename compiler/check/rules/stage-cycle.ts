// Rule: `after` must form a pipeline, never a loop (KD3011). Returns the stages in run order:
// dependencies first, otherwise in source order.
import type { StageDeclaration } from "../../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";

export function orderStages(
  stages: readonly StageDeclaration[],
  after: ReadonlyMap<StageDeclaration, readonly StageDeclaration[]>,
  report: (d: Diagnostic) => void,
): StageDeclaration[] | undefined {
  const order: StageDeclaration[] = [];
  const state = new Map<StageDeclaration, "visiting" | "done">();
  let ok = true;
  const visit = (stage: StageDeclaration, path: StageDeclaration[]): void => {
    const s = state.get(stage);
    if (s === "done") return;
    if (s === "visiting") {
      const cycle = [...path.slice(path.indexOf(stage)), stage].map((d) => d.name.name).join(" → ");
      const edge = path[path.length - 1]!.after.find((id) => id.name === stage.name.name);
      report(diagnostic("KD3011", (edge ?? stage.name).span, { cycle }));
      ok = false;
      return;
    }
    state.set(stage, "visiting");
    for (const dep of after.get(stage) ?? []) visit(dep, [...path, stage]);
    state.set(stage, "done");
    order.push(stage);
  };
  for (const stage of stages) visit(stage, []);
  return ok ? order : undefined;
}
