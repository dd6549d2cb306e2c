// Schedules beyond constant, linear and cosine: step_decay, exp, warmup and piecewise, with the
// value range each takes over its stage, so the existing checks (a positive temperature, a
// non-negative learning rate, a warm-up shorter than its stage) apply to them as they are.
import { diagnostic } from "../diagnostics/diagnostic.js";
import { scheduleResult, type Builtin, type BuiltinContext } from "./builtins.js";
import type { BoundArgument } from "./signature.js";
import type { Type } from "./types.js";
import { isDuration, isNumber, isSchedule, range, showValue, type DurationValue, type Value } from "./values.js";

type Args = ReadonlyMap<string, BoundArgument>;

const unknown = { type: { kind: "schedule" } as Type };

/** The argument's number, or undefined when it is not known (already reported) or invalid. */
const numberOf = (args: Args, name: string): number | undefined => {
  const v = args.get(name)?.value;
  return isNumber(v) ? v : undefined;
};

function outOfRange(args: Args, name: string, what: string, value: string, ctx: BuiltinContext): void {
  ctx.report(diagnostic("KD3008", args.get(name)?.node?.span ?? ctx.call.span, { what, value }));
}

/** A duration that must be positive (a decay period). */
function positiveDuration(args: Args, name: string, callee: string, ctx: BuiltinContext): DurationValue | undefined {
  const v = args.get(name)?.value;
  if (!isDuration(v)) return undefined;
  if (v.value > 0) return v;
  outOfRange(args, name, `\`${name}\` of \`${callee}\``, `a positive duration, not ${showValue(v)}`, ctx);
  return undefined;
}

/**
 * The values of from·gamma^k over k ≥ 0 (k real or whole; the stage's length is not known here).
 * A decay towards 0 never reaches it: the smallest positive double stands for that open bound, so a
 * decaying temperature still counts as positive; growth is unbounded.
 */
function geometricRange(from: number, gamma: number): [number, number] {
  if (gamma === 1 || from === 0) return [from, from];
  const towardZero = from > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  const limit = gamma < 1 ? towardZero : from * Number.POSITIVE_INFINITY;
  return [Math.min(from, limit), Math.max(from, limit)];
}

function positiveGamma(args: Args, callee: string, ctx: BuiltinContext): number | undefined {
  const gamma = numberOf(args, "gamma");
  if (gamma === undefined) return undefined;
  if (gamma > 0) return gamma;
  outOfRange(args, "gamma", `\`gamma\` of \`${callee}\``, `positive (the factor per period), not ${gamma}`, ctx);
  return undefined;
}

const stepDecay: Builtin = {
  name: "step_decay",
  category: "schedule",
  doc: "Staircase decay: from·gamma^⌊step/every⌋ (PyTorch's StepLR with step_size `every`). Named `step_decay` because `step` is the step counter.",
  params: [
    { name: "from", type: "number" },
    { name: "gamma", type: "number" },
    { name: "every", type: "duration" },
  ],
  result(args, ctx) {
    const from = numberOf(args, "from");
    const gamma = positiveGamma(args, "step_decay", ctx);
    const every = positiveDuration(args, "every", "step_decay", ctx);
    if (from === undefined || gamma === undefined || !every) return unknown;
    return scheduleResult(`step_decay(${from}, ×${gamma} every ${showValue(every)})`, geometricRange(from, gamma), undefined);
  },
};

