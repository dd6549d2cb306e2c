// The shape of every tap a model offers (`logits` [B, 10], `hidden[0]` [B, 32]), as the checker
// typed them, so that tools reading only the IR (`kdc explain`) can state the shapes of the tensors
// an objective reads.
import { modelTap, modelTapNames } from "../check/builtins-models.js";
import type { ModelInfo } from "../check/types.js";
import type { IrShape } from "./ir.js";

export function modelTapShapes(info: ModelInfo): Record<string, IrShape> {
  const out: Record<string, IrShape> = {};
  for (const name of modelTapNames(info)) {
    const whole = modelTap(info, name);
    if (whole?.kind === "tensor" && whole.shape) out[name] = whole.shape;
    if (whole?.kind !== "taps") continue;
    const count = whole.widths?.length ?? whole.shapes?.length ?? 0;
    for (let i = 0; i < count; i++) {
      const one = modelTap(info, name, i);
      if (one?.kind === "tensor" && one.shape) out[`${name}[${i}]`] = one.shape;
    }
  }
  return out;
}
