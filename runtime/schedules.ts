// Schedules are plain JS functions of the step (never tensors), evaluated once per step.
//
// Convention (as in PyTorch's LR schedulers and Hugging Face's get_*_schedule_with_warmup):
// `step` counts optimizer steps from 0 within the stage, and a schedule that spans the stage
// reaches its final value at step = totalSteps, i.e. just after the last update. The last update
// therefore uses the value one step short of the end.
//
// Durations resolve against the stage's Progress and are not rounded: `0.5 epochs` of 33 steps is
// 16.5 steps, and every schedule here is defined for fractional boundaries. No schedule divides by
// a zero-length span (an empty ramp or decay jumps straight to its end value), so a warm-up longer
// than the stage, which the compiler rejects, still gives finite numbers.
// The exact definitions, with PyTorch's equivalents, are in docs/schedules-and-optimizers.md.
import type { Duration, Progress, Schedule } from "./program.js";
import { KdcRuntimeError } from "./errors.js";
import type { TaidController } from "./losses/taid.js";

/** A share of the stage's optimizer steps, written `10%` in a recipe: `value`/100 · totalSteps. */
export interface PercentOfStage {
  readonly value: number;
  readonly unit: "percent";
}

/** What schedules accept wherever a length or a position is expected. */
export type StageDuration = Duration | PercentOfStage;

/** Resolves `200 steps`, `2 epochs` or `10%` (of the stage) to a step count for this stage. */
export function resolveDuration(duration: StageDuration, progress: Progress): number {
  switch (duration.unit) {
    case "epochs":
      return duration.value * progress.stepsPerEpoch;
    case "percent":
      return (duration.value / 100) * progress.totalSteps;
    default:
      return duration.value;
  }
}

function formatDuration(d: StageDuration): string {
  return d.unit === "percent" ? `${d.value}%` : `${d.value} ${d.unit}`;
}

/** The same value at every step. */
export function constant(value: number): Schedule {
  return { describe: `constant(${value})`, at: () => value };
}

export interface LinearOptions {
  readonly from: number;
  readonly to: number;
  /** Where the ramp starts (value `from` before); default the start of the stage. */
  readonly start?: StageDuration;
  /** Where the ramp ends (value `to` from there on); default the end of the stage. */
  readonly end?: StageDuration;
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
  /**
   * Another name for `to`: the minimum the decay ends at (PyTorch's `eta_min`, Hugging Face's
   * `min_lr`). Give `to` or `floor`; both with different values is an error.
   */
  readonly floor?: number;
  /** Linear warm-up from 0 to `from` over this long; default none. */
  readonly warmup?: StageDuration;
}

/**
 * Linear warm-up 0 → `from` over W steps (value from·step/W), then half a cosine from `from` to `to`:
 * to + (from − to)·½·(1 + cos(π·(step − W)/(totalSteps − W))). W is capped at totalSteps.
 */
