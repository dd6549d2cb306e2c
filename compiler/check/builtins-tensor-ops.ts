// Tensor operations for `loss` definitions and objectives: normalize, mean, sum, abs, pow, softmax,
// log_softmax, flatten, pooling, pearson, detach. Each computes its result's symbolic shape, so a
// later call still checks widths: `mse(normalize(s.hidden[0]), normalize(t.hidden[0]))` needs
// equal widths as `mse(s.hidden[0], t.hidden[0])` does.
import { diagnostic } from "../diagnostics/diagnostic.js";
import type { Builtin, BuiltinContext } from "./builtins.js";
import { checkPositiveTemperature } from "./rules/positive-temperature.js";
import { resolveAxes } from "./rules/tensor-axes.js";
import type { BoundArgument, SignatureParam } from "./signature.js";
import { shapesAgree, showShape, type Dim, type Type } from "./types.js";
import { isNumber } from "./values.js";

/** Names of the tensor operations the IR's `tensor_op` node carries (`pow` lowers to `^`). */
export const TENSOR_OPS = ["normalize", "mean", "sum", "abs", "softmax", "log_softmax", "flatten", "avg_pool", "max_pool", "pearson", "detach"] as const;
export type TensorOpName = (typeof TENSOR_OPS)[number];

type Args = ReadonlyMap<string, BoundArgument>;

const x: SignatureParam = { name: "x", type: "tensor" };

const shapeOf = (a: BoundArgument | undefined): readonly Dim[] | undefined => (a?.type.kind === "tensor" ? a.type.shape : undefined);
const nameOf = (a: BoundArgument | undefined): string => (a?.type.kind === "tensor" ? (a.type.of ?? "x") : "x");
const tensor = (shape: readonly Dim[] | undefined, of: string): { type: Type } => ({ type: { kind: "tensor", shape, of } });
const error = { type: { kind: "error" } as Type };

/** A shape with at least `min` axes, or KD3007 naming what the operation expects. */
function requireRank(a: BoundArgument, min: number, expected: string, ctx: BuiltinContext, callee: string): boolean {
  const shape = shapeOf(a);
  if (!shape || shape.length >= min) return true;
  ctx.report(diagnostic("KD3007", a.node?.span ?? ctx.call.span, { context: `the argument \`x\` of \`${callee}\``, expected, found: showShape(shape) }));
  return false;
}

/** An operation that keeps its input's shape (`abs`, `detach`, softmax over the last axis). */
function elementwise(name: string, doc: string, extra: readonly SignatureParam[] = [], check?: (args: Args, ctx: BuiltinContext) => boolean): Builtin {
  return {
    name,
    category: "tensor",
    doc,
    params: [x, ...extra],
    result(args, ctx) {
      const a = args.get("x")!;
      if (a.type.kind !== "tensor") return error;
      if (check && !check(args, ctx)) return error;
      return tensor(a.type.shape, `${name}(${nameOf(a)})`);
    },
  };
}

const temperature = (name: "softmax" | "log_softmax", doc: string): Builtin =>
  elementwise(name, doc, [{ name: "T", type: "scalar", default: 1 }], (args, ctx) => {
    checkPositiveTemperature(args.get("T")!, ctx);
    return requireRank(args.get("x")!, 1, "[…, C] (it normalises over the last axis)", ctx, name);
  });

const normalize: Builtin = {
  name: "normalize",
  category: "tensor",
  doc: "L2 normalisation along an axis (default the last): x / max(‖x‖₂, 1e-12), as torch's F.normalize. Same shape as x.",
  params: [x, { name: "axis", type: "int", default: -1 }],
  result(args, ctx) {
    const a = args.get("x")!;
    if (a.type.kind !== "tensor") return error;
    const shape = a.type.shape;
    if (shape && !resolveAxes(args.get("axis")!, shape.length, shape, ctx)) return error;
    return tensor(shape, `normalize(${nameOf(a)})`);
  },
};

/** `mean` and `sum` over the named axes (every axis when `axis` is left out: a scalar). */
const reduction = (name: "mean" | "sum", doc: string): Builtin => ({
  name,
  category: "tensor",
  doc,
  params: [x, { name: "axis", type: "axes", default: "all" }],
  result(args, ctx) {
    const a = args.get("x")!;
    const axis = args.get("axis")!;
    if (a.type.kind !== "tensor") return error;
    const shape = a.type.shape;
    if (axis.node === undefined || axis.value === "all") return tensor([], `${name}(${nameOf(a)})`);
    if (!shape) return tensor(undefined, `${name}(${nameOf(a)})`);
    const axes = resolveAxes(axis, shape.length, shape, ctx);
    if (!axes) return error;
    return tensor(
      shape.filter((_, i) => !axes.includes(i)),
      `${name}(${nameOf(a)})`,
    );
  },
});

const flatten: Builtin = {
  name: "flatten",
  category: "tensor",
  doc: "Keeps the batch axis and flattens the rest, row-major: [B, H, W, C] → [B, H·W·C]. A [B, F] tensor is unchanged.",
  params: [x],
  result(args, ctx) {
    const a = args.get("x")!;
    if (a.type.kind !== "tensor") return error;
    const shape = a.type.shape;
    if (!requireRank(a, 2, "[B, …] (a batch axis and at least one more)", ctx, "flatten")) return error;
    if (!shape) return tensor(undefined, `flatten(${nameOf(a)})`);
    const rest = shape.slice(1);
    const width: Dim = rest.every(isNumber) ? rest.reduce<number>((p, d) => p * (d as number), 1) : rest.join("·");
    return tensor([shape[0]!, width], `flatten(${nameOf(a)})`);
  },
};

