// Rule: a module an objective applies is trained by that stage (`train small, m on …`) or by a
// stage it runs after (KD3058), or the stage would apply random weights; a module a stage trains
// but never applies gets no gradient (warning KD3059).
import type { ModuleDeclaration, StageDeclaration } from "../../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { StageInfo } from "../stage.js";
import { stagesBefore } from "../stages-before.js";

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
  for (const stage of checked) {
    if (recovered(stage)) continue;
    const before = stagesBefore(stage, checked, all);
    const earlier = before && new Set<ModuleDeclaration>(before.flatMap((s) => s.modules));
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
