// Rule KD3018: a warm-up (or a checkpoint interval, or a piecewise schedule's last point) longer
// than its stage never completes.
// A stage lasts `steps N` steps, or epochs × ceil(split size / batch) steps.
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../source.js";
import { durationSteps, showValue, type ScheduleValue } from "../values.js";

export function checkWarmupsWithinStage(
  stage: string,
  schedules: readonly { readonly span: Span; readonly value: ScheduleValue }[],
  stepsPerEpoch: number,
  totalSteps: number,
  report: (d: Diagnostic) => void,
): void {
  for (const s of schedules) {
    // A piecewise point after the stage's end is never reached: the schedule is longer than its stage.
    const late = s.value.points?.find((p) => durationSteps(p, stepsPerEpoch, totalSteps) > totalSteps);
    if (late) {
      const steps = durationSteps(late, stepsPerEpoch, totalSteps);
      report(
        diagnostic("KD3018", s.span, {
          what: "this piecewise schedule",
          length: showValue(late) + (late.unit !== "steps" ? ` (${steps} steps)` : ""),
          stage,
          stageSteps: totalSteps,
        }),
      );
    }
    if (!s.value.warmup) continue;
    const steps = durationSteps(s.value.warmup, stepsPerEpoch, totalSteps);
    if (steps <= totalSteps) continue;
    report(
      diagnostic("KD3018", s.span, {
        what: "this warm-up",
        length: showValue(s.value.warmup) + (s.value.warmup.unit !== "steps" ? ` (${steps} steps)` : ""),
        stage,
        stageSteps: totalSteps,
      }),
    );
  }
}

export function checkIntervalWithinStage(
  stage: string,
  what: string,
  every: { readonly everyEpochs?: number; readonly everySteps?: number },
  totalSteps: number,
  stepsPerEpoch: number,
  span: Span,
  report: (d: Diagnostic) => void,
): void {
  const steps = every.everySteps ?? (every.everyEpochs ?? 1) * stepsPerEpoch;
  if (steps <= totalSteps) return;
  report(
    diagnostic("KD3018", span, {
      what,
      length: every.everySteps !== undefined ? `${steps} steps` : `${every.everyEpochs ?? 1} epochs (${steps} steps)`,
      stage,
      stageSteps: totalSteps,
    }),
  );
}
