// Pipelines of layers (`conv(kernel: 1) >> batchnorm >> relu`): the value of a `module` and the
// `via:` of a structured adapter. Layers are their own namespace (so `linear` here is the dense
// layer, not the schedule); their shapes are inferred from the tensor the pipeline is applied to,
// layer by layer, with a coded diagnostic at the layer that cannot take its input.
import type { CallExpression, Expression } from "../../grammar/ast.js";
import { isRecoveredName } from "../../grammar/to-ast.js";
import { diagnostic, type Diagnostic, type Label } from "../diagnostics/diagnostic.js";
import { suggest } from "../diagnostics/suggest.js";
import type { IrLayer } from "../lower/ir.js";
import type { Span } from "../source.js";
import { bindArguments, type Checked, type Signature } from "./signature.js";
import { showShape, type Dim } from "./types.js";
import { isNumber } from "./values.js";

export type LayerKind = IrLayer["kind"];

interface LayerDef extends Signature {
  readonly name: LayerKind;
  readonly doc: string;
  /** Has weights and an output width (`out`). */
  readonly weighted?: boolean;
}

/** `out: 0` in a signature stands for "not written": inferred where possible. */
const INFERRED = 0;

export const LAYERS: readonly LayerDef[] = [
  { name: "linear", params: [{ name: "out", type: "int", default: INFERRED }], weighted: true, doc: "`[B, F] → [B, out]`, W·x + b (PyTorch's nn.Linear init)." },
  {
    name: "conv",
    params: [
      { name: "kernel", type: "int" },
      { name: "out", type: "int", default: INFERRED },
      { name: "stride", type: "int", default: 1 },
    ],
    weighted: true,
    doc: "`[B, H, W, C] → [B, ⌈H/stride⌉, ⌈W/stride⌉, out]`, a kernel×kernel convolution with same padding and a bias.",
  },
  { name: "batchnorm", params: [], doc: "Batch normalisation over the last axis of [B, F] or [B, H, W, C]: batch statistics in the stage that trains it, running ones after." },
  { name: "relu", params: [], doc: "max(x, 0), any shape." },
  { name: "gelu", params: [], doc: "0.5·x·(1 + erf(x/√2)), any shape." },
  { name: "tanh", params: [], doc: "tanh(x), any shape." },
  { name: "flatten", params: [], doc: "`[B, …] → [B, product of …]`, row-major." },
  { name: "avg_pool", params: [{ name: "size", type: "int", default: 2 }], doc: "`[B, H, W, C] → [B, ⌊H/size⌋, ⌊W/size⌋, C]`, the mean of each size×size window." },
];

const LAYER_NAMES = LAYERS.map((l) => l.name);

/** One step of a pipeline as written, its arguments known. */
export interface Step {
  readonly def: LayerDef;
  readonly node: Expression;
  readonly out: number | undefined;
  readonly kernel: number;
  readonly stride: number;
  readonly size: number;
}

/** A pipeline with every shape known: what lowering builds. */
export interface PipelineInfo {
  /** One example's shape (after the batch axis). */
  readonly input: readonly number[];
  /** The result's shape, batch axis included. */
  readonly output: readonly Dim[];
  readonly layers: readonly IrLayer[];
  /** Weights, batch-norm statistics included. */
  readonly parameters: number;
  /** Where the shapes were fixed (a module's first application). */
  readonly appliedAt: Span;
}

export interface PipelineContext {
  /** Types an argument of a layer (a number or a param). */
  check(e: Expression): Checked;
  report(d: Diagnostic): void;
}

/** `a >> b >> c` as [a, b, c]. */
export function flattenPipeline(e: Expression): Expression[] {
  if (e.kind === "BinaryExpression" && e.operator === ">>") return [...flattenPipeline(e.left), ...flattenPipeline(e.right)];
  return [e];
}

/**
 * The steps of a pipeline with their arguments, or undefined when one is not a layer (reported).
 * `requireOut` (modules, which have no target): a weighted layer without `out` is KD3056.
 */
