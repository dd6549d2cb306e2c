// The table printed after all stages: one row per (stage, evaluated split), one column per metric
// label seen in any stage, then the stage's wall time; under it, resumed stages and teacher-cache
// decisions, and the backend that ran.
import type { RunReport } from "./program.js";
import { alignColumns, formatMetric } from "./format.js";

export function formatReport(report: RunReport): string {
  const labels: string[] = [];
  for (const stage of report.stages) {
    for (const metrics of Object.values(stage.metrics)) {
      for (const label of Object.keys(metrics)) if (!labels.includes(label)) labels.push(label);
    }
  }
  labels.sort((a, b) => columnRank(a) - columnRank(b));
  const rows: string[][] = [["stage", "model", "split", ...labels, "time"]];
  for (const stage of report.stages) {
    const time = `${stage.seconds.toFixed(1)} s`;
    const splits = Object.entries(stage.metrics);
    if (splits.length === 0) rows.push([stage.stage, stage.model, "—", ...labels.map(() => "—"), time]);
    for (const [split, metrics] of splits) {
      rows.push([stage.stage, stage.model, split, ...labels.map((l) => (l in metrics ? formatMetric(l, metrics[l]!) : "—")), time]);
    }
  }
  return [...alignColumns(rows), ...notes(report), `backend: ${report.backend}`].join("\n");
}

/** One line per resumed stage and per teacher-cache decision, under the table. */
function notes(report: RunReport): string[] {
  return report.stages.flatMap((s) => [
    ...(s.resumed === "skipped" ? [`${s.stage}: complete before this run (resumed)`] : s.resumed ? [`${s.stage}: resumed from step ${s.resumed.step}`] : []),
    ...(s.best ? [`${s.stage}: best ${s.best.metric} on ${s.best.split} ${s.best.value.toFixed(4)} after step ${s.best.step} (epoch ${+s.best.epoch.toFixed(3)}); those weights left the stage`] : []),
    ...(s.teacherCache ? [`${s.stage}: teacher outputs ${s.teacherCache.enabled ? "cached" : "not cached"}: ${s.teacherCache.reason}`] : []),
  ]);
}

/** accuracy (top-1, then top-k), then agreements, then ece, then anything else; stable otherwise. */
function columnRank(label: string): number {
  if (label === "accuracy" || label.startsWith("accuracy@")) return 0;
  if (label.startsWith("agreement")) return 1;
  if (label === "ece") return 2;
  return 3;
}
