// Rule KD3079: the `loss` metric runs the stage's objective on the evaluation split, teachers and
// reference included, so that split must give the objective what it reads (labels, token
// sequences, preference pairs) and every model of the stage must be able to read its inputs.
import type { Expression } from "../../../grammar/ast.js";
import { diagnostic } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../source.js";
import type { MetricStage } from "../builtins-metrics.js";
import { modelSplitMismatch } from "../builtins-models.js";

/** What the objective reads from its split: a check of it against another split reports these. */
const SPLIT_DEPENDENT = new Set(["KD3006", "KD3030", "KD3032"]);

export function checkEvaluationLoss(metric: Expression, s: MetricStage): void {
  const split = s.split;
  if (!split || split === s.stage.split) return;
  const problems: { message: string; span?: Span | undefined }[] = [];
  for (const d of s.objectiveOn(split)) if (SPLIT_DEPENDENT.has(d.code)) problems.push({ message: d.message, span: d.span });
  for (const teacher of s.stage.teachers) {
    const t = s.state.models.get(teacher);
    const detail = modelSplitMismatch(t?.kind === "model" ? t.info : undefined, split);
    if (detail) problems.push({ message: `the teacher: ${detail}` });
  }
  const first = problems[0];
  if (!first) return;
  s.report(
    diagnostic("KD3079", metric.span, { split: split.name, problem: first.message }, { labels: first.span ? [{ span: first.span, message: "the objective reads it here" }] : [] }),
  );
}