export function cosine(options: CosineOptions): Schedule {
  const { from, warmup } = options;
  if (options.to !== undefined && options.floor !== undefined && options.to !== options.floor) {
    throw new KdcRuntimeError(`cosine: give \`to\` or \`floor\` (the same thing), not both (${options.to} and ${options.floor})`);
  }
  const to = options.to ?? options.floor ?? 0;
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

export interface StepOptions {
  /** The value until the first drop. */
  readonly from: number;
  /** What each drop multiplies the value by (PyTorch StepLR's `gamma`). */
  readonly factor: number;
  /** How often the value drops (StepLR's `step_size`); a non-positive length never drops. */
  readonly every: StageDuration;
}

/**
 * Staircase decay: from·factor^⌊step/every⌋. With `every` in epochs this is torch's StepLR stepped
 * once per epoch; the drop applies from the step that starts the new period.
 */
export function step(options: StepOptions): Schedule {
  const { from, factor, every } = options;
  return {
    describe: `step(${from}, ×${factor} every ${formatDuration(every)})`,
    at(progress) {
      const period = resolveDuration(every, progress);
      if (!(period > 0)) return from;
      return from * factor ** Math.floor(progress.step / period);
    },
  };
}

export interface ExpOptions {
  readonly from: number;
  /** Geometric interpolation from `from` to `to` over the stage. Give `to` or `gamma`, not both. */
  readonly to?: number;
  /** The factor per `every` (PyTorch ExponentialLR's `gamma`, stepped every `every`). */
  readonly gamma?: number;
  /** With `gamma`: the length one factor of `gamma` takes; default 1 step. */
  readonly every?: StageDuration;
}

/**
 * Exponential decay, continuous in the step. With `to`: from·(to/from)^(step/totalSteps), reaching
 * `to` at the end of the stage and holding it after (`from` and `to` non-zero and of one sign).
 * With `gamma`: from·gamma^(step/every) (every = 1 step by default: torch's ExponentialLR stepped
 * after every optimizer step). For a staircase (ExponentialLR stepped once per epoch) use `step`.
 */
export function exp(options: ExpOptions): Schedule {
  const { from, to, gamma, every } = options;
  if ((to === undefined) === (gamma === undefined)) {
    throw new KdcRuntimeError("exp: give exactly one of `to` (the value at the end of the stage) or `gamma` (the factor per step)");
  }
  if (to !== undefined) {
    if (!(from * to > 0)) throw new KdcRuntimeError(`exp: \`from\` and \`to\` must be non-zero and of one sign, got ${from} and ${to}`);
    const ratio = to / from;
    return {
      describe: `exp(${from} → ${to})`,
      at(progress) {
        const total = progress.totalSteps;
        const t = total > 0 ? Math.min(1, Math.max(0, progress.step / total)) : 1;
        return t >= 1 ? to : from * ratio ** t;
      },
    };
  }
  const g = gamma!;
  return {
    describe: `exp(${from}, ×${g} per ${every ? formatDuration(every) : "step"})`,
    at(progress) {
      const period = every ? resolveDuration(every, progress) : 1;
      if (!(period > 0)) return from;
      return from * g ** (progress.step / period);
    },
  };
}

export interface WarmupOptions {
  /** How long the linear warm-up lasts. */
  readonly steps: StageDuration;
  /** The schedule after the warm-up; its clock starts when the warm-up ends. */
  readonly then: Schedule | number;
  /** The value at step 0; default 0. */
  readonly from?: number;
}

/**
 * A linear ramp from `from` (at step 0) to the value `then` starts with, over W steps, then `then`.
 * `then` runs on its own clock starting at the end of the warm-up: it sees step − W, a stage of
 * totalSteps − W steps (so its percentages are of the rest of the stage) and the same
 * stepsPerEpoch. So `warmup(steps: W, then: cosine(…))` decays over the remaining steps, exactly as
 * Hugging Face's get_cosine_schedule_with_warmup. A warm-up longer than the stage ramps towards
 * `then`'s value at the start of an empty stage and never reaches it.
 */
export function warmup(options: WarmupOptions): Schedule {
  const then = asSchedule(options.then);
  const from = options.from ?? 0;
  const shifted = (progress: Progress, w: number): Progress => {
    const step = progress.step - w;
    return {
      step,
      totalSteps: Math.max(0, progress.totalSteps - w),
      epoch: progress.stepsPerEpoch > 0 ? Math.max(0, Math.floor(step / progress.stepsPerEpoch)) : 0,
      stepsPerEpoch: progress.stepsPerEpoch,
    };
  };
  return {
    describe: `warmup(${formatDuration(options.steps)} from ${from}, then ${then.describe})`,
    at(progress) {
      const w = Math.max(0, resolveDuration(options.steps, progress));
      if (progress.step >= w) return then.at(shifted(progress, w));
      const target = then.at(shifted({ ...progress, step: w }, w));
      return from + ((target - from) * progress.step) / w;
    },
  };
}

/** One point of a piecewise schedule: where, and the value there. */
export type PiecewisePoint = readonly [at: StageDuration, value: number];

export interface PiecewiseOptions {
  /** At least one point. Ordered by resolved position (stably: two points at one position make a jump). */
  readonly points: readonly PiecewisePoint[];
  /** `linear` (default) joins the points with straight lines; `step` holds each value until the next point. */
  readonly interpolate?: "linear" | "step";
}

/**
 * Through the given points: the first value before the first point, the last value after the last.
 * `step` is right-continuous: at a point's position its own value applies (as torch's MultiStepLR
 * at a milestone). Points at one position: the earlier value before it, the later from it on.
 */
export function piecewise(options: PiecewiseOptions): Schedule {
  const { points } = options;
  const mode = options.interpolate ?? "linear";
  if (points.length === 0) throw new KdcRuntimeError("piecewise: needs at least one point");
  const text = points.map(([d, v]) => `${formatDuration(d)}: ${v}`).join(", ");
  return {
    describe: `piecewise(${mode}; ${text})`,
    at(progress) {
      const resolved = points.map(([d, v], i) => ({ x: resolveDuration(d, progress), v, i }));
      resolved.sort((a, b) => a.x - b.x || a.i - b.i);
      const s = progress.step;
      // The last point at or before the step (index -1 when the step is before every point).
      let k = -1;
      while (k + 1 < resolved.length && resolved[k + 1]!.x <= s) k++;
      if (k < 0) return resolved[0]!.v;
      const left = resolved[k]!;
      const right = resolved[k + 1];
      if (mode === "step" || !right) return left.v;
      return left.v + ((right.v - left.v) * (s - left.x)) / (right.x - left.x); // right.x > s ≥ left.x
    },
  };
}

/**
 * A schedule computed from others at each step: `fn` receives the parts' values in order.
 * `describe` names the result (e.g. `min(cosine(…), 0.0001)`).
 */
export function combine(describe: string, parts: readonly (Schedule | number)[], fn: (values: readonly number[]) => number): Schedule {
  const schedules = parts.map(asSchedule);
  return { describe, at: (progress) => fn(schedules.map((s) => s.at(progress))) };
}

function nameOf(part: Schedule | number): string {
  return typeof part === "number" ? `${part}` : part.describe;
}

function reduce(name: string, parts: readonly (Schedule | number)[], fn: (a: number, b: number) => number): Schedule {
  if (parts.length === 0) throw new KdcRuntimeError(`${name}: needs at least one schedule`);
  return combine(`${name}(${parts.map(nameOf).join(", ")})`, parts, (values) => values.reduce((a, b) => fn(a, b)));
}

/** The smallest of the parts at each step (a ceiling: `min(s, 1)`). */
export function min(...parts: (Schedule | number)[]): Schedule {
  return reduce("min", parts, Math.min);
}

/** The largest of the parts at each step (a floor: `max(s, 1e-5)`). */
export function max(...parts: (Schedule | number)[]): Schedule {
  return reduce("max", parts, Math.max);
}

function binary(symbol: string, a: Schedule | number, b: Schedule | number, fn: (x: number, y: number) => number): Schedule {
  return combine(`(${nameOf(a)} ${symbol} ${nameOf(b)})`, [a, b], ([x, y]) => fn(x!, y!));
}

/** a + b at each step. */
export function add(a: Schedule | number, b: Schedule | number): Schedule {
  return binary("+", a, b, (x, y) => x + y);
}

/** a − b at each step. */
export function sub(a: Schedule | number, b: Schedule | number): Schedule {
  return binary("-", a, b, (x, y) => x - y);
}

/** a · b at each step. */
export function mul(a: Schedule | number, b: Schedule | number): Schedule {
  return binary("*", a, b, (x, y) => x * y);
}

/** a / b at each step (plain JS division: the recipe's checker keeps b away from 0). */
export function div(a: Schedule | number, b: Schedule | number): Schedule {
  return binary("/", a, b, (x, y) => x / y);
}

/** Accepts a bare number where a schedule is expected. */
export function asSchedule(value: Schedule | number): Schedule {
  return typeof value === "number" ? constant(value) : value;
}

/**
 * An adaptive schedule (a recipe's `let lam = taid_lambda(…)`): the controller's current value,
 * whatever the progress. The stage updates the controller once after each optimizer step, so
 * step k (0-based) reads the value left by steps 0…k−1 everywhere: in the objective, and in the
 * learning rate, which the optimizer reads before the step.
 */
export function adaptive(controller: TaidController): Schedule {
  return {
    describe: `taid_lambda(${controller.lambdaStart} → ${controller.lambdaEnd}, α ${controller.alpha}, β ${controller.beta})`,
    at: () => controller.lambda,
  };
}