const exp: Builtin = {
  name: "exp",
  category: "schedule",
  doc: "Exponential decay, continuous in the step: with `to`, from·(to/from)^(step/total), reaching `to` at the end of the stage; with `gamma`, from·gamma^(step/every) (PyTorch's ExponentialLR stepped every `every`).",
  params: [
    { name: "from", type: "number" },
    // Exactly one of `to` and `gamma` is given (KD3048); the defaults only make each optional.
    { name: "to", type: "number", default: 0 },
    { name: "gamma", type: "number", default: 0 },
    { name: "every", type: "duration", default: { kind: "duration", value: 1, unit: "steps" } },
  ],
  result(args, ctx) {
    const given = (name: string): boolean => args.get(name)?.node !== undefined;
    // An argument already diagnosed (or dropped by the parser's recovery) says nothing about the form.
    if ([...args.values()].some((a) => a.type.kind === "error")) return unknown;
    if (given("to") === given("gamma") || (given("to") && given("every"))) {
      ctx.report(diagnostic("KD3048", ctx.call.span, { callee: "exp", options: "`to` (the value at the end of the stage) or `gamma` (the factor per `every`, default 1 step)" }));
      return unknown;
    }
    const from = numberOf(args, "from");
    if (given("to")) {
      const to = numberOf(args, "to");
      if (from === undefined || to === undefined) return unknown;
      if (!(from * to > 0)) {
        outOfRange(args, "to", "`from` and `to` of `exp`", `non-zero and of one sign, not ${from} and ${to}`, ctx);
        return unknown;
      }
      return scheduleResult(`exp(${from} → ${to})`, [from, to], undefined);
    }
    const gamma = positiveGamma(args, "exp", ctx);
    const every = positiveDuration(args, "every", "exp", ctx);
    if (from === undefined || gamma === undefined || !every) return unknown;
    return scheduleResult(`exp(${from}, ×${gamma} per ${showValue(every)})`, geometricRange(from, gamma), undefined);
  },
};

const warmup: Builtin = {
  name: "warmup",
  category: "schedule",
  doc: "A linear ramp from `from` (default 0) to the value `then` starts with, over `length`; then `then`, on a clock that starts when the warm-up ends (its percentages are of the rest of the stage).",
  params: [
    { name: "length", type: "duration" },
    { name: "then", type: "scalar" },
    { name: "from", type: "number", default: 0 },
  ],
  result(args, ctx) {
    const length = args.get("length")!.value;
    const from = numberOf(args, "from");
    const then = range(args.get("then")!.value);
    if (!isDuration(length) || from === undefined || !then) return unknown;
    if (length.value < 0) {
      outOfRange(args, "length", "the warm-up's `length`", `at least 0, not ${showValue(length)}`, ctx);
      return unknown;
    }
    const values = [from, then.min, then.max];
    if (values.some(Number.isNaN)) return unknown;
    // Not scheduleResult: that one assumes a warm-up from 0, and this one starts at `from`.
    const describe = `warmup(${showValue(length)} from ${from}, then ${showValue(args.get("then")!.value!)})`;
    return { type: unknown.type, value: { kind: "schedule", describe, min: Math.min(...values), max: Math.max(...values), warmup: length } };
  },
};

const INTERPOLATIONS = ["linear", "step"];

const piecewise: Builtin = {
  name: "piecewise",
  category: "schedule",
  doc: "Through given points: `values[i]` at position `at[i]`, joined by straight lines (`interpolate: \"linear\"`) or held until the next point (`\"step\"`, MultiStepLR-like); the first value before the first point, the last after the last.",
  params: [
    { name: "at", type: "duration-list" },
    { name: "values", type: "number-list" },
    { name: "interpolate", type: "string", default: "linear" },
  ],
  result(args, ctx) {
    const at = args.get("at")!.value;
    const values = args.get("values")!.value;
    const mode = args.get("interpolate")!.value;
    if (typeof mode === "string" && !INTERPOLATIONS.includes(mode)) {
      outOfRange(args, "interpolate", "`interpolate`", `one of ${INTERPOLATIONS.map((m) => `"${m}"`).join(", ")}, not "${mode}"`, ctx);
      return unknown;
    }
    if (!Array.isArray(at) || !Array.isArray(values)) return unknown;
    const numbers = (values as Value[]).filter(isNumber);
    if (at.length === 0 || numbers.length !== at.length) {
      outOfRange(args, "values", "`values` of `piecewise`", `one number per position in \`at\` (${at.length}), at least one, not ${numbers.length}`, ctx);
      return unknown;
    }
    const result = scheduleResult(`piecewise(${numbers.join(", ")})`, numbers, undefined);
    const points = (at as Value[]).filter(isDuration);
    return isSchedule(result.value) ? { ...result, value: { ...result.value, points } } : result;
  },
};

export const scheduleBuiltins: readonly Builtin[] = [stepDecay, exp, warmup, piecewise];
