// Rule KD3047: an `axis` of a tensor operation (`mean`, `sum`, `normalize`, `pearson`) must name an
// axis the tensor has, each at most once. Negative axes count from the end, as in torch and numpy.
import { diagnostic } from "../../diagnostics/diagnostic.js";
import type { BuiltinContext } from "../builtins.js";
import type { BoundArgument } from "../signature.js";
import { showShape, type Dim } from "../types.js";
import { isNumber, type Value } from "../values.js";

/**
 * The axes an `axis` argument names, counted from 0 (negative ones from the end), or undefined
 * after reporting KD3047. `"all"` (the default of `mean` and `sum`) is every axis.
 */
export function resolveAxes(a: BoundArgument, rank: number, shape: readonly Dim[], ctx: BuiltinContext): number[] | undefined {
  const value: Value | undefined = a.value;
  if (value === "all") return [...Array(rank).keys()];
  const span = a.node?.span ?? ctx.call.span;
  const callee = ctx.call.callee.kind === "Identifier" ? ctx.call.callee.name : "call";
  const list = Array.isArray(value) ? (value as Value[]) : [value];
  const bad = (axis: Value | undefined, problem: string): undefined => {
    ctx.report(diagnostic("KD3047", span, { axis: String(axis), callee, problem, shape: showShape(shape), rank }));
    return undefined;
  };
  if (typeof value === "string") return bad(JSON.stringify(value), "is not an axis (write a number, a list of numbers, or leave it out)");
  const out: number[] = [];
  for (const axis of list) {
    if (!isNumber(axis)) return undefined; // not known before training: reported as KD4001 elsewhere
    if (axis < -rank || axis >= rank) return bad(axis, `is out of range for a tensor ${showShape(shape)}`);
    const resolved = axis < 0 ? axis + rank : axis;
    if (out.includes(resolved)) return bad(axis, "is named twice");
    out.push(resolved);
  }
  if (list.length === 0) return bad("[]", "names no axis (leave `axis` out to reduce every axis)");
  return out;
}