export function pipelineSteps(e: Expression, ctx: PipelineContext, requireOut: boolean): Step[] | undefined {
  const steps: Step[] = [];
  let ok = true;
  for (const node of flattenPipeline(e)) {
    const step = layerStep(node, ctx);
    if (!step) {
      ok = false;
      continue;
    }
    if (requireOut && step.def.weighted && step.out === undefined) {
      ctx.report(diagnostic("KD3056", node.span, { layer: step.def.name, why: "a `module` has no target to take its width from" }));
      ok = false;
    }
    steps.push(step);
  }
  return ok ? steps : undefined;
}

function layerStep(node: Expression, ctx: PipelineContext): Step | undefined {
  if (node.kind === "Missing") return undefined;
  const callee = node.kind === "CallExpression" ? node.callee : node;
  if (callee.kind !== "Identifier") {
    ctx.report(diagnostic("KD3054", node.span, { name: node.kind === "NumberLiteral" ? node.raw : "this expression", layers: LAYER_NAMES.join(", ") }));
    return undefined;
  }
  if (isRecoveredName(callee)) return undefined;
  const def = LAYERS.find((l) => l.name === callee.name);
  if (!def) {
    ctx.report(diagnostic("KD3054", callee.span, { name: callee.name, layers: LAYER_NAMES.join(", "), suggestion: suggest(callee.name, LAYER_NAMES) }, {
      fix: suggestion(callee.name) ? { span: callee.span, replacement: suggestion(callee.name)! } : undefined,
    }));
    if (node.kind === "CallExpression") for (const a of node.args) ctx.check(a.value);
    return undefined;
  }
  const call: CallExpression = node.kind === "CallExpression" ? node : { kind: "CallExpression", callee, args: [], span: node.span };
  const args = call.args.map((a) => ctx.check(a.value));
  const bound = bindArguments(call, def, args, ctx.report);
  if (!bound) return undefined;
  const int = (name: string, min: number): number | undefined => {
    const a = bound.get(name);
    if (!a || a.type.kind === "error") return undefined;
    if (!isNumber(a.value) || !Number.isInteger(a.value)) {
      ctx.report(diagnostic("KD4001", a.node?.span ?? call.span, { what: `\`${name}\` of \`${def.name}\`` }));
      return undefined;
    }
    if (a.node && a.value < min) {
      ctx.report(diagnostic("KD3008", a.node.span, { what: `\`${name}\``, value: `at least ${min}, not ${a.value}` }));
      return undefined;
    }
    return a.value;
  };
  const values = { out: int("out", 1), kernel: int("kernel", 1), stride: int("stride", 1), size: int("size", 1) };
  // A failed argument was reported; `out` written is never INFERRED (it is at least 1).
  for (const p of def.params) if (values[p.name as keyof typeof values] === undefined) return undefined;
  return { def, node, out: values.out === INFERRED ? undefined : values.out, kernel: values.kernel ?? 1, stride: values.stride ?? 1, size: values.size ?? 2 };
}

function suggestion(name: string): string | undefined {
  return suggest(name, LAYER_NAMES);
}

/**
 * Infers every layer's shape from `input` (batch axis included). With a `target` (an adapter's
 * `like`), the last weighted layer without `out` takes the target's last size, provided nothing
 * after it reshapes; the result must have the target's shape. `applied` labels where the pipeline
 * meets its input (for a module declared elsewhere). Undefined when a mistake was reported.
 */
