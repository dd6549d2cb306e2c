// Scalars and schedules of the IR evaluated at a given step, with the runtime's own schedule
// functions (runtime/schedules.ts), so `kdc explain` prints the values training will use.
import { isScheduleExpr, type IrExpr, type IrProgram, type IrStage } from "../lower/ir.js";
import * as schedules from "../../runtime/schedules.js";
import type { Progress, Schedule } from "../../runtime/program.js";
import { camel } from "../emit/expressions.js";
import { nodesOf } from "./inline.js";

export interface StageClock {
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
}

/** As the runtime counts them (runtime/train/stage.ts `totalStepsOf`): `steps N`, else epochs × steps per epoch. */
export function clockOf(stage: IrStage): StageClock {
  return { stepsPerEpoch: stage.stepsPerEpoch, totalSteps: stage.steps ?? stage.stepsPerEpoch * stage.epochs };
}

export function progressAt(clock: StageClock, step: number): Progress {
  return { step, totalSteps: clock.totalSteps, stepsPerEpoch: clock.stepsPerEpoch, epoch: Math.floor(step / clock.stepsPerEpoch) };
}

/** The value of a scalar expression at `progress`, or undefined when it is not a number. */
export function valueAt(e: IrExpr, progress: Progress, ir: IrProgram, stage: IrStage | undefined): number | undefined {
  const at = (x: IrExpr) => valueAt(x, progress, ir, stage);
  switch (e.op) {
    case "number":
      return e.value;
    case "param": {
      const v = ir.params.find((p) => p.name === e.name)?.value;
      return typeof v === "number" ? v : undefined;
    }
    case "local": {
      const l = stage?.lets.find((x) => x.name === e.name);
      return l ? at(l.value) : undefined;
    }
    case "binary": {
      const a = at(e.left);
      const b = at(e.right);
      if (a === undefined || b === undefined) return undefined;
      return e.operator === "+" ? a + b : e.operator === "-" ? a - b : e.operator === "*" ? a * b : e.operator === "/" ? a / b : a ** b;
    }
    case "neg": {
      const a = at(e.operand);
      return a === undefined ? undefined : -a;
    }
    case "math": {
      const values = e.args.map(at);
      if (values.some((v) => v === undefined)) return undefined;
      return (e.fn === "min" ? Math.min : Math.max)(...(values as number[]));
    }
    case "progress":
      return e.field === "step" ? progress.step : progress.step / progress.stepsPerEpoch;
    case "at":
      return at(e.schedule);
    case "schedule":
      return scheduleOf(e, progress, ir, stage)?.at(progress);
    default:
      return undefined;
  }
}

/**
 * The runtime schedule an IR `schedule` node builds (its arguments are build-time values, or
 * schedules themselves: `warmup(then: cosine(…))`), with the runtime's option names where they
 * differ from the recipe's, as the emitter maps them (compiler/emit/schedules.ts).
 */
function scheduleOf(e: Extract<IrExpr, { op: "schedule" }>, progress: Progress, ir: IrProgram, stage: IrStage | undefined): Schedule | undefined {
  const value = (v: IrExpr): unknown => {
    if (v.op === "duration") return { value: v.value, unit: v.unit };
    if (v.op === "list") return v.items.map(value);
    if (v.op === "string") return v.value;
    // A schedule argument runs on the clock its parent gives it (warmup shifts it).
    if (isScheduleExpr(v)) return { describe: "", at: (p: Progress) => valueAt(v, p, ir, stage) ?? Number.NaN } satisfies Schedule;
    return valueAt(v, progress, ir, stage);
  };
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e.args)) options[camel(k)] = value(v);
  const renamed: Record<string, unknown> =
    e.fn === "step_decay"
      ? { from: options.from, factor: options.gamma, every: options.every }
      : e.fn === "warmup"
        ? { steps: options.length, then: options.then, from: options.from }
        : e.fn === "piecewise" && Array.isArray(options.at) && Array.isArray(options.values)
          ? { points: options.at.map((at: unknown, i: number) => [at, (options.values as unknown[])[i]]), interpolate: options.interpolate }
          : options;
  const name = e.fn === "step_decay" ? "step" : e.fn;
  const make = (schedules as unknown as Record<string, ((o: unknown) => Schedule) | undefined>)[name];
  if (typeof make !== "function") return undefined;
  try {
    return e.fn === "constant" ? make(options.value) : make(renamed);
  } catch {
    return undefined;
  }
}

/** Steps of the longest `warmup:` among the schedules in these expressions (0 when none). */
export function warmupSteps(exprs: readonly IrExpr[], clock: StageClock): number {
  let longest = 0;
  for (const e of exprs.flatMap(nodesOf))
    for (const w of e.op === "schedule" ? [e.args.warmup, e.fn === "warmup" ? e.args.length : undefined] : [])
      if (w?.op === "duration") longest = Math.max(longest, schedules.resolveDuration({ value: w.value, unit: w.unit }, progressAt(clock, 0)));
  return Math.min(longest, clock.totalSteps);
}
