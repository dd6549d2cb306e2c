// An IR optimizer as the runtime builder call the trainer makes, every hyper-parameter spelt out.
// The decay exclusions are written only where there is decay for them to act on.
import type { IrOptimizer } from "../lower/ir.js";
import { number } from "./expressions.js";
import { stringLiteral } from "./names.js";

/** `lr` is the learning rate already emitted as a schedule. */
export function emitOptimizer(o: IrOptimizer, lr: string): string {
  const fields: string[] = [`lr: ${lr}`];
  switch (o.kind) {
    case "sgd":
      fields.push(`momentum: ${number(o.momentum)}`, `nesterov: ${o.nesterov}`);
      break;
    case "adam":
    case "adamw":
      fields.push(`beta1: ${number(o.beta1)}`, `beta2: ${number(o.beta2)}`, `epsilon: ${number(o.epsilon)}`);
      break;
    case "rmsprop":
      fields.push(`alpha: ${number(o.alpha)}`, `epsilon: ${number(o.epsilon)}`, `momentum: ${number(o.momentum)}`, `centered: ${o.centered}`);
      break;
  }
  fields.push(`weightDecay: ${number(o.weightDecay)}`);
  if (o.weightDecay > 0) fields.push(`excludeFromDecay: kd.optim.decayExclusions([${o.excludeFromDecay.map(stringLiteral).join(", ")}])`);
  return `kd.optim.${o.kind}({ ${fields.join(", ")} })`;
}