export function inferPipeline(
  steps: readonly Step[],
  input: readonly Dim[],
  target: readonly Dim[] | undefined,
  ctx: PipelineContext,
  applied: { readonly span: Span; readonly what: string },
): PipelineInfo | undefined {
  const label: Label[] = [{ span: applied.span, message: `${applied.what} is applied here to ${showShape(input)}` }];
  const labelled = (d: Diagnostic): Diagnostic => (d.span && d.span.file === applied.span.file && d.span.start >= applied.span.start && d.span.end <= applied.span.end ? d : { ...d, labels: [...d.labels, ...label] });
  const example = input.slice(1);
  if (input.length < 2 || !example.every((d): d is number => typeof d === "number")) {
    ctx.report(diagnostic("KD3007", applied.span, { context: `${applied.what} reads tensors whose sizes are known`, expected: "[B, …] with every size after B known", found: showShape(input) }));
    return undefined;
  }
  const lastWeighted = steps.map((s) => s.def.weighted === true).lastIndexOf(true);
  const reshapesAfter = (i: number) => steps.slice(i + 1).some((s) => s.def.name === "flatten");
  let shape: readonly Dim[] = input;
  const layers: IrLayer[] = [];
  let parameters = 0;
  for (const [i, step] of steps.entries()) {
    const rank = shape.length;
    const wrongRank = (expected: string): undefined => {
      ctx.report(labelled(diagnostic("KD3055", step.node.span, { layer: step.def.name, expected, found: showShape(shape) })));
      return undefined;
    };
    const last = shape[rank - 1];
    let out = step.out;
    if (step.def.weighted && out === undefined) {
      const width = target?.[target.length - 1];
      if (target && i === lastWeighted && !reshapesAfter(i) && typeof width === "number") out = width;
      else {
        const why = !target
          ? "a `module` has no target to take its width from"
          : i !== lastWeighted
            ? "only the last weighted layer of `via` takes `like`'s width"
            : "a later `flatten` changes the width `like` gives";
        ctx.report(diagnostic("KD3056", step.node.span, { layer: step.def.name, why }));
        return undefined;
      }
    }
    switch (step.def.name) {
      case "linear": {
        if (rank !== 2 || typeof last !== "number") return wrongRank("[B, F]");
        layers.push({ kind: "linear", in: last, out: out! });
        parameters += last * out! + out!;
        shape = [shape[0]!, out!];
        break;
      }
      case "conv": {
        if (rank !== 4 || typeof last !== "number") return wrongRank("images [B, H, W, C]");
        const [b, h, w] = shape as [Dim, number, number];
        layers.push({ kind: "conv", kernel: step.kernel, in: last, out: out!, stride: step.stride });
        parameters += step.kernel * step.kernel * last * out! + out!;
        shape = [b, Math.ceil(h / step.stride), Math.ceil(w / step.stride), out!];
        break;
      }
      case "batchnorm": {
        if ((rank !== 2 && rank !== 4) || typeof last !== "number") return wrongRank("[B, F] or [B, H, W, C]");
        layers.push({ kind: "batchnorm", channels: last });
        parameters += 4 * last;
        break;
      }
      case "avg_pool": {
        if (rank !== 4) return wrongRank("images [B, H, W, C]");
        const [b, h, w, c] = shape as [Dim, number, number, Dim];
        if (step.size > Math.min(h, w)) {
          ctx.report(labelled(diagnostic("KD3008", step.node.span, { what: "the pooling `size`", value: `at most the image's height and width (${h}×${w}), not ${step.size}` })));
          return undefined;
        }
        layers.push({ kind: "avg_pool", size: step.size });
        shape = [b, Math.floor(h / step.size), Math.floor(w / step.size), c];
        break;
      }
      case "flatten": {
        layers.push({ kind: "flatten" });
        shape = [shape[0]!, (shape.slice(1) as number[]).reduce((a, d) => a * d, 1)];
        break;
      }
      case "relu":
      case "gelu":
      case "tanh":
        layers.push({ kind: step.def.name });
        break;
    }
  }
  if (target && !sameShape(shape, target)) {
    ctx.report(diagnostic("KD3007", applied.span, { context: `the layers of \`via\` must give \`like\`'s shape`, expected: showShape(target), found: showShape(shape) }));
    return undefined;
  }
  return { input: example, output: shape, layers, parameters, appliedAt: applied.span };
}

/** Equal ranks and equal sizes after the batch axis (a symbolic size matches anything). */
function sameShape(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => i === 0 || typeof d !== "number" || typeof b[i] !== "number" || d === b[i]);
}

/** A module's input must match the shape its first application fixed. */
export function sameInput(info: PipelineInfo, shape: readonly Dim[]): boolean {
  return shape.length === info.input.length + 1 && info.input.every((d, i) => shape[i + 1] === d);
}
