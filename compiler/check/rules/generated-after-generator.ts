// Rule: a stage that trains or evaluates on a generated split (`generate(m, …)`) must run after a
// stage that trains its generator m (KD3089): the rows are decoded when the first such stage
// starts, and an untrained generator would decode noise. A loaded generator arrives trained.
import type { Expression, ModelDeclaration, StageDeclaration } from "../../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { isLoadedModel } from "../model-topology.js";
import type { StageInfo } from "../stage.js";
import type { SplitInfo } from "../types.js";
import { modelsTrainedBefore } from "./teacher-trained-earlier.js";

export function checkGeneratedAfterGenerator(
  checked: readonly StageInfo[],
  all: readonly StageDeclaration[],
  models: readonly ModelDeclaration[],
  report: (d: Diagnostic) => void,
  /** Stages the parser recovered inside: their `after` list may be incomplete. */
  recovered: (stage: StageInfo) => boolean = () => false,
): void {
  const trainedBefore = modelsTrainedBefore(checked, all);
  for (const stage of checked) {
    if (recovered(stage)) continue;
    const reads: { split: SplitInfo; node: Expression }[] = [{ split: stage.split, node: stage.data }, ...stage.evaluate.map((e) => ({ split: e.split, node: e.data }))];
    for (const { split, node } of reads) {
      const generator = split.generator;
      if (generator === undefined) continue;
      const decl = models.find((m) => m.name.name === generator);
      if (!decl || isLoadedModel(decl)) continue;
      const earlier = trainedBefore(stage);
      if (earlier && !earlier.has(decl)) report(diagnostic("KD3089", node.span, { split: split.name, model: generator, stage: stage.decl.name.name }));
    }
  }
}
