// Rule: a module an objective applies is trained by that stage (`train small, m on …`) or by a
// stage it runs after (KD3058), or the stage would apply random weights; a module a stage trains
// but never applies gets no gradient (warning KD3059).
import type { ModuleDeclaration, StageDeclaration } from "../../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { StageInfo } from "../stage.js";

/**
 * `checked` are the stages that checked cleanly; `all` includes those that did not. A stage
 * downstream of one that failed is skipped: what was trained there is unknown (and reported).
 */
export function checkModulesTrainedEarlier(
  checked: readonly StageInfo[],
  all: readonly StageDeclaration[],
  report: (d: Diagnostic) => void,
  /** Stages the parser recovered inside: their statements may be incomplete. */
  recovered: (stage: StageInfo) => boolean = () => false,
): void {
  const byDecl = new Map<StageDeclaration, StageInfo>(checked.map((s) => [s.decl, s]));
  const trainedBefore = (stage: StageInfo, seen = new Set<StageInfo>()): Set<ModuleDeclaration> | undefined => {
    if (stage.after.length !== stage.decl.after.length) return undefined;
    const modules = new Set<ModuleDeclaration>();
    for (const dep of stage.after) {
      const info = byDecl.get(dep);
      if (!info) {
        if (all.includes(dep)) return undefined;
        continue;
      }
      if (seen.has(info)) continue;
      seen.add(info);
      info.modules.forEach((m) => modules.add(m));
      const further = trainedBefore(info, seen);
      if (!further) return undefined;
      further.forEach((m) => modules.add(m));
    }
    return modules;
  };
  for (const stage of checked) {
    if (recovered(stage)) continue;
    const earlier = trainedBefore(stage);
    if (earlier) {
      for (const [module, span] of stage.usedModules) {
        if (!stage.modules.includes(module) && !earlier.has(module))
          report(diagnostic("KD3058", span, { module: module.name.name, stage: stage.decl.name.name }));
      }
    }
    const train = stage.body.find((s) => s.kind === "TrainStatement");
    for (const id of train?.kind === "TrainStatement" ? train.modules : []) {
      const module = stage.modules.find((m) => m.name.name === id.name);
      if (module && !stage.usedModules.has(module)) report(diagnostic("KD3059", id.span, { module: id.name, stage: stage.decl.name.name }));
    }
  }
}
