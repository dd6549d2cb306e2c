// Schedules are plain JS functions of the step (never tensors), evaluated once per step.
//
// Convention (as in PyTorch's LR schedulers and Hugging Face's get_*_schedule_with_warmup):
// `step` counts optimizer steps from 0 within the stage, and a schedule that spans the stage
// reaches its final value at step = totalSteps, i.e. just after the last update. The last update
// therefore uses the value one step short of the end.
import type { Duration, Progress, Schedule } from "./program.js";

/** Resolves `200 steps` or `2 epochs` to a step count for this stage. */
export function resolveDuration(duration: Duration, progress: Progress): number {
  return duration.unit === "epochs" ? duration.value * progress.stepsPerEpoch : duration.value;
}

function formatDuration(d: Duration): string {
  return `${d.value} ${d.unit}`;
}

/** The same value at every step. */
export function constant(value: number): Schedule {
  return { describe: `constant(${value})`, at: () => value };
}

export interface LinearOptions {
  readonly from: number;
  readonly to: number;
  /** Where the ramp starts (value `from` before); default the start of the stage. */
  readonly start?: Duration;
  /** Where the ramp ends (value `to` from there on); default the end of the stage. */
  readonly end?: Duration;
}

/** `from` until `start`, a straight line to `to` at `end`, then `to`. */
export function linear(options: LinearOptions): Schedule {
  const { from, to, start, end } = options;
  const span = [start && `from ${formatDuration(start)}`, end && `to ${formatDuration(end)}`].filter(Boolean).join(" ");
  return {
    describe: `linear(${from} → ${to}${span ? `, ${span}` : ""})`,
    at(progress) {
      const s = start ? resolveDuration(start, progress) : 0;
      const e = end ? resolveDuration(end, progress) : progress.totalSteps;
      if (progress.step <= s) return from;
      if (progress.step >= e) return to;
      return from + ((to - from) * (progress.step - s)) / (e - s);
    },
  };
}

export interface CosineOptions {
  /** The peak value, reached at the end of the warm-up. */
  readonly from: number;
  /** The value at the end of the stage; default 0. */
  readonly to?: number;
  /** Linear warm-up from 0 to `from` over this long; default none. */
  readonly warmup?: Duration;
}

/**
 * Linear warm-up 0 → `from` over W steps (value from·step/W), then half a cosine from `from` to `to`:
 * to + (from − to)·½·(1 + cos(π·(step − W)/(totalSteps − W))).
 */
export function cosine(options: CosineOptions): Schedule {
  const { from, warmup } = options;
  const to = options.to ?? 0;
  return {
    describe: `cosine(${from} → ${to}${warmup ? `, warmup ${formatDuration(warmup)}` : ""})`,
    at(progress) {
      const w = warmup ? Math.min(resolveDuration(warmup, progress), progress.totalSteps) : 0;
      if (progress.step < w) return (from * progress.step) / w;
      const decay = progress.totalSteps - w;
      const t = decay > 0 ? Math.min(1, (progress.step - w) / decay) : 1;
      return to + (from - to) * 0.5 * (1 + Math.cos(Math.PI * t));
    },
  };
}

/** Accepts a bare number where a schedule is expected. */
export function asSchedule(value: Schedule | number): Schedule {
  return typeof value === "number" ? constant(value) : value;
}
