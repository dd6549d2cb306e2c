// Modules (`module m = …`) and structured adapters (`project(…, via: …)`) layer by layer: each
// layer's output shape and parameter count, as compiler/check/pipeline.ts inferred and counted them
// (batch norm counts its running mean and variance too, so the sum is the IR's `parameters`).
import type { IrLayer, IrProgram, IrShape, IrStage } from "../lower/ir.js";

export interface LayerExplanation {
  readonly layer: string;
  /** `[B, 392] → [B, 16]`. */
  readonly shape: string;
  readonly parameters: number;
  /** Batch norm: how many of its parameters are trained and how many are running statistics. */
  readonly note?: string;
}

export interface PipelineExplanation {
  readonly shape: string;
  readonly parameters: number;
  readonly layers: readonly LayerExplanation[];
}

const shapeText = (s: readonly number[]) => `[B, ${s.join(", ")}]`;

/** One layer as a recipe writes it, every size inferred (`linear(out: 16)`, `conv(kernel: 1, out: 16)`). */
function layerText(l: IrLayer): string {
  switch (l.kind) {
    case "linear":
      return `linear(out: ${l.out})`;
    case "conv":
      return `conv(kernel: ${l.kernel}, out: ${l.out}${l.stride !== 1 ? `, stride: ${l.stride}` : ""})`;
    case "avg_pool":
      return `avg_pool(size: ${l.size})`;
    default:
      return l.kind;
  }
}

function step(l: IrLayer, input: readonly number[]): { output: readonly number[]; parameters: number } {
  switch (l.kind) {
    case "linear":
      return { output: [l.out], parameters: l.in * l.out + l.out };
    case "conv": {
      const [h = 1, w = 1] = input;
      return { output: [Math.ceil(h / l.stride), Math.ceil(w / l.stride), l.out], parameters: l.kernel * l.kernel * l.in * l.out + l.out };
    }
    case "batchnorm":
      return { output: input, parameters: 4 * l.channels };
    case "avg_pool": {
      const [h = 1, w = 1, c = 1] = input;
      return { output: [Math.floor(h / l.size), Math.floor(w / l.size), c], parameters: 0 };
    }
    case "flatten":
      return { output: [input.reduce((a, d) => a * d, 1)], parameters: 0 };
    default:
      return { output: input, parameters: 0 };
  }
}

/** A pipeline reading [B, ...input]: its layers with their shapes, and the shape it gives. */
export function explainLayers(input: readonly number[], layers: readonly IrLayer[]): PipelineExplanation & { readonly output: readonly number[] } {
  let shape = input;
  const out: LayerExplanation[] = [];
  for (const l of layers) {
    const next = step(l, shape);
    const note = l.kind === "batchnorm" ? `${2 * l.channels} trained (scale, offset), ${2 * l.channels} running statistics (mean, variance)` : undefined;
    out.push({ layer: layerText(l), shape: `${shapeText(shape)} → ${shapeText(next.output)}`, parameters: next.parameters, ...(note ? { note } : {}) });
    shape = next.output;
  }
  return { shape: `${shapeText(input)} → ${shapeText(shape)}`, parameters: out.reduce((a, l) => a + l.parameters, 0), layers: out, output: shape };
}

/** The shape a module or structured adapter gives (`apply` in an objective). */
export function appliedShape(name: string, ir: IrProgram, stage: IrStage): IrShape | undefined {
  const module = ir.modules?.find((m) => m.name === name);
  if (module) return ["B", ...module.output];
  const adapter = stage.adapters.find((a) => a.name === name);
  if (adapter?.input && adapter.layers) return ["B", ...explainLayers(adapter.input, adapter.layers).output];
  return undefined;
}