/** Average or max pooling of images [B, H, W, C]: global (→ [B, C]) or in k×k windows with stride k. */
const pooling = (name: "avg_pool" | "max_pool", doc: string): Builtin => ({
  name,
  category: "tensor",
  doc,
  params: [x, { name: "kernel", type: "int", default: 0 }],
  result(args, ctx) {
    const a = args.get("x")!;
    if (a.type.kind !== "tensor") return error;
    const shape = a.type.shape;
    if (shape && shape.length !== 4) {
      ctx.report(diagnostic("KD3007", a.node?.span ?? ctx.call.span, { context: `the argument \`x\` of \`${name}\` (images)`, expected: "[B, H, W, C]", found: showShape(shape) }));
      return error;
    }
    const k = args.get("kernel")!;
    const kernel = k.value;
    if (!isNumber(kernel)) return error;
    const of = `${name}(${nameOf(a)})`;
    if (kernel === 0) return tensor(shape && [shape[0]!, shape[3]!], of);
    const [h, w] = [shape?.[1], shape?.[2]];
    const limit = [h, w].filter(isNumber);
    if (kernel < 0 || limit.some((d) => kernel > d)) {
      ctx.report(
        diagnostic("KD3008", k.node?.span ?? ctx.call.span, {
          what: `the \`kernel\` of \`${name}\``,
          value: `0 (global pooling) or between 1 and the image's ${limit.length ? Math.min(...limit) : "size"}, not ${kernel}`,
        }),
      );
      return error;
    }
    const out = (d: Dim | undefined): Dim => (isNumber(d) ? Math.floor(d / kernel) : `${d ?? "H"}/${kernel}`);
    return tensor(shape && [shape[0]!, out(h), out(w), shape[3]!], of);
  },
});

const pearson: Builtin = {
  name: "pearson",
  category: "tensor",
  doc: "Pearson correlation of x and y along an axis (default the last), as DIST: with x̃ = x − mean(x), ỹ = y − mean(y) along it, Σ x̃·ỹ / (max(‖x̃‖, 1e-8)·max(‖ỹ‖, 1e-8)). The axis is removed: [B, C] → [B].",
  params: [x, { name: "y", type: "tensor" }, { name: "axis", type: "int", default: -1 }],
  result(args, ctx) {
    const a = args.get("x")!;
    const b = args.get("y")!;
    if (a.type.kind !== "tensor" || b.type.kind !== "tensor") return error;
    if (!shapesAgree(a.type.shape, b.type.shape)) {
      ctx.report(
        diagnostic("KD3007", b.node?.span ?? ctx.call.span, {
          context: "`pearson` correlates tensors of one shape",
          expected: showShape(a.type.shape),
          found: showShape(b.type.shape),
        }),
      );
      return error;
    }
    const shape = a.type.shape ?? b.type.shape;
    const of = `pearson(${nameOf(a)}, ${nameOf(b)})`;
    if (!shape) return tensor(undefined, of);
    if (!requireRank(a, 1, "[…, C]", ctx, "pearson")) return error;
    const axes = resolveAxes(args.get("axis")!, shape.length, shape, ctx);
    if (!axes) return error;
    return tensor(
      shape.filter((_, i) => i !== axes[0]),
      of,
    );
  },
};

/** `pow(x, p)`: the same as `x ^ p` (and lowered to it), for tensors. */
const pow: Builtin = elementwise("pow", "x to the power p, element by element; the same as `x ^ p`.", [{ name: "p", type: "scalar" }]);

export const tensorOpBuiltins: readonly Builtin[] = [
  normalize,
  reduction("mean", "The mean over the given axes (an axis, or a list of axes; negative ones count from the end), which disappear from the shape; every axis when `axis` is left out, giving a scalar."),
  reduction("sum", "The sum over the given axes (an axis, or a list of axes; negative ones count from the end), which disappear from the shape; every axis when `axis` is left out, giving a scalar."),
  elementwise("abs", "|x|, element by element (gradient sign(x), 0 at 0)."),
  pow,
  temperature("softmax", "softmax(x / T) over the last axis. Same shape as x."),
  temperature("log_softmax", "log softmax(x / T) over the last axis, computed in log space (x/T − logsumexp(x/T)). Same shape as x."),
  flatten,
  pooling("avg_pool", "Average pooling of images [B, H, W, C]: global over H and W ([B, C]) when `kernel` is 0, the default; else k×k windows with stride k and no padding ([B, ⌊H/k⌋, ⌊W/k⌋, C])."),
  pooling("max_pool", "Max pooling of images [B, H, W, C]: global over H and W ([B, C]) when `kernel` is 0, the default; else k×k windows with stride k and no padding ([B, ⌊H/k⌋, ⌊W/k⌋, C])."),
  pearson,
  elementwise("detach", "x as a constant: the same values, no gradient flows back through it (stop-gradient)."),
];
