// The symbolic shape of a tensor term in a stage's objective ([B, 10]) and its concrete shape for
// that stage ([128, 10] with B = batch, T = the split's sequence length).
import type { IrExpr, IrProgram, IrShape, IrSplit, IrStage } from "../lower/ir.js";
import { appliedShape } from "./layers.js";

export interface TermShape {
  readonly symbolic: string;
  readonly concrete: string;
}

export function splitOf(ir: IrProgram, ref: { dataset: string; split: string }): IrSplit | undefined {
  return ir.datasets.find((d) => d.name === ref.dataset)?.splits.find((s) => s.name === ref.split);
}

/** The declared model an expression names (a stage's `reference` names a snapshot of one). */
export function modelName(e: IrExpr, stage: IrStage): string | undefined {
  if (e.op !== "model") return undefined;
  return stage.reference?.name === e.name ? stage.reference.model : e.name;
}

export function shapeOf(e: IrExpr, ir: IrProgram, stage: IrStage): IrShape | undefined {
  const split = splitOf(ir, stage.data);
  switch (e.op) {
    case "tap": {
      const model = ir.models.find((m) => m.name === modelName(e.model, stage));
      return model?.taps[`${e.tap}${e.index !== undefined ? `[${e.index}]` : ""}`];
    }
    case "labels":
      return ["B"];
    case "input":
      return split?.kind ? ["B", "T"] : ["B", split?.features ?? "F"];
    case "adapt":
      return ["B", stage.adapters.find((a) => a.name === e.adapter)?.outFeatures ?? "F"];
    case "apply":
      return appliedShape(e.module, ir, stage);
    case "mixture":
    case "routed":
      return e.parts.length > 0 ? shapeOf(e.parts[0]!, ir, stage) : undefined;
    case "model": {
      // Models passed whole to token losses: their next-token logits.
      const model = ir.models.find((m) => m.name === modelName(e, stage));
      return model?.builtin === "transformer" ? ["B", "T", model.classes] : undefined;
    }
    case "binary":
      return e.kind === "tensor" ? shapeOf(e.left, ir, stage) ?? shapeOf(e.right, ir, stage) : undefined;
    case "neg":
      return e.kind === "tensor" ? shapeOf(e.operand, ir, stage) : undefined;
    case "primitive":
    case "preference":
    case "taid":
      return [];
    default:
      return undefined;
  }
}

export function describeShape(shape: IrShape, ir: IrProgram, stage: IrStage): TermShape {
  const split = splitOf(ir, stage.data);
  const sizes: Record<string, number | undefined> = { B: stage.batch, T: split?.context ?? (split?.kind ? split.features : undefined) };
  const concrete = shape.map((d) => (typeof d === "string" ? sizes[d] ?? d : d));
  return { symbolic: `[${shape.join(", ")}]`, concrete: `[${concrete.join(", ")}]` };
}
