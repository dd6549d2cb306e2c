// Compile-time values: what the checker knows of an expression before training starts.
// Model sizes, epochs and dataset sizes must be known; a schedule is known by its range,
// which is enough to prove a temperature stays positive.

export interface DurationValue {
  readonly kind: "duration";
  readonly value: number;
  /** `percent` is a share of the stage: `10%` of its steps. */
  readonly unit: "steps" | "epochs" | "percent";
}

export interface ScheduleValue {
  readonly kind: "schedule";
  readonly describe: string;
  /** The smallest and largest value the schedule takes over its stage. */
  readonly min: number;
  readonly max: number;
  /** Its warm-up, when it has one, for the "longer than its stage" check. */
  readonly warmup: DurationValue | undefined;
  /** Positions the schedule changes at (piecewise points), each of which must fall within the stage. */
  readonly points?: readonly DurationValue[];
}

/** A tokenizer or transform (`bpe(vocab: 512)`, `flip()`): its built-in and every argument, defaults included. */
export interface SpecValue {
  readonly kind: "spec";
  readonly name: string;
  readonly args: Readonly<Record<string, Value>>;
  /** Transforms: random (an `augment`) rather than deterministic (a `preprocess`). */
  readonly random?: boolean;
  /** Tokenizers: the bound on the token ids when the call fixes it. */
  readonly vocab?: number;
}

export type Value = number | string | boolean | readonly Value[] | DurationValue | ScheduleValue | SpecValue;

export function isSpec(v: Value | undefined): v is SpecValue {
  return typeof v === "object" && v !== null && !Array.isArray(v) && (v as SpecValue).kind === "spec";
}

export function isNumber(v: Value | undefined): v is number {
  return typeof v === "number";
}

export function isDuration(v: Value | undefined): v is DurationValue {
  return typeof v === "object" && v !== null && !Array.isArray(v) && (v as DurationValue).kind === "duration";
}

export function isSchedule(v: Value | undefined): v is ScheduleValue {
  return typeof v === "object" && v !== null && !Array.isArray(v) && (v as ScheduleValue).kind === "schedule";
}

/** The range of a scalar-like value: a number is its own range. */
export function range(v: Value | undefined): { min: number; max: number } | undefined {
  if (isNumber(v)) return { min: v, max: v };
  if (isSchedule(v)) return { min: v.min, max: v.max };
  return undefined;
}

export function showValue(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(showValue).join(", ")}]`;
  if (isDuration(v)) return v.unit === "percent" ? `${v.value}%` : `${v.value} ${v.unit}`;
  if (isSchedule(v)) return v.describe;
  if (isSpec(v)) return `${v.name}(${Object.entries(v.args).map(([k, x]) => `${k}: ${showValue(x)}`).join(", ")})`;
  if (typeof v === "string") return JSON.stringify(v);
  return String(v);
}

/** Steps a duration lasts in a stage with this many steps per epoch and steps in all. */
export function durationSteps(d: DurationValue, stepsPerEpoch: number, totalSteps: number): number {
  if (d.unit === "percent") return (d.value / 100) * totalSteps;
  return d.unit === "steps" ? d.value : d.value * stepsPerEpoch;
}
